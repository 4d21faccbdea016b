// Repeats a workload until the timing is stable and reports the median time per call.
import Foundation

/// Seconds on a monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The median seconds per call of `body`, over batches sized to take about `batchSeconds` each.
func measure(batchSeconds: Double = 0.1, batches: Int = 7, _ body: () -> Void) -> Double {
    // Warm up and size a batch.
    var calls = 1
    while true {
        let start = now()
        for _ in 0..<calls { body() }
        let elapsed = now() - start
        if elapsed > batchSeconds / 4 || calls > 1 << 24 {
            calls = max(1, Int(Double(calls) * batchSeconds / max(elapsed, 1e-9)))
            break
        }
        calls *= 4
    }
    var samples: [Double] = []
    for _ in 0..<batches {
        let start = now()
        for _ in 0..<calls { body() }
        samples.append((now() - start) / Double(calls))
    }
    return samples.sorted()[batches / 2]
}

/// Keeps a value alive so the optimiser cannot drop the work that made it.
@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
