// The discrete Fourier transform of one length: a mixed-radix Stockham FFT (radices 4, 2, 3, 5 and a generic odd
// radix), Bluestein's chirp-z algorithm when the length has a large prime factor, and the real transform of even
// lengths through a complex one of half the length. Plans are built once per (length, type) and shared.
import CEmberKernels
import Foundation

/// A complex number as the kernels hold it: the real part, then the imaginary part. Two stored properties of one
/// type lie in memory as C's `T[2]`, the layout of `viewAsReal`, so kernels bind tensor memory to this type.
struct ComplexValue<T: FloatScalar>: FourierElement {
    var x: T, y: T

    @inline(__always) init(_ x: T, _ y: T) { (self.x, self.y) = (x, y) }

    static var zero: ComplexValue { ComplexValue(0, 0) }

    @inline(__always) static func + (a: ComplexValue, b: ComplexValue) -> ComplexValue { ComplexValue(a.x + b.x, a.y + b.y) }
    @inline(__always) static func - (a: ComplexValue, b: ComplexValue) -> ComplexValue { ComplexValue(a.x - b.x, a.y - b.y) }
    @inline(__always) static func * (a: T, b: ComplexValue) -> ComplexValue { ComplexValue(a * b.x, a * b.y) }
    @inline(__always) static func *= (a: inout ComplexValue, b: T) { a = b * a }

    /// The complex product.
    @inline(__always) func times(_ other: ComplexValue) -> ComplexValue {
        ComplexValue(x * other.x - y * other.y, x * other.y + y * other.x)
    }
    /// Multiplied by -i.
    @inline(__always) var timesMinusI: ComplexValue { ComplexValue(y, -x) }
    /// The complex conjugate.
    @inline(__always) var conjugate: ComplexValue { ComplexValue(x, -y) }
    @inline(__always) func scalingParts(_ a: T, _ b: T) -> ComplexValue { ComplexValue(x * a, y * b) }
}

/// What the passes compute on: one complex value (`ComplexValue`), or one value of each of several transforms, a
/// SIMD lane each (`ComplexLanes`), so that a batch of transforms runs in vector arithmetic.
protocol FourierElement {
    associatedtype Real: FloatScalar
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    /// Scaled by a real number.
    static func * (a: Real, b: Self) -> Self
    /// Multiplied by the complex number `w`.
    func times(_ w: ComplexValue<Real>) -> Self
    /// Multiplied by -i.
    var timesMinusI: Self { get }
    var conjugate: Self { get }
    /// The real part multiplied by `a`, the imaginary part by `b` (a window over the samples packed in it).
    func scalingParts(_ a: Real, _ b: Real) -> Self
}

extension FourierElement {
    @inline(__always) static func += (a: inout Self, b: Self) { a = a + b }
}

/// The values of eight transforms at one position, real and imaginary parts one lane per transform.
struct ComplexLanes<T: FloatScalar & SIMDScalar>: FourierElement {
    typealias Lanes = SIMD8<T>
    var x: Lanes, y: Lanes

    static var zero: ComplexLanes { ComplexLanes(x: .zero, y: .zero) }

    @inline(__always) static func + (a: ComplexLanes, b: ComplexLanes) -> ComplexLanes { ComplexLanes(x: a.x + b.x, y: a.y + b.y) }
    @inline(__always) static func - (a: ComplexLanes, b: ComplexLanes) -> ComplexLanes { ComplexLanes(x: a.x - b.x, y: a.y - b.y) }
    @inline(__always) static func * (a: T, b: ComplexLanes) -> ComplexLanes { ComplexLanes(x: a * b.x, y: a * b.y) }
    @inline(__always) func times(_ w: ComplexValue<T>) -> ComplexLanes {
        ComplexLanes(x: x * w.x - y * w.y, y: x * w.y + y * w.x)
    }
    @inline(__always) var timesMinusI: ComplexLanes { ComplexLanes(x: y, y: -x) }
    @inline(__always) var conjugate: ComplexLanes { ComplexLanes(x: x, y: -y) }
    @inline(__always) func scalingParts(_ a: T, _ b: T) -> ComplexLanes { ComplexLanes(x: x * a, y: y * b) }

    /// Element `i` of eight rows `rowStride` apart, as one vector (built at once: setting lanes one by one is slow).
    @inline(__always) private static func gather(_ base: UnsafePointer<T>, rowStride s: Int, _ i: Int) -> Lanes {
        Lanes(base[i], base[s + i], base[2 * s + i], base[3 * s + i], base[4 * s + i], base[5 * s + i], base[6 * s + i], base[7 * s + i])
    }

    /// Writes the lanes of `value` to element `i` of eight rows `rowStride` apart.
    @inline(__always) private static func scatter(_ value: Lanes, to base: UnsafeMutablePointer<T>, rowStride s: Int, _ i: Int) {
        (base[i], base[s + i], base[2 * s + i], base[3 * s + i]) = (value[0], value[1], value[2], value[3])
        (base[4 * s + i], base[5 * s + i], base[6 * s + i], base[7 * s + i]) = (value[4], value[5], value[6], value[7])
    }

    /// Complex value `j` of eight rows of interleaved (real, imaginary) pairs, `rowStride` reals apart.
    @inline(__always) static func gather(_ base: UnsafePointer<T>, rowStride: Int, complexAt j: Int) -> ComplexLanes {
        ComplexLanes(x: gather(base, rowStride: rowStride, 2 * j), y: gather(base, rowStride: rowStride, 2 * j + 1))
    }

    /// Real value `j` of eight rows `rowStride` apart, as complex values with zero imaginary parts.
    @inline(__always) static func gather(_ base: UnsafePointer<T>, rowStride: Int, realAt j: Int) -> ComplexLanes {
        ComplexLanes(x: gather(base, rowStride: rowStride, j), y: .zero)
    }

    /// Writes the lanes to complex value `j` of eight rows of interleaved pairs, `rowStride` reals apart.
    @inline(__always) func scatter(to base: UnsafeMutablePointer<T>, rowStride: Int, complexAt j: Int) {
        ComplexLanes.scatter(x, to: base, rowStride: rowStride, 2 * j)
        ComplexLanes.scatter(y, to: base, rowStride: rowStride, 2 * j + 1)
    }
}

/// exp(-2πi·numerator/denominator), computed in double from an exactly reduced fraction.
private func unitRoot<T: FloatScalar>(_ numerator: Int, _ denominator: Int) -> ComplexValue<T> {
    let angle = -2 * Double.pi * Double(numerator % denominator) / Double(denominator)
    return ComplexValue(T(cos(angle)), T(sin(angle)))
}

/// The forward transform X_k = Σ_j x_j·exp(-2πi·jk/n) of one length, in place on interleaved complex values.
/// The inverse (positive exponent, unscaled) is the conjugate of the forward transform of the conjugate.
final class FourierPlan<T: FloatScalar> {
    let length: Int
    private let stages: [Stage]
    private let bluestein: Bluestein?

    /// One radix-p pass of the Stockham recursion over sub-transforms of length `span` at stride `stride`.
    private struct Stage {
        let radix: Int, span: Int, stride: Int
        /// exp(-2πi·j·k/span) for j < span/radix, 1 <= k < radix, row-major in j.
        let twiddles: [ComplexValue<T>]
        /// exp(-2πi·t/radix) for t < radix (used by the generic radix only).
        let roots: [ComplexValue<T>]
    }

    /// The chirp-z form: a length-n transform as a circular convolution of length `padded`.
    private struct Bluestein {
        let padded: FourierPlan<T>
        /// exp(-πi·k²/n) for k < n.
        let chirp: [ComplexValue<T>]
        /// The forward transform of the conjugate chirp laid out circularly, divided by `padded.length`.
        let filter: [ComplexValue<T>]
    }

    init(length: Int) {
        self.length = length
        let factors = FourierPlan.factors(of: length)
        let direct = FourierPlan.cost(length, factors)
        let paddedLength = FourierPlan.smoothLength(atLeast: 2 * length - 1)
        if factors.contains(where: { $0 > 5 }),
           3 * FourierPlan.cost(paddedLength, FourierPlan.factors(of: paddedLength)) < direct {
            stages = []
            bluestein = FourierPlan.makeBluestein(length: length, paddedLength: paddedLength)
            return
        }
        bluestein = nil
        var stages: [Stage] = []
        var stride = 1
        for radix in factors {
            let span = length / stride
            let m = span / radix
            let twiddles: [ComplexValue<T>] = (0..<m).flatMap { j in (1..<radix).map { k in unitRoot(j * k, span) } }
            let roots: [ComplexValue<T>] = radix > 5 ? (0..<radix).map { unitRoot($0, radix) } : []
            stages.append(Stage(radix: radix, span: span, stride: stride, twiddles: twiddles, roots: roots))
            stride *= radix
        }
        self.stages = stages
    }

    /// The factors the passes use: fours first, then a two, threes, fives and the remaining primes.
    static func factors(of n: Int) -> [Int] {
        var n = n, factors: [Int] = []
        while n % 4 == 0 { factors.append(4); n /= 4 }
        for p in [2, 3, 5] { while n % p == 0 { factors.append(p); n /= p } }
        var p = 7
        while p * p <= n {
            while n % p == 0 { factors.append(p); n /= p }
            p += 2
        }
        if n > 1 { factors.append(n) }
        return factors
    }

    /// Operations a direct transform takes, roughly: n per pass for the fixed radices, n·p for a generic radix p.
    private static func cost(_ n: Int, _ factors: [Int]) -> Int {
        factors.reduce(0) { $0 + n * ($1 <= 5 ? $1 : $1 * $1 / 2) }
    }

    /// The smallest 2^a·3^b·5^c at least `n`.
    private static func smoothLength(atLeast n: Int) -> Int {
        var best = 1
        while best < n { best *= 2 }
        var p3 = 1
        while p3 < best {
            var p35 = p3
            while p35 < best {
                var candidate = p35
                while candidate < n { candidate *= 2 }
                best = Swift.min(best, candidate)
                p35 *= 5
            }
            p3 *= 3
        }
        return best
    }

    private static func makeBluestein(length n: Int, paddedLength: Int) -> Bluestein {
        let padded = FourierPlan<T>(length: paddedLength)
        // k² mod 2n keeps the chirp's angle exact for large k.
        let chirp: [ComplexValue<T>] = (0..<n).map { unitRoot(($0 * $0) % (2 * n), 2 * n) }
        var filter = [ComplexValue<T>](repeating: .zero, count: paddedLength)
        let scale = T(1) / T(paddedLength)
        for k in 0..<n {
            filter[k] = scale * chirp[k].conjugate
            if k > 0 { filter[paddedLength - k] = scale * chirp[k].conjugate }
        }
        filter.withUnsafeMutableBufferPointer { buffer in
            withScratch(ComplexValue<T>.self, padded.scratchCount) { padded.forward(buffer.baseAddress!, scratch: $0) }
        }
        return Bluestein(padded: padded, chirp: chirp, filter: filter)
    }

    /// Complex values of scratch memory `forward` needs.
    var scratchCount: Int {
        guard let bluestein else { return length }
        return 2 * bluestein.padded.length + bluestein.padded.scratchCount
    }

    /// Transforms `data` (`length` values) in place; `scratch` holds `scratchCount` values.
    func forward<C: FourierElement>(_ data: UnsafeMutablePointer<C>, scratch: UnsafeMutablePointer<C>) where C.Real == T {
        if let bluestein { return forwardBluestein(bluestein, data, scratch: scratch) }
        var source = data, destination = scratch
        for stage in stages {
            FourierPlan.run(stage, source, destination)
            swap(&source, &destination)
        }
        if source != data { data.update(from: source, count: length) }
    }

    /// The inverse transform without scaling, in place.
    func inverse<C: FourierElement>(_ data: UnsafeMutablePointer<C>, scratch: UnsafeMutablePointer<C>) where C.Real == T {
        for i in 0..<length { data[i] = data[i].conjugate }
        forward(data, scratch: scratch)
        for i in 0..<length { data[i] = data[i].conjugate }
    }

    private func forwardBluestein<C: FourierElement>(_ plan: Bluestein, _ data: UnsafeMutablePointer<C>,
                                                     scratch: UnsafeMutablePointer<C>) where C.Real == T {
        let m = plan.padded.length
        let work = scratch, inner = scratch + m
        for k in 0..<length { work[k] = data[k].times(plan.chirp[k]) }
        (work + length).initialize(repeating: .zero, count: m - length)
        plan.padded.forward(work, scratch: inner)
        plan.filter.withUnsafeBufferPointer { filter in
            for k in 0..<m { work[k] = work[k].times(filter[k]) }
        }
        plan.padded.inverse(work, scratch: inner)
        for k in 0..<length { data[k] = work[k].times(plan.chirp[k]) }
    }

    /// y[q + s·(p·j + k)] = (Σ_r x[q + s·(j + r·m)]·ω_p^{rk})·ω_span^{jk}: one decimation-in-frequency pass.
    private static func run<C: FourierElement>(_ stage: Stage, _ x: UnsafeMutablePointer<C>, _ y: UnsafeMutablePointer<C>)
        where C.Real == T {
        let p = stage.radix, s = stage.stride, m = stage.span / p
        if C.self == ComplexLanes<Float>.self, stage.twiddles.withUnsafeBytes({ twiddles in
            ember_fourier_pass_lanes_f32(Int32(p), s, m, twiddles.baseAddress?.assumingMemoryBound(to: Float.self),
                                         UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                                         UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)) != 0
        }) { return }   // eight float32 transforms at once in C with AVX, the same operations as below
        stage.twiddles.withUnsafeBufferPointer { twiddles in
            switch p {
            case 2:
                for j in 0..<m {
                    let w1 = twiddles[j]
                    for q in 0..<s {
                        let a0 = x[q + s * j], a1 = x[q + s * (j + m)]
                        y[q + s * 2 * j] = a0 + a1
                        y[q + s * (2 * j + 1)] = (a0 - a1).times(w1)
                    }
                }
            case 3:
                let c = T(-0.5), sn = T(0.86602540378443864676)
                for j in 0..<m {
                    let w1 = twiddles[2 * j], w2 = twiddles[2 * j + 1]
                    for q in 0..<s {
                        let a0 = x[q + s * j], a1 = x[q + s * (j + m)], a2 = x[q + s * (j + 2 * m)]
                        let t1 = a1 + a2
                        let u = a0 + c * t1, v = (sn * (a1 - a2)).timesMinusI
                        y[q + s * 3 * j] = a0 + t1
                        y[q + s * (3 * j + 1)] = (u + v).times(w1)
                        y[q + s * (3 * j + 2)] = (u - v).times(w2)
                    }
                }
            case 4:
                for j in 0..<m {
                    let w1 = twiddles[3 * j], w2 = twiddles[3 * j + 1], w3 = twiddles[3 * j + 2]
                    for q in 0..<s {
                        let a0 = x[q + s * j], a1 = x[q + s * (j + m)], a2 = x[q + s * (j + 2 * m)], a3 = x[q + s * (j + 3 * m)]
                        let t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = (a1 - a3).timesMinusI
                        y[q + s * 4 * j] = t0 + t2
                        y[q + s * (4 * j + 1)] = (t1 + t3).times(w1)
                        y[q + s * (4 * j + 2)] = (t0 - t2).times(w2)
                        y[q + s * (4 * j + 3)] = (t1 - t3).times(w3)
                    }
                }
            case 5:
                let c1 = T(0.30901699437494742410), c2 = T(-0.80901699437494742410)
                let s1 = T(0.95105651629515357212), s2 = T(0.58778525229247312917)
                for j in 0..<m {
                    let w = (twiddles[4 * j], twiddles[4 * j + 1], twiddles[4 * j + 2], twiddles[4 * j + 3])
                    for q in 0..<s {
                        let a0 = x[q + s * j], a1 = x[q + s * (j + m)], a2 = x[q + s * (j + 2 * m)]
                        let a3 = x[q + s * (j + 3 * m)], a4 = x[q + s * (j + 4 * m)]
                        let t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3
                        let u1 = a0 + c1 * t1 + c2 * t2, u2 = a0 + c2 * t1 + c1 * t2
                        let v1 = (s1 * t3 + s2 * t4).timesMinusI, v2 = (s2 * t3 - s1 * t4).timesMinusI
                        y[q + s * 5 * j] = a0 + t1 + t2
                        y[q + s * (5 * j + 1)] = (u1 + v1).times(w.0)
                        y[q + s * (5 * j + 2)] = (u2 + v2).times(w.1)
                        y[q + s * (5 * j + 3)] = (u2 - v2).times(w.2)
                        y[q + s * (5 * j + 4)] = (u1 - v1).times(w.3)
                    }
                }
            default:
                stage.roots.withUnsafeBufferPointer { roots in
                    withUnsafeTemporaryAllocation(of: C.self, capacity: p) { a in
                        for j in 0..<m {
                            for q in 0..<s {
                                for r in 0..<p { a[r] = x[q + s * (j + r * m)] }
                                for k in 0..<p {
                                    var sum = C.zero
                                    var t = 0
                                    for r in 0..<p {
                                        sum += a[r].times(roots[t])
                                        t += k
                                        if t >= p { t -= p }
                                    }
                                    y[q + s * (p * j + k)] = k == 0 ? sum : sum.times(twiddles[(p - 1) * j + k - 1])
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The one-sided transform of real sequences of one length (X_k for k <= n/2). An even length runs as a complex
/// transform of half the length over the pairs (x₂ⱼ, x₂ⱼ₊₁); an odd one as a complex transform of the whole.
final class RealFourierPlan<T: FloatScalar> {
    let length: Int
    let complex: FourierPlan<T>
    /// exp(-2πi·k/n) for k <= n/2 (even lengths).
    private let untangle: [ComplexValue<T>]

    init(length: Int) {
        self.length = length
        let isEven = length % 2 == 0
        complex = FourierPlans.plan(T.self, length: isEven ? length / 2 : length)
        untangle = isEven ? (0...length / 2).map { unitRoot($0, length) } : []
    }

    /// Values of scratch memory `transform` needs, beyond the `complex.length` it transforms.
    var scratchCount: Int { complex.scratchCount }

    /// Whether `work` is loaded with the pairs (x₂ⱼ, x₂ⱼ₊₁) (even lengths) or with (xⱼ, 0) (odd ones).
    var packsPairs: Bool { length % 2 == 0 }

    /// Transforms the `complex.length` values `work` was loaded with (as `packsPairs` says) and hands X_k for each
    /// k <= n/2 to `store`.
    @inline(__always)
    func transform<C: FourierElement>(_ work: UnsafeMutablePointer<C>, scratch: UnsafeMutablePointer<C>, _ store: (C, Int) -> Void)
        where C.Real == T {
        complex.forward(work, scratch: scratch)
        guard packsPairs else {
            for k in 0...(length / 2) { store(work[k], k) }
            return
        }
        let half = complex.length, one = T(1) / 2
        for k in 0...half {
            let z = work[k == half ? 0 : k], mirror = work[k == 0 ? 0 : half - k].conjugate
            let even = one * (z + mirror), odd = (one * (z - mirror)).timesMinusI
            store(even + odd.times(untangle[k]), k)
        }
    }
}

/// The plans built so far, one per (type, length, kind), shared by every thread. The lock is recursive: building a
/// real plan takes a complex one.
enum FourierPlans {
    private struct Key: Hashable {
        let type: ObjectIdentifier, length: Int, isReal: Bool
    }
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var plans: [Key: AnyObject] = [:]

    private static func cached<P: AnyObject>(_ key: Key, _ make: () -> P) -> P {
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[key] as? P { return plan }
        let plan = make()
        plans[key] = plan
        return plan
    }

    static func plan<T: FloatScalar>(_: T.Type, length: Int) -> FourierPlan<T> {
        cached(Key(type: ObjectIdentifier(T.self), length: length, isReal: false)) { FourierPlan<T>(length: length) }
    }

    static func realPlan<T: FloatScalar>(_: T.Type, length: Int) -> RealFourierPlan<T> {
        cached(Key(type: ObjectIdentifier(T.self), length: length, isReal: true)) { RealFourierPlan<T>(length: length) }
    }
}
