// `torch.distributed`: the default process group and its collectives, over MPI or NCCL.
import Foundation

/// Training across processes and machines (`torch.distributed`), on Open MPI for CPU tensors or NCCL for CUDA
/// tensors. Start the processes with `ember launch -n 4 <program>` (or `mpirun`), then in each one:
///
/// ```swift
/// try Distributed.initProcessGroup(backend: .mpi)
/// let total = Tensor([Float(Distributed.rank)])
/// try Distributed.allReduce(total)            // 0 + 1 + 2 + 3 on every rank
/// try Distributed.destroyProcessGroup()
/// ```
///
/// Collectives take contiguous tensors on the group's device (the CPU for MPI; for NCCL the GPU that was current when
/// the group started), write their results in place, and block until done unless `asyncOp` is true; then they
/// return at once and the `Work` they return completes later. On NCCL a collective is queued on the GPU's stream
/// in order with Ember's kernels, so the tensors it writes can be used by later ops at once. Every rank must call
/// the same collectives in the same order. A collective that does not complete within the group's timeout (a rank
/// died, hung or never called it) throws `DistributedError.timeout` and leaves the group unusable.
public enum Distributed {
    /// The communication library of a process group.
    public enum Backend: String, Sendable {
        /// Open MPI, for CPU tensors, from one machine to many.
        case mpi
        /// NVIDIA's NCCL, for CUDA tensors.
        case nccl
    }

    /// How a reducing collective combines the ranks' values (`ReduceOp`). `average` divides the sum by the number of
    /// ranks (integers truncate); bool tensors take `sum` and `max` as *or*, `product` and `min` as *and*.
    public enum ReduceOp: Sendable {
        /// The sum, the product, the minimum, the maximum or the mean of the ranks' tensors.
        case sum, product, min, max, average
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: ProcessGroup?

    /// Whether Open MPI can be loaded (`is_mpi_available`).
    public static var isMPIAvailable: Bool { (try? MPILibrary.shared.get()) != nil }

    /// Whether NCCL can be loaded (`is_nccl_available`); a group on it also needs a GPU (`Ember.cuda.isAvailable`).
    public static var isNCCLAvailable: Bool { (try? NCCLLibrary.shared.get()) != nil }

    /// Whether a process group is running (`is_initialized`).
    public static var isInitialized: Bool { group != nil }

    /// Joins the processes started together by `mpirun` or `ember launch` (`init_process_group`); a process started
    /// alone forms a group of one. `timeout` bounds every collective, in seconds (PyTorch's default: 30 minutes).
    /// With `.nccl`, call `Ember.cuda.setDevice(Distributed.localRank)` first: the group's GPU is the current one, and
    /// the ranks meet through the MPI job (a process started alone needs no MPI). Throws when the library (or, for
    /// NCCL, a GPU) is missing, a group is already running, or the library fails to start. A group still running when the
    /// program exits is left as `destroyProcessGroup` leaves it (waiting at most `timeout` for the other ranks), unless
    /// a collective is under way (an error ended the program): then mpirun sees the rank end abnormally and stops the
    /// others.
    public static func initProcessGroup(backend: Backend = .mpi, timeout: Double = 1800) throws {
        lock.lock(); defer { lock.unlock() }
        guard current == nil else { throw DistributedError.alreadyInitialized }
        switch backend {
        case .mpi: current = try MPIProcessGroup.join(timeout: timeout)
        case .nccl: current = try NCCLProcessGroup.join(timeout: timeout)
        }
        atexit { Distributed.leaveAtExit() }
    }

    /// Finishes the queued collectives and leaves the group (`destroy_process_group`); MPI cannot start again in
    /// this process afterwards.
    public static func destroyProcessGroup() throws {
        lock.lock(); defer { lock.unlock() }
        guard let group = current else { throw DistributedError.notInitialized }
        current = nil
        try group.destroy().wait()
    }

    /// Destroys a running, idle group as the program exits, waiting for the other ranks to leave at most the group's
    /// timeout (a rank that exits early waits for the others; one that exits while they are blocked in a collective
    /// gives up, and mpirun stops the job).
    private static func leaveAtExit() {
        lock.lock()
        guard let group = current, group.isIdle else { lock.unlock(); return }
        current = nil
        lock.unlock()
        _ = group.destroy().finishes(within: group.timeout)
    }

    /// This process's rank in the group, 0 to `worldSize - 1` (`get_rank`).
    public static var rank: Int { requireGroup("get_rank").rank }

    /// The number of processes in the group (`get_world_size`).
    public static var worldSize: Int { requireGroup("get_world_size").worldSize }

    /// The communication library of the running group (`get_backend`).
    public static var backend: Backend { requireGroup("get_backend").backend }

    /// This process's rank among the group's processes on its machine (torchrun's `LOCAL_RANK`), from the launch
    /// environment; 0 when started alone.
    public static var localRank: Int {
        let environment = ProcessInfo.processInfo.environment
        return (environment["LOCAL_RANK"] ?? environment["OMPI_COMM_WORLD_LOCAL_RANK"]).flatMap { Int($0) } ?? 0
    }

    static var group: ProcessGroup? {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    private static func requireGroup(_ op: String, file: StaticString = #fileID, line: UInt = #line) -> ProcessGroup {
        guard let group else { fail(op, DistributedError.notInitialized.description, file: file, line: line) }
        return group
    }

    // MARK: Collectives

    /// Combines `tensor` across the ranks with `op` and leaves the result in every rank's `tensor` (`all_reduce`).
    @discardableResult
    public static func allReduce(_ tensor: Tensor, op: ReduceOp = .sum, asyncOp: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(tensor, group, "all_reduce", file: file, line: line)
        return try complete(group.allReduce(reducible(tensor, op, "all_reduce", file: file, line: line), op), asyncOp)
    }

    /// Copies rank `src`'s `tensor` into every rank's `tensor` (`broadcast`).
    @discardableResult
    public static func broadcast(_ tensor: Tensor, src: Int, asyncOp: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(tensor, group, "broadcast", file: file, line: line)
        checkRank(src, group, "broadcast", file: file, line: line)
        return try complete(group.broadcast(tensor, root: src), asyncOp)
    }

    /// Fills `tensorList[r]` with rank r's `tensor` on every rank (`all_gather`).
    @discardableResult
    public static func allGather(_ tensorList: [Tensor], _ tensor: Tensor, asyncOp: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkList(tensorList, like: tensor, group, "all_gather", file: file, line: line)
        checkMessage(tensor, group, "all_gather", file: file, line: line)
        let gathered = Tensor.empty([group.worldSize * tensor.numel], dtype: tensor.dtype, device: group.device)
        return try complete(group.allGather(gathered, tensor) { split(gathered, into: tensorList) }, asyncOp)
    }

    /// Fills `output` with the ranks' `input`s one after another along its first dimension
    /// (`all_gather_into_tensor`); `output` has `worldSize` times `input`'s elements.
    @discardableResult
    public static func allGatherIntoTensor(_ output: Tensor, _ input: Tensor, asyncOp: Bool = false,
                                           file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(input, group, "all_gather_into_tensor", file: file, line: line)
        checkOperand(output, group, "all_gather_into_tensor", file: file, line: line)
        checkSizes(output, group.worldSize, input, "all_gather_into_tensor", file: file, line: line)
        checkMessage(input, group, "all_gather_into_tensor", file: file, line: line)
        return try complete(group.allGather(output, input) {}, asyncOp)
    }

    /// Reduces `inputList[r]` across the ranks with `op` into rank r's `output` (`reduce_scatter`).
    @discardableResult
    public static func reduceScatter(_ output: Tensor, _ inputList: [Tensor], op: ReduceOp = .sum, asyncOp: Bool = false,
                                     file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkList(inputList, like: output, group, "reduce_scatter", file: file, line: line)
        return try reduceScatter(output, Tensor.cat(inputList.map { $0.reshape([-1]) }), op, group, asyncOp, "reduce_scatter",
                                 file: file, line: line)
    }

    /// Reduces `input` across the ranks with `op` and gives rank r the r-th of its `worldSize` equal parts along the
    /// first dimension, in `output` (`reduce_scatter_tensor`).
    @discardableResult
    public static func reduceScatterTensor(_ output: Tensor, _ input: Tensor, op: ReduceOp = .sum, asyncOp: Bool = false,
                                           file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(input, group, "reduce_scatter_tensor", file: file, line: line)
        checkOperand(output, group, "reduce_scatter_tensor", file: file, line: line)
        checkSizes(input, group.worldSize, output, "reduce_scatter_tensor", file: file, line: line)
        return try reduceScatter(output, input, op, group, asyncOp, "reduce_scatter_tensor", file: file, line: line)
    }

    /// Gathers every rank's `tensor` into `gatherList` on rank `dst`, which alone passes the list (`gather`).
    @discardableResult
    public static func gather(_ tensor: Tensor, gatherList: [Tensor]? = nil, dst: Int = 0, asyncOp: Bool = false,
                              file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkRank(dst, group, "gather", file: file, line: line)
        let list = rootList(gatherList, like: tensor, isRoot: group.rank == dst, group, "gather", "gather_list", file: file, line: line)
        checkMessage(tensor, group, "gather", file: file, line: line)
        let gathered = list.map { _ in Tensor.empty([group.worldSize * tensor.numel], dtype: tensor.dtype, device: group.device) }
        return try complete(group.gather(tensor, into: gathered, root: dst) {
            if let gathered, let list { split(gathered, into: list) }
        }, asyncOp)
    }

    /// Sends `scatterList[r]`, given on rank `src` alone, to rank r's `tensor` (`scatter`).
    @discardableResult
    public static func scatter(_ tensor: Tensor, scatterList: [Tensor]? = nil, src: Int = 0, asyncOp: Bool = false,
                               file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkRank(src, group, "scatter", file: file, line: line)
        let list = rootList(scatterList, like: tensor, isRoot: group.rank == src, group, "scatter", "scatter_list",
                            file: file, line: line)
        checkMessage(tensor, group, "scatter", file: file, line: line)
        return try complete(group.scatter(tensor, from: list.map { Tensor.cat($0.map { $0.reshape([-1]) }) }, root: src), asyncOp)
    }

    /// Returns once every rank has called it (`barrier`).
    @discardableResult
    public static func barrier(asyncOp: Bool = false) throws -> Work {
        try complete(runningGroup().barrier(), asyncOp)
    }

    // MARK: Helpers

    static func runningGroup() throws(DistributedError) -> ProcessGroup {
        guard let group else { throw .notInitialized }
        return group
    }

    /// `work`, waited for unless `asyncOp`.
    private static func complete(_ work: Work, _ asyncOp: Bool) throws -> Work {
        if !asyncOp { try work.wait() }
        return work
    }

    private static func reduceScatter(_ output: Tensor, _ input: Tensor, _ op: ReduceOp, _ group: ProcessGroup, _ asyncOp: Bool,
                                      _ name: String, file: StaticString, line: UInt) throws -> Work {
        checkMessage(output, group, name, file: file, line: line)
        let work = group.reduceScatter(reducible(output, op, name, file: file, line: line),
                                       reducible(input, op, name, file: file, line: line), op)
        return try complete(work, asyncOp)
    }

    /// `tensor` as the libraries reduce it: complex numbers as their real and imaginary parts, which only the sum and
    /// the mean combine alike; stops for a reduction the dtype has no meaning for.
    private static func reducible(_ tensor: Tensor, _ op: ReduceOp, _ name: String, file: StaticString, line: UInt) -> Tensor {
        check(!(tensor.dtype == .bool && op == .average), name, "ReduceOp.average is not supported for bool tensors",
              file: file, line: line)
        guard tensor.isComplex else { return tensor }
        check(op == .sum || op == .average, name, "all_reduce does not support \(op) on complex tensors", file: file, line: line)
        return tensor.viewAsReal()
    }

    /// Stops unless `tensor` is contiguous and on the group's device, as the libraries read and write memory in place.
    static func checkOperand(_ tensor: Tensor, _ group: ProcessGroup, _ op: String, file: StaticString, line: UInt) {
        let expected = group.backend == .mpi ? "the MPI backend takes CPU tensors (got one on \(tensor.device)); NCCL reduces CUDA "
            + "tensors" : "the NCCL backend takes tensors on \(group.device), the process group's GPU (got one on \(tensor.device))"
        check(tensor.device == group.device, op, expected, file: file, line: line)
        check(tensor.isContiguous, op, "Tensors must be contiguous (got one of shape \(shapeText(tensor.shape)) and strides "
              + "\(shapeText(tensor.strides)))", file: file, line: line)
    }

    private static func checkRank(_ root: Int, _ group: ProcessGroup, _ op: String, file: StaticString, line: UInt) {
        check(root >= 0 && root < group.worldSize, op, "Invalid root rank \(root): the group has ranks 0 to \(group.worldSize - 1)",
              file: file, line: line)
    }

    /// Stops unless `list` holds one tensor per rank, each of `tensor`'s shape and dtype, all usable by the group.
    private static func checkList(_ list: [Tensor], like tensor: Tensor, _ group: ProcessGroup, _ op: String,
                                  file: StaticString, line: UInt) {
        checkOperand(tensor, group, op, file: file, line: line)
        check(list.count == group.worldSize, op, "the list holds \(list.count) tensors; the group has \(group.worldSize) ranks",
              file: file, line: line)
        for member in list {
            checkOperand(member, group, op, file: file, line: line)
            check(member.shape == tensor.shape && member.dtype == tensor.dtype, op, "every tensor of the list must have the shape "
                  + "\(shapeText(tensor.shape)) and dtype \(tensor.dtype) (got \(shapeText(member.shape)), \(member.dtype))",
                  file: file, line: line)
        }
    }

    /// The list of a rooted collective: required on the root, refused elsewhere (nil there).
    private static func rootList(_ list: [Tensor]?, like tensor: Tensor, isRoot: Bool, _ group: ProcessGroup, _ op: String,
                                 _ argument: String, file: StaticString, line: UInt) -> [Tensor]? {
        checkOperand(tensor, group, op, file: file, line: line)
        guard isRoot else {
            check(list?.isEmpty ?? true, op, "Argument \(argument) must NOT be specified on non-root ranks.", file: file, line: line)
            return nil
        }
        guard let list else { fail(op, "Argument \(argument) must be specified on the root rank.", file: file, line: line) }
        checkList(list, like: tensor, group, op, file: file, line: line)
        return list
    }

    /// Stops unless `whole` has `parts` times the elements of `part`, of its dtype.
    private static func checkSizes(_ whole: Tensor, _ parts: Int, _ part: Tensor, _ op: String, file: StaticString, line: UInt) {
        check(whole.numel == parts * part.numel && whole.dtype == part.dtype, op, "expected \(parts) × \(part.numel) elements of "
              + "\(part.dtype), got \(whole.numel) of \(whole.dtype)", file: file, line: line)
    }

    /// Stops when one rank's share, `tensor`, exceeds what the group's library sends in one message (MPI's `int`).
    private static func checkMessage(_ tensor: Tensor, _ group: ProcessGroup, _ op: String, file: StaticString, line: UInt) {
        let bytes = tensor.numel * tensor.dtype.itemSize
        guard let limit = group.messageLimit, bytes > limit else { return }
        fail(op, "\(bytes) bytes per rank exceed one MPI message (2 GiB); split the tensor", file: file, line: line)
    }

    /// Copies consecutive parts of the contiguous `whole` into the tensors of `parts`, once the collective has put
    /// them there.
    private static func split(_ whole: Tensor, into parts: [Tensor]) {
        noGrad {
            var offset = 0
            for part in parts {
                part.copy_(whole.narrow(0, start: offset, length: part.numel).view(part.shape))
                offset += part.numel
            }
        }
    }
}
