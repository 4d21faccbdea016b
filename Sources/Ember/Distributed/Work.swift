// The handle of a collective that runs in the background (`torch.distributed.Work`).
import Foundation

/// A collective queued on the process group's communication thread: `wait()` blocks until it has completed and
/// throws its failure. The tensors it writes must not be read or written before it has completed.
public final class Work {
    private let condition = NSCondition()
    private var outcome: Result<Void, DistributedError>?

    init() {}

    /// Whether the collective has finished, successfully or not (`is_completed`).
    public var isCompleted: Bool {
        condition.lock(); defer { condition.unlock() }
        return outcome != nil
    }

    /// Blocks until the collective has completed; throws its `DistributedError` if it failed (`wait`).
    public func wait() throws(DistributedError) {
        condition.lock(); defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        try outcome!.get()
    }

    /// Waits up to `seconds` for the collective to finish; whether it did.
    func finishes(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock(); defer { condition.unlock() }
        while outcome == nil && condition.wait(until: deadline) {}
        return outcome != nil
    }

    /// Records the outcome and wakes the waiters.
    func finish(_ result: Result<Void, DistributedError>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }
}
