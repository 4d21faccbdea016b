// Ops of PyTorch's surface that the OpInfo cases reach only in part: einsum's forms, instance norm layers,
// nanquantile, the Masked namespace with a nil mask. (Their OpInfo cases check values and gradients.)
import Ember
import XCTest

final class OpSurfaceTests: XCTestCase {
    private func values(_ t: Tensor) -> [Double] { t.toArray(as: Double.self) }

    func testEinsumAgreesWithTheProductsItSpells() {
        let a = Tensor.arange(6).reshape(2, 3).to(.float64), b = Tensor.arange(12).reshape(3, 4).to(.float64)
        XCTAssertEqual(values(Tensor.einsum("ij,jk->ik", [a, b])), values(a.matmul(b)))
        XCTAssertEqual(values(Tensor.einsum("ij,jk", [a, b])), values(a.matmul(b)), "implicit output: the labels seen once")
        XCTAssertEqual(values(Tensor.einsum("ij->ji", [a])), values(a.t()))
        let square = Tensor.arange(9).reshape(3, 3).to(.float64)
        XCTAssertEqual(values(Tensor.einsum("ii->", [square])), [12], "a repeated label takes the diagonal")
        XCTAssertEqual(values(Tensor.einsum("ii->i", [square])), [0, 4, 8])
        let v = Tensor([1, 2] as [Double]), w = Tensor([3, 4, 5] as [Double])
        XCTAssertEqual(values(einsum("i,j->ij", v, w)), values(v.outer(w)))
        let batch = Tensor.arange(24).reshape(2, 3, 4).to(.float64), other = Tensor.arange(40).reshape(2, 4, 5).to(.float64)
        XCTAssertEqual(values(Tensor.einsum("bij,bjk->bik", [batch, other])), values(batch.bmm(other)))
        XCTAssertEqual(values(Tensor.einsum("...ij,...jk->...ik", [batch, other])), values(batch.bmm(other)))
        XCTAssertEqual(values(Tensor.einsum("bij->b", [batch])), values(batch.sum(dims: [1, 2])))
    }

    func testEinsumGradientsMatchMatmul() {
        let a = Tensor.randn(3, 4, dtype: .float64).requiresGrad_(), b = Tensor.randn(4, 2, dtype: .float64).requiresGrad_()
        Tensor.einsum("ij,jk->ik", [a, b]).sum().backward()
        let (ga, gb) = (a.grad!, b.grad!)
        a.grad = nil
        b.grad = nil
        a.matmul(b).sum().backward()
        XCTAssertEqual(values(ga), values(a.grad!))
        XCTAssertEqual(values(gb), values(b.grad!))
    }

    func testInstanceNormLayers() {
        XCTAssertEqual(InstanceNorm2d(3).description, "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)")
        let x = Tensor.randn(2, 3, 4, 5, dtype: .float64)
        let y = InstanceNorm2d(3)(x)
        XCTAssertEqual(values(y.mean(dims: [2, 3])).map { Swift.abs($0) < 1e-12 }, [Bool](repeating: true, count: 6))
        XCTAssertEqual(InstanceNorm2d(3)(x[0]).shape, [3, 4, 5], "an unbatched input")
        let tracking = InstanceNorm1d(3, trackRunningStats: true)
        _ = tracking(Tensor.ones(2, 3, 4) * 2)
        XCTAssertEqual(tracking.runningMean!.toArray(as: Float.self), [0.2, 0.2, 0.2], "momentum 0.1 of the mean over the batch")
    }

    func testNanquantileSkipsNaN() {
        let x = Tensor([[1, .nan, 3], [4, 5, 6]] as [[Double]])
        XCTAssertEqual(values(x.nanquantile(0.5, dim: 1)), [2, 5])
        XCTAssertTrue(values(x.quantile(0.5, dim: 1))[0].isNaN)
        let both = values(x.quantile(Tensor([0.0, 1.0]), dim: 1, interpolation: .lower))   // [q, row]; NaN rows read NaN
        XCTAssertTrue(both[0].isNaN && both[2].isNaN)
        XCTAssertEqual([both[1], both[3]], [4, 6])
    }

    func testAsStridedMakesOverlappingWindows() {
        let x = Tensor.arange(5).to(.float64).requiresGrad_()
        let windows = x.asStrided([3, 3], [1, 1])
        XCTAssertEqual(values(windows), [0, 1, 2, 1, 2, 3, 2, 3, 4])
        windows.sum().backward()
        XCTAssertEqual(values(x.grad!), [1, 2, 3, 2, 1], "each element's gradient counts the windows that read it")
        XCTAssertEqual(values(x.detach().asStrided([2], [2], storageOffset: 1)), [1, 3])
    }

    private func assertClose(_ actual: [Double], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (x, y) in zip(actual, expected) { XCTAssertEqual(x, y, accuracy: 1e-12, file: file, line: line) }
    }

    func testInverseDeterminantAndSolveThroughLAPACK() {
        let a = Tensor([[4, 7], [2, 6]] as [[Double]])
        assertClose(values(a.det()), [10])
        assertClose(values(a.inverse()), [0.6, -0.7, -0.2, 0.4])
        assertClose(values(Tensor.solve(a, Tensor([1, 2] as [Double]))), [-0.8, 0.6])
        assertClose(values(a.matrixPower(-2)), values(a.inverse().matmul(a.inverse())))
        let (sign, logabsdet) = Tensor([[0, 1], [1, 0]] as [[Double]]).slogdet()
        XCTAssertEqual(values(sign), [-1])
        assertClose(values(logabsdet), [0])
        gradcheck("inverse", [Tensor.randn([2, 3, 3], dtype: .float64) + Tensor.eye(3, dtype: .float64) * 3]) { $0[0].inverse() }
        gradcheck("solve", [Tensor.randn([3, 3], dtype: .float64) + Tensor.eye(3, dtype: .float64) * 3,
                            Tensor.randn([3, 2], dtype: .float64)]) { Tensor.solve($0[0], $0[1]) }
    }

    func testModeAlongALeadingDimensionKeepsTheOtherDimensionsInOrder() {
        // PyTorch: torch.mode(x, 0) of this [2, 3, 4] tensor.
        let x = Tensor([[[1, 2, 3, 4], [5, 6, 7, 8], [9, 1, 2, 3]], [[1, 5, 3, 9], [5, 6, 0, 8], [9, 2, 2, 3]]] as [[[Double]]])
        let r = x.mode(dim: 0)
        XCTAssertEqual(values(r.values), [1, 2, 3, 4, 5, 6, 0, 8, 9, 1, 2, 3])
        XCTAssertEqual(r.indices.toArray(as: Int64.self), [1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1])
    }

    func testMaskedReductionsWithoutAMaskAreTheOrdinaryOnes() {
        let x = Tensor([[1, -2], [3, 4]] as [[Double]])
        XCTAssertEqual(values(Masked.sum(x)), values(x.sum()))
        let mask = Tensor([[true, false], [true, true]])
        XCTAssertEqual(values(Masked.sum(x, dims: [1], mask: mask)), [1, 7])
        XCTAssertEqual(values(Masked.amax(x, dims: [1], mask: mask)), [1, 4])
        XCTAssertEqual(values(Masked.mean(x, dims: [1], mask: mask)), [1, 3.5])
    }
}

final class EmbeddingBagTests: XCTestCase {
    func testBagsOfAOneDimensionalInputSplitAtOffsets() {
        let bag = EmbeddingBag(4, 2, mode: .sum)
        noGrad { bag.weight.copy_(Tensor([[1, 2], [3, 4], [5, 6], [7, 8]] as [[Float]])) }
        XCTAssertEqual(bag.description, "EmbeddingBag(4, 2, mode='sum')")
        let out = bag(Tensor([0, 1, 2, 3] as [Int64]), offsets: Tensor([0, 1] as [Int64]))
        XCTAssertEqual(out.toArray(as: Float.self), [1, 2, 15, 18], "bag 0 is row 0; bag 1 sums rows 1–3")
        out.sum().backward()
        XCTAssertEqual(bag.weight.grad?.toArray(as: Float.self), [Float](repeating: 1, count: 8))
        let mean = F.embeddingBag(Tensor([[0, 2], [1, 1]] as [[Int64]]), bag.weight.detach(), mode: .mean)
        XCTAssertEqual(mean.toArray(as: Float.self), [3, 4, 3, 4])
        let max = F.embeddingBag(Tensor([[0, 3]] as [[Int64]]), bag.weight.detach(), mode: .max)
        XCTAssertEqual(max.toArray(as: Float.self), [7, 8])
    }
}
