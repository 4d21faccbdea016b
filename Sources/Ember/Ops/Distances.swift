// Distances and similarities (cdist, pdist, dist, pairwiseDistance, cosineSimilarity, normalize) and the
// small nn functions glu, prelu, softmin, pixelShuffle/pixelUnshuffle, channelShuffle.

extension Tensor {
    /// ∂‖d‖_p/∂d, the norms taken over `dims` of `d` and given broadcastable against it: zero where the norm
    /// or the element is 0; for p = ±inf shared evenly among the elements whose magnitude is the extremum.
    static func normGradient(_ d: Tensor, norm: Tensor, p: Double, dims: [Int]) -> Tensor {
        switch p {
        case 0: return d.zerosLike()   // the count of nonzeros is piecewise constant
        case 1: return d.sign()
        case _ where p.isInfinite:
            let extreme = (d.abs() .== norm).to(d.dtype)
            return d.sign() * extreme / (dims.isEmpty ? extreme : extreme.sum(dims: dims, keepdim: true))
        default:
            let gradient = p == 2 ? d / norm : d.sign() * d.abs().pow(p - 1) / norm.pow(p - 1)
            return Tensor.where((norm .== 0).logicalOr(d .== 0), Tensor.zeros([], dtype: d.dtype), gradient)
        }
    }

    /// The p-norm distance between each row of `x1` and each row of `x2`, batched (`torch.cdist`).
    public static func cdist(_ x1: Tensor, _ x2: Tensor, p: Double = 2, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(x1.dim >= 2 && x2.dim >= 2 && x1.shape.last == x2.shape.last, "cdist", "X1 and X2 must have the same number of "
              + "columns, got \(shapeText(x1.shape)) and \(shapeText(x2.shape))", file: file, line: line)
        let difference = { x1.unsqueeze(-2) - x2.unsqueeze(-3) }
        let out = noGrad { difference().norm(p: p, dims: [-1]) }
        if needsGrad(x1, x2) {
            record("CdistBackward0", inputs: [x1, x2], outputs: [out]) { g in
                let d = difference()
                let weighted = g[0].unsqueeze(-1) * normGradient(d, norm: out.unsqueeze(-1), p: p, dims: [-1])
                return [x1.requiresGrad ? weighted.sum(dim: -2).sumTo(x1) : nil, x2.requiresGrad ? (-weighted.sum(dim: -3)).sumTo(x2) : nil]
            }
        }
        return out
    }

    /// The p-norm distances between the rows of a matrix, pairs i < j in row-major order (`F.pdist`).
    public func pdist(p: Double = 2, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 2, "pdist", "pdist only supports 2D tensors, got: \(dim)D", file: file, line: line)
        let n = shape[0]
        let pairs = (0..<n).flatMap { i in ((i + 1)..<Swift.max(n, i + 1)).map { (Int64(i), Int64($0)) } }
        let first = Tensor(pairs.map(\.0)).placed(on: device), second = Tensor(pairs.map(\.1)).placed(on: device)
        let difference = { self.indexSelect(0, first) - self.indexSelect(0, second) }
        let out = noGrad { pairs.isEmpty ? Tensor.zeros([0], dtype: dtype, device: device) : difference().norm(p: p, dims: [1]) }
        if needsGrad(self) {
            record("PdistBackward0", inputs: [self], outputs: [out]) { [self] g in
                guard !pairs.isEmpty else { return [self.zerosLike(dtype: g[0].dtype)] }
                let weighted = g[0].unsqueeze(1) * Tensor.normGradient(difference(), norm: out.unsqueeze(1), p: p, dims: [1])
                return [self.zerosLike(dtype: g[0].dtype).indexAdd(0, first, weighted).indexAdd(0, second, -weighted)]
            }
        }
        return out
    }

    /// `‖self − other‖_p` over all elements, broadcasting (`torch.dist`).
    public func dist(_ other: Tensor, p: Double = 2) -> Tensor {
        let out = noGrad { (self - other).norm(p: p) }
        if needsGrad(self, other) {
            record("DistBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                let d = self - other
                let gradient = g[0] * Tensor.normGradient(d, norm: out, p: p, dims: Array(0..<d.dim))
                return [self.requiresGrad ? gradient.sumTo(self) : nil, other.requiresGrad ? (-gradient).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `‖x1 − x2 + eps‖_p` along the last dimension (`F.pairwise_distance`).
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) -> Tensor {
        let rank = Swift.max(x1.dim, x2.dim)
        return (x1 - x2 + eps).norm(p: p, dims: [rank == 0 ? 0 : -1], keepdim: keepdim, name: "NormBackward1")
    }

    /// The cosine of the angle between `x1` and `x2` along `dim`, norms clamped to `eps` (`F.cosine_similarity`).
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) -> Tensor {
        let shape = Layout.broadcastShapes(x1.shape, x2.shape) ?? x1.shape
        let a = x1.expand(shape), b = x2.expand(shape)
        let normA = a.norm(p: 2, dims: [dim], keepdim: true).clampMin(eps), normB = b.norm(p: 2, dims: [dim], keepdim: true).clampMin(eps)
        return ((a / normA) * (b / normB)).sum(dim: dim)
    }

    /// Each slice along `dim` divided by its p-norm, clamped to `eps` (`F.normalize`).
    public func normalize(p: Double = 2, dim: Int = 1, eps: Double = 1e-12) -> Tensor {
        self / norm(p: p, dims: [dim], keepdim: true).clampMin(eps).expandAs(self)
    }

    /// The first half along `dim` gated by the sigmoid of the second (`F.glu`).
    public func glu(dim: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "glu", file: file, line: line)
        check(shape[d] % 2 == 0, "glu", "Halving dimension must be even, but dimension \(d) is size \(shape[d])", file: file, line: line)
        let half = shape[d] / 2
        let (a, b) = (narrow(d, start: 0, length: half).detach(), narrow(d, start: half, length: half).detach())
        let out = noGrad { a * b.sigmoid() }
        if needsGrad(self) {
            record("GluBackward0", inputs: [self], outputs: [out]) { g in
                let s = b.sigmoid()
                return [Tensor.cat([g[0] * s, g[0] * a * s * (1 - s)], dim: d)]
            }
        }
        return out
    }

    /// `x` where positive, `weight * x` elsewhere, one weight or one per channel (dim 1) (`F.prelu`).
    public func prelu(_ weight: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(weight.numel == 1 || (dim >= 1 && weight.numel == shape[dim >= 2 ? 1 : 0]), "prelu", "Mismatch of parameter numbers and "
              + "input channel size. Found parameter numbers = \(weight.numel) and channel size = \(dim >= 2 ? shape[1] : (shape.first ?? 1))",
              file: file, line: line)
        let channelDim = dim >= 2 ? 1 : 0
        let w = weight.numel == 1 ? weight.reshape([]) : weight.reshape((0..<dim).map { $0 == channelDim ? -1 : 1 })
        let out = noGrad { Tensor.where(self .> 0, self, w * self) }
        if needsGrad(self, weight) {
            record("PreluKernelBackward0", inputs: [self, weight], outputs: [out]) { [self] g in
                let positive = self .> 0
                let zero = Tensor.zeros([], dtype: g[0].dtype)
                return [self.requiresGrad ? Tensor.where(positive, g[0], g[0] * w) : nil,
                        weight.requiresGrad ? Tensor.where(positive, zero, g[0] * self).sumTo(w).reshape(weight.shape) : nil]
            }
        }
        return out
    }

    /// `softmax(-x)` along `dim` (`F.softmin`).
    public func softmin(dim: Int) -> Tensor { (-self).softmax(dim: dim) }

    /// Rearranges `[*, C·r², H, W]` into `[*, C, H·r, W·r]` (`F.pixel_shuffle`).
    public func pixelShuffle(_ upscaleFactor: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let r = upscaleFactor
        check(dim >= 3 && shape[dim - 3] % (r * r) == 0, "pixel_shuffle", "expects its input's 'channel' dimension to be divisible by "
              + "the square of upscale_factor, but input.size(-3)=\(dim >= 3 ? shape[dim - 3] : 0) is not divisible by \(r * r)",
              file: file, line: line)
        let batch = Array(shape.dropLast(3)), (c, h, w) = (shape[dim - 3] / (r * r), shape[dim - 2], shape[dim - 1])
        let n = batch.count
        let out = noGrad {
            reshape(batch + [c, r, r, h, w]).permute(Array(0..<n) + [n, n + 3, n + 1, n + 4, n + 2]).reshape(batch + [c, h * r, w * r])
        }
        if needsGrad(self) { record("PixelShuffleBackward0", inputs: [self], outputs: [out]) { g in [g[0].pixelUnshuffle(r)] } }
        return out
    }

    /// Rearranges `[*, C, H·r, W·r]` into `[*, C·r², H, W]` (`F.pixel_unshuffle`).
    public func pixelUnshuffle(_ downscaleFactor: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let r = downscaleFactor
        check(dim >= 3 && shape[dim - 2] % r == 0 && shape[dim - 1] % r == 0, "pixel_unshuffle", "expects height and width to be "
              + "divisible by downscale_factor \(r), got shape \(shapeText(shape))", file: file, line: line)
        let batch = Array(shape.dropLast(3)), (c, h, w) = (shape[dim - 3], shape[dim - 2] / r, shape[dim - 1] / r)
        let n = batch.count
        let out = noGrad {
            reshape(batch + [c, h, r, w, r]).permute(Array(0..<n) + [n, n + 2, n + 4, n + 1, n + 3]).reshape(batch + [c * r * r, h, w])
        }
        if needsGrad(self) { record("PixelUnshuffleBackward0", inputs: [self], outputs: [out]) { g in [g[0].pixelShuffle(r)] } }
        return out
    }

    /// Interleaves the channels of `groups` groups (`F.channel_shuffle`, ShuffleNet's).
    public func channelShuffle(_ groups: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim >= 3 && groups > 0 && shape[1] % groups == 0, "channel_shuffle", "Number of channels must be divisible by groups. "
              + "Got \(dim > 1 ? shape[1] : 0) channels and \(groups) groups.", file: file, line: line)
        let rest = Array(shape.dropFirst(2))
        let out = noGrad {
            reshape([shape[0], groups, shape[1] / groups] + rest).transpose(1, 2).contiguous().reshape(shape)
        }
        if needsGrad(self) {
            let channels = shape[1]
            record("ChannelShuffleBackward0", inputs: [self], outputs: [out]) { g in [g[0].channelShuffle(channels / groups)] }
        }
        return out
    }
}

extension F {
    /// The p-norm distances between each row of two batches of row sets (`torch.cdist`).
    public static func cdist(_ x1: Tensor, _ x2: Tensor, p: Double = 2) -> Tensor { Tensor.cdist(x1, x2, p: p) }
    /// The p-norm distances between every pair of rows, as the upper triangle (`F.pdist`).
    public static func pdist(_ x: Tensor, p: Double = 2) -> Tensor { x.pdist(p: p) }
    /// The p-norm distance between corresponding rows (`F.pairwise_distance`).
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) -> Tensor {
        Tensor.pairwiseDistance(x1, x2, p: p, eps: eps, keepdim: keepdim)
    }
    /// The cosine of the angle between `x1` and `x2` along `dim` (`F.cosine_similarity`).
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) -> Tensor {
        Tensor.cosineSimilarity(x1, x2, dim: dim, eps: eps)
    }
    /// Divides by the p-norm along `dim` (at least `eps`) (`F.normalize`).
    public static func normalize(_ x: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) -> Tensor { x.normalize(p: p, dim: dim, eps: eps) }
    /// The gated linear unit: the first half of `dim` times the sigmoid of the second (`F.glu`).
    public static func glu(_ x: Tensor, dim: Int = -1) -> Tensor { x.glu(dim: dim) }
    /// x for x ≥ 0, else weight·x with a learned weight per channel (`F.prelu`).
    public static func prelu(_ x: Tensor, _ weight: Tensor) -> Tensor { x.prelu(weight) }
    /// softmax(−x) along `dim` (`F.softmin`).
    public static func softmin(_ x: Tensor, dim: Int) -> Tensor { x.softmin(dim: dim) }
    /// Rearranges [N, C·r², H, W] into [N, C, H·r, W·r] (`F.pixel_shuffle`).
    public static func pixelShuffle(_ x: Tensor, _ upscaleFactor: Int) -> Tensor { x.pixelShuffle(upscaleFactor) }
    /// Rearranges [N, C, H·r, W·r] into [N, C·r², H, W] (`F.pixel_unshuffle`).
    public static func pixelUnshuffle(_ x: Tensor, _ downscaleFactor: Int) -> Tensor { x.pixelUnshuffle(downscaleFactor) }
    /// Shuffles channels across `groups`, as ShuffleNet does (`F.channel_shuffle`).
    public static func channelShuffle(_ x: Tensor, _ groups: Int) -> Tensor { x.channelShuffle(groups) }
}
