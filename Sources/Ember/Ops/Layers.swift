// The functional building blocks of layers: linear (addmm), embedding, dropout, one-hot, padding,
// interpolation and attention.

extension Tensor {
    /// `beta · bias + alpha · input · matrix` for 2-d operands (`torch.addmm`), one GEMM on top of the broadcast
    /// bias; with `beta` 0 the bias is ignored, NaN included.
    public static func addmm(_ bias: Tensor, _ input: Tensor, _ matrix: Tensor, beta: Double = 1, alpha: Double = 1,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim == 2 && matrix.dim == 2 && input.shape[1] == matrix.shape[0], "addmm",
              "mat1 and mat2 shapes cannot be multiplied (\(input.shape[0])x\(input.shape.last ?? 0) and "
              + "\(matrix.shape[0])x\(matrix.shape.last ?? 0))", file: file, line: line)
        let (m, n) = (input.shape[0], matrix.shape[1])
        let out = noGrad { () -> Tensor in
            let product = alpha == 1 ? input.mm(matrix) : input.mm(matrix) * alpha
            if beta == 0 { return product }
            return product + (beta == 1 ? bias : bias * beta).expand([m, n])
        }
        record("AddmmBackward0", inputs: [bias, input, matrix], outputs: [out],
               saving: [SavedTensor(input), SavedTensor(matrix)]) { g in
            let scaled = alpha == 1 ? g[0] : g[0] * alpha
            return [bias.requiresGrad ? (beta == 1 ? g[0] : g[0] * beta).sumTo(bias) : nil,
                    input.requiresGrad ? scaled.mm(matrix.t()) : nil,
                    matrix.requiresGrad ? input.t().mm(scaled) : nil]
        }
        return out
    }

    /// `input · weightᵀ + bias` over the last dimension (`F.linear`).
    public static func linear(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        // A 1-d weight without a bias is a matrix-vector product, as PyTorch's matmul path takes it.
        if weight.dim == 1 && bias == nil { return input.matmul(weight, file: file, line: line) }
        check(input.dim >= 1 && weight.dim == 2 && input.shape[input.dim - 1] == weight.shape[1], "linear",
              "mat1 and mat2 shapes cannot be multiplied (input \(shapeText(input.shape)), weight \(shapeText(weight.shape)))",
              file: file, line: line)
        if let b = bias {
            if input.dim == 2 { return addmm(b, input, weight.t(), file: file, line: line) }
            if input.isContiguous {
                // ATen's _flatten_nd_linear: fold the leading dimensions into GEMM rows.
                let rows = input.reshape([-1, input.shape[input.dim - 1]])
                return addmm(b, rows, weight.t(), file: file, line: line).unsafeView(Array(input.shape.dropLast()) + [weight.shape[0]])
            }
            return input.matmul(weight.t()) + b
        }
        return input.matmul(weight.t(), file: file, line: line)
    }

    /// Rows of `weight` at the indices in `input` (`F.embedding`); the row at `paddingIdx` gets no gradient.
    public static func embedding(_ input: Tensor, _ weight: Tensor, paddingIdx: Int? = nil,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(!input.dtype.isFloatingPoint && weight.dim == 2, "embedding", "expected integer indices and a 2-d weight, got "
              + "\(input.dtype) \(shapeText(input.shape)) and weight \(shapeText(weight.shape))", file: file, line: line)
        let indices = input.to(.int64).reshape([-1])
        weight.checkIndexRange(indices, size: weight.shape[0], op: "embedding", file: file, line: line)
        let out = noGrad { weight.indexSelect(0, indices).reshape(input.shape + [weight.shape[1]]) }
        let padding = paddingIdx.map { $0 < 0 ? $0 + weight.shape[0] : $0 }
        record("EmbeddingBackward0", inputs: [weight], outputs: [out]) { g in
            var rows = g[0].reshape([-1, weight.shape[1]])
            if let p = padding { rows = rows * (indices .!= Tensor(Int64(p))).to(rows.dtype).unsqueeze(1) }
            let expandedIndex = indices.unsqueeze(1).expand([indices.numel, weight.shape[1]]).contiguous()
            return [Tensor.zeros(weight.shape, dtype: g[0].dtype, device: weight.device).scatterAdd(0, expandedIndex, rows)]
        }
        return out
    }

    /// Zeroes elements with probability `p` and scales the rest by 1/(1−p) in training (`F.dropout`);
    /// the mask comes from `bernoulli_(1 − p)`, PyTorch's stream for the same seed.
    public static func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(p >= 0 && p <= 1, "dropout", "dropout probability has to be between 0 and 1, but got \(p)", file: file, line: line)
        if !training || p == 0 { return input }
        if p == 1 { return input * 0 }
        let mask = noGrad { Tensor.empty(input.shape, dtype: input.dtype, device: input.device).bernoulli_(1 - p) / (1 - p) }
        return input * mask
    }

    /// Dropout of whole channels of [N, C, …] inputs (`F.dropout2d`).
    public static func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        if !training || p == 0 { return input }
        if p == 1 { return input * Tensor.zeros([], dtype: input.dtype) }   // as PyTorch, not 0 / 0
        let maskShape = Array(input.shape.prefix(2)) + [Int](repeating: 1, count: Swift.max(input.dim - 2, 0))
        let mask = noGrad { Tensor.empty(maskShape, dtype: input.dtype, device: input.device).bernoulli_(1 - p) / (1 - p) }
        return input * mask
    }

    /// int64 one-hot rows for class indices (`F.one_hot`); -1 classes: the largest index plus one.
    public static func oneHot(_ input: Tensor, numClasses: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let labels = input.to(.int64)
        let classes = numClasses >= 0 ? numClasses : Int(labels.max().item()) + 1
        let values = labels.toArray(as: Int64.self)
        for v in values where v < 0 || v >= classes {
            fail("one_hot", "Class values must be smaller than num_classes (\(classes)), got \(v)", file: file, line: line)
        }
        let out = Tensor.zeros(input.shape + [classes], dtype: .int64, device: input.device)
        return out.scatter(out.dim - 1, labels.unsqueeze(-1), Tensor.ones(input.shape + [1], dtype: .int64, device: input.device))
    }

    /// Constant padding; `pad` lists (before, after) pairs from the last dimension backwards (`F.pad`).
    public static func pad(_ input: Tensor, _ pad: [Int], value: Double = 0,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(pad.count % 2 == 0 && pad.count / 2 <= input.dim, "pad", "Padding length must be divisible by 2 and at most "
              + "twice the input's dimensions (pad \(pad), input \(shapeText(input.shape)))", file: file, line: line)
        var shape = input.shape
        var region: [(start: Int, inputStart: Int, length: Int)] = input.shape.map { (0, 0, $0) }
        for i in 0..<(pad.count / 2) {
            let d = input.dim - 1 - i, before = pad[2 * i], after = pad[2 * i + 1]
            shape[d] = input.shape[d] + before + after
            check(shape[d] >= 0, "pad", "resulting padded dimension \(d) is negative (\(shape[d]))", file: file, line: line)
            let start = Swift.max(before, 0), inputStart = Swift.max(-before, 0)
            region[d] = (start, inputStart, Swift.max(0, Swift.min(input.shape[d] - inputStart, shape[d] - start)))
        }
        let out = Tensor.full(shape, value, dtype: input.dtype, device: input.device)
        func window(_ t: Tensor, useInput: Bool) -> Tensor {
            var view = t.detach()
            for (d, r) in region.enumerated() {
                let s = useInput ? r.inputStart : r.start
                view = view.narrow(d, start: s, length: r.length)
            }
            return view
        }
        window(input, useInput: true).copyElements(into: window(out, useInput: false))
        record("ConstantPadNdBackward0", inputs: [input], outputs: [out]) { g in
            let grad = Tensor.zeros(input.shape, dtype: g[0].dtype, device: input.device)
            window(g[0], useInput: false).copyElements(into: window(grad, useInput: true))
            return [grad]
        }
        return out
    }

    /// softmax(q·kᵀ/√d + mask)·v (`F.scaled_dot_product_attention`); 3-d inputs run as one head.
    public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                                 isCausal: Bool = false, scale: Double? = nil) -> Tensor {
        if query.dim == 3 {
            return scaledDotProductAttention(query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0),
                                             attnMask: attnMask, isCausal: isCausal, scale: scale).squeeze(0)
        }
        let factor = scale ?? 1 / Double(query.shape[query.dim - 1]).squareRoot()
        if let fused = fusedAttention(query, key, value, attnMask: attnMask, isCausal: isCausal, scale: factor) { return fused }
        func probabilities() -> Tensor {
            var scores = query.matmul(key.transpose(-2, -1)) * factor
            if isCausal {
                let (l, s) = (query.shape[query.dim - 2], key.shape[key.dim - 2])
                scores = scores.maskedFill(Tensor.ones([l, s], dtype: .bool, device: scores.device).tril().logicalNot(), -.infinity)
            }
            if let mask = attnMask {
                scores = mask.dtype == .bool ? scores.maskedFill(mask.logicalNot(), -.infinity) : scores + mask
            }
            return scores.softmax(dim: -1)
        }
        // A learnt additive mask needs its own gradient: the composite records it.
        if attnMask?.requiresGrad == true { return probabilities().matmul(value) }
        // One node, as PyTorch's CPU kernel: P = softmax(QKᵀ·scale + mask) is kept for backward, where
        // dV = Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − rowsum(P ⊙ dO·Vᵀ)), dQ = dS·K·scale, dK = dSᵀ·Q·scale.
        let p = noGrad { probabilities() }
        let out = noGrad { p.matmul(value) }
        if GradMode.isEnabled && (query.requiresGrad || key.requiresGrad || value.requiresGrad) {
            record("ScaledDotProductFlashAttentionForCpuBackward0", inputs: [query, key, value], outputs: [out]) { g in
                let dP = g[0].matmul(value.transpose(-2, -1))
                let dS = p * (dP - (dP * p).sum(dim: -1, keepdim: true))
                return [query.requiresGrad ? (dS.matmul(key) * factor).sumTo(query) : nil,
                        key.requiresGrad ? (dS.transpose(-2, -1).matmul(query) * factor).sumTo(key) : nil,
                        value.requiresGrad ? p.transpose(-2, -1).matmul(g[0]).sumTo(value) : nil]
            }
        }
        return out
    }

    /// Attention as one kernel for 4-d operands with the same two leading dimensions (a mask, if any, broadcast to
    /// [B1, B2, L, S] and needing no gradient); nil for the other cases, which run as a composite.
    private static func fusedAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor?, isCausal: Bool,
                                       scale: Double) -> Tensor? {
        guard query.dim == 4, key.dim == 4, value.dim == 4, attnMask?.requiresGrad != true,
              key.shape[0..<2] == query.shape[0..<2], value.shape[0..<2] == query.shape[0..<2], value.shape[2] == key.shape[2],
              key.shape[3] == query.shape[3], query.device == key.device, key.device == value.device else { return nil }
        let type = resultType([query, key, value]).floatingCounterpart
        let compute = type.computeType
        /// The operand as the kernel reads it: the compute dtype, a last dimension of stride 1.
        func prepared(_ t: Tensor) -> Tensor {
            let converted = t.kernelInput(compute)
            return converted.strides[3] == 1 || converted.shape[3] <= 1 ? converted : converted.contiguous()
        }
        let (q, k, v) = (prepared(query), prepared(key), prepared(value))
        let plan = AttentionPlan(batch: query.shape[0], heads: query.shape[1], queryLength: query.shape[2], keyLength: key.shape[2],
                                 embedding: query.shape[3], valueEmbedding: value.shape[3], scale: scale, isCausal: isCausal)
        let mask = attnMask.map { m in
            (m.dtype == .bool ? m : m.kernelInput(compute)).expand([plan.batch, plan.heads, plan.queryLength, plan.keyLength])
        }
        let backend = q.backend
        let p = Tensor(uninitializedShape: [plan.batch, plan.heads, plan.queryLength, plan.keyLength], dtype: compute, backend: backend)
        var out = Tensor(uninitializedShape: [plan.batch, plan.heads, plan.queryLength, plan.valueEmbedding], dtype: compute, backend: backend)
        backend.attention(plan, query: q.operand, key: k.operand, value: v.operand, mask: mask?.operand, probabilities: p.operand,
                          into: out.operand)
        if compute != type { out = out.copied(as: type) }
        guard GradMode.isEnabled && (query.requiresGrad || key.requiresGrad || value.requiresGrad) else { return out }
        // One node, as PyTorch's CPU kernel; P = softmax(QKᵀ·scale + mask) is kept for backward.
        record("ScaledDotProductFlashAttentionForCpuBackward0", inputs: [query, key, value], outputs: [out],
               saving: [SavedTensor(query), SavedTensor(key), SavedTensor(value)]) { g in
            let gradOutput = prepared(g[0])
            func gradient(_ input: Tensor) -> Tensor? {
                input.requiresGrad ? Tensor(uninitializedShape: input.shape, dtype: compute, backend: backend) : nil
            }
            let (gradQuery, gradKey, gradValue) = (gradient(query), gradient(key), gradient(value))
            backend.attentionBackward(plan, query: q.operand, key: k.operand, value: v.operand, probabilities: p.operand,
                                      gradOutput: gradOutput.operand, gradQuery: gradQuery?.operand, gradKey: gradKey?.operand,
                                      gradValue: gradValue?.operand)
            return [gradQuery?.to(query.dtype), gradKey?.to(key.dtype), gradValue?.to(value.dtype)]
        }
        return out
    }
}
