// The NCCL backend of a process group: collectives on one GPU's tensors, queued on the current stream, where Ember's
// kernels run, each watched until the GPU has done it.
import CCUDA
import Foundation

/// The processes of one job, each with a GPU (`ProcessGroupNCCL`). The ranks meet through the MPI job that started
/// them, which carries NCCL's unique id from rank 0 to the others (a process started alone forms a group of one and
/// needs no MPI); the communicator lives on the GPU current when the group starts (`Ember.cuda.setDevice` first).
///
/// Collectives are queued on the calling thread's current stream of the GPU (`CUDAStream`; the default stream unless
/// changed), in order with the kernels before and after them there, so tensors need no synchronisation; their work
/// completes once the GPU has finished them, which a thread of the group watches. A collective that has not finished within `timeout` seconds (a rank died, hung or never called it), or
/// that NCCL reports failed, aborts the communicator, so the GPU is freed and the group refuses the rest.
final class NCCLProcessGroup: ProcessGroup, @unchecked Sendable {   // failure and isAborted guarded by lock
    let rank: Int
    let worldSize: Int
    let timeout: Double
    let device: Device
    var backend: Distributed.Backend { .nccl }
    var messageLimit: Int? { nil }

    private let nccl: NCCLLibrary
    private let ordinal: Int
    private let driver: CUDADriver
    private let context: CUDAContext
    private let communicator: ncclComm_t
    /// The MPI job through which the ranks met, left with this group; nil for a process started alone without MPI.
    private let bootstrap: MPIProcessGroup?
    /// Waits for each collective on the GPU, in the order they were queued.
    private let watchdog: CommunicationThread
    private let lock = NSLock()
    private var failure: DistributedError?
    private var isAborted = false

    private init(nccl: NCCLLibrary, driver: CUDADriver, context: CUDAContext, ordinal: Int, communicator: ncclComm_t,
                 bootstrap: MPIProcessGroup?, watchdog: CommunicationThread, rank: Int, worldSize: Int, timeout: Double) {
        (self.nccl, self.driver, self.context, self.communicator) = (nccl, driver, context, communicator)
        (self.bootstrap, self.watchdog, self.rank, self.worldSize, self.timeout) = (bootstrap, watchdog, rank, worldSize, timeout)
        (self.ordinal, device) = (ordinal, .cuda(ordinal))
    }

    /// The calling thread's current stream of the group's GPU, where its collectives are queued.
    private var stream: CUstream? { CUDAStream.currentHandle(ordinal) }

    /// Joins the job this process was started in, on the current GPU, within `timeout` seconds.
    static func join(timeout: Double) throws(DistributedError) -> NCCLProcessGroup {
        let nccl = try NCCLLibrary.shared.get()
        let cuda = CUDARuntime.shared
        if let reason = cuda.unavailableReason {
            throw .unavailable(backend: "NCCL", reason: "NCCL reduces CUDA tensors, and CUDA is not available: \(reason)")
        }
        let ordinal = cuda.currentDevice
        let driver: CUDADriver, context: CUDAContext
        do {
            (driver, context) = (try cuda.driver(forGPU: ordinal), try cuda.allocator(ordinal).context)
        } catch {
            throw .unavailable(backend: "NCCL", reason: "GPU \(ordinal) cannot be used: \(error)")
        }
        let bootstrap = try meet(timeout: timeout)
        let rank = bootstrap?.rank ?? 0, worldSize = bootstrap?.worldSize ?? 1
        let watchdog = CommunicationThread()
        do throws(DistributedError) {
            var id = ncclUniqueId()
            if rank == 0 { try nccl.check(nccl.getUniqueId(&id), "ncclGetUniqueId") }
            if let bootstrap, worldSize > 1 {
                let shared = Tensor.zeros([MemoryLayout<ncclUniqueId>.size], dtype: .uint8)
                withUnsafeBytes(of: &id) { shared.operand.address.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                try bootstrap.broadcast(shared, root: 0).wait()
                withUnsafeMutableBytes(of: &id) { $0.baseAddress!.copyMemory(from: shared.operand.address, byteCount: $0.count) }
            }
            // ncclCommInitRank returns once every rank has called it: on the watchdog, so that a missing rank times out.
            nonisolated(unsafe) var made: ncclComm_t?
            let work = watchdog.submit { [id] () throws(DistributedError) in
                context.makeCurrent()
                try nccl.check(nccl.commInitRank(&made, Int32(worldSize), id, Int32(rank)), "ncclCommInitRank")
            }
            guard work.finishes(within: timeout) else {
                throw .timeout(operation: "Joining the NCCL communicator (ncclCommInitRank)", seconds: timeout)
            }
            try work.wait()
            return NCCLProcessGroup(nccl: nccl, driver: driver, context: context, ordinal: ordinal, communicator: made!,
                                    bootstrap: bootstrap, watchdog: watchdog, rank: rank, worldSize: worldSize, timeout: timeout)
        } catch {
            watchdog.close()
            if let bootstrap { _ = bootstrap.destroy().finishes(within: timeout) }
            throw error
        }
    }

    /// The MPI job the ranks meet through, or nil for a process started alone where MPI is missing.
    private static func meet(timeout: Double) throws(DistributedError) -> MPIProcessGroup? {
        let error: SharedLibraryError
        switch MPILibrary.shared {
        case .success: return try MPIProcessGroup.join(timeout: timeout)
        case .failure(let failure): error = failure
        }
        let environment = ProcessInfo.processInfo.environment
        if let size = (environment["WORLD_SIZE"] ?? environment["OMPI_COMM_WORLD_SIZE"]).flatMap({ Int($0) }), size > 1 {
            throw .unavailable(backend: "NCCL", reason: "the \(size) processes of this job meet through Open MPI, which could not "
                               + "be loaded: \(error)")
        }
        return nil
    }

    var isIdle: Bool { watchdog.isIdle }

    // MARK: Collectives

    func allReduce(_ tensor: Tensor, _ op: Distributed.ReduceOp) -> Work {
        run("Distributed.allReduce", then: { tensor.bumpVersion() }) { communicator throws(DistributedError) in
            try nccl.check(nccl.allReduce(tensor.operand.address, tensor.operand.address, count(tensor), NCCLLibrary.dataType(tensor.dtype),
                                          NCCLLibrary.reduction(op, of: tensor.dtype), communicator, stream), "ncclAllReduce", communicator)
        }
    }

    func broadcast(_ tensor: Tensor, root: Int) -> Work {
        run("Distributed.broadcast", then: { tensor.bumpVersion() }) { communicator throws(DistributedError) in
            try nccl.check(nccl.broadcast(tensor.operand.address, tensor.operand.address, count(tensor), NCCLLibrary.dataType(tensor.dtype),
                                          Int32(root), communicator, stream), "ncclBroadcast", communicator)
        }
    }

    func allGather(_ output: Tensor, _ input: Tensor, then: @escaping () -> Void) -> Work {
        run("Distributed.allGather", then: { output.bumpVersion(); then() }) { communicator throws(DistributedError) in
            try nccl.check(nccl.allGather(input.operand.address, output.operand.address, count(input), NCCLLibrary.dataType(input.dtype),
                                          communicator, stream), "ncclAllGather", communicator)
        }
    }

    func reduceScatter(_ output: Tensor, _ input: Tensor, _ op: Distributed.ReduceOp) -> Work {
        run("Distributed.reduceScatter", then: { output.bumpVersion() }) { communicator throws(DistributedError) in
            try nccl.check(nccl.reduceScatter(input.operand.address, output.operand.address, count(output),
                                              NCCLLibrary.dataType(output.dtype), NCCLLibrary.reduction(op, of: output.dtype), communicator,
                                              stream), "ncclReduceScatter", communicator)
        }
    }

    /// As `torch.cuda.nccl.gather`: the root receives from every other rank in one NCCL group and copies its own part.
    func gather(_ input: Tensor, into output: Tensor?, root: Int, then: @escaping () -> Void) -> Work {
        run("Distributed.gather", then: { output?.bumpVersion(); then() }) { communicator throws(DistributedError) in
            try exchange(communicator, whole: output, mine: input, root: root, towardsRoot: true)
        }
    }

    /// As `torch.cuda.nccl.scatter`: the root sends every other rank its part in one NCCL group and copies its own.
    func scatter(_ output: Tensor, from input: Tensor?, root: Int) -> Work {
        run("Distributed.scatter", then: { output.bumpVersion() }) { communicator throws(DistributedError) in
            try exchange(communicator, whole: input, mine: output, root: root, towardsRoot: false)
        }
    }

    /// An all-reduce of one number on the GPU, as PyTorch's NCCL barrier: done once every rank has queued it.
    func barrier() -> Work {
        let token = Tensor.zeros([1], device: device)
        return run("Distributed.barrier") { communicator throws(DistributedError) in
            try nccl.check(nccl.allReduce(token.operand.address, token.operand.address, 1, NCCLLibrary.dataType(.float32), 0,
                                          communicator, stream), "ncclAllReduce", communicator)
        }
    }

    func destroy() -> Work {
        let work = watchdog.submit { [self] () throws(DistributedError) in
            context.makeCurrent()
            if !lock.withLock({ isAborted }) { try nccl.check(nccl.commDestroy(communicator), "ncclCommDestroy") }
            try bootstrap?.destroy().wait()
        }
        watchdog.close()
        return work
    }

    // MARK: Queueing and watching

    /// Queues `enqueue`'s NCCL calls on the GPU's stream (and `then`, in stream order after them), and returns work that
    /// the watchdog completes when the GPU has finished them.
    private func run(_ operation: String, then: () -> Void = {},
                     _ enqueue: (ncclComm_t) throws(DistributedError) -> Void) -> Work {
        let event: CUevent
        do throws(DistributedError) {
            if let failure = lock.withLock({ failure }) { throw .broken(reason: failure.description) }
            context.makeCurrent()
            try enqueue(communicator)
            then()
            event = try recordEvent()
        } catch {
            lock.withLock { failure = failure ?? error }
            let work = Work()
            work.finish(.failure(error))
            return work
        }
        return watchdog.submit { [self] () throws(DistributedError) in
            defer { _ = driver.eventDestroy(event) }
            try waitForGPU(event, operation)
        }
    }

    /// An event recorded on the stream after the queued collective.
    private func recordEvent() throws(DistributedError) -> CUevent {
        var event: CUevent?
        try cuda { () throws(CUDAError) in
            try driver.check(driver.eventCreate(&event, UInt32(CU_EVENT_DISABLE_TIMING)), "cuEventCreate")
            try driver.check(driver.eventRecord(event, stream), "cuEventRecord")
        }
        return event!
    }

    /// Waits until the GPU has passed `event`; when NCCL reports an error or `timeout` seconds pass, aborts the
    /// communicator, records the failure (the group's first stays) and throws it.
    private func waitForGPU(_ event: CUevent, _ operation: String) throws(DistributedError) {
        context.makeCurrent()
        do throws(DistributedError) {
            try CommunicationThread.poll(timeout: timeout, operation: operation) { () throws(DistributedError) in
                if try cuda({ () throws(CUDAError) in try driver.hasFinished(driver.eventQuery(event), "cuEventQuery") }) { return true }
                var asynchronous: ncclResult_t = NCCL_SUCCESS
                try nccl.check(nccl.commGetAsyncError(communicator, &asynchronous), "ncclCommGetAsyncError", communicator)
                if asynchronous != NCCL_IN_PROGRESS { try nccl.check(asynchronous, "\(operation) (NCCL)", communicator) }
                return false
            }
        } catch {
            lock.withLock {
                if !isAborted { _ = nccl.commAbort(communicator) }
                isAborted = true
                failure = failure ?? error
            }
            throw error
        }
    }

    /// Moves one part per rank between the root's `whole` (nil on the other ranks) and each rank's `mine`, towards the
    /// root (gather) or from it (scatter): sends and receives between `ncclGroupStart` and `ncclGroupEnd`, so they
    /// proceed together; the root copies its own part.
    private func exchange(_ communicator: ncclComm_t, whole: Tensor?, mine: Tensor, root: Int,
                          towardsRoot: Bool) throws(DistributedError) {
        func move(_ tensor: Tensor, _ peer: Int, sending: Bool) throws(DistributedError) {
            let type = NCCLLibrary.dataType(tensor.dtype), peer = Int32(peer)
            try nccl.check(sending ? nccl.send(tensor.operand.address, count(tensor), type, peer, communicator, stream)
                                   : nccl.recv(tensor.operand.address, count(tensor), type, peer, communicator, stream),
                           sending ? "ncclSend" : "ncclRecv", communicator)
        }
        try nccl.check(nccl.groupStart(), "ncclGroupStart")
        do throws(DistributedError) {
            if let whole {
                for (peer, part) in parts(of: whole, like: mine).enumerated() {
                    if peer != rank { try move(part, peer, sending: !towardsRoot); continue }
                    noGrad { towardsRoot ? part.copy_(mine.reshape(part.shape)) : mine.copy_(part.reshape(mine.shape)) }
                }
            } else {
                try move(mine, root, sending: towardsRoot)
            }
        } catch {
            _ = nccl.groupEnd()
            throw error
        }
        try nccl.check(nccl.groupEnd(), "ncclGroupEnd", communicator)
    }

    /// `whole`'s `worldSize` consecutive parts, each of `part`'s elements.
    private func parts(of whole: Tensor, like part: Tensor) -> [Tensor] {
        (0..<worldSize).map { whole.narrow(0, start: $0 * part.numel, length: part.numel) }
    }

    /// `tensor`'s elements as NCCL counts them: complex numbers as two.
    private func count(_ tensor: Tensor) -> Int { tensor.isComplex ? 2 * tensor.numel : tensor.numel }

    /// Runs driver calls, a failure of which breaks the group.
    private func cuda<R>(_ body: () throws(CUDAError) -> R) throws(DistributedError) -> R {
        do { return try body() } catch { throw .broken(reason: error.description) }
    }
}
