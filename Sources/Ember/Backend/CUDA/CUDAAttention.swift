// Scaled dot-product attention on a GPU, composed of the backend's own pieces: batched cuBLAS products per batch
// entry (over its heads, the scale as the product's alpha), the causal and given masks as pointwise kernels, softmax as
// a row kernel.

extension CUDABackend {
    func attention(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand, mask: KernelOperand?,
                   probabilities: KernelOperand, into out: KernelOperand) {
        let pairs = AttentionPairs(plan)
        guard let blas, pairs.isUsable else {
            return runOnHost([probabilities, out, query, key, value, mask], written: [0, 1]) {
                CPUBackend.host.attention(plan, query: $0[2]!, key: $0[3]!, value: $0[4]!, mask: $0[5], probabilities: $0[0]!, into: $0[1]!)
            }
        }
        let dtype = query.dtype
        // P = softmax(Q·Kᵀ·scale + masks), row by row; the scale in the product.
        blas.products(plan.batch, scale: plan.scale, op: "attention", device: device) { b in (pairs.matrices(query, b), pairs.matrices(key, b).transposedMatrices, pairs.scores(probabilities, b)) }
        if plan.isCausal {
            // Query i attends to keys j ≤ i: the later keys' scores become -inf.
            let (l, s) = (plan.queryLength, plan.keyLength)
            let later = (0..<l * s).map { UInt8($0 % s > $0 / s ? 1 : 0) }
            let flags = temporary([l, s], .bool)
            later.withUnsafeBytes { allocator.copyFromHost($0.baseAddress!, to: flags.storage.pointer, byteCount: l * s) }
            select(flags.operand, scalar(-.infinity, dtype), pairs.spread(probabilities), into: pairs.spread(probabilities))
        }
        if let mask {
            let all = pairs.spread(probabilities)
            if mask.dtype == .bool {
                select(mask, all, scalar(-.infinity, dtype), into: all)
            } else {
                arithmeticBinary(.add, all, mask, into: all)
            }
        }
        transformRows(.softmax, probabilities, rows: plan.batch * plan.heads * plan.queryLength, k: plan.keyLength, into: probabilities)
        // out = P·V.
        blas.products(plan.batch, op: "attention", device: device) { b in (pairs.scores(probabilities, b), pairs.matrices(value, b), pairs.contiguous(out, b, columns: plan.valueEmbedding)) }
    }

    func attentionBackward(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand,
                           probabilities: KernelOperand, gradOutput: KernelOperand, gradQuery: KernelOperand?,
                           gradKey: KernelOperand?, gradValue: KernelOperand?) {
        let pairs = AttentionPairs(plan)
        guard let blas, pairs.isUsable else {
            return runOnHost([gradQuery, gradKey, gradValue, query, key, value, probabilities, gradOutput], written: [0, 1, 2]) {
                CPUBackend.host.attentionBackward(plan, query: $0[3]!, key: $0[4]!, value: $0[5]!, probabilities: $0[6]!,
                                                  gradOutput: $0[7]!, gradQuery: $0[0], gradKey: $0[1], gradValue: $0[2])
            }
        }
        let dtype = query.dtype
        if let gradValue {
            // dV = Pᵀ·dO.
            blas.products(plan.batch, op: "attention", device: device) { b in
                (pairs.scores(probabilities, b).transposedMatrices, pairs.matrices(gradOutput, b), pairs.contiguous(gradValue, b, columns: plan.valueEmbedding))
            }
        }
        guard gradQuery != nil || gradKey != nil else { return }
        // dS = P ⊙ (dO·Vᵀ − rowsum(P ⊙ dO·Vᵀ)); its scale goes into the products with K and Q.
        let shape = [plan.batch * plan.heads * plan.queryLength, plan.keyLength]
        let gradScores = temporary(shape, dtype), weighted = temporary(shape, dtype), dots = temporary([shape[0], 1], dtype)
        blas.products(plan.batch, op: "attention", device: device) { b in (pairs.matrices(gradOutput, b), pairs.matrices(value, b).transposedMatrices, pairs.scores(gradScores.operand, b)) }
        let rows = pairs.rowsOf(probabilities)
        arithmeticBinary(.multiply, rows, gradScores.operand, into: weighted.operand)
        reduceRows(.sum, weighted.operand, rows: shape[0], k: shape[1], into: dots.operand)
        arithmeticBinary(.subtract, gradScores.operand, dots.operand, into: gradScores.operand)
        arithmeticBinary(.multiply, rows, gradScores.operand, into: gradScores.operand)
        if let gradQuery {
            // dQ = dS·K·scale.
            blas.products(plan.batch, scale: plan.scale, op: "attention", device: device) { b in (pairs.scores(gradScores.operand, b), pairs.matrices(key, b), pairs.contiguous(gradQuery, b, columns: plan.embedding)) }
        }
        if let gradKey {
            // dK = dSᵀ·Q·scale.
            blas.products(plan.batch, scale: plan.scale, op: "attention", device: device) { b in
                (pairs.scores(gradScores.operand, b).transposedMatrices, pairs.matrices(query, b), pairs.contiguous(gradKey, b, columns: plan.embedding))
            }
        }
    }
}

/// The (batch, head) pairs of an attention call as batched GEMM operands: one product per batch entry, batched over
/// its heads (a batch entry's heads share a stride; entries of the outer dimension need not).
private struct AttentionPairs {
    let plan: AttentionPlan

    init(_ plan: AttentionPlan) { self.plan = plan }

    /// Whether the GPU path applies: something to compute (the op layer calls attention in float32 or float64).
    var isUsable: Bool {
        plan.batch * plan.heads * plan.queryLength * plan.keyLength > 0 && plan.embedding > 0
    }

    /// Batch entry b of a [batch, heads, rows, columns] operand with any strides: [heads, rows, columns].
    func matrices(_ x: KernelOperand, _ b: Int) -> KernelOperand {
        x.view(offset: x.layout.offset + b * x.strides[0], shape: Array(x.shape[1...]), strides: Array(x.strides[1...]))
    }

    /// Batch entry b of the contiguous [batch, heads, L, S] scores.
    func scores(_ x: KernelOperand, _ b: Int) -> KernelOperand { contiguous(x, b, columns: plan.keyLength) }

    /// Batch entry b of a contiguous [batch, heads, L, columns] operand.
    func contiguous(_ x: KernelOperand, _ b: Int, columns: Int) -> KernelOperand {
        let h = plan.heads, rows = x.numel / (plan.batch * h * columns)   // L, or S for the key and value gradients
        return x.view(offset: x.layout.offset + b * h * rows * columns, shape: [h, rows, columns], strides: [rows * columns, columns, 1])
    }

    /// The contiguous scores as [batch·heads·L, S] rows.
    func rowsOf(_ x: KernelOperand) -> KernelOperand {
        x.view(offset: x.layout.offset, shape: [plan.batch * plan.heads * plan.queryLength, plan.keyLength], strides: [plan.keyLength, 1])
    }

    /// The contiguous scores as [batch, heads, L, S], which the masks broadcast to.
    func spread(_ x: KernelOperand) -> KernelOperand {
        let (h, l, s) = (plan.heads, plan.queryLength, plan.keyLength)
        return x.view(offset: x.layout.offset, shape: [plan.batch, h, l, s], strides: [h * l * s, l * s, s, 1])
    }
}
