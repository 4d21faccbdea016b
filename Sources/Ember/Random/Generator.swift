// PyTorch's CPU random generator: mt19937 plus the exact sampling algorithms of ATen's CPU kernels,
// so a seed gives the same numbers as `torch.manual_seed`.
import Foundation

/// A source of random numbers (`torch.Generator`). `Generator.default` backs `Tensor.rand` and friends.
public final class Generator: @unchecked Sendable {   // state read and written under lock
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
    public static let `default` = Generator()

    /// Reseeds the generator (`manual_seed`).
    public func manualSeed(_ seed: UInt64) {
        lock.lock(); defer { lock.unlock() }
        engine = MersenneTwister(seed: seed)
        initialSeed = seed
        cachedNormalDouble = nil
    }

    /// The generator's state (`get_state()`, `torch.get_rng_state()`): a uint8 tensor of 5,056 bytes laid out
    /// as PyTorch's CPU generator lays out its own, so a checkpoint can carry it.
    public func getState() -> Tensor {
        let (seed, position, cached) = withLock { ($0.initialSeed, $0.engine.words, $0.cachedNormalDouble) }
        let (words, used) = position
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.stateByteCount)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(seed)
        append(Int32(625 - used))            // left: draws until the next twist, plus one
        append(Int32(1))                     // seeded
        append(UInt64(used % 624))           // next: the word the next draw reads
        for word in words { append(UInt64(word)) }
        append(UInt64(0))                    // normal_x (unused by PyTorch)
        append((cached ?? 0).bitPattern)     // normal_y: the cached second Box–Muller value
        append(UInt64(0))                    // normal_rho (unused)
        append(Int32(cached == nil ? 0 : 1)) // normal_is_valid
        append(Int32(0))                     // padding
        append(Float(0).bitPattern)          // next_float_normal_sample (Ember draws no float normals)
        bytes += [0, 0, 0, 0]                // its valid flag and padding
        return Tensor(bytes, shape: [bytes.count])
    }

    /// Restores a state from `getState` (`set_state()`, `torch.set_rng_state()`); a tensor that is not such a
    /// state stops.
    public func setState(_ state: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        check(state.dtype == .uint8 && state.shape == [Self.stateByteCount], "set_state", "expected a uint8 tensor of "
              + "\(Self.stateByteCount) bytes (a generator state), got \(state.dtype) \(shapeText(state.shape))", file: file, line: line)
        let bytes = state.contiguous().toArray(as: UInt8.self)
        func read<T: FixedWidthInteger>(_ offset: Int, as _: T.Type) -> T {
            bytes[offset..<(offset + MemoryLayout<T>.size)].reversed().reduce(T.zero) { ($0 << 8) | T($1) }
        }
        let left = Int(read(8, as: Int32.self))
        check((1...625).contains(left), "set_state", "the state's position (left = \(left)) is out of range", file: file, line: line)
        let words = (0..<624).map { UInt32(truncatingIfNeeded: read(24 + 8 * $0, as: UInt64.self)) }
        let valid = read(5040, as: Int32.self) != 0
        let normal = Double(bitPattern: read(5024, as: UInt64.self))
        withLock {
            $0.engine = MersenneTwister(state: words, used: 625 - left)
            $0.initialSeed = read(0, as: UInt64.self)
            $0.cachedNormalDouble = valid ? normal : nil
        }
    }

    static let stateByteCount = 5056

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
    /// The default generator's state (`torch.get_rng_state()`).
    public static func getRngState() -> Tensor { Generator.default.getState() }
    /// Restores the default generator's state (`torch.set_rng_state()`).
    public static func setRngState(_ state: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        Generator.default.setState(state, file: file, line: line)
    }
    /// Seeds the default generator (`torch.manual_seed`), so the same seed gives PyTorch's numbers.
    public static func manualSeed(_ seed: Int) { Generator.default.manualSeed(UInt64(bitPattern: Int64(seed))) }
}
