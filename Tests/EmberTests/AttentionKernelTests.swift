// The fused attention kernel against attention written with plain tensor ops, values and gradients in float64:
// heads read through strides (views of a projection), boolean and additive masks broadcast from smaller shapes,
// causal masking, unequal query and key lengths; and MultiheadAttention's fast path against its general path.
import Ember
import XCTest

final class AttentionKernelTests: XCTestCase {
    /// softmax(q·kᵀ·scale + mask)·v with differentiable tensor ops (mask boolean: true takes part).
    private func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?, isCausal: Bool, scale: Double) -> Tensor {
        var scores = q.matmul(k.transpose(-2, -1)) * scale
        if isCausal {
            let (l, s) = (q.shape[2], k.shape[2])
            scores = scores.maskedFill(Tensor.ones([l, s], dtype: .bool).tril().logicalNot(), -.infinity)
        }
        if let mask { scores = mask.dtype == .bool ? scores.maskedFill(mask.logicalNot(), -.infinity) : scores + mask }
        return scores.softmax(dim: -1).matmul(v)
    }

    private func assertSameGradients(_ fused: [Tensor], _ plain: [Tensor], tolerance: Double = 1e-12,
                                     file: StaticString = #filePath, line: UInt = #line) {
        for (a, b) in zip(fused, plain) {
            guard let ga = a.grad, let gb = b.grad else { return XCTFail("a gradient is missing", file: file, line: line) }
            assertClose(ga, gb.toArray(as: Double.self), tolerance: tolerance, file: file, line: line)
        }
    }

    func testStridedHeadsMasksAndCausalAgreeWithTensorOps() {
        Ember.manualSeed(11)
        let (n, heads, l, s, d) = (2, 3, 5, 7, 4)
        // Queries cut out of a [L, N, heads·d] projection; keys and values out of one packed [S, N, 2·heads·d].
        let projection = Tensor.randn([l, n, heads * d], dtype: .float64)
        let packed = Tensor.randn([s, n, 2 * heads * d + 2], dtype: .float64)
        let boolMask = Tensor.rand([n, 1, l, s]) .> 0.3
        let floatMask = Tensor.randn([l, s], dtype: .float64)
        for (mask, isCausal, scale) in [(nil, false, 0.5), (boolMask, false, 0.5), (floatMask, true, 0.3), (nil, true, 1.0)] as [(Tensor?, Bool, Double)] {
            let leaves = [projection, packed].map { $0.detach().requiresGrad_() }
            let plainLeaves = [projection, packed].map { $0.detach().requiresGrad_() }
            func operands(_ t: [Tensor]) -> (Tensor, Tensor, Tensor) {
                let q = t[0].view(l, n, heads, d).permute(1, 2, 0, 3)
                let kv = t[1].narrow(2, 1, 2 * heads * d).view(s, n, 2, heads, d)
                return (q, kv.select(2, 0).permute(1, 2, 0, 3), kv.select(2, 1).permute(1, 2, 0, 3))
            }
            let (q, k, v) = operands(leaves), (pq, pk, pv) = operands(plainLeaves)
            let fused = F.scaledDotProductAttention(q, k, v, attnMask: mask, isCausal: isCausal, scale: scale)
            let plain = reference(pq.contiguous(), pk.contiguous(), pv.contiguous(), mask: mask, isCausal: isCausal, scale: scale)
            XCTAssertEqual(fused.gradFn?.name, "ScaledDotProductFlashAttentionForCpuBackward0")
            assertClose(fused, plain.toArray(as: Double.self), tolerance: 1e-12)
            let weights = Tensor.randn(fused.shape, dtype: .float64)
            (fused * weights).sum().backward()
            (plain * weights).sum().backward()
            assertSameGradients(leaves, plainLeaves)
        }
    }

    func testFloat32AndSingleHeadsAndEmptyKeys() {
        Ember.manualSeed(12)
        let q = Tensor.randn(1, 1, 9, 16), k = Tensor.randn(1, 1, 33, 16), v = Tensor.randn(1, 1, 33, 5)
        let fused = F.scaledDotProductAttention(q, k, v)
        let plain = reference(q.double(), k.double(), v.double(), mask: nil, isCausal: false, scale: 0.25)
        assertClose(fused, plain.toArray(as: Double.self), tolerance: 1e-5)
        XCTAssertEqual(F.scaledDotProductAttention(Tensor.randn(2, 2, 0, 4), Tensor.randn(2, 2, 3, 4), Tensor.randn(2, 2, 3, 4)).shape,
                       [2, 2, 0, 4])
    }

    /// Without weights to return, MultiheadAttention takes the fused kernel; with them, the general path. Both must
    /// agree, with every kind of mask, sequence-first and batch-first, batched or not.
    func testMultiheadAttentionFastPathAgreesWithTheGeneralPath() {
        Ember.manualSeed(13)
        let (n, l, s, e, heads) = (2, 4, 6, 8, 2)
        for batchFirst in [false, true] {
            let attention = MultiheadAttention(e, heads, batchFirst: batchFirst)
            attention.double()
            let query = Tensor.randn(batchFirst ? [n, l, e] : [l, n, e], dtype: .float64)
            let memory = Tensor.randn(batchFirst ? [n, s, e] : [s, n, e], dtype: .float64)
            let padding = Tensor([false, false, true, false, false, true, false, false, false, false, false, true], shape: [n, s])
            let masks: [(Tensor?, Tensor?)] = [
                (nil, nil), (Tensor.rand([l, s]) .> 0.7, nil), (nil, padding),
                (Tensor.randn([n * heads, l, s], dtype: .float64), padding),
            ]
            for (attnMask, paddingMask) in masks {
                let fastInput = query.detach().requiresGrad_(), generalInput = query.detach().requiresGrad_()
                let fast = attention(fastInput, memory, memory, keyPaddingMask: paddingMask, needWeights: false, attnMask: attnMask).output
                let fastGrads = Autograd.grad(outputs: [(fast * fast).sum()], inputs: [fastInput] + attention.parameters())
                let general = attention(generalInput, memory, memory, keyPaddingMask: paddingMask, needWeights: true, attnMask: attnMask).output
                let generalGrads = Autograd.grad(outputs: [(general * general).sum()], inputs: [generalInput] + attention.parameters())
                assertClose(fast, general.toArray(as: Double.self), tolerance: 1e-12)
                for (a, b) in zip(fastGrads, generalGrads) { assertClose(a!, b!.toArray(as: Double.self), tolerance: 1e-11) }
            }
        }
        let attention = MultiheadAttention(e, heads)
        let single = Tensor.randn(l, e)
        assertClose(attention(single, single, single, needWeights: false).output,
                    attention(single, single, single, needWeights: true).output.toArray(as: Double.self))
    }
}
