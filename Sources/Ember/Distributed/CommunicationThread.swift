// The one thread of a process that talks to MPI: Open MPI makes progress on a collective only while a thread
// of the process is inside MPI, so this thread drives each one to completion while the others compute.
import Foundation

/// Runs jobs one at a time, in the order they were submitted, on a thread of its own.
final class CommunicationThread {
    typealias Job = () throws(DistributedError) -> Void
    private let condition = NSCondition()
    private var jobs: [(work: Work, job: Job)] = []
    private var isOpen = true

    /// Starts the thread.
    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "ember-distributed"
        thread.start()
    }

    /// Queues `job`; the returned work completes when it has run.
    func submit(_ job: @escaping Job) -> Work {
        let work = Work()
        condition.lock()
        if isOpen {
            jobs.append((work, job))
            condition.signal()
        } else {
            work.finish(.failure(.notInitialized))
        }
        condition.unlock()
        return work
    }

    /// Lets the thread end once the jobs queued so far have run.
    func close() {
        condition.lock()
        isOpen = false
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && isOpen { condition.wait() }
            guard !jobs.isEmpty else { condition.unlock(); return }
            let (work, job) = jobs.removeFirst()
            condition.unlock()
            do throws(DistributedError) {
                try job()
                work.finish(.success(()))
            } catch {
                work.finish(.failure(error))
            }
        }
    }
}
