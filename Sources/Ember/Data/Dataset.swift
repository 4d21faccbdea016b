// Datasets (`torch.utils.data`): the protocol, TensorDataset, Subset, ConcatDataset, randomSplit.

/// An indexable collection of samples (`torch.utils.data.Dataset`).
public protocol Dataset {
    /// One sample.
    associatedtype Element
    /// The number of samples (`len(dataset)`).
    var count: Int { get }
    /// The sample at `index`.
    subscript(index: Int) -> Element { get }
    /// Loads the sample at `index`; datasets that read files throw here. Defaults to the subscript.
    func element(at index: Int) throws -> Element
}

extension Dataset {
    public func element(at index: Int) throws -> Element { self[index] }
}

/// Samples are the rows of tensors that share their first dimension (`TensorDataset`). Built from one to four
/// tensors, a sample is that many rows — a tuple, so `for (x, y) in DataLoader(TensorDataset(a, b), batchSize: 30)`
/// destructures; `TensorDataset(tensors:)` takes any number and gives arrays of rows.
public struct TensorDataset<Element>: Dataset {
    /// The `tensors` argument it was made with.
    public let tensors: [Tensor]
    private let rows: ([Tensor], Int) -> Element

    private init(_ tensors: [Tensor], file: StaticString, line: UInt, rows: @escaping ([Tensor], Int) -> Element) {
        check(!tensors.isEmpty && tensors.allSatisfy { $0.dim > 0 && $0.shape[0] == tensors[0].shape[0] }, "TensorDataset",
              "Size mismatch between tensors: \(tensors.map { shapeText($0.shape) })", file: file, line: line)
        self.tensors = tensors
        self.rows = rows
    }

    public var count: Int { tensors[0].shape[0] }
    /// One row of each tensor.
    public subscript(index: Int) -> Element { rows(tensors, index) }
}

extension TensorDataset where Element == Tensor {
    /// `TensorDataset(…)`, with PyTorch's arguments and defaults.
    public init(_ a: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        self.init([a], file: file, line: line) { t, i in t[0][i] }
    }
}

extension TensorDataset where Element == (Tensor, Tensor) {
    /// `TensorDataset(…)`, with PyTorch's arguments and defaults.
    public init(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        self.init([a, b], file: file, line: line) { t, i in (t[0][i], t[1][i]) }
    }
}

extension TensorDataset where Element == (Tensor, Tensor, Tensor) {
    /// `TensorDataset(…)`, with PyTorch's arguments and defaults.
    public init(_ a: Tensor, _ b: Tensor, _ c: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        self.init([a, b, c], file: file, line: line) { t, i in (t[0][i], t[1][i], t[2][i]) }
    }
}

extension TensorDataset where Element == (Tensor, Tensor, Tensor, Tensor) {
    /// `TensorDataset(…)`, with PyTorch's arguments and defaults.
    public init(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ d: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        self.init([a, b, c, d], file: file, line: line) { t, i in (t[0][i], t[1][i], t[2][i], t[3][i]) }
    }
}

extension TensorDataset where Element == [Tensor] {
    /// `TensorDataset(…)`, with PyTorch's arguments and defaults.
    public init(tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) {
        self.init(tensors, file: file, line: line) { t, i in t.map { $0[i] } }
    }
}

/// The samples of `dataset` at `indices` (`Subset`).
public struct Subset<Base: Dataset>: Dataset {
    /// The `dataset` argument it was made with.
    public let dataset: Base
    /// The `indices` argument it was made with.
    public let indices: [Int]
    /// `Subset(…)`, with PyTorch's arguments and defaults.
    public init(_ dataset: Base, indices: [Int]) { (self.dataset, self.indices) = (dataset, indices) }
    public var count: Int { indices.count }
    public subscript(index: Int) -> Base.Element { dataset[indices[index]] }
    public func element(at index: Int) throws -> Base.Element { try dataset.element(at: indices[index]) }
}

/// Several datasets one after another (`ConcatDataset`).
public struct ConcatDataset<Base: Dataset>: Dataset {
    /// The `datasets` argument it was made with.
    public let datasets: [Base]
    private let ends: [Int]

    /// `ConcatDataset(…)`, with PyTorch's arguments and defaults.
    public init(_ datasets: [Base]) {
        self.datasets = datasets
        var total = 0
        ends = datasets.map { total += $0.count; return total }
    }

    public var count: Int { ends.last ?? 0 }

    private func locate(_ index: Int) -> (Int, Int) {
        let d = ends.firstIndex { index < $0 }!
        return (d, index - (d == 0 ? 0 : ends[d - 1]))
    }

    public subscript(index: Int) -> Base.Element {
        let (d, i) = locate(index)
        return datasets[d][i]
    }

    public func element(at index: Int) throws -> Base.Element {
        let (d, i) = locate(index)
        return try datasets[d].element(at: i)
    }
}

/// Splits a dataset into non-overlapping random subsets of the given lengths (`random_split`), using
/// `randperm` from `generator` as PyTorch does. Fractions that sum to 1 are accepted too.
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Double], generator: Generator = .default,
                                    file: StaticString = #fileID, line: UInt = #line) -> [Subset<D>] {
    var sizes: [Int]
    if Swift.abs(lengths.reduce(0, +) - 1) < 1e-9 && lengths.contains(where: { $0 < 1 }) {
        sizes = lengths.map { Int(($0 * Double(dataset.count)).rounded(.down)) }
        let remainder = dataset.count - sizes.reduce(0, +)
        for i in 0..<remainder { sizes[i % sizes.count] += 1 }
    } else {
        sizes = lengths.map { Int($0) }
    }
    check(sizes.reduce(0, +) == dataset.count, "random_split", "Sum of input lengths (\(sizes.reduce(0, +))) does not equal "
          + "the length of the input dataset (\(dataset.count))", file: file, line: line)
    let order = Tensor.randperm(dataset.count, generator: generator).toArray(as: Int64.self).map(Int.init)
    var start = 0
    return sizes.map { size in
        defer { start += size }
        return Subset(dataset, indices: Array(order[start..<(start + size)]))
    }
}
