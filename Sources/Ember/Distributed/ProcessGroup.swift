// One process's place in the group of processes training together, over MPI, driven from one thread.
import Foundation

/// The processes of one MPI job (`ProcessGroupMPI`): this process's rank, their number, and a duplicate of
/// `MPI_COMM_WORLD` used only by Ember, on which every collective runs from the communication thread, in the order
/// they were called, and must complete within `timeout` seconds.
final class ProcessGroup {
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
    static func join(timeout: Double) throws(DistributedError) -> ProcessGroup {
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
            throw error as! DistributedError
        }
        let group = joined!
        return ProcessGroup(mpi: mpi, thread: thread, communicator: group.communicator, rank: Int(group.rank),
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
    /// throwing a timeout after `timeout` seconds. It polls at once, then ever less often, up to every millisecond.
    func complete(_ call: String, operation: String, _ start: (MPILibrary.Request) -> Int32) throws(DistributedError) {
        var request: MPIHandle?
        try mpi.check(start(&request), call)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var done: Int32 = 0, polls = 0
        while true {
            try mpi.check(mpi.test(&request, &done, nil), "MPI_Test")
            if done != 0 { return }
            guard DispatchTime.now().uptimeNanoseconds < deadline else { throw .timeout(operation: operation, seconds: timeout) }
            polls += 1
            if polls > 64 { usleep(UInt32(min(1000, (polls - 64) * 10))) }
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
