// Splits large loops across the cores with persistent workers that spin briefly before sleeping, so a
// parallel kernel costs a few hundred nanoseconds to start instead of a thread wake-up.
import CEmberKernels
import Dispatch
import Foundation
import Synchronization

/// The number of threads Ember's CPU kernels use (`torch.get_num_threads()`): `OMP_NUM_THREADS` when set, as in
/// PyTorch (launchers set it so that the processes of one machine share its cores), else one per core.
@exclusivity(unchecked) nonisolated(unsafe) var cpuThreadCount = max(1, ProcessInfo.processInfo.environment["OMP_NUM_THREADS"]
    .flatMap { Int($0) } ?? ProcessInfo.processInfo.activeProcessorCount)

/// Elements per thread below which splitting a pointwise loop costs more than it saves.
let pointwiseGrain = 1 << 15

/// Runs `body` over `0..<count`, split into contiguous chunks of at least `grain` items, one per thread.
@inline(__always)
func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let threads = min(cpuThreadCount, (count + grain - 1) / max(grain, 1))
    if threads <= 1 || ThreadPool.isInsideJob {
        if count > 0 { body(0..<count) }
        return
    }
    let chunk = (count + threads - 1) / threads
    withoutActuallyEscaping(body) { escapable in
        ThreadPool.shared.run(tasks: threads) { t in
            let start = t * chunk, end = min(start + chunk, count)
            if start < end { escapable(start..<end) }
        }
    }
}

/// Persistent worker threads; task 0 of each job runs on the calling thread.
final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool(workers: max(1, ProcessInfo.processInfo.activeProcessorCount) - 1)

    /// Set on the workers, and on a caller while it runs its share of a job.
    private static let insideJobKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    /// Whether the current thread is running a task of a job (a nested parallel loop then runs serially).
    static var isInsideJob: Bool { pthread_getspecific(insideJobKey) != nil }

    private let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    /// One worker's sleep flag and the semaphore that wakes it.
    private final class Worker: Sendable {
        let sleeping = Atomic<Bool>(false)
        let wakeup = DispatchSemaphore(value: 0)
    }
    private let workers: [Worker]
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var jobTasks = 0
    private let submitLock = NSLock()
    /// Spins (with a pause hint) before a worker goes to sleep: a few microseconds, so it does not take
    /// the core from OpenBLAS threads between kernels.
    private let spinLimit = 20_000

    private init(workers: Int) {
        workerCount = workers
        self.workers = (0..<workers).map { _ in Worker() }
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.workerLoop(index) }
            thread.name = "ember-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `task(t)` for t in 0..<tasks, using the workers for t >= 1, and returns when all are done.
    func run(tasks: Int, _ task: @escaping (Int) -> Void) {
        submitLock.lock()
        defer { submitLock.unlock() }
        let helpers = min(tasks - 1, workerCount)
        job = task
        jobTasks = tasks
        remaining.store(helpers, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        for w in 0..<helpers where workers[w].sleeping.load(ordering: .sequentiallyConsistent) { workers[w].wakeup.signal() }
        // The caller runs task 0 and any tasks beyond the workers.
        pthread_setspecific(ThreadPool.insideJobKey, UnsafeRawPointer(bitPattern: 1))
        task(0)
        var t = helpers + 1
        while t < tasks { task(t); t += 1 }
        pthread_setspecific(ThreadPool.insideJobKey, nil)
        while remaining.load(ordering: .acquiring) > 0 { ember_cpu_relax() }
        job = nil
    }

    /// Runs one task; every reference to the job is dropped on return, before the task is counted
    /// done (the job is a non-escaping closure lent through `withoutActuallyEscaping`).
    @inline(never) private func runTask(_ t: Int) { job?(t) }

    private func workerLoop(_ index: Int) {
        pthread_setspecific(ThreadPool.insideJobKey, UnsafeRawPointer(bitPattern: 1))
        var seen = 0  // the initial generation: a job posted before this thread starts still runs
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins < spinLimit {
                    ember_cpu_relax()
                } else {
                    let me = workers[index]
                    me.sleeping.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen { me.wakeup.wait() }
                    me.sleeping.store(false, ordering: .sequentiallyConsistent)
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            // Worker w runs task w + 1 of the current job, if it has one.
            if index + 1 < jobTasks {
                runTask(index + 1)
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}
