// The one thread of a process that talks to MPI: Open MPI makes progress on a collective only while a thread
// of the process is inside MPI, so this thread drives each one to completion while the others compute.
import Foundation

/// Runs jobs one at a time, in the order they were submitted, on a thread of its own.
final class CommunicationThread: @unchecked Sendable {   // state guarded by condition
    typealias Job = () throws(DistributedError) -> Void
    private let condition = NSCondition()
    private var jobs: [(work: Work, job: Job)] = []
    private var isOpen = true
    private var isRunningJob = false

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

    /// Whether no job is queued or running.
    var isIdle: Bool {
        condition.lock(); defer { condition.unlock() }
        return jobs.isEmpty && !isRunningJob
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
            isRunningJob = true
            condition.unlock()
            let result: Result<Void, DistributedError>
            do throws(DistributedError) {
                try job()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            condition.lock()
            isRunningJob = false
            condition.unlock()
            work.finish(result)
        }
    }
}

extension CommunicationThread {
    /// Polls `isDone` until it says yes, throwing a timeout of `operation` after `timeout` seconds: at once, then ever
    /// less often, up to every millisecond.
    static func poll(timeout: Double, operation: String, _ isDone: () throws(DistributedError) -> Bool) throws(DistributedError) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var polls = 0
        while try !isDone() {
            guard DispatchTime.now().uptimeNanoseconds < deadline else { throw .timeout(operation: operation, seconds: timeout) }
            polls += 1
            if polls > 64 { usleep(UInt32(min(1000, (polls - 64) * 10))) }
        }
    }
}
