// Weight initialisation (`torch.nn.init`), drawing from Ember's generator exactly as PyTorch does.
import Foundation

/// The functions of `torch.nn.init`. Each fills its tensor in place (outside autograd) and returns it.
public enum Init {
    /// The fan of a weight: (inputs, outputs) times the receptive field (`_calculate_fan_in_and_fan_out`).
    public static func fanInAndFanOut(_ tensor: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (fanIn: Int, fanOut: Int) {
        check(tensor.dim >= 2, "init", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
              + "(shape \(shapeText(tensor.shape)))", file: file, line: line)
        let receptive = tensor.shape.dropFirst(2).reduce(1, *)
        return (tensor.shape[1] * receptive, tensor.shape[0] * receptive)
    }

    /// The recommended gain for a nonlinearity (`calculate_gain`).
    public static func calculateGain(_ nonlinearity: String, param: Double? = nil) -> Double {
        switch nonlinearity {
        case "tanh": return 5.0 / 3
        case "relu": return 2.0.squareRoot()
        case "leaky_relu":
            let slope = param ?? 0.01
            return (2.0 / (1 + slope * slope)).squareRoot()
        case "selu": return 3.0 / 4
        default: return 1   // linear, conv*, sigmoid
        }
    }

    private static func fill(_ tensor: Tensor, _ body: (Tensor) -> Void) -> Tensor {
        noGrad { body(tensor) }
        return tensor
    }

    /// Fills `tensor` from U(a, b) (`nn.init.uniform_`).
    @discardableResult public static func uniform_(_ tensor: Tensor, a: Double = 0, b: Double = 1) -> Tensor {
        fill(tensor) { $0.uniform_(from: a, to: b) }
    }
    /// Fills `tensor` from N(mean, std²) (`nn.init.normal_`).
    @discardableResult public static func normal_(_ tensor: Tensor, mean: Double = 0, std: Double = 1) -> Tensor {
        fill(tensor) { $0.normal_(mean: mean, std: std) }
    }
    /// `init.uniform_(w, -r, r)`, positional.
    @discardableResult public static func uniform_(_ tensor: Tensor, _ a: Double, _ b: Double) -> Tensor { uniform_(tensor, a: a, b: b) }
    /// `init.normal_(w, 0, 0.02)`, positional.
    @discardableResult public static func normal_(_ tensor: Tensor, _ mean: Double, _ std: Double) -> Tensor {
        normal_(tensor, mean: mean, std: std)
    }
    /// Fills `tensor` with `value` (`nn.init.constant_`).
    @discardableResult public static func constant_(_ tensor: Tensor, _ value: Double) -> Tensor { fill(tensor) { $0.fill_(value) } }
    /// Fills `tensor` with ones (`nn.init.ones_`).
    @discardableResult public static func ones_(_ tensor: Tensor) -> Tensor { constant_(tensor, 1) }
    /// Fills `tensor` with zeros (`nn.init.zeros_`).
    @discardableResult public static func zeros_(_ tensor: Tensor) -> Tensor { constant_(tensor, 0) }

    /// The identity in a 2-d tensor (`eye_`).
    @discardableResult public static func eye_(_ tensor: Tensor) -> Tensor {
        fill(tensor) { $0.copy_(Tensor.eye($0.shape[0], $0.shape[1], dtype: $0.dtype)) }
    }

    /// Identity convolution kernels (`dirac_`).
    @discardableResult public static func dirac_(_ tensor: Tensor, groups: Int = 1) -> Tensor {
        fill(tensor) { t in
            t.zero_()
            let outPerGroup = t.shape[0] / groups, minDim = Swift.min(outPerGroup, t.shape[1])
            for g in 0..<groups {
                for d in 0..<minDim {
                    var key: [TensorIndex] = [.index(g * outPerGroup + d), .index(d)]
                    key += t.shape.dropFirst(2).map { TensorIndex.index($0 / 2) }
                    t[indices: key] = Tensor(Float(1))
                }
            }
        }
    }

    /// Glorot's uniform initialisation: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) (`nn.init.xavier_uniform_`).
    @discardableResult public static func xavierUniform_(_ tensor: Tensor, gain: Double = 1) -> Tensor {
        let (fanIn, fanOut) = fanInAndFanOut(tensor)
        let bound = 3.0.squareRoot() * gain * (2.0 / Double(fanIn + fanOut)).squareRoot()
        return uniform_(tensor, a: -bound, b: bound)
    }

    /// Glorot's normal initialisation: std = gain·√(2 / (fan_in + fan_out)) (`nn.init.xavier_normal_`).
    @discardableResult public static func xavierNormal_(_ tensor: Tensor, gain: Double = 1) -> Tensor {
        let (fanIn, fanOut) = fanInAndFanOut(tensor)
        return normal_(tensor, mean: 0, std: gain * (2.0 / Double(fanIn + fanOut)).squareRoot())
    }

    /// Which fan Kaiming initialisation preserves.
    public enum FanMode: String {
        /// `mode="fan_in"` or `mode="fan_out"`.
        case fanIn = "fan_in", fanOut = "fan_out"
    }

    private static func kaimingStd(_ tensor: Tensor, a: Double, mode: FanMode, nonlinearity: String) -> Double {
        let (fanIn, fanOut) = fanInAndFanOut(tensor)
        let fan = mode == .fanIn ? fanIn : fanOut
        return calculateGain(nonlinearity, param: a) / Double(fan).squareRoot()
    }

    /// He's uniform initialisation: U(−b, b) with b = gain·√(3 / fan) (`nn.init.kaiming_uniform_`).
    @discardableResult public static func kaimingUniform_(_ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                                          nonlinearity: String = "leaky_relu") -> Tensor {
        let bound = 3.0.squareRoot() * kaimingStd(tensor, a: a, mode: mode, nonlinearity: nonlinearity)
        return uniform_(tensor, a: -bound, b: bound)
    }

    /// He's normal initialisation: std = gain / √fan (`nn.init.kaiming_normal_`).
    @discardableResult public static func kaimingNormal_(_ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                                         nonlinearity: String = "leaky_relu") -> Tensor {
        normal_(tensor, mean: 0, std: kaimingStd(tensor, a: a, mode: mode, nonlinearity: nonlinearity))
    }

    /// Normal numbers truncated to [a, b] (`trunc_normal_`), drawn as PyTorch 2.15 draws them: when more than
    /// 30% of the distribution lies inside, whole-tensor normal draws replace the values outside until none
    /// is left; otherwise uniform candidates on [a, b] are accepted with the normal density's ratio to its peak.
    @discardableResult public static func truncNormal_(_ tensor: Tensor, mean: Double = 0, std: Double = 1,
                                                       a: Double = -2, b: Double = 2) -> Tensor {
        func normalCDF(_ x: Double) -> Double { (1 + erf(x / 2.0.squareRoot())) / 2 }
        return fill(tensor) { t in
            if normalCDF((b - mean) / std) - normalCDF((a - mean) / std) > 0.3 {
                redrawOutside(t, mean: mean, std: std, a: a, b: b)
            } else {
                acceptUniformCandidates(t, mean: mean, std: std, a: a, b: b)
            }
        }
    }

    private static func redrawOutside(_ t: Tensor, mean: Double, std: Double, a: Double, b: Double) {
        // The bounds rounded to the tensor's dtype, so the mask agrees with the values it tests.
        let low = Tensor.full([], a, dtype: t.dtype), high = Tensor.full([], b, dtype: t.dtype)
        var result = t.normal_(mean: mean, std: std)
        while true {
            let outside = result.lt(low).logicalOr(result.gt(high))
            if outside.any().item() == 0 { break }
            result = Tensor.where(outside, t.emptyLike().normal_(mean: mean, std: std), result)
        }
        if result !== t { t.copy_(result) }
    }

    private static func acceptUniformCandidates(_ t: Tensor, mean: Double, std: Double, a: Double, b: Double) {
        let mode = Swift.max(a, Swift.min(mean, b))
        let logPeak = -0.5 * ((mode - mean) / std) * ((mode - mean) / std)
        /// log pdf(x) - log pdf(mode), in the tensor's dtype step by step as PyTorch computes it.
        func logDensityRatio(_ x: Tensor) -> Tensor { ((x - mean) / std).square() * -0.5 - logPeak }
        func acceptanceDraw() -> Tensor { t.emptyLike().uniform_().log() }
        var result = t.uniform_(from: a, to: b)
        var pending = acceptanceDraw().gt(logDensityRatio(result))
        while pending.any().item() != 0 {
            let candidates = t.emptyLike().uniform_(from: a, to: b)
            result = Tensor.where(pending, candidates, result)
            pending = Tensor.where(pending, acceptanceDraw().gt(logDensityRatio(candidates)), pending)
        }
        if result !== t { t.copy_(result) }
    }

    /// A 2-d matrix of N(0, std) numbers with a `sparsity` fraction of each column zeroed (`sparse_`).
    @discardableResult public static func sparse_(_ tensor: Tensor, sparsity: Double, std: Double = 0.01,
                                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(tensor.dim == 2, "sparse_", "Only tensors with 2 dimensions are supported (shape \(shapeText(tensor.shape)))",
              file: file, line: line)
        let (rows, cols) = (tensor.shape[0], tensor.shape[1])
        let zeros = Int((sparsity * Double(rows)).rounded(.up))
        return fill(tensor) { t in
            t.normal_(mean: 0, std: std)
            for column in 0..<cols {
                let chosen = Tensor.randperm(rows).narrow(0, start: 0, length: zeros)
                t[.tensor(chosen), .index(column)] = Tensor(Float(0))
            }
        }
    }

    /// A (semi-)orthogonal matrix from the QR decomposition of a normal matrix (`orthogonal_`).
    @discardableResult public static func orthogonal_(_ tensor: Tensor, gain: Double = 1,
                                                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(tensor.dim >= 2, "orthogonal_", "Only tensors with 2 or more dimensions are supported (shape \(shapeText(tensor.shape)))",
              file: file, line: line)
        let rows = tensor.shape[0], cols = tensor.numel / Swift.max(rows, 1)
        return fill(tensor) { t in
            var flat = Tensor.empty([rows, cols], dtype: t.dtype).normal_()
            if rows < cols { flat = flat.t() }
            let q = householderQ(flat.contiguous().to(.float64))
            let result = rows < cols ? q.t() : q
            t.copy_((result * gain).reshape(t.shape))
        }
    }

    /// Q of the QR decomposition of an m×n (m ≥ n) matrix, with columns signed so R has a positive
    /// diagonal, as `q * sign(diag(r))` makes PyTorch's Q.
    private static func householderQ(_ matrix: Tensor) -> Tensor {
        let m = matrix.shape[0], n = matrix.shape[1]
        var a = matrix.toArray(as: Double.self)
        var reflectors: [[Double]] = []
        var signs: [Double] = []
        for k in 0..<n {
            var v = (k..<m).map { a[$0 * n + k] }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let alpha = v[0] > 0 ? -norm : norm
            v[0] -= alpha
            let vNorm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if vNorm > 0 { v = v.map { $0 / vNorm } }
            reflectors.append(v)
            for j in k..<n {
                var dot = 0.0
                for i in k..<m { dot += v[i - k] * a[i * n + j] }
                for i in k..<m { a[i * n + j] -= 2 * v[i - k] * dot }
            }
            signs.append(a[k * n + k] < 0 ? -1 : 1)
        }
        // Q = H0 H1 … applied to the first n columns of the identity.
        var q = [Double](repeating: 0, count: m * n)
        for i in 0..<n { q[i * n + i] = 1 }
        for k in stride(from: n - 1, through: 0, by: -1) {
            let v = reflectors[k]
            for j in 0..<n {
                var dot = 0.0
                for i in k..<m { dot += v[i - k] * q[i * n + j] }
                for i in k..<m { q[i * n + j] -= 2 * v[i - k] * dot }
            }
        }
        for i in 0..<m { for j in 0..<n { q[i * n + j] *= signs[j] } }
        return Tensor(q, shape: [m, n])
    }
}
