// Shape, strides and offset: how a tensor's elements sit in its storage, and broadcasting.

/// Row-major strides of a contiguous tensor of this shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = running
        running *= Swift.max(shape[d], 1)
    }
    return strides
}

/// The number of elements of a shape.
@inline(__always) func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// Whether a layout is row-major contiguous (dims of size 1 may have any stride).
func isContiguousLayout(shape: [Int], strides: [Int]) -> Bool {
    var expected = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
        if shape[d] == 0 { return true }
        if strides[d] != expected { return false }
        expected *= shape[d]
    }
    return true
}

/// The broadcast of two shapes (NumPy rules), or nil when they do not broadcast.
func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = Swift.max(a.count, b.count)
    var result = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
    }
    return result
}

/// Strides that read a tensor of `shape`/`strides` as if expanded to `target` (0 on broadcast dims).
func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
    var result = [Int](repeating: 0, count: target.count)
    let lead = target.count - shape.count
    for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
        result[lead + i] = shape[i] == 1 ? 0 : strides[i]
    }
    return result
}

/// Formats a shape the way error messages show it: `[2, 3]`.
func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
