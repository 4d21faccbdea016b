// Samplers: the order in which a DataLoader visits a dataset, epoch by epoch.

/// Produces the indices of one epoch (`torch.utils.data.Sampler`).
public protocol Sampler: AnyObject {
    /// The indices to visit this epoch; called once per epoch.
    func epochIndices() -> [Int]
    /// The number of indices per epoch.
    var count: Int { get }
}

/// `0..<count` in order (`SequentialSampler`).
public final class SequentialSampler: Sampler {
    public let count: Int
    /// `SequentialSampler(…)`, with PyTorch's arguments and defaults.
    public init(count: Int) { self.count = count }
    public func epochIndices() -> [Int] { Array(0..<count) }
}

/// A draw of a 64-bit seed from `generator`, as `torch.empty((), dtype=torch.int64).random_()` makes it.
func drawSeed(_ generator: Generator) -> UInt64 { generator.withLock { $0.random64() } % (UInt64(1) << 63) }

/// A random permutation each epoch, or draws with replacement (`RandomSampler`). Without a generator
/// of its own, each epoch seeds a fresh one from the default generator, as PyTorch does.
public final class RandomSampler: Sampler {
    /// The `size`, `replacement` and `num_samples` arguments it was made with.
    public let size: Int, replacement: Bool, numSamples: Int
    let generator: Generator?

    /// `RandomSampler(…)`, with PyTorch's arguments and defaults.
    public init(count: Int, replacement: Bool = false, numSamples: Int? = nil, generator: Generator? = nil) {
        (size, self.replacement, self.numSamples, self.generator) = (count, replacement, numSamples ?? count, generator)
    }

    public var count: Int { numSamples }

    public func epochIndices() -> [Int] {
        let g = generator ?? Generator(seed: drawSeed(.default))
        if replacement {
            // PyTorch draws in chunks of 32 with randint.
            var result: [Int] = []
            while result.count < numSamples {
                let chunk = Swift.min(32, numSamples - result.count)
                result += Tensor.randint(0, size, [32], generator: g).toArray(as: Int64.self).prefix(chunk).map(Int.init)
            }
            return result
        }
        var result: [Int] = []
        for _ in 0..<(numSamples / Swift.max(size, 1)) { result += Tensor.randperm(size, generator: g).toArray(as: Int64.self).map(Int.init) }
        if numSamples % Swift.max(size, 1) > 0 {
            result += Tensor.randperm(size, generator: g).toArray(as: Int64.self).prefix(numSamples % size).map(Int.init)
        }
        return result
    }
}

/// A random permutation of given indices each epoch (`SubsetRandomSampler`).
public final class SubsetRandomSampler: Sampler {
    /// The `indices` argument it was made with.
    public let indices: [Int]
    let generator: Generator
    /// `SubsetRandomSampler(…)`, with PyTorch's arguments and defaults.
    public init(indices: [Int], generator: Generator = .default) { (self.indices, self.generator) = (indices, generator) }
    public var count: Int { indices.count }
    public func epochIndices() -> [Int] {
        Tensor.randperm(indices.count, generator: generator).toArray(as: Int64.self).map { indices[Int($0)] }
    }
}

/// Indices drawn with probability proportional to `weights` (`WeightedRandomSampler`).
public final class WeightedRandomSampler: Sampler {
    /// The `weights`, `num_samples` and `replacement` arguments it was made with.
    public let weights: Tensor, numSamples: Int, replacement: Bool
    let generator: Generator
    /// `WeightedRandomSampler(…)`, with PyTorch's arguments and defaults.
    public init(weights: [Double], numSamples: Int, replacement: Bool = true, generator: Generator = .default) {
        (self.weights, self.numSamples, self.replacement, self.generator) = (Tensor(weights, shape: [weights.count]), numSamples, replacement, generator)
    }
    public var count: Int { numSamples }
    public func epochIndices() -> [Int] {
        weights.multinomial(numSamples, replacement: replacement, generator: generator).toArray(as: Int64.self).map(Int.init)
    }
}

/// The share of a dataset one process of `numReplicas` sees (`DistributedSampler`): every replica gets
/// the same number of indices (padded by repetition unless `dropLast`), shuffled by `seed + epoch`.
public final class DistributedSampler: Sampler {
    /// The `size`, `num_replicas`, `rank`, `shuffle`, `seed` and `drop_last` arguments it was made with.
    public let size: Int, numReplicas: Int, rank: Int, shuffle: Bool, seed: UInt64, dropLast: Bool
    /// The epoch `setEpoch(_:)` set last; it seeds the shuffle.
    public private(set) var epoch = 0

    /// The share of `count` items for `rank` of `numReplicas`; both default to the running process group's rank and
    /// size, as in PyTorch.
    public init(count: Int, numReplicas: Int? = nil, rank: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0,
                dropLast: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        let group = Distributed.group
        if numReplicas == nil || rank == nil {
            check(group != nil, "DistributedSampler", "numReplicas and rank default to the process group's, and none is running: "
                  + DistributedError.notInitialized.description, file: file, line: line)
        }
        let numReplicas = numReplicas ?? group!.worldSize, rank = rank ?? group!.rank
        check(rank >= 0 && rank < numReplicas, "DistributedSampler", "Invalid rank \(rank), rank should be in the interval "
              + "[0, \(numReplicas - 1)]", file: file, line: line)
        (size, self.numReplicas, self.rank, self.shuffle, self.seed, self.dropLast) = (count, numReplicas, rank, shuffle, seed, dropLast)
    }

    /// The indices each replica draws per epoch (`len(sampler)`): PyTorch's `ceil((n - R) / R)` when dropping the
    /// uneven tail (no index at all when there are fewer than R), else `ceil(n / R)`.
    public var count: Int {
        guard dropLast && size % numReplicas != 0 else { return (size + numReplicas - 1) / numReplicas }
        return size < numReplicas ? 0 : (size - numReplicas) / numReplicas + 1
    }

    /// Sets the epoch so each epoch shuffles differently and all replicas agree (`set_epoch`).
    public func setEpoch(_ epoch: Int) { self.epoch = epoch }

    public func epochIndices() -> [Int] {
        var indices = shuffle
            ? Tensor.randperm(size, generator: Generator(seed: seed &+ UInt64(epoch))).toArray(as: Int64.self).map(Int.init)
            : Array(0..<size)
        let total = count * numReplicas
        if dropLast {
            indices = Array(indices.prefix(total))
        } else {
            while indices.count < total { indices += indices.prefix(total - indices.count) }
        }
        return Swift.stride(from: rank, to: total, by: numReplicas).map { indices[$0] }
    }
}

/// Groups a sampler's indices into batches (`BatchSampler`).
public final class BatchSampler {
    /// The `sampler`, `batch_size` and `drop_last` arguments it was made with.
    public let sampler: Sampler, batchSize: Int, dropLast: Bool
    /// `BatchSampler(…)`, with PyTorch's arguments and defaults.
    public init(_ sampler: Sampler, batchSize: Int, dropLast: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        check(batchSize > 0, "BatchSampler", "batch_size should be a positive integer value, but got batch_size=\(batchSize)",
              file: file, line: line)
        (self.sampler, self.batchSize, self.dropLast) = (sampler, batchSize, dropLast)
    }
    /// The number of batches per epoch.
    public var count: Int { dropLast ? sampler.count / batchSize : (sampler.count + batchSize - 1) / batchSize }
    /// The batches of one epoch.
    public func epochBatches() -> [[Int]] {
        let indices = sampler.epochIndices()
        var batches = Swift.stride(from: 0, to: indices.count, by: batchSize).map { Array(indices[$0..<Swift.min($0 + batchSize, indices.count)]) }
        if dropLast, let last = batches.last, last.count < batchSize { batches.removeLast() }
        return batches
    }
}
