// Single-precision log and sincos as avx_mathfun computes them (Cephes polynomials): ATen's AVX2
// `normal_fill` uses these, so float32 `randn` needs them to give PyTorch's exact bits.

enum CephesFloat {
    /// Natural logarithm of a positive float.
    static func log(_ input: Float) -> Float {
        if input.isNaN || input <= 0 { return input == 0 ? -.infinity : .nan }
        var x = Swift.max(input, Float.leastNormalMagnitude)
        let bits = x.bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 0x7F) + 1
        x = Float(bitPattern: (bits & ~0x7F80_0000) | 0x3F00_0000)
        let below = x < 0.707106781186547524
        let tmp: Float = below ? x : 0
        x = x - 1
        if below { e = e - 1 }
        x = x + tmp
        let z = x * x
        var y: Float = 7.0376836292E-2
        for p: Float in [-1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
                         -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1] {
            y = y * x + p
        }
        y = y * x
        y = y * z
        y = y + e * -2.12194440e-4
        y = y - z * 0.5
        x = x + y
        return x + e * 0.693359375
    }

    /// Sine and cosine of a float.
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        var x = Swift.abs(input)
        var signSin = input < 0
        var j = Int32(x * 1.27323954473516)
        j = (j + 1) & ~1
        let y = Float(j)
        if j & 4 != 0 { signSin.toggle() }
        let polynomialIsSine = j & 2 == 0
        x = x + y * -0.78515625
        x = x + y * -2.4187564849853515625e-4
        x = x + y * -3.77489497744594108e-8
        let signCos = (~(j - 2)) & 4 != 0
        let z = x * x
        var cosine: Float = 2.443315711809948E-005
        cosine = cosine * z + -1.388731625493765E-003
        cosine = cosine * z + 4.166664568298827E-002
        cosine = cosine * z
        cosine = cosine * z
        cosine = cosine - z * 0.5
        cosine = cosine + 1
        var sine: Float = -1.9515295891E-4
        sine = sine * z + 8.3321608736E-3
        sine = sine * z + -1.6666654611E-1
        sine = sine * z
        sine = sine * x
        sine = sine + x
        var s = polynomialIsSine ? sine : cosine
        var c = polynomialIsSine ? cosine : sine
        if signSin { s = -s }
        if signCos { c = -c }
        return (s, c)
    }
}
