// One process's place in the group of processes training together, over MPI, driven from one thread.
import Foundation

/// The processes of one MPI job (`ProcessGroupMPI`): this process's rank, their number, and a duplicate of
/// `MPI_COMM_WORLD` used only by Ember, on which every collective runs from the communication thread, in the order
/// they were called, and must complete within `timeout` seconds.
final class MPIProcessGroup {
    let rank: Int
    let worldSize: Int
    let timeout: Double
    let mpi: MPILibrary
    private let thread: CommunicationThread
    private let communicator: MPIHandle
    /// Whether Ember initialised MPI, and so finalises it.
    private let ownsMPI: Bool
    /// The first failure of a collective; later ones refuse to run. Touched only on the communication thread.
    private var failure: DistributedError?

    private init(mpi: MPILibrary, thread: CommunicationThread, communicator: MPIHandle, rank: Int, worldSize: Int,
                 ownsMPI: Bool, timeout: Double) {
        (self.mpi, self.thread, self.communicator, self.rank, self.worldSize) = (mpi, thread, communicator, rank, worldSize)
        (self.ownsMPI, self.timeout) = (ownsMPI, timeout)
    }

    /// Joins the MPI job this process was started in (a job of one when it was not started by `mpirun`), within
    /// `timeout` seconds.
    static func join(timeout: Double) throws(DistributedError) -> MPIProcessGroup {
        let mpi: MPILibrary
        switch MPILibrary.shared {
        case .success(let library): mpi = library
        case .failure(let error): throw .unavailable(backend: "MPI", reason: error.description)
        }
        let thread = CommunicationThread()
        var joined: (communicator: MPIHandle, rank: Int32, size: Int32, ownsMPI: Bool)?
        let work = thread.submit { () throws(DistributedError) in
            var flag: Int32 = 0
            _ = mpi.finalized(&flag)
            guard flag == 0 else {
                throw .unavailable(backend: "MPI", reason: "MPI was finalized in this process (destroyProcessGroup), and MPI "
                                   + "cannot start twice in one process")
            }
            _ = mpi.initialized(&flag)
            let ownsMPI = flag == 0
            if ownsMPI {
                var provided: Int32 = 0
                try mpi.check(mpi.initThread(nil, nil, MPILibrary.threadMultiple, &provided), "MPI_Init_thread")
            }
            try mpi.check(mpi.setErrorHandler(mpi.commWorld, mpi.errorsReturn), "MPI_Comm_set_errhandler")
            var communicator: MPIHandle?
            try mpi.check(mpi.commDup(mpi.commWorld, &communicator), "MPI_Comm_dup")
            var rank: Int32 = 0, size: Int32 = 0
            try mpi.check(mpi.commRank(communicator!, &rank), "MPI_Comm_rank")
            try mpi.check(mpi.commSize(communicator!, &size), "MPI_Comm_size")
            joined = (communicator!, rank, size, ownsMPI)
        }
        guard work.finishes(within: timeout) else {
            throw .timeout(operation: "Joining the MPI job (MPI_Init_thread)", seconds: timeout)
        }
        do {
            try work.wait()
        } catch {
            thread.close()
            throw error
        }
        let group = joined!
        return MPIProcessGroup(mpi: mpi, thread: thread, communicator: group.communicator, rank: Int(group.rank),
                               worldSize: Int(group.size), ownsMPI: group.ownsMPI, timeout: timeout)
    }

    /// Queues `body` on the communication thread, after every collective called before it. `body` receives the
    /// communicator; once one collective has failed, the group refuses the rest.
    func enqueue(_ body: @escaping (MPIHandle) throws(DistributedError) -> Void) -> Work {
        thread.submit { [self] () throws(DistributedError) in
            if let failure { throw .broken(reason: failure.description) }
            do throws(DistributedError) {
                try body(communicator)
            } catch {
                failure = error
                throw error
            }
        }
    }

    /// Starts a non-blocking MPI call with `start` and drives it to completion (on the communication thread),
    /// throwing a timeout after `timeout` seconds.
    func complete(_ call: String, operation: String, _ start: (MPILibrary.Request) -> Int32) throws(DistributedError) {
        var request: MPIHandle?
        try mpi.check(start(&request), call)
        try CommunicationThread.poll(timeout: timeout, operation: operation) { () throws(DistributedError) in
            var done: Int32 = 0
            try mpi.check(mpi.test(&request, &done, nil), "MPI_Test")
            return done != 0
        }
    }

    /// Whether no collective is queued or under way.
    var isIdle: Bool { thread.isIdle }

    /// Queues freeing the communicator and finalising MPI (when Ember initialised it) after every queued collective,
    /// and lets the communication thread end; the work completes when MPI is finalised, which waits for every rank.
    func destroy() -> Work {
        let work = enqueue { [self] communicator throws(DistributedError) in
            var handle: MPIHandle? = communicator
            try mpi.check(mpi.commFree(&handle), "MPI_Comm_free")
            if ownsMPI { try mpi.check(mpi.finalize(), "MPI_Finalize") }
        }
        thread.close()
        return work
    }
}

extension MPIProcessGroup: ProcessGroup {
    var backend: Distributed.Backend { .mpi }
    var device: Device { .cpu }
    var messageLimit: Int? { Int(Int32.max) }

    func allReduce(_ tensor: Tensor, _ op: Distributed.ReduceOp) -> Work {
        let buffer = ReductionBuffer(tensor, op, mpi)
        return enqueue { [self] communicator throws(DistributedError) in
            for chunk in MPIProcessGroup.messageChunks(buffer.tensor.numel) {
                try complete("MPI_Iallreduce", operation: "Distributed.allReduce") { request in
                    mpi.allReduce(MPILibrary.inPlace, buffer.address(ofElement: chunk.start), chunk.count, buffer.type, buffer.op,
                                  communicator, request)
                }
            }
            buffer.finish(into: tensor, worldSize: worldSize)
        }
    }

    func broadcast(_ tensor: Tensor, root: Int) -> Work {
        enqueue { [self] communicator throws(DistributedError) in
            for chunk in MPIProcessGroup.messageChunks(tensor.numel * tensor.dtype.itemSize) {
                try complete("MPI_Ibcast", operation: "Distributed.broadcast") { request in
                    mpi.broadcast(tensor.operand.address + chunk.start, chunk.count, mpi.byte, Int32(root), communicator, request)
                }
            }
            tensor.bumpVersion()
        }
    }

    func allGather(_ output: Tensor, _ input: Tensor, then: @escaping () -> Void) -> Work {
        let bytes = Int32(input.numel * input.dtype.itemSize)
        return enqueue { [self] communicator throws(DistributedError) in
            try complete("MPI_Iallgather", operation: "Distributed.allGather") { request in
                mpi.allGather(input.operand.address, bytes, mpi.byte, output.operand.address, bytes, mpi.byte, communicator, request)
            }
            output.bumpVersion()
            then()
        }
    }

    func reduceScatter(_ output: Tensor, _ input: Tensor, _ op: Distributed.ReduceOp) -> Work {
        let source = ReductionBuffer(input, op, mpi), result = ReductionBuffer(output, op, mpi)
        return enqueue { [self] communicator throws(DistributedError) in
            try complete("MPI_Ireduce_scatter_block", operation: "Distributed.reduceScatter") { request in
                mpi.reduceScatterBlock(source.tensor.operand.address, result.tensor.operand.address, Int32(output.numel), result.type,
                                       result.op, communicator, request)
            }
            result.finish(into: output, worldSize: worldSize)
        }
    }

    func gather(_ input: Tensor, into output: Tensor?, root: Int, then: @escaping () -> Void) -> Work {
        let bytes = Int32(input.numel * input.dtype.itemSize)
        return enqueue { [self] communicator throws(DistributedError) in
            try complete("MPI_Igather", operation: "Distributed.gather") { request in
                mpi.gather(input.operand.address, bytes, mpi.byte, output?.operand.address, bytes, mpi.byte, Int32(root), communicator,
                           request)
            }
            output?.bumpVersion()
            then()
        }
    }

    func scatter(_ output: Tensor, from input: Tensor?, root: Int) -> Work {
        let bytes = Int32(output.numel * output.dtype.itemSize)
        return enqueue { [self] communicator throws(DistributedError) in
            try complete("MPI_Iscatter", operation: "Distributed.scatter") { request in
                mpi.scatter(input?.operand.address, bytes, mpi.byte, output.operand.address, bytes, mpi.byte, Int32(root), communicator,
                            request)
            }
            output.bumpVersion()
        }
    }

    func barrier() -> Work {
        enqueue { [self] communicator throws(DistributedError) in
            try complete("MPI_Ibarrier", operation: "Distributed.barrier") { mpi.barrier(communicator, $0) }
        }
    }

    /// `count` items as MPI counts: pieces of at most 2³¹ - 1.
    static func messageChunks(_ count: Int) -> [(start: Int, count: Int32)] {
        stride(from: 0, to: count, by: Int(Int32.max)).map { ($0, Int32(min(Int(Int32.max), count - $0))) }
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

    init(_ source: Tensor, _ op: Distributed.ReduceOp, _ mpi: MPILibrary) {
        averages = op == .average
        let types: [DType: MPIHandle] = [.uint8: mpi.uint8, .int8: mpi.int8, .int32: mpi.int32, .int64: mpi.int64,
                                         .float32: mpi.float, .float64: mpi.double]
        switch source.dtype {
        case .bool:
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
