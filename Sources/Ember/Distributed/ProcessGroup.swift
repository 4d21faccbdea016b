// What every backend of a process group does: the collectives, on tensors `Distributed` has already checked.

/// A running process group on one communication library (PyTorch's `ProcessGroup`, with `ProcessGroupMPI` and
/// `ProcessGroupNCCL` behind it). Its collectives take contiguous tensors on `device` of one dtype, run in the order
/// they were called, write their results in place and return at once; the `Work` completes when the result is
/// there, or throws the collective's failure (a timeout after `timeout` seconds), after which the group refuses the
/// rest. A collective's `then` runs once its result is in place, before the work completes.
protocol ProcessGroup: AnyObject {
    /// The library the group runs on.
    var backend: Distributed.Backend { get }
    /// This process's rank, 0 to `worldSize - 1`.
    var rank: Int { get }
    /// The number of processes.
    var worldSize: Int { get }
    /// Seconds a collective may take.
    var timeout: Double { get }
    /// The device of the tensors the collectives take.
    var device: Device { get }
    /// The most bytes one rank may send in a single message, if the library limits them.
    var messageLimit: Int? { get }
    /// Whether no collective is queued or under way.
    var isIdle: Bool { get }

    /// Combines `tensor` across the ranks with `op`, in every rank's `tensor`.
    func allReduce(_ tensor: Tensor, _ op: Distributed.ReduceOp) -> Work
    /// Copies rank `root`'s `tensor` into every rank's.
    func broadcast(_ tensor: Tensor, root: Int) -> Work
    /// Fills `output` with the ranks' `input`s one after another.
    func allGather(_ output: Tensor, _ input: Tensor, then: @escaping () -> Void) -> Work
    /// Reduces `input` across the ranks with `op`; rank r receives the r-th of its `worldSize` parts in `output`.
    func reduceScatter(_ output: Tensor, _ input: Tensor, _ op: Distributed.ReduceOp) -> Work
    /// Fills rank `root`'s `output` (nil elsewhere) with the ranks' `input`s one after another.
    func gather(_ input: Tensor, into output: Tensor?, root: Int, then: @escaping () -> Void) -> Work
    /// Sends the r-th of `worldSize` parts of rank `root`'s `input` (nil elsewhere) to rank r's `output`.
    func scatter(_ output: Tensor, from input: Tensor?, root: Int) -> Work
    /// Completes once every rank has called it.
    func barrier() -> Work
    /// Leaves the group after every queued collective; completes when the library has let go.
    func destroy() -> Work
}
