// PyTorch's CPU random generator: mt19937 plus the exact sampling algorithms of ATen's CPU kernels,
// so a seed gives the same numbers as `torch.manual_seed`.
import Foundation

/// A source of random numbers (`torch.Generator`). `Generator.default` backs `Tensor.rand` and friends.
public final class Generator {
    private var engine: MersenneTwister
    /// The seed this generator was last seeded with (`initial_seed()`).
    public private(set) var initialSeed: UInt64
    /// Box–Muller produces pairs; the scalar path caches the second value, as PyTorch does.
    var cachedNormalDouble: Double?
    private let lock = NSLock()

    /// A generator seeded with `seed`.
    public init(seed: UInt64 = 67280421310721) {
        engine = MersenneTwister(seed: seed)
        initialSeed = seed
    }

    /// The generator used when none is given (`torch.default_generator`).
    nonisolated(unsafe) public static let `default` = Generator()

    /// Reseeds the generator (`manual_seed`).
    public func manualSeed(_ seed: UInt64) {
        lock.lock(); defer { lock.unlock() }
        engine = MersenneTwister(seed: seed)
        initialSeed = seed
        cachedNormalDouble = nil
    }

    /// Runs `body`, then puts the generator back where it was: `body`'s draws leave no trace. A module's
    /// deep copy, which draws nothing in PyTorch, is built this way from a freshly initialised one.
    func preservingState<R>(_ body: () throws -> R) rethrows -> R {
        let saved = withLock { ($0.engine, $0.cachedNormalDouble) }
        defer { withLock { $0.engine = saved.0; $0.cachedNormalDouble = saved.1 } }
        return try body()
    }

    /// Runs `body` holding the generator's lock, so concurrent users draw disjoint numbers.
    func withLock<R>(_ body: (Generator) -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body(self)
    }

    /// 32 random bits (`random()`).
    @inline(__always) func random32() -> UInt32 { engine.next() }

    /// 64 random bits from two draws, the first the high half (`random64()`).
    @inline(__always) func random64() -> UInt64 {
        let high = UInt64(engine.next()), low = UInt64(engine.next())
        return (high << 32) | low
    }

    /// A uniform float in [0, 1) from 24 random bits, in double precision (`uniform_real_distribution<float>`).
    @inline(__always) func uniformFloat() -> Double { Double(random32() & 0xFF_FFFF) * (1.0 / 16_777_216.0) }

    /// A uniform double in [0, 1) from 53 random bits (`uniform_real_distribution<double>`).
    @inline(__always) func uniformDouble() -> Double { Double(random64() & 0x1F_FFFF_FFFF_FFFF) * (1.0 / 9_007_199_254_740_992.0) }

    /// A standard normal double by Box–Muller, caching the second value (`normal_distribution<double>`).
    func normalDouble() -> Double {
        if let cached = cachedNormalDouble {
            cachedNormalDouble = nil
            return cached
        }
        let u1 = uniformDouble(), u2 = uniformDouble()
        let r = (-2.0 * Foundation.log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        cachedNormalDouble = r * Foundation.sin(theta)
        return r * Foundation.cos(theta)
    }
}

extension Generator {
    /// A generator bound to the work running on this thread (see `current`).
    @TaskLocal static var bound: Generator?

    /// The generator that per-sample randomness (data augmentation) should draw from: the one a
    /// `DataLoader` worker binds while it loads a batch, else `default`. Worker batches thereby get
    /// their own stream seeded from the epoch's base seed and the batch index, so an epoch is the same
    /// for a seed whatever the number of workers and the order they finish in.
    public static var current: Generator { bound ?? .default }

    /// Runs `body` with `generator` as `current` on this thread.
    public static func withCurrent<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
        try $bound.withValue(generator, operation: body)
    }
}

/// Runs `body` with a fresh generator seeded with `seed` as `Generator.current` (for code inside types
/// whose own `Generator` hides this one, such as iterators).
func withCurrentGenerator<R>(seed: UInt64, _ body: () throws -> R) rethrows -> R {
    try Generator.withCurrent(Generator(seed: seed), body)
}

extension Ember {
    /// Seeds the default generator (`torch.manual_seed`).
    public static func manualSeed(_ seed: UInt64) { Generator.default.manualSeed(seed) }
    public static func manualSeed(_ seed: Int) { Generator.default.manualSeed(UInt64(bitPattern: Int64(seed))) }
}
