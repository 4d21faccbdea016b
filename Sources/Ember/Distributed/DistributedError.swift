// What can go wrong between processes: a typed error with a clear message, never a crash or a hang.

/// A failure of distributed training: no MPI or NCCL, no process group, the libraries' own errors, a peer that never
/// answered.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// The communication library could not be loaded (`backend` is "MPI" or "NCCL").
    case unavailable(backend: String, reason: String)
    /// A collective or a query before `Distributed.initProcessGroup`.
    case notInitialized
    /// `initProcessGroup` while a group is already running.
    case alreadyInitialized
    /// An MPI call returned an error code; `message` is MPI's description.
    case mpi(call: String, code: Int32, message: String)
    /// An NCCL call returned an error code; `message` is NCCL's description.
    case nccl(call: String, code: Int32, message: String)
    /// A collective did not complete within the group's timeout: another rank died, hung or never called it.
    case timeout(operation: String, seconds: Double)
    /// A collective earlier in this process failed, which leaves the group unusable.
    case broken(reason: String)
    /// `ember launch` (or `Distributed.launch`) could not start the processes.
    case launch(String)

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case let .unavailable(backend, reason):
            return "\(backend) is not available: \(reason)"
        case .notInitialized:
            return "Default process group has not been initialized, please make sure to call init_process_group "
                + "(Distributed.initProcessGroup)."
        case .alreadyInitialized:
            return "trying to initialize the default process group twice!"
        case let .mpi(call, code, message):
            return "\(call) failed: \(message) (MPI error \(code))"
        case let .nccl(call, code, message):
            return "\(call) failed: \(message) (NCCL error \(code))"
        case let .timeout(operation, seconds):
            return "\(operation) did not complete within the process group's timeout of \(seconds) s: another rank died, "
                + "hung or did not call it"
        case let .broken(reason):
            return "the process group can no longer be used: \(reason)"
        case let .launch(message):
            return message
        }
    }
}
