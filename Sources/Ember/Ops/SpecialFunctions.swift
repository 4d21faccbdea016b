// Special functions (`torch.special`, `torch.lgamma`…): gamma family (lgamma, digamma, polygamma, mvlgamma,
// Hurwitz zeta), error-function family (erfinv, erfcx, ndtr, ndtri, log_ndtr), entr, xlog1py, the spherical
// Bessel j0 and the classical orthogonal polynomials. Each is a scalar function in Double applied to every
// element (Cephes' algorithms, as PyTorch's), with PyTorch's derivatives.
import RealModule

/// The scalar special functions, in double precision.
enum Special {
    /// I₀(x), the modified Bessel function of the first kind of order 0: its power series Σ (x/2)^2k / (k!)², whose
    /// terms are all positive, summed until they no longer change the sum (as accurate as Cephes' Chebyshev form).
    static func besselI0(_ x: Double) -> Double { besselSeries(x, order: 0) }
    /// I₁(x), the order-1 function, Σ (x/2)^(2k+1) / (k!·(k+1)!); odd in x.
    static func besselI1(_ x: Double) -> Double { besselSeries(x, order: 1) }

    private static func besselSeries(_ x: Double, order: Int) -> Double {
        if x.isNaN { return x }
        let magnitude = Swift.abs(x)
        if magnitude.isInfinite { return order == 0 ? .infinity : x }
        let quarterSquare = magnitude * magnitude / 4
        var term = order == 0 ? 1 : magnitude / 2, sum = term, k = 1.0
        while term > sum * 1e-17 {
            term *= quarterSquare / (k * (k + Double(order)))
            sum += term
            k += 1
        }
        return order == 1 && x < 0 ? -sum : sum
    }

    /// ψ(x), the logarithmic derivative of Γ (Cephes' psi): reflection below 0, recurrence up to 10, then the
    /// asymptotic series. ψ(0) is -inf and ψ at negative integers NaN, as PyTorch.
    static func digamma(_ x: Double) -> Double {
        if x == 0 { return Double(sign: x.sign, exponent: 0, significand: 1) * -.infinity }
        if x < 0 {
            if x == x.rounded(.down) { return .nan }
            return digamma(1 - x) - Double.pi / Double.tan(Double.pi * x)
        }
        var value = 0.0, y = x
        while y < 10 { value -= 1 / y; y += 1 }
        if y == 10 { return value + 2.25175258906672110764 }
        let z = 1 / (y * y)
        let series = z * (8.33333333333333333333e-2 + z * (-8.33333333333333333333e-3 + z * (3.96825396825396825397e-3
                     + z * (-4.16666666666666666667e-3 + z * (7.57575757575757575758e-3 + z * (-2.10927960927960927961e-2
                     + z * 8.33333333333333333333e-2))))))
        return value + Double.log(y) - 0.5 / y - series
    }

    /// The Hurwitz zeta function ζ(s, q) = Σ 1/(k+q)^s (Cephes' zeta, Euler–Maclaurin summation).
    static func zeta(_ s: Double, _ q: Double) -> Double {
        let coefficients: [Double] = [12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                                      -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                                      1.8152105401943546773e17, -7.1661652561756670113e18]
        if s == 1 { return .infinity }
        if s < 1 { return .nan }
        if q <= 0 {
            if q == q.rounded(.down) { return .infinity }
            if s != s.rounded(.down) { return .nan }
        }
        var sum = cPow(q, -s), a = q, b = 0.0, i = 0
        while i < 9 || a <= 9 {
            i += 1
            a += 1
            b = cPow(a, -s)
            sum += b
            if Swift.abs(b / sum) < 1.11e-16 { return sum }
        }
        let w = a
        sum += b * w / (s - 1) - 0.5 * b
        var factor = 1.0, k = 0.0
        for c in coefficients {
            factor *= s + k
            b /= w
            let t = factor * b / c
            sum += t
            if Swift.abs(t / sum) < 1.11e-16 { break }
            k += 1
            factor *= s + k
            b /= w
            k += 1
        }
        return sum
    }

    /// ψ⁽ⁿ⁾(x) = (-1)ⁿ⁺¹ n! ζ(n + 1, x) for n ≥ 1.
    static func polygamma(_ n: Int, _ x: Double) -> Double {
        if n == 0 { return digamma(x) }
        let factorial = (1...n).reduce(1.0) { $0 * Double($1) }
        return (n % 2 == 1 ? 1 : -1) * factorial * zeta(Double(n + 1), x)
    }

    /// erf⁻¹(y): a rational first guess refined by two Newton steps, as PyTorch's calc_erfinv.
    static func erfinv(_ y: Double) -> Double {
        if y <= -1 { return y == -1 ? -.infinity : .nan }
        if y >= 1 { return y == 1 ? .infinity : .nan }
        let a: [Double] = [0.886226899, -1.645349621, 0.914624893, -0.140543331]
        let b: [Double] = [-2.118377725, 1.442710462, -0.329097515, 0.012229801]
        let c: [Double] = [-1.970840454, -1.624906493, 3.429567803, 1.641345311]
        let d: [Double] = [3.543889200, 1.637067800]
        var x: Double
        if Swift.abs(y) <= 0.7 {
            let z = y * y
            x = y * (((a[3] * z + a[2]) * z + a[1]) * z + a[0]) / ((((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1)
        } else {
            let z = (-Double.log((1 - Swift.abs(y)) / 2)).squareRoot()
            x = (((c[3] * z + c[2]) * z + c[1]) * z + c[0]) / ((d[1] * z + d[0]) * z + 1)
            x = y < 0 ? -x : x
        }
        for _ in 0..<2 { x -= (Double.erf(x) - y) / (2 / Double.pi.squareRoot() * Double.exp(-x * x)) }
        return x
    }

    /// exp(x²)·erfc(x), without overflow for large x.
    static func erfcx(_ x: Double) -> Double {
        if x < 0 { return x < -26.7 ? .infinity : 2 * Double.exp(x * x) - erfcx(-x) }
        if x < 25 { return Double.exp(x * x) * Double.erfc(x) }
        // Asymptotic series: 1/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶)).
        let z = 1 / (x * x)
        return (1 - 0.5 * z + 0.75 * z * z - 1.875 * z * z * z) / (x * Double.pi.squareRoot())
    }

    /// log Φ(x), the log of the standard normal CDF, accurate in the far left tail.
    static func logNdtr(_ x: Double) -> Double {
        if x < -1 { return Double.log(erfcx(-x / 2.0.squareRoot()) / 2) - x * x / 2 }
        return Double.log(onePlus: -0.5 * Double.erfc(x / 2.0.squareRoot()))
    }

    /// A classical orthogonal polynomial of degree `n` at `x` (negative degrees give 0), with PyTorch's
    /// closed forms where it uses them.
    static func polynomial(_ kind: OrthogonalPolynomial, _ x: Double, _ degree: Double) -> Double {
        guard degree.isFinite else { return .nan }
        let n = Int(degree)   // truncated, as PyTorch's conversion of the degree to an integer
        guard n >= 0 else { return 0 }
        guard !x.isNaN else { return .nan }
        switch kind {
        case .chebyshevT, .chebyshevU, .chebyshevV, .chebyshevW:
            if Swift.abs(x) == 1 {
                let even = n % 2 == 0
                switch kind {
                case .chebyshevT: return x > 0 || even ? 1 : -1
                case .chebyshevU: return x > 0 || even ? Double(n + 1) : -Double(n + 1)
                case .chebyshevV: return x > 0 ? 1 : (even ? Double(2 * n + 1) : -Double(2 * n + 1))
                default: return x > 0 ? Double(2 * n + 1) : (even ? 1 : -1)
                }
            }
            let first: Double = kind == .chebyshevT || kind == .chebyshevU ? (kind == .chebyshevT ? x : 2 * x)
                : (kind == .chebyshevV ? 2 * x - 1 : 2 * x + 1)
            return recurrence(n, x, first) { _, p, q in 2 * x * q - p }
        case .hermiteH: return recurrence(n, x, 2 * x) { k, p, q in 2 * x * q - 2 * Double(k) * p }
        case .hermiteHe: return recurrence(n, x, x) { k, p, q in x * q - Double(k) * p }
        case .laguerreL:
            if x == 0 { return 1 }
            return recurrence(n, x, 1 - x) { k, p, q in ((Double(2 * k + 1) - x) * q - Double(k) * p) / Double(k + 1) }
        case .legendreP:
            if Swift.abs(x) == 1 { return x > 0 || n % 2 == 0 ? 1 : -1 }
            return recurrence(n, x, x) { k, p, q in (Double(2 * k + 1) * x * q - Double(k) * p) / Double(k + 1) }
        }
    }

    /// P₀ = 1, P₁ = `first`, P_{k+1} = step(k, P_{k-1}, P_k).
    private static func recurrence(_ n: Int, _ x: Double, _ first: Double, _ step: (Int, Double, Double) -> Double) -> Double {
        if n == 0 { return 1 }
        var (previous, current) = (1.0, first)
        if n == 1 { return current }
        for k in 1..<n { (previous, current) = (current, step(k, previous, current)) }
        return current
    }
}

/// The orthogonal polynomials of `torch.special`.
public enum OrthogonalPolynomial: Sendable {
    /// The polynomial families of `torch.special`: Chebyshev T, U, V, W, Hermite H (physicists') and He (probabilists'), Laguerre L, Legendre P.
    case chebyshevT, chebyshevU, chebyshevV, chebyshevW, hermiteH, hermiteHe, laguerreL, legendreP
}

extension Tensor {
    /// Applies a Double function to every element, in the floating-point counterpart dtype.
    private func mapped(_ function: (Double) -> Double) -> Tensor {
        Tensor(contiguous().toArray(as: Double.self).map(function), shape: shape).to(dtype.floatingCounterpart).placed(on: device)
    }

    /// A unary special function recorded as `name` with gradient `g * derivative(x)`.
    private func special(_ name: String, _ function: (Double) -> Double, derivative: @escaping (Tensor) -> Tensor) -> Tensor {
        let out = mapped(function)
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in [g[0] * derivative(self)] }
        }
        return out
    }

    /// The modified Bessel function I₀ (`torch.i0`).
    public func i0() -> Tensor { special("I0Backward0", Special.besselI0) { $0.specialI1() } }
    /// The modified Bessel function I₁ (`torch.special.i1`).
    public func specialI1() -> Tensor {
        special("SpecialI1Backward0", Special.besselI1) { x in
            // I₁' = I₀ - I₁/x, and 1/2 at 0.
            let ratio = x.specialI1() / x
            return x.i0() - Tensor.where(x .== 0, Tensor(0.5).to(ratio.dtype), ratio)
        }
    }

    /// log |Γ(x)| (`torch.lgamma`).
    public func lgamma() -> Tensor { special("LgammaBackward0", { Double.logGamma($0) }) { $0.digamma() } }
    /// ψ(x) = d/dx log Γ(x) (`torch.digamma`).
    public func digamma() -> Tensor { special("DigammaBackward0", Special.digamma) { $0.polygamma(1) } }
    /// The n-th derivative of ψ (`torch.polygamma(n, x)`).
    public func polygamma(_ n: Int) -> Tensor {
        special("PolygammaBackward0", { Special.polygamma(n, $0) }) { $0.polygamma(n + 1) }
    }
    /// The log of the multivariate gamma function of dimension `p` (`torch.mvlgamma`).
    public func mvlgamma(p: Int) -> Tensor {
        let constant = Double(p * (p - 1)) / 4 * Double.log(Double.pi)
        return special("MvlgammaBackward0", { x in constant + (0..<p).reduce(0) { $0 + Double.logGamma(x - Double($1) / 2) } }) { x in
            let terms = (0..<p).map { (x - Double($0) / 2).digamma() }
            return terms.dropFirst().reduce(terms[0], +)
        }
    }
    /// The inverse error function (`torch.erfinv`).
    public func erfinv() -> Tensor {
        special("ErfinvBackward0", Special.erfinv) { x in 0.886226925452758 * (x.erfinv() * x.erfinv()).exp() }
    }
    /// exp(x²)·erfc(x) (`torch.special.erfcx`).
    public func erfcx() -> Tensor { special("SpecialErfcxBackward0", Special.erfcx) { x in 2 * x * x.erfcx() - 1.1283791670955126 } }
    /// The standard normal CDF Φ(x) (`torch.special.ndtr`).
    public func ndtr() -> Tensor {
        ((asFloatingPoint * 0.7071067811865476).erf() + 1).multipliedByScalar(0.5)   // PyTorch's composite
    }
    /// log Φ(x) (`torch.special.log_ndtr`).
    public func logNdtr() -> Tensor {
        special("SpecialLogNdtrBackward0", Special.logNdtr) { x in (-0.5 * x * x - x.logNdtr()).exp() * 0.3989422804014327 }
    }
    /// Φ⁻¹(p), the standard normal quantile (`torch.special.ndtri`).
    public func ndtri() -> Tensor {
        special("SpecialNdtriBackward0", { 2.0.squareRoot() * Special.erfinv(2 * $0 - 1) }) { p in
            let x = p.ndtri()
            return 2.5066282746310002 * (0.5 * x * x).exp()
        }
    }
    /// -x·log(x): the entropy term, 0 at 0 and -inf below (`torch.special.entr`).
    public func entr() -> Tensor {
        special("SpecialEntrBackward0", { x in x > 0 ? -x * Double.log(x) : (x == 0 ? 0 : (x.isNaN ? .nan : -.infinity)) }) { x in
            -(x.log() + 1)
        }
    }
    /// sin(x)/x, 1 at 0 (`torch.special.spherical_bessel_j0`); not differentiable, as in PyTorch.
    public func sphericalBesselJ0() -> Tensor {
        noGrad { mapped { x in x == 0 ? 1 : (x.isInfinite ? 0 : Double.sin(x) / x) } }
    }

    /// `self * log1p(other)`, 0 where self is 0 unless other is NaN (`torch.special.xlog1py`).
    public func xlog1py(_ other: Tensor) -> Tensor {
        func product(_ x: Tensor, _ y: Tensor) -> Tensor {
            Tensor.where((x .== 0).logicalAnd(y .== y), Tensor.zeros([], dtype: resultType(x, y).floatingCounterpart), x * y.log1p())
        }
        let out = noGrad { product(self, other) }
        if needsGrad(self, other) {
            record("SpecialXlog1PyBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? (g[0] * product((self .!= 0).to(g[0].dtype), other)).sumTo(self) : nil,
                 other.requiresGrad ? (g[0] * self / (other + 1)).sumTo(other) : nil]
            }
        }
        return out
    }

    /// The Hurwitz zeta function ζ(self, q) (`torch.special.zeta`); differentiable in `q`.
    public func zeta(_ q: Tensor) -> Tensor {
        let shape = Layout.broadcastShapes(self.shape, q.shape) ?? self.shape
        let s = expand(shape).contiguous().toArray(as: Double.self), qs = q.expand(shape).contiguous().toArray(as: Double.self)
        let out = Tensor(zip(s, qs).map(Special.zeta), shape: shape).to(resultType(self, q).floatingCounterpart).placed(on: device)
        if needsGrad(q) {
            record("SpecialZetaBackward0", inputs: [self, q], outputs: [out]) { [self] g in
                [nil, (g[0] * -self * (self + 1).zeta(q)).sumTo(q)]
            }
        }
        return out
    }

    /// The orthogonal polynomial `kind` of degree `n` (elementwise) at self (`torch.special.*_polynomial_*`);
    /// not differentiable, as in PyTorch. The shifted Chebyshev polynomials are these at 2x − 1.
    public func orthogonalPolynomial(_ kind: OrthogonalPolynomial, _ n: Tensor) -> Tensor {
        let shape = Layout.broadcastShapes(self.shape, n.shape) ?? self.shape
        let xs = expand(shape).contiguous().toArray(as: Double.self), ns = n.expand(shape).contiguous().toArray(as: Double.self)
        return Tensor(zip(xs, ns).map { Special.polynomial(kind, $0, $1) }, shape: shape).to(resultType(self, n).floatingCounterpart)
            .placed(on: device)
    }
}
