// Scaled dot-product attention as one kernel: per (batch, head) pair, Q·Kᵀ by GEMM, the scale, mask and softmax
// in one pass over each row, then P·V by GEMM; pairs split across threads. Operands are read through their
// strides (a last dimension of stride 1), so heads cut out of a projection need no copy.

/// A [rows, columns] matrix of a 4-d operand at (b1, b2), rows at stride `strides[2]`, columns contiguous.
private func pairMatrix<T>(_ operand: KernelOperand, _ b1: Int, _ b2: Int, _: T.Type, transposed: Bool = false) -> MatrixOperand<T> {
    let strides = operand.strides
    return MatrixOperand(operand.pointer(as: T.self) + b1 * strides[0] + b2 * strides[1], leadingDimension: strides[2],
                         transposed: transposed)
}

struct AttentionForward: FloatTypeVisitor {
    let plan: AttentionPlan
    let query: KernelOperand, key: KernelOperand, value: KernelOperand, mask: KernelOperand?
    let probabilities: KernelOperand, out: KernelOperand

    func visit<T: FloatScalar>(_: T.Type) {
        let (l, s, e, ev) = (plan.queryLength, plan.keyLength, plan.embedding, plan.valueEmbedding)
        let scale = T(plan.scale), probabilitiesBase = probabilities.pointer(as: T.self), outBase = out.pointer(as: T.self)
        let maskStrides = mask?.strides ?? [], isBool = mask?.dtype == .bool
        parallelFor(plan.batch * plan.heads, grain: 1) { range in
            for pair in range {
                let (b1, b2) = pair.quotientAndRemainder(dividingBy: plan.heads)
                let p = probabilitiesBase + pair * l * s
                gemm(pairMatrix(query, b1, b2, T.self), pairMatrix(key, b1, b2, T.self, transposed: true), p, m: l, n: s, k: e)
                for i in 0..<l {
                    let row = p + i * s
                    for j in 0..<s { row[j] *= scale }
                    if plan.isCausal { for j in (i + 1)..<max(i + 1, s) { row[j] = -.infinity } }
                    if let mask {
                        let base = b1 * maskStrides[0] + b2 * maskStrides[1] + i * maskStrides[2], step = maskStrides[3]
                        if isBool {
                            let m = mask.pointer(as: Bool.self) + base
                            for j in 0..<s where !m[j * step] { row[j] = -.infinity }
                        } else {
                            let m = mask.pointer(as: T.self) + base
                            for j in 0..<s { row[j] += m[j * step] }
                        }
                    }
                    softmaxRow(row, row, s)
                }
                gemm(MatrixOperand(p, leadingDimension: s), pairMatrix(value, b1, b2, T.self), outBase + pair * l * ev, m: l, n: ev, k: s)
            }
        }
    }
}

/// dV = Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − rowsum(P ⊙ dO·Vᵀ)), dQ = dS·K·scale, dK = dSᵀ·Q·scale, per pair.
struct AttentionBackward: FloatTypeVisitor {
    let plan: AttentionPlan
    let query: KernelOperand, key: KernelOperand, value: KernelOperand, probabilities: KernelOperand, gradOutput: KernelOperand
    let gradQuery: KernelOperand?, gradKey: KernelOperand?, gradValue: KernelOperand?

    func visit<T: FloatScalar>(_: T.Type) {
        let (l, s, e, ev) = (plan.queryLength, plan.keyLength, plan.embedding, plan.valueEmbedding)
        let scale = T(plan.scale), probabilitiesBase = probabilities.pointer(as: T.self)
        parallelFor(plan.batch * plan.heads, grain: 1) { range in
            withScratch(T.self, l * s) { dS in
                for pair in range {
                    let (b1, b2) = pair.quotientAndRemainder(dividingBy: plan.heads)
                    let p = probabilitiesBase + pair * l * s, dO = pairMatrix(gradOutput, b1, b2, T.self)
                    if let gradValue {
                        gemm(MatrixOperand(p, leadingDimension: s, transposed: true), dO, gradValue.pointer(as: T.self) + pair * s * ev, m: s, n: ev, k: l)
                    }
                    guard gradQuery != nil || gradKey != nil else { continue }
                    gemm(dO, pairMatrix(value, b1, b2, T.self, transposed: true), dS, m: l, n: s, k: ev)
                    for i in 0..<l {
                        let pRow = p + i * s, dRow = dS + i * s
                        var dot = T.zero
                        for j in 0..<s { dot += pRow[j] * dRow[j] }
                        for j in 0..<s { dRow[j] = pRow[j] * (dRow[j] - dot) * scale }
                    }
                    if let gradQuery {
                        gemm(MatrixOperand(dS, leadingDimension: s), pairMatrix(key, b1, b2, T.self), gradQuery.pointer(as: T.self) + pair * l * e,
                             m: l, n: e, k: s)
                    }
                    if let gradKey {
                        gemm(MatrixOperand(dS, leadingDimension: s, transposed: true), pairMatrix(query, b1, b2, T.self),
                             gradKey.pointer(as: T.self) + pair * s * e, m: s, n: e, k: l)
                    }
                }
            }
        }
    }
}
