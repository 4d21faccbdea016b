// Random tensors with PyTorch's CPU algorithms: rand, randn, randint, randperm, normal_, uniform_,
// bernoulli, multinomial.
import Foundation

extension Tensor {
    /// Fills the elements in order, converting each double to the dtype. float32 and float64 tensors
    /// are written directly (measured: the generic visitor path makes building VGG-16 1.7x slower).
    private func fillSerially(_ next: () -> Double) {
        guard storage.isHost else {
            // One random stream for every device: drawn on the host, then copied over.
            let host = Tensor(uninitializedShape: shape, dtype: dtype)
            host.fillSerially(next)
            host.copyElements(into: self)
            return
        }
        if isContiguous && dtype == .float32 {
            let p = pointer(as: Float.self)
            for i in 0..<numel { p[i] = Float(next()) }
            return
        }
        if isContiguous && dtype == .float64 {
            let p = pointer(as: Double.self)
            for i in 0..<numel { p[i] = next() }
            return
        }
        struct Write: ScalarTypeVisitor {
            let tensor: Tensor, values: [Double]
            func visit<T: TensorScalar>(_ type: T.Type) {
                let p = tensor.pointer(as: T.self)
                for (i, v) in values.enumerated() { p[i] = T(fromDouble: v) }
            }
        }
        let values = (0..<numel).map { _ in next() }
        let target = isContiguous ? self : Tensor(uninitializedShape: shape, dtype: dtype)
        dtype.visit(Write(tensor: target, values: values))
        if target !== self { target.copyElements(into: self) }
    }

    /// Fills with numbers uniform in `[from, to)` (`uniform_`).
    @discardableResult
    public func uniform_(from: Double = 0, to: Double = 1, generator: Generator = .default,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkInPlaceAllowed("uniform_", file: file, line: line)
        generator.withLock { g in
            if dtype == .float64 {
                fillSerially { g.uniformDouble() * (to - from) + from }
            } else {
                // The bounds are first rounded to the dtype, as ATen casts them to scalar_t.
                let lo = Tensor.roundTrip(from, dtype), hi = Tensor.roundTrip(to, dtype)
                fillSerially { g.uniformFloat() * (hi - lo) + lo }
            }
        }
        bumpVersion()
        return self
    }

    static func roundTrip(_ value: Double, _ dtype: DType) -> Double {
        Tensor.full([], value, dtype: dtype).item()
    }

    /// Fills with normal numbers of the given mean and standard deviation (`normal_`).
    @discardableResult
    public func normal_(mean: Double = 0, std: Double = 1, generator: Generator = .default,
                        file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkInPlaceAllowed("normal_", file: file, line: line)
        if !storage.isHost && isContiguous {
            // One random stream for every device: drawn on the host, then copied over.
            let host = Tensor(uninitializedShape: shape, dtype: dtype).normal_(mean: mean, std: std, generator: generator)
            host.copyElements(into: self)
            bumpVersion()
            return self
        }
        generator.withLock { g in
            let n = numel
            if n >= 16 && isContiguous {
                normalFill(g, mean: mean, std: std)
            } else {
                fillSerially { g.normalDouble() * std + mean }
            }
        }
        bumpVersion()
        return self
    }

    /// ATen's `normal_fill`: uniforms for every element, then Box–Muller over blocks of 16 (the tail
    /// recomputes the last 16 with fresh uniforms). float32 follows the AVX2 kernel's float arithmetic.
    private func normalFill(_ g: Generator, mean: Double, std: Double) {
        let n = numel
        if dtype == .float32 {
            // uniforms straight into the tensor, then transformed in place
            let p = pointer(as: Float.self)
            for i in 0..<n { p[i] = Float(g.uniformFloat()) }
            let m = Float(mean), s = Float(std)
            Tensor.boxMuller16(p, count: n, uniform: { Float(g.uniformFloat()) }) { u1, u2 in
                let radius = (-2 * CephesFloat.log(1 - u1)).squareRoot()
                let (sine, cosine) = CephesFloat.sincos(Float(2.0 * Double.pi) * u2)
                return (m.addingProduct(radius * cosine, s), m.addingProduct(radius * sine, s))
            }
        } else {
            let uniform = dtype == .float64 ? g.uniformDouble : g.uniformFloat
            var data = (0..<n).map { _ in uniform() }
            data.withUnsafeMutableBufferPointer { buffer in
                Tensor.boxMuller16(buffer.baseAddress!, count: n, uniform: uniform) { u1, u2 in
                    let radius = Foundation.sqrt(-2 * Foundation.log(1 - u1))
                    let theta = 2.0 * Double.pi * u2
                    return (radius * Foundation.cos(theta) * std + mean, radius * Foundation.sin(theta) * std + mean)
                }
            }
            fillFromArray(data)
        }
    }

    /// Applies `pair(u1, u2)` to blocks of 16 uniforms (elements j and j + 8), recomputing the last
    /// 16 with fresh uniforms when the count is not a multiple of 16.
    private static func boxMuller16<T>(_ data: UnsafeMutablePointer<T>, count n: Int, uniform: () -> T, pair: (T, T) -> (T, T)) {
        func fill16(_ base: Int) {
            for j in 0..<8 { (data[base + j], data[base + j + 8]) = pair(data[base + j], data[base + j + 8]) }
        }
        var i = 0
        while i + 16 <= n { fill16(i); i += 16 }
        if n % 16 != 0 {
            let base = n - 16
            for k in 0..<16 { data[base + k] = uniform() }
            fill16(base)
        }
    }

    private func fillFromArray(_ values: [Double]) {
        var index = 0
        fillSerially { defer { index += 1 }; return values[index] }
    }

    /// Numbers uniform in [0, 1) (`torch.rand`).
    public static func rand(_ shape: [Int], dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                            generator: Generator = .default, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let host = Tensor(requestedShape: shape, dtype: dtype, zeroed: false, op: "rand", file: file, line: line)
        host.uniform_(generator: generator)
        let t = host.placed(on: device, file: file, line: line)
        t.requiresGrad = requiresGrad
        return t
    }
    /// Uniform samples in [0, 1) of the given shape (`torch.rand`), drawn as PyTorch draws them.
    public static func rand(_ shape: Int..., dtype: DType = defaultFloatDType, requiresGrad: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        rand(shape, dtype: dtype, requiresGrad: requiresGrad, file: file, line: line)
    }

    /// Standard normal numbers (`torch.randn`).
    public static func randn(_ shape: [Int], dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                             generator: Generator = .default, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let host = Tensor(requestedShape: shape, dtype: dtype, zeroed: false, op: "randn", file: file, line: line)
        host.normal_(generator: generator)
        let t = host.placed(on: device, file: file, line: line)
        t.requiresGrad = requiresGrad
        return t
    }
    /// Standard normal samples of the given shape (`torch.randn`), drawn as PyTorch draws them.
    public static func randn(_ shape: Int..., dtype: DType = defaultFloatDType, requiresGrad: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        randn(shape, dtype: dtype, requiresGrad: requiresGrad, file: file, line: line)
    }

    /// Uniform numbers with this tensor's shape and dtype (`torch.rand_like`).
    public func randLike(dtype: DType? = nil) -> Tensor { Tensor.rand(shape, dtype: dtype ?? self.dtype, device: device) }

    /// Standard normal numbers with this tensor's shape and dtype (`torch.randn_like`).
    public func randnLike(dtype: DType? = nil) -> Tensor { Tensor.randn(shape, dtype: dtype ?? self.dtype, device: device) }

    /// Integers uniform in `[low, high)` (`torch.randint`), int64 by default.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64, device: Device = .cpu,
                               generator: Generator = .default, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor(requestedShape: shape, dtype: dtype, zeroed: false, op: "randint", file: file, line: line)
            .random_(low, high, generator: generator, file: file, line: line).placed(on: device, file: file, line: line)
    }
    /// Integers uniform in [0, high) of the given shape (`torch.randint(high, size)`).
    public static func randint(_ high: Int, _ shape: [Int], dtype: DType = .int64, device: Device = .cpu) -> Tensor {
        randint(0, high, shape, dtype: dtype, device: device)
    }

    /// Fills with integers uniform in `[from, to)` (`random_`), drawn as `torch.randint` draws them.
    @discardableResult
    public func random_(_ from: Int, _ to: Int, generator: Generator = .default,
                        file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(from < to, "random_", "random_ expects 'from' to be less than 'to', but got from=\(from) >= to=\(to)",
              file: file, line: line)
        checkInPlaceAllowed("random_", file: file, line: line)
        let range = UInt64(to - from)
        let wide = range >= (1 << 32) && [.int64, .float64, .float32, .bfloat16].contains(dtype)
        generator.withLock { g in
            fillSerially {
                let bits = wide ? g.random64() : UInt64(g.random32())
                return Double(Int64(bitPattern: bits % range) + Int64(from))
            }
        }
        bumpVersion()
        return self
    }
    /// Fills with integers uniform in `[0, to)` (`random_(to)`).
    @discardableResult
    public func random_(_ to: Int, generator: Generator = .default, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        random_(0, to, generator: generator, file: file, line: line)
    }

    /// A random permutation of `0..<n` (`torch.randperm`).
    public static func randperm(_ n: Int, dtype: DType = .int64, device: Device = .cpu, generator: Generator = .default,
                                file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var values = (0..<n).map { Int64($0) }
        generator.withLock { g in
            if n > 1 {
                for i in 0..<(n - 1) {
                    let z = Int(UInt64(g.random32()) % UInt64(n - i))
                    values.swapAt(i, z + i)
                }
            }
        }
        return Tensor(values, shape: [n]).to(dtype).placed(on: device, file: file, line: line)
    }

    /// Sets each element to 1 with probability `p`, else 0 (`bernoulli_`).
    @discardableResult
    public func bernoulli_(_ p: Double = 0.5, generator: Generator = .default,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkInPlaceAllowed("bernoulli_", file: file, line: line)
        check(p >= 0 && p <= 1, "bernoulli_", "bernoulli_ expects p to be in [0, 1], but got p=\(p)", file: file, line: line)
        generator.withLock { g in fillSerially { g.uniformDouble() < p ? 1 : 0 } }
        bumpVersion()
        return self
    }

    /// 1 with probability given by each element of this tensor, else 0 (`torch.bernoulli`).
    public func bernoulli(generator: Generator = .default) -> Tensor {
        let probabilities = toArray(as: Double.self)
        let out = Tensor.empty(shape, dtype: dtype, device: device)
        var index = 0
        generator.withLock { g in
            out.fillSerially {
                defer { index += 1 }
                let u = dtype == .float64 ? g.uniformDouble() : g.uniformFloat()
                return u < probabilities[index] ? 1 : 0
            }
        }
        return out
    }

    /// Indices drawn from the categorical distributions in the rows of this tensor (`torch.multinomial`).
    public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: Generator = .default,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 1 || dim == 2, "multinomial", "prob_dist must be 1 or 2 dim (got shape \(shapeText(shape)))",
              file: file, line: line)
        let rows = dim == 1 ? 1 : shape[0], categories = shape[dim - 1]
        check(replacement || numSamples <= categories, "multinomial", "cannot sample n_sample > prob_dist.size(-1) "
              + "samples without replacement (\(numSamples) > \(categories))", file: file, line: line)
        let outShape = dim == 1 ? [numSamples] : [rows, numSamples]
        if !replacement || numSamples == 1 {
            // The Gumbel trick ATen uses: argmax / top-k of p / q with q ~ Exp(1).
            let q = Tensor.empty(shape, dtype: dtype, device: device).exponential_(generator: generator)
            let ratio = self / q
            return numSamples == 1 ? ratio.argmax(dim: -1, keepdim: true) : ratio.topk(numSamples).indices
        }
        let probabilities = reshape([rows, categories]).toArray(as: Double.self)
        var result: [Int64] = []
        generator.withLock { g in
            for r in 0..<rows {
                let isDouble = dtype == .float64
                func stored(_ v: Double) -> Double { isDouble ? v : Double(Float(v)) }
                var cumulative = [Double](repeating: 0, count: categories)
                var sum = 0.0
                for c in 0..<categories {
                    sum = stored(sum + probabilities[r * categories + c])
                    cumulative[c] = sum
                }
                if sum > 0 { for c in 0..<categories { cumulative[c] = stored(cumulative[c] / sum) } }
                cumulative[categories - 1] = 1
                for _ in 0..<numSamples {
                    let u = g.uniformDouble()
                    var left = 0, right = categories
                    while right - left > 0 {
                        let mid = left + (right - left) / 2
                        if cumulative[mid] < u { left = mid + 1 } else { right = mid }
                    }
                    result.append(Int64(left))
                }
            }
        }
        return Tensor(result, shape: outShape).placed(on: device)
    }

    /// Fills with exponential numbers of rate `lambda` (`exponential_`).
    @discardableResult
    public func exponential_(lambda: Double = 1, generator: Generator = .default) -> Tensor {
        generator.withLock { g in
            fillSerially {
                -1 / lambda * Foundation.log1p(-g.uniformDouble())  // exponential_distribution<double>
            }
        }
        bumpVersion()
        return self
    }
}
