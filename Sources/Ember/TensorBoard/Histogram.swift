// The histograms TensorBoard draws, computed as PyTorch's `make_histogram` computes them.

/// The bins of `SummaryWriter.addHistogram` (`bins=` of `add_histogram`).
public enum HistogramBins: Sendable {
    /// TensorBoard's default: ±1e-12 growing by 1.1 up to ±1e20, and 0 (PyTorch's `"tensorflow"`).
    case tensorflow
    /// This many equal bins from the smallest value to the largest (`bins=n`, as `np.histogram`).
    case count(Int)
    /// These bin edges, increasing.
    case edges([Double])

    /// The edges for `values` (finite, not empty).
    func edges(for values: [Double]) -> [Double] {
        switch self {
        case .tensorflow: return HistogramBins.tensorflowEdges
        case .edges(let edges): return edges
        case .count(let n):
            var (low, high) = (values.min()!, values.max()!)
            if low == high { (low, high) = (low - 0.5, high + 0.5) }
            return (0...n).map { low + (high - low) * Double($0) / Double(n) }
        }
    }

    /// -1e20 … -1e-12, 0, 1e-12 … 1e20, each step 1.1 times the last, as PyTorch's writer builds them.
    public static let tensorflowEdges: [Double] = {
        var positive: [Double] = []
        var v = 1e-12
        while v < 1e20 {
            positive.append(v)
            v *= 1.1
        }
        return positive.reversed().map { -$0 } + [0] + positive
    }()
}

/// A `HistogramProto`'s fields for `values`, as `torch.utils.tensorboard.summary.make_histogram`: `np.histogram`
/// counts (a value on an inner edge goes right, the last bin includes its right edge, values outside the edges are
/// left out), merged `maxBins` at a time when there are more bins, then cut to the bins from the one before the first
/// nonzero count to the last nonzero one, with each bin's right edge as its limit.
struct Histogram {
    let min: Double, max: Double, count: Double, sum: Double, sumOfSquares: Double
    let limits: [Double], counts: [Double]

    init(_ values: [Double], bins: HistogramBins, maxBins: Int?) {
        var edges = bins.edges(for: values)
        var counts = [Double](repeating: 0, count: Swift.max(edges.count - 1, 0))
        for value in values where value >= edges[0] && value <= edges[edges.count - 1] {
            // The first edge above the value, as np.searchsorted(edges, value, side="right").
            var (low, high) = (0, edges.count)
            while low < high {
                let middle = (low + high) / 2
                if edges[middle] <= value { low = middle + 1 } else { high = middle }
            }
            counts[Swift.min(low - 1, counts.count - 1)] += 1
        }
        if let maxBins, counts.count > maxBins {
            let step = counts.count / maxBins
            let padded = counts + [Double](repeating: 0, count: (step - counts.count % step) % step)
            counts = stride(from: 0, to: padded.count, by: step).map { padded[$0..<($0 + step)].reduce(0, +) }
            edges = stride(from: 0, to: edges.count - 1, by: step).map { edges[$0] } + [edges[edges.count - 1]]
        }
        let nonzero = counts.indices.filter { counts[$0] > 0 }
        let start = nonzero.first ?? 0, end = (nonzero.last ?? 0) + 1
        self.counts = start > 0 ? Array(counts[(start - 1)..<end]) : [0] + counts[0..<end]
        limits = Array(edges[start...Swift.min(end, edges.count - 1)])
        min = values.min()!
        max = values.max()!
        count = Double(values.count)
        sum = values.reduce(0, +)
        sumOfSquares = values.reduce(0) { $0 + $1 * $1 }
    }
}
