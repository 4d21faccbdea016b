// Walks several strided operands over one shape in runs of the innermost dimension.

/// The iteration space of a pointwise kernel: a shape and one stride vector per operand,
/// with size-1 dimensions dropped and mergeable neighbours merged so runs are as long as possible.
struct StridedLoop {
    private(set) var shape: [Int]
    private(set) var strides: [[Int]]
    let count: Int

    init(shape: [Int], strides operandStrides: [[Int]]) {
        count = Layout.count(shape)
        var dims: [(size: Int, strides: [Int])] = []
        for d in 0..<shape.count where shape[d] != 1 {
            let s = operandStrides.map { $0[d] }
            if let last = dims.last,
               zip(last.strides, s).allSatisfy({ outer, inner in outer == inner * shape[d] }) {
                dims[dims.count - 1] = (last.size * shape[d], s)
            } else {
                dims.append((shape[d], s))
            }
        }
        if dims.isEmpty { dims = [(1, operandStrides.map { _ in 0 })] }
        self.shape = dims.map(\.size)
        self.strides = (0..<operandStrides.count).map { k in dims.map { $0.strides[k] } }
    }

    /// Calls `body(offsets, runLength)` for each innermost run within the linear range `range`;
    /// `offsets[k]` is operand k's element offset at the start of the run.
    @inline(__always)
    func forEachRun(in range: Range<Int>, _ body: (UnsafeBufferPointer<Int>, Int) -> Void) {
        let rank = shape.count
        let operands = strides.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank + operands) { scratch in
            let index = scratch.baseAddress!
            let offsets = scratch.baseAddress! + rank
            var remainder = range.lowerBound
            for k in 0..<operands { offsets[k] = 0 }
            for d in stride(from: rank - 1, through: 0, by: -1) {
                index[d] = remainder % shape[d]
                remainder /= shape[d]
                for k in 0..<operands { offsets[k] += index[d] * strides[k][d] }
            }
            var position = range.lowerBound
            let inner = rank - 1
            let offsetBuffer = UnsafeBufferPointer(start: offsets, count: operands)
            while position < range.upperBound {
                let run = min(shape[inner] - index[inner], range.upperBound - position)
                body(offsetBuffer, run)
                position += run
                // Advance the odometer by `run` elements.
                index[inner] += run
                for k in 0..<operands { offsets[k] += run * strides[k][inner] }
                var d = inner
                while d > 0 && index[d] == shape[d] {
                    for k in 0..<operands { offsets[k] -= shape[d] * strides[k][d] }
                    index[d] = 0
                    d -= 1
                    index[d] += 1
                    for k in 0..<operands { offsets[k] += strides[k][d] }
                }
            }
        }
    }

    /// The innermost stride of operand k.
    @inline(__always) func innerStride(_ k: Int) -> Int { strides[k][shape.count - 1] }
}
