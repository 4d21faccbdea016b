// Splits large loops across the cores; small work runs inline on the caller's thread.
import Dispatch
import Foundation

/// The number of threads Ember's CPU kernels use (`torch.get_num_threads()`).
nonisolated(unsafe) var cpuThreadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body` over `0..<count`, split into contiguous chunks of at least `grain` items, one per thread.
@inline(__always)
func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let threads = min(cpuThreadCount, (count + grain - 1) / max(grain, 1))
    if threads <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunk = (count + threads - 1) / threads
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        let start = t * chunk
        let end = min(start + chunk, count)
        if start < end { body(start..<end) }
    }
}

/// Elements per thread below which splitting a pointwise loop costs more than it saves.
let pointwiseGrain = 1 << 16
