// Shape, strides and offset: how a tensor's elements sit in its storage, and broadcasting.

/// Where a tensor's elements sit in its storage: the size of each dimension, the elements to step per index of
/// each, and the first element's index. The element count and whether the elements are row-major without gaps are
/// worked out once, when the layout is made, not by every op that asks (a kernel's fast path then reads no array).
struct Layout {
    /// The size of each dimension.
    let shape: [Int]
    /// Elements to step in storage per index of each dimension.
    let strides: [Int]
    /// Index of the first element in storage (in elements).
    let offset: Int
    /// Whether the elements are row-major contiguous (dims of size 1 may have any stride).
    let isContiguous: Bool
    /// The number of elements.
    let count: Int

    init(shape: [Int], strides: [Int], offset: Int) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.isContiguous = Layout.isRowMajor(shape: shape, strides: strides)
        self.count = Layout.count(shape)
    }

    /// The row-major contiguous layout of `shape` at offset 0.
    init(contiguous shape: [Int]) {
        self.shape = shape
        self.strides = Layout.rowMajorStrides(shape)
        self.offset = 0
        self.isContiguous = true
        self.count = Layout.count(shape)
    }

    /// The layout of a contiguous `model` at offset 0, sharing its arrays: no array is built, which matters on every
    /// small op's path.
    init(contiguousLike model: Layout) {
        (shape, strides, offset, isContiguous, count) = (model.shape, model.strides, 0, true, model.count)
    }

    /// Strides that read this layout as if expanded to `target` (0 on broadcast dims).
    func strides(broadcastTo target: [Int]) -> [Int] {
        shape == target ? strides : Layout.broadcastStrides(shape: shape, strides: strides, to: target)
    }

    /// The row and column strides of the last two dimensions as GEMM reads them: size-1 dimensions may carry any
    /// stride, so they are normalised to give BLAS a valid leading dimension.
    var matrixStrides: (row: Int, column: Int) {
        let rows = shape[shape.count - 2], cols = shape[shape.count - 1]
        var r = strides[shape.count - 2], c = strides[shape.count - 1]
        if cols == 1 { c = r == 1 ? Swift.max(rows, 1) : 1 }
        if rows == 1 { r = c == 1 ? Swift.max(cols, 1) : 1 }
        return (r, c)
    }

    /// How a BLAS reads the matrix in the last two dimensions (`rows` × `columns`), in row-major terms: with a unit
    /// column stride it is read as it is, its leading dimension the row stride; with a unit row stride, transposed,
    /// its leading dimension the column stride. Nil when neither stride is 1.
    func blasOrientation(rows: Int, columns: Int) -> (transposed: Bool, leading: Int)? {
        Layout.blasOrientation(rowStride: matrixStrides.row, columnStride: matrixStrides.column, rows: rows, columns: columns)
    }

    /// `blasOrientation` of a matrix with these strides.
    static func blasOrientation(rowStride r: Int, columnStride c: Int, rows: Int, columns: Int) -> (transposed: Bool, leading: Int)? {
        if c == 1 && (r >= Swift.max(columns, 1) || rows == 1) { return (false, Swift.max(r, columns, 1)) }
        if r == 1 && (c >= Swift.max(rows, 1) || columns == 1) { return (true, Swift.max(c, rows, 1)) }
        return nil
    }

    /// Row-major strides of a contiguous tensor of this shape.
    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = running
            running *= Swift.max(shape[d], 1)
        }
        return strides
    }

    /// The number of elements of a shape.
    @inline(__always) static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Whether `shape`/`strides` is row-major contiguous (dims of size 1 may have any stride).
    static func isRowMajor(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if shape[d] == 0 { return true }
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// The broadcast of two shapes (NumPy rules), or nil when they do not broadcast.
    static func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
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
    static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: target.count)
        let lead = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
            result[lead + i] = shape[i] == 1 ? 0 : strides[i]
        }
        return result
    }
}

/// Formats a shape the way error messages show it: `[2, 3]`.
func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
