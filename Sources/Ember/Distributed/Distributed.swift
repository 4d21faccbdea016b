// `torch.distributed`: the default process group and its collectives over MPI.
import Foundation

/// Training across processes and machines (`torch.distributed`), on Open MPI. Start the processes with
/// `ember launch -n 4 <program>` (or `mpirun`), then in each one:
///
/// ```swift
/// try Distributed.initProcessGroup(backend: .mpi)
/// let total = Tensor([Float(Distributed.rank)])
/// try Distributed.allReduce(total)            // 0 + 1 + 2 + 3 on every rank
/// try Distributed.destroyProcessGroup()
/// ```
///
/// Collectives take CPU tensors that are contiguous, write their results in place, and block until done unless
/// `asyncOp` is true; then they return at once and the `Work` they return completes later. Every rank must call
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

    /// Whether a process group is running (`is_initialized`).
    public static var isInitialized: Bool { group != nil }

    /// Joins the processes started together by `mpirun` or `ember launch` (`init_process_group`); a process started
    /// alone forms a group of one. `timeout` bounds every collective, in seconds (PyTorch's default: 30 minutes).
    /// Throws when MPI is missing, a group is already running, or MPI fails to start. A group still running when the
    /// program exits is left as `destroyProcessGroup` leaves it (waiting at most `timeout` for the other ranks), unless
    /// a collective is under way (an error ended the program): then mpirun sees the rank end abnormally and stops the
    /// others.
    public static func initProcessGroup(backend: Backend = .mpi, timeout: Double = 1800) throws {
        lock.lock(); defer { lock.unlock() }
        guard current == nil else { throw DistributedError.alreadyInitialized }
        switch backend {
        case .mpi:
            current = try ProcessGroup.join(timeout: timeout)
            atexit { Distributed.leaveAtExit() }
        case .nccl:
            throw DistributedError.unavailable(backend: "NCCL", reason: "NCCL reduces CUDA tensors, and Ember's CUDA backend does "
                                               + "not run ops yet; use backend: .mpi")
        }
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
        checkOperand(tensor, "all_reduce", file: file, line: line)
        let buffer = ReductionBuffer(tensor, op, group.mpi, "all_reduce", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            for chunk in messageChunks(buffer.tensor.numel) {
                try group.complete("MPI_Iallreduce", operation: "Distributed.allReduce") { request in
                    group.mpi.allReduce(MPILibrary.inPlace, buffer.address(ofElement: chunk.start), chunk.count, buffer.type,
                                        buffer.op, communicator, request)
                }
            }
            buffer.finish(into: tensor, worldSize: group.worldSize)
        }
    }

    /// Copies rank `src`'s `tensor` into every rank's `tensor` (`broadcast`).
    @discardableResult
    public static func broadcast(_ tensor: Tensor, src: Int, asyncOp: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(tensor, "broadcast", file: file, line: line)
        checkRank(src, group, "broadcast", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            for chunk in messageChunks(tensor.numel * tensor.dtype.itemSize) {
                try group.complete("MPI_Ibcast", operation: "Distributed.broadcast") { request in
                    group.mpi.broadcast(tensor.operand.address + chunk.start, chunk.count, group.mpi.byte, Int32(src), communicator, request)
                }
            }
            tensor.bumpVersion()
        }
    }

    /// Fills `tensorList[r]` with rank r's `tensor` on every rank (`all_gather`).
    @discardableResult
    public static func allGather(_ tensorList: [Tensor], _ tensor: Tensor, asyncOp: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkList(tensorList, like: tensor, group, "all_gather", file: file, line: line)
        let gathered = Tensor.empty([group.worldSize * tensor.numel], dtype: tensor.dtype)
        let bytes = messageSize(tensor, "all_gather", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Iallgather", operation: "Distributed.allGather") { request in
                group.mpi.allGather(tensor.operand.address, bytes, group.mpi.byte, gathered.operand.address, bytes, group.mpi.byte, communicator,
                                    request)
            }
            split(gathered, into: tensorList)
        }
    }

    /// Fills `output` with the ranks' `input`s one after another along its first dimension
    /// (`all_gather_into_tensor`); `output` has `worldSize` times `input`'s elements.
    @discardableResult
    public static func allGatherIntoTensor(_ output: Tensor, _ input: Tensor, asyncOp: Bool = false,
                                           file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(input, "all_gather_into_tensor", file: file, line: line)
        checkOperand(output, "all_gather_into_tensor", file: file, line: line)
        checkSizes(output, group.worldSize, input, "all_gather_into_tensor", file: file, line: line)
        let bytes = messageSize(input, "all_gather_into_tensor", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Iallgather", operation: "Distributed.allGatherIntoTensor") { request in
                group.mpi.allGather(input.operand.address, bytes, group.mpi.byte, output.operand.address, bytes, group.mpi.byte, communicator,
                                    request)
            }
            output.bumpVersion()
        }
    }

    /// Reduces `inputList[r]` across the ranks with `op` into rank r's `output` (`reduce_scatter`).
    @discardableResult
    public static func reduceScatter(_ output: Tensor, _ inputList: [Tensor], op: ReduceOp = .sum, asyncOp: Bool = false,
                                     file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkList(inputList, like: output, group, "reduce_scatter", file: file, line: line)
        return try reduceScatter(output, Tensor.cat(inputList.map { $0.reshape([-1]) }), op, group, asyncOp,
                                 ("reduce_scatter", "Distributed.reduceScatter"), file: file, line: line)
    }

    /// Reduces `input` across the ranks with `op` and gives rank r the r-th of its `worldSize` equal parts along the
    /// first dimension, in `output` (`reduce_scatter_tensor`).
    @discardableResult
    public static func reduceScatterTensor(_ output: Tensor, _ input: Tensor, op: ReduceOp = .sum, asyncOp: Bool = false,
                                           file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkOperand(input, "reduce_scatter_tensor", file: file, line: line)
        checkOperand(output, "reduce_scatter_tensor", file: file, line: line)
        checkSizes(input, group.worldSize, output, "reduce_scatter_tensor", file: file, line: line)
        return try reduceScatter(output, input, op, group, asyncOp, ("reduce_scatter_tensor", "Distributed.reduceScatterTensor"),
                                 file: file, line: line)
    }

    /// Gathers every rank's `tensor` into `gatherList` on rank `dst`, which alone passes the list (`gather`).
    @discardableResult
    public static func gather(_ tensor: Tensor, gatherList: [Tensor]? = nil, dst: Int = 0, asyncOp: Bool = false,
                              file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkRank(dst, group, "gather", file: file, line: line)
        let list = rootList(gatherList, like: tensor, isRoot: group.rank == dst, group, "gather", "gather_list", file: file, line: line)
        let gathered = list.map { _ in Tensor.empty([group.worldSize * tensor.numel], dtype: tensor.dtype) }
        let bytes = messageSize(tensor, "gather", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Igather", operation: "Distributed.gather") { request in
                group.mpi.gather(tensor.operand.address, bytes, group.mpi.byte, gathered?.operand.address, bytes, group.mpi.byte, Int32(dst),
                                 communicator, request)
            }
            if let gathered, let list { split(gathered, into: list) }
        }
    }

    /// Sends `scatterList[r]`, given on rank `src` alone, to rank r's `tensor` (`scatter`).
    @discardableResult
    public static func scatter(_ tensor: Tensor, scatterList: [Tensor]? = nil, src: Int = 0, asyncOp: Bool = false,
                               file: StaticString = #fileID, line: UInt = #line) throws -> Work {
        let group = try runningGroup()
        checkRank(src, group, "scatter", file: file, line: line)
        let list = rootList(scatterList, like: tensor, isRoot: group.rank == src, group, "scatter", "scatter_list",
                            file: file, line: line)
        let joined = list.map { Tensor.cat($0.map { $0.reshape([-1]) }) }
        let bytes = messageSize(tensor, "scatter", file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Iscatter", operation: "Distributed.scatter") { request in
                group.mpi.scatter(joined?.operand.address, bytes, group.mpi.byte, tensor.operand.address, bytes, group.mpi.byte, Int32(src),
                                  communicator, request)
            }
            tensor.bumpVersion()
        }
    }

    /// Returns once every rank has called it (`barrier`).
    @discardableResult
    public static func barrier(asyncOp: Bool = false) throws -> Work {
        let group = try runningGroup()
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Ibarrier", operation: "Distributed.barrier") { group.mpi.barrier(communicator, $0) }
        }
    }

    // MARK: Helpers

    static func runningGroup() throws(DistributedError) -> ProcessGroup {
        guard let group else { throw .notInitialized }
        return group
    }

    /// Queues `body` on the group and, unless `asyncOp`, waits for it.
    static func run(_ group: ProcessGroup, _ asyncOp: Bool, _ body: @escaping (MPIHandle) throws(DistributedError) -> Void) throws -> Work {
        let work = group.enqueue(body)
        if !asyncOp { try work.wait() }
        return work
    }

    private static func reduceScatter(_ output: Tensor, _ input: Tensor, _ op: ReduceOp, _ group: ProcessGroup, _ asyncOp: Bool,
                                      _ names: (op: String, operation: String), file: StaticString, line: UInt) throws -> Work {
        let (name, operation) = names
        let source = ReductionBuffer(input, op, group.mpi, name, file: file, line: line)
        let result = ReductionBuffer(output, op, group.mpi, name, file: file, line: line)
        _ = messageSize(output, name, file: file, line: line)
        return try run(group, asyncOp) { communicator throws(DistributedError) in
            try group.complete("MPI_Ireduce_scatter_block", operation: operation) { request in
                group.mpi.reduceScatterBlock(source.tensor.operand.address, result.tensor.operand.address, Int32(output.numel), result.type,
                                             result.op, communicator, request)
            }
            result.finish(into: output, worldSize: group.worldSize)
        }
    }

    /// Stops unless `tensor` is a contiguous CPU tensor, as MPI reads and writes memory in place.
    static func checkOperand(_ tensor: Tensor, _ op: String, file: StaticString, line: UInt) {
        check(tensor.device == .cpu, op, "the MPI backend takes CPU tensors (got one on \(tensor.device)); NCCL reduces CUDA "
              + "tensors", file: file, line: line)
        check(tensor.isContiguous, op, "Tensors must be contiguous (got one of shape \(shapeText(tensor.shape)) and strides "
              + "\(shapeText(tensor.strides)))", file: file, line: line)
    }

    private static func checkRank(_ root: Int, _ group: ProcessGroup, _ op: String, file: StaticString, line: UInt) {
        check(root >= 0 && root < group.worldSize, op, "Invalid root rank \(root): the group has ranks 0 to \(group.worldSize - 1)",
              file: file, line: line)
    }

    /// Stops unless `list` holds one tensor per rank, each of `tensor`'s shape and dtype, all usable by MPI.
    private static func checkList(_ list: [Tensor], like tensor: Tensor, _ group: ProcessGroup, _ op: String,
                                  file: StaticString, line: UInt) {
        checkOperand(tensor, op, file: file, line: line)
        check(list.count == group.worldSize, op, "the list holds \(list.count) tensors; the group has \(group.worldSize) ranks",
              file: file, line: line)
        for member in list {
            checkOperand(member, op, file: file, line: line)
            check(member.shape == tensor.shape && member.dtype == tensor.dtype, op, "every tensor of the list must have the shape "
                  + "\(shapeText(tensor.shape)) and dtype \(tensor.dtype) (got \(shapeText(member.shape)), \(member.dtype))",
                  file: file, line: line)
        }
    }

    /// The list of a rooted collective: required on the root, refused elsewhere (nil there).
    private static func rootList(_ list: [Tensor]?, like tensor: Tensor, isRoot: Bool, _ group: ProcessGroup, _ op: String,
                                 _ argument: String, file: StaticString, line: UInt) -> [Tensor]? {
        checkOperand(tensor, op, file: file, line: line)
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

    /// The bytes of `tensor` as one MPI count, or a stop when they exceed MPI's `int`.
    private static func messageSize(_ tensor: Tensor, _ op: String, file: StaticString, line: UInt) -> Int32 {
        let bytes = tensor.numel * tensor.dtype.itemSize
        guard let count = Int32(exactly: bytes) else {
            fail(op, "\(bytes) bytes per rank exceed one MPI message (2 GiB); split the tensor", file: file, line: line)
        }
        return count
    }

    /// `count` items as MPI counts: pieces of at most 2³¹ - 1.
    static func messageChunks(_ count: Int) -> [(start: Int, count: Int32)] {
        stride(from: 0, to: count, by: Int(Int32.max)).map { ($0, Int32(min(Int(Int32.max), count - $0))) }
    }

    /// Copies consecutive parts of the contiguous `whole` into the tensors of `parts` (on the communication thread).
    private static func split(_ whole: Tensor, into parts: [Tensor]) {
        var offset = 0
        for part in parts {
            let bytes = part.numel * part.dtype.itemSize
            part.operand.address.copyMemory(from: whole.operand.address + offset, byteCount: bytes)
            part.bumpVersion()
            offset += bytes
        }
    }
}

/// A tensor as MPI reduces it: itself when its dtype is one MPI reduces, else a contiguous copy in one (float32
/// for float16 and bfloat16, uint8 for bool), with the MPI type and operation to use.
struct ReductionBuffer {
    let tensor: Tensor
    let type: MPIHandle
    let op: MPIHandle
    /// Whether the sum is divided by the number of ranks.
    let averages: Bool

    init(_ source: Tensor, _ op: Distributed.ReduceOp, _ mpi: MPILibrary, _ name: String, file: StaticString, line: UInt) {
        averages = op == .average
        let types: [DType: MPIHandle] = [.uint8: mpi.uint8, .int8: mpi.int8, .int32: mpi.int32, .int64: mpi.int64,
                                         .float32: mpi.float, .float64: mpi.double]
        switch source.dtype {
        case .bool:
            check(!averages, name, "ReduceOp.average is not supported for bool tensors", file: file, line: line)
            (tensor, type) = (source.to(.uint8), mpi.uint8)
            self.op = op == .sum || op == .max ? mpi.max : mpi.min
            return
        case .float16, .bfloat16: (tensor, type) = (source.to(.float32), mpi.float)
        default: (tensor, type) = (source, types[source.dtype]!)
        }
        switch op {
        case .sum, .average: self.op = mpi.sum
        case .product: self.op = mpi.product
        case .min: self.op = mpi.min
        case .max: self.op = mpi.max
        }
    }

    /// The address of element `index`.
    func address(ofElement index: Int) -> UnsafeMutableRawPointer { tensor.operand.address + index * tensor.dtype.itemSize }

    /// Writes the reduced values into `target` (the tensor the buffer was made from, or the output it stands for),
    /// divided by the number of ranks when averaging.
    func finish(into target: Tensor, worldSize: Int) {
        noGrad {
            var result = tensor
            if averages {
                let ranks = Tensor(Int64(worldSize))
                result = tensor.dtype.isFloatingPoint ? tensor / ranks.to(tensor.dtype) : tensor.div(ranks, roundingMode: .trunc)
            }
            if result === target { target.bumpVersion() } else { target.copy_(result.reshape(target.shape)) }
        }
    }
}
