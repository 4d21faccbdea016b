// Counting and searching: searchsorted, bucketize, histc, bincount, unique, uniqueConsecutive.

extension Tensor {
    /// For each value, the index at which inserting it into the sorted last dimension of `sortedSequence` keeps
    /// the order: before equal elements, or after them with `right` (`torch.searchsorted`).
    public static func searchsorted(_ sortedSequence: Tensor, _ values: Tensor, right: Bool = false, outInt32: Bool = false,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let boundaries = sortedSequence.dim == 0 ? sortedSequence.reshape([1]) : sortedSequence
        let k = boundaries.shape.last!
        let rows = boundaries.contiguous().toArray(as: Double.self)
        let oneRow = boundaries.dim == 1
        check(oneRow || Array(boundaries.shape.dropLast()) == Array(values.shape.dropLast()), "searchsorted", "boundaries "
              + "\(shapeText(sortedSequence.shape)) and input \(shapeText(values.shape)) must share their leading dimensions",
              file: file, line: line)
        let queries = values.contiguous().toArray(as: Double.self)
        let perRow = Swift.max(values.shape.last ?? 1, 1)
        let result = queries.enumerated().map { i, v -> Int64 in
            let start = oneRow ? 0 : (i / perRow) * k
            var (low, high) = (0, k)
            while low < high {
                let mid = (low + high) / 2, b = rows[start + mid]
                // NaN sorts last, as in PyTorch's sorted sequences.
                let goesRight = v.isNaN ? !b.isNaN || right : (right ? b <= v : b < v)
                if goesRight { low = mid + 1 } else { high = mid }
            }
            return Int64(low)
        }
        let out = Tensor(result, shape: values.shape).placed(on: values.device)
        return outInt32 ? out.to(.int32) : out
    }

    /// The index of the bucket of each element among sorted `boundaries` (`torch.bucketize`).
    public func bucketize(_ boundaries: Tensor, right: Bool = false, outInt32: Bool = false) -> Tensor {
        Tensor.searchsorted(boundaries, self, right: right, outInt32: outInt32)
    }

    /// A histogram of `bins` equal bins over [min, max] (the data's range when both are 0); values outside
    /// are ignored (`torch.histc`).
    public func histc(bins: Int = 100, min: Double = 0, max: Double = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(bins > 0, "histc", "bins must be > 0, but got \(bins)", file: file, line: line)
        let values = contiguous().toArray(as: Double.self)
        var (low, high) = (min, max)
        if low == high && !values.isEmpty { (low, high) = (values.min()!, values.max()!) }
        if low == high { (low, high) = (low - 1, high + 1) }
        var counts = [Double](repeating: 0, count: bins)
        for v in values where v >= low && v <= high {
            counts[Swift.min(Int((v - low) * Double(bins) / (high - low)), bins - 1)] += 1
        }
        return Tensor(counts).to(dtype.isFloatingPoint ? dtype : .float32).placed(on: device)
    }

    /// How often each non-negative integer occurs (weighted by `weights`), at least `minlength` entries
    /// (`torch.bincount`).
    public func bincount(weights: Tensor? = nil, minlength: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 1 && !dtype.isFloatingPoint, "bincount", "bincount only supports 1-d non-negative integral inputs, got "
              + "\(dtype) \(shapeText(shape))", file: file, line: line)
        let values = toArray(as: Int64.self)
        check(values.allSatisfy { $0 >= 0 }, "bincount", "bincount only supports 1-d non-negative integral inputs.", file: file, line: line)
        let weightValues = weights?.contiguous().toArray(as: Double.self)
        var counts = [Double](repeating: 0, count: Swift.max(minlength, Int(values.max() ?? -1) + 1))
        for (i, v) in values.enumerated() { counts[Int(v)] += weightValues?[i] ?? 1 }
        guard let weights else { return Tensor(counts.map { Int64($0) }).placed(on: device) }
        return Tensor(counts).to(weights.dtype == .float32 ? .float32 : .float64).placed(on: device)
    }

    /// The sorted distinct values, with the index of each element's value and each value's count
    /// (`torch.unique`).
    public func unique(returnInverse: Bool = false, returnCounts: Bool = false) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let values = contiguous().toArray(as: Double.self)
        let distinct = Array(Set(values.map { $0 == 0 ? 0 : $0 })).sorted()
        let position = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int64($0)) })
        let inverse = values.map { position[$0 == 0 ? 0 : $0]! }
        var counts = [Int64](repeating: 0, count: distinct.count)
        for i in inverse { counts[Int(i)] += 1 }
        return (Tensor(distinct).to(dtype).placed(on: device), returnInverse ? Tensor(inverse, shape: shape).placed(on: device) : nil,
                returnCounts ? Tensor(counts).placed(on: device) : nil)
    }

    /// The values with consecutive repeats collapsed, over the flattened tensor (`torch.unique_consecutive`).
    public func uniqueConsecutive(returnInverse: Bool = false, returnCounts: Bool = false) -> (values: Tensor, inverse: Tensor?, counts: Tensor?) {
        let values = contiguous().toArray(as: Double.self)
        var kept: [Double] = [], inverse: [Int64] = [], counts: [Int64] = []
        for v in values {
            if let last = kept.last, last == v { counts[counts.count - 1] += 1 } else { kept.append(v); counts.append(1) }
            inverse.append(Int64(kept.count - 1))
        }
        return (Tensor(kept).to(dtype).placed(on: device), returnInverse ? Tensor(inverse, shape: shape).placed(on: device) : nil,
                returnCounts ? Tensor(counts).placed(on: device) : nil)
    }
}
