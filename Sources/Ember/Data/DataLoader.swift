// DataLoader: sampler → worker threads → collate → prefetch queue, in the sampler's order.
import Dispatch
import Foundation

/// Batches of a dataset (`torch.utils.data.DataLoader`). Iterate it with `for batch in loader`; a
/// dataset whose `element(at:)` throws is read with `try loader.forEachBatch { … }` instead, which
/// rethrows the first error of any worker. The loader can be iterated again for each epoch.
public final class DataLoader<D: Dataset, Batch>: Sequence {
    public let dataset: D
    public let batchSize: Int
    public let batchSampler: BatchSampler
    public let numWorkers: Int
    public let prefetchFactor: Int
    let collate: ([D.Element]) throws -> Batch

    /// - Parameters:
    ///   - shuffle: a new random order each epoch, drawn from the default generator as PyTorch does.
    ///   - sampler: the order of samples (overrides `shuffle`); `batchSampler` overrides both and `batchSize`.
    ///   - numWorkers: threads that load and collate batches ahead of the loop (0: on the loop's thread).
    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false, prefetchFactor: Int = 2,
                collate: @escaping ([D.Element]) throws -> Batch) {
        self.dataset = dataset
        self.batchSize = batchSize
        let order = sampler ?? (shuffle ? RandomSampler(count: dataset.count) : SequentialSampler(count: dataset.count))
        self.batchSampler = batchSampler ?? BatchSampler(order, batchSize: batchSize, dropLast: dropLast)
        self.numWorkers = numWorkers
        self.prefetchFactor = Swift.max(prefetchFactor, 1)
        self.collate = collate
    }

    /// The number of batches per epoch (`len(loader)`).
    public var count: Int { batchSampler.count }

    func loadBatch(_ indices: [Int]) throws -> Batch { try collate(indices.map { try dataset.element(at: $0) }) }

    /// Calls `body` with each batch of one epoch; rethrows the first error of loading or of `body`.
    public func forEachBatch(_ body: (Batch) throws -> Void) throws {
        var iterator = makeThrowingIterator()
        while let batch = try iterator.next() { try body(batch) }
    }

    /// An iterator whose `next()` throws what loading threw.
    public func makeThrowingIterator() -> ThrowingIterator { ThrowingIterator(self) }

    public func makeIterator() -> Iterator { Iterator(inner: makeThrowingIterator()) }

    /// The iterator of `for batch in loader`; a loading error stops the program with its message
    /// (use `forEachBatch` for datasets that can fail).
    public struct Iterator: IteratorProtocol {
        var inner: ThrowingIterator
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

// MARK: Collation of common sample types

/// Stacks tensors into a batch along a new first dimension (`default_collate` for tensors).
public func collateTensors(_ items: [Tensor]) -> Tensor { Tensor.stack(items, dim: 0) }

extension DataLoader where D.Element == Tensor, Batch == Tensor {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast, collate: collateTensors)
    }
}

extension DataLoader where D.Element == (Tensor, Tensor), Batch == (Tensor, Tensor) {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast) { items in
            (collateTensors(items.map(\.0)), collateTensors(items.map(\.1)))
        }
    }
}

extension DataLoader where D.Element == (Tensor, Int), Batch == (Tensor, Tensor) {
    /// Samples of (image, label) collate to (images, int64 labels).
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast) { items in
            (collateTensors(items.map(\.0)), Tensor(items.map { Int64($0.1) }))
        }
    }
}

extension DataLoader where D.Element == [Tensor], Batch == [Tensor] {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast) { items in
            (0..<(items.first?.count ?? 0)).map { k in collateTensors(items.map { $0[k] }) }
        }
    }
}

extension DataLoader where D.Element == [String: Tensor], Batch == [String: Tensor] {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, sampler: Sampler? = nil,
                            batchSampler: BatchSampler? = nil, numWorkers: Int = 0, dropLast: Bool = false) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, sampler: sampler, batchSampler: batchSampler,
                  numWorkers: numWorkers, dropLast: dropLast) { items in
            Dictionary(uniqueKeysWithValues: (items.first?.keys.sorted() ?? []).map { key in (key, collateTensors(items.map { $0[key]! })) })
        }
    }
}
