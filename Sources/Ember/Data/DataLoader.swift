// DataLoader: sampler → worker threads → collate → prefetch queue, in the sampler's order.
import Dispatch
import Foundation

/// Batches of a dataset (`torch.utils.data.DataLoader`). Iterate it with `for batch in loader`; a
/// dataset whose `element(at:)` throws is read with `try loader.forEachBatch { … }` instead, which
/// rethrows the first error of any worker. The loader can be iterated again for each epoch.
public final class DataLoader<D: Dataset, Batch>: Sequence {
    /// The dataset batches are read from.
    public let dataset: D
    /// Samples per batch (the last may be shorter unless `dropLast`).
    public let batchSize: Int
    /// The index lists of one epoch's batches.
    public let batchSampler: BatchSampler
    /// Threads that load batches ahead of the loop (0: on the loop's thread).
    public let numWorkers: Int
    /// Batches each worker loads ahead.
    public let prefetchFactor: Int
    /// Whether batches are copied into pinned memory as they are loaded (`pin_memory`).
    public let pinMemory: Bool
    let collate: ([D.Element]) throws -> Batch

    /// A loader of `dataset` (`DataLoader(dataset, batch_size=…, shuffle=…, …)`).
    ///
    /// - Parameters:
    ///   - dataset: the samples.
    ///   - batchSize: samples per batch.
    ///   - shuffle: a new random order each epoch, drawn from the default generator as PyTorch does.
    ///   - sampler: the order of samples (overrides `shuffle`); `batchSampler` overrides both and `batchSize`.
    ///   - batchSampler: the index lists of the batches themselves.
    ///   - numWorkers: threads that load and collate batches ahead of the loop (0: on the loop's thread).
    ///   - dropLast: whether a last, shorter batch is left out.
    ///   - prefetchFactor: batches each worker loads ahead (at least 1).
    ///   - pinMemory: copy each batch's tensors into pinned memory as it is loaded, so that
    ///     `to(device, nonBlocking: true)` copies them without waiting (`pin_memory`); for batches that are
    ///     `PinnableBatch` (tensors, arrays and dictionaries of them; the tuple-sample loaders pin each part).
    ///     Loading throws `CUDAError` without CUDA.
    ///   - file: the caller's file, named by the error of a negative `numWorkers`.
    ///   - line: the caller's line.
    ///   - collate: turns a batch's samples into the batch (`collate_fn`).
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false, prefetchFactor: Int = 2,
                pinMemory: Bool = false, file: StaticString = #fileID, line: UInt = #line,
                collate: @escaping ([D.Element]) throws -> Batch) {
        check(numWorkers >= 0, "DataLoader", "num_workers option should be non-negative; use num_workers=0 to disable "
              + "multiprocessing (got \(numWorkers))", file: file, line: line)
        self.dataset = dataset
        self.batchSize = batchSize
        let order = sampler ?? (shuffle ? RandomSampler(count: dataset.count) : SequentialSampler(count: dataset.count))
        self.batchSampler = batchSampler ?? BatchSampler(order, batchSize: batchSize, dropLast: dropLast, file: file, line: line)
        self.numWorkers = numWorkers
        self.prefetchFactor = Swift.max(prefetchFactor, 1)
        self.pinMemory = pinMemory
        self.collate = collate
    }

    /// The number of batches per epoch (`len(loader)`).
    public var count: Int { batchSampler.count }

    func loadBatch(_ indices: [Int]) throws -> Batch {
        let batch = try collate(indices.map { try dataset.element(at: $0) })
        return try pinnedBatch(batch, if: pinMemory)
    }

    /// Calls `body` with each batch of one epoch; rethrows the first error of loading or of `body`.
    public func forEachBatch(_ body: (Batch) throws -> Void) throws {
        var iterator = makeThrowingIterator()
        while let batch = try iterator.next() { try body(batch) }
    }

    /// An iterator whose `next()` throws what loading threw.
    public func makeThrowingIterator() -> ThrowingIterator { ThrowingIterator(self) }

    /// An iterator over one epoch's batches; it stops the program if a sample cannot be loaded (use `forEachBatch` for datasets that throw).
    public func makeIterator() -> Iterator { Iterator(inner: makeThrowingIterator()) }

    /// The iterator of `for batch in loader`; a loading error stops the program with its message
    /// (use `forEachBatch` for datasets that can fail).
    public struct Iterator: IteratorProtocol {
        var inner: ThrowingIterator
        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> Batch? {
            do { return try inner.next() } catch { fatalError("DataLoader: loading a batch failed: \(error)") }
        }
    }

    /// Loads batches in order, `numWorkers` threads ahead of the consumer.
    public struct ThrowingIterator {
        let loader: DataLoader
        let batches: [[Int]]
        var position = 0
        let prefetch: Prefetcher<Batch>?

        init(_ loader: DataLoader) {
            self.loader = loader
            // PyTorch's iterator draws a base seed for its workers before the sampler runs; drawing it
            // too keeps the default generator's stream, and so the shuffled order, identical. Worker
            // batches draw their randomness from a generator seeded with it plus the batch index.
            let baseSeed = drawSeed(.default)
            batches = loader.batchSampler.epochBatches()
            prefetch = loader.numWorkers > 0
                ? Prefetcher(count: batches.count, workers: loader.numWorkers, depth: loader.numWorkers * loader.prefetchFactor) { [batches] i in
                    try withCurrentGenerator(seed: baseSeed &+ UInt64(i)) { try loader.loadBatch(batches[i]) }
                }
                : nil
        }

        /// The next batch, nil at the end of the epoch; throws the first error of loading.
        public mutating func next() throws -> Batch? {
            guard position < batches.count else { return nil }
            defer { position += 1 }
            if let prefetch = prefetch { return try prefetch.take(position) }
            return try loader.loadBatch(batches[position])
        }
    }
}

/// Runs `load(i)` for i in 0..<count on worker threads, at most `depth` ahead of the consumer, and
/// hands results out in order.
final class Prefetcher<Value>: @unchecked Sendable {
    private let load: (Int) throws -> Value
    private let count: Int, depth: Int
    private var results: [Int: Result<Value, Error>] = [:]
    private var nextToStart = 0
    private let condition = NSCondition()
    private let queue: DispatchQueue
    private let slots: DispatchSemaphore

    init(count: Int, workers: Int, depth: Int, load: @escaping (Int) throws -> Value) {
        (self.count, self.depth, self.load) = (count, depth, load)
        queue = DispatchQueue(label: "ember.dataloader", attributes: .concurrent)
        slots = DispatchSemaphore(value: workers)
        for _ in 0..<Swift.min(depth, count) { startNext() }
    }

    private func startNext() {
        condition.lock()
        guard nextToStart < count else { condition.unlock(); return }
        let index = nextToStart
        nextToStart += 1
        condition.unlock()
        queue.async { [self] in
            slots.wait()
            let result = Result { try load(index) }
            slots.signal()
            condition.lock()
            results[index] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The value of batch `index`, waiting for its worker if needed.
    func take(_ index: Int) throws -> Value {
        condition.lock()
        while results[index] == nil { condition.wait() }
        let result = results.removeValue(forKey: index)!
        condition.unlock()
        startNext()
        return try result.get()
    }
}

// MARK: Default collation (`default_collate`)

/// A sample type the default collation knows: tensors stack along a new first dimension, Swift numbers
/// become a tensor (Int → int64, Double → float64, Float → float32, Bool → bool), strings a list, and
/// arrays and string-keyed dictionaries collate element by element. Tuples of 2 to 4 such values
/// collate component by component (`for (x, y) in loader`).
public protocol Collatable {
    /// What a batch of these values becomes.
    associatedtype Collated
    /// The batch of `items` (`default_collate`).
    static func collate(_ items: [Self]) -> Collated
}

/// Stacks tensors into a batch along a new first dimension (`default_collate` for tensors).
public func collateTensors(_ items: [Tensor]) -> Tensor { Tensor.stack(items, dim: 0) }

/// Tensors stack along a new first dimension.
extension Tensor: Collatable { public static func collate(_ items: [Tensor]) -> Tensor { collateTensors(items) } }
/// Integers become an int64 tensor.
extension Int: Collatable { public static func collate(_ items: [Int]) -> Tensor { Tensor(items.map(Int64.init)) } }
/// Doubles become a float64 tensor.
extension Double: Collatable { public static func collate(_ items: [Double]) -> Tensor { Tensor(items) } }
/// Floats become a float32 tensor.
extension Float: Collatable { public static func collate(_ items: [Float]) -> Tensor { Tensor(items) } }
/// Booleans become a bool tensor.
extension Bool: Collatable { public static func collate(_ items: [Bool]) -> Tensor { Tensor(items) } }
/// Strings stay a list.
extension String: Collatable { public static func collate(_ items: [String]) -> [String] { items } }

/// Arrays collate position by position, as PyTorch collates tuples and lists.
extension Array: Collatable where Element: Collatable {
    /// Position k of the batch collates position k of every sample.
    public static func collate(_ items: [[Element]]) -> [Element.Collated] {
        (0..<(items.first?.count ?? 0)).map { k in Element.collate(items.map { $0[k] }) }
    }
}

/// Dictionaries collate key by key.
extension Dictionary: Collatable where Key == String, Value: Collatable {
    /// Each key of the batch collates that key of every sample.
    public static func collate(_ items: [[String: Value]]) -> [String: Value.Collated] {
        Dictionary<String, Value.Collated>(uniqueKeysWithValues: (items.first?.keys.sorted() ?? []).map { key in
            (key, Value.collate(items.map { $0[key]! }))
        })
    }
}

extension DataLoader {
    /// Batches collated by `Collatable` (`default_collate`): `DataLoader(dataset, batchSize: 64, shuffle: true)`.
    @inlinable public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false,
                            pinMemory: Bool = false, file: StaticString = #fileID, line: UInt = #line)
    where D.Element: Collatable, Batch == D.Element.Collated {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast, pinMemory: pinMemory, file: file, line: line, collate: D.Element.collate)
    }

    /// Samples that are pairs, such as (image, label), collate to pairs of batches.
    @inlinable public convenience init<A: Collatable, B: Collatable>(
        _ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil, batchSampler: BatchSampler? = nil,
        numWorkers: Int = 0, dropLast: Bool = false, pinMemory: Bool = false, file: StaticString = #fileID, line: UInt = #line)
    where D.Element == (A, B), Batch == (A.Collated, B.Collated) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast, file: file, line: line) { items in
            (try collatePart(items, { $0.0 }, pin: pinMemory), try collatePart(items, { $0.1 }, pin: pinMemory))
        }
    }

    /// Triples collate to triples of batches.
    @inlinable public convenience init<A: Collatable, B: Collatable, C: Collatable>(
        _ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil, batchSampler: BatchSampler? = nil,
        numWorkers: Int = 0, dropLast: Bool = false, pinMemory: Bool = false, file: StaticString = #fileID, line: UInt = #line)
    where D.Element == (A, B, C), Batch == (A.Collated, B.Collated, C.Collated) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast, file: file, line: line) { items in
            (try collatePart(items, { $0.0 }, pin: pinMemory), try collatePart(items, { $0.1 }, pin: pinMemory),
             try collatePart(items, { $0.2 }, pin: pinMemory))
        }
    }

    /// Quadruples collate to quadruples of batches.
    @inlinable public convenience init<A: Collatable, B: Collatable, C: Collatable, E: Collatable>(
        _ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil, batchSampler: BatchSampler? = nil,
        numWorkers: Int = 0, dropLast: Bool = false, pinMemory: Bool = false, file: StaticString = #fileID, line: UInt = #line)
    where D.Element == (A, B, C, E), Batch == (A.Collated, B.Collated, C.Collated, E.Collated) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast, file: file, line: line) { items in
            (try collatePart(items, { $0.0 }, pin: pinMemory), try collatePart(items, { $0.1 }, pin: pinMemory),
             try collatePart(items, { $0.2 }, pin: pinMemory), try collatePart(items, { $0.3 }, pin: pinMemory))
        }
    }
}

// MARK: Pinned batches (`pin_memory`)

/// A batch whose tensors `DataLoader(…, pinMemory: true)` copies into pinned memory: tensors, and arrays and
/// string-keyed dictionaries of pinnable batches.
public protocol PinnableBatch {
    /// The batch with its tensors in pinned memory (`pin_memory`); throws `CUDAError` without CUDA.
    func pinned() throws -> Self
}

/// A tensor pins itself (`Tensor.pinMemory()`).
extension Tensor: PinnableBatch { public func pinned() throws -> Tensor { try pinMemory() } }
/// Arrays pin each element.
extension Array: PinnableBatch where Element: PinnableBatch { public func pinned() throws -> [Element] { try map { try $0.pinned() } } }
/// Dictionaries pin each value.
extension Dictionary: PinnableBatch where Value: PinnableBatch {
    public func pinned() throws -> [Key: Value] { try mapValues { try $0.pinned() } }
}

/// The batch of one part of tuple samples, its tensors pinned with `pin`.
@inlinable func collatePart<Sample, Part: Collatable>(_ items: [Sample], _ part: (Sample) -> Part, pin: Bool) throws -> Part.Collated {
    try pinnedBatch(Part.collate(items.map(part)), if: pin)
}

/// `batch` with its tensors pinned when `pin` is set and it is a `PinnableBatch`, else itself.
@usableFromInline func pinnedBatch<T>(_ batch: T, if pin: Bool) throws -> T {
    guard pin, let pinnable = batch as? PinnableBatch else { return batch }
    return try pinnable.pinned() as! T
}
