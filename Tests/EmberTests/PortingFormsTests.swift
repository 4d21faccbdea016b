// The forms that torchvision's transforms and PyTorch's examples call: in-place variants that chain
// (`sub_(w).neg_()`), NumPy-named aliases, `random_`, patches (`F.unfold`/`F.fold`) and least squares.
import Ember
import XCTest

final class PortingFormsTests: XCTestCase {
    private func values(_ t: Tensor) -> [Double] { t.contiguous().toArray(as: Double.self) }

    func testInPlaceFormsWriteIntoTheirTensorAndChain() {
        let boxes = Tensor([1.5, -2.25, 3.75, 7] as [Double])
        let view = boxes[1...2]
        view.sub_(Tensor(4.0)).neg_()
        XCTAssertEqual(values(boxes), [1.5, 6.25, 0.25, 7], "a view writes through to its base")
        let x = Tensor([-1.5, 2.5, -0.5] as [Double])
        XCTAssertEqual(values(x.clone().abs_()), [1.5, 2.5, 0.5])
        XCTAssertEqual(values(x.clone().floor_()), [-2, 2, -1])
        XCTAssertEqual(values(x.clone().ceil_()), [-1, 3, -0])
        XCTAssertEqual(values(x.clone().trunc_()), [-1, 2, -0])
        XCTAssertEqual(values(x.clone().round_()), [-2, 2, -0], "half to even")
        XCTAssertEqual(values(x.clone().pow_(2)), [2.25, 6.25, 0.25])
        XCTAssertEqual(values(x.clone().remainder_(2)), [0.5, 0.5, 1.5])
        XCTAssertEqual(values(x.clone().fmod_(2)), [-1.5, 0.5, -0.5])
        XCTAssertEqual(values(Tensor([1, 2, 3] as [Double]).cumsum_(0)), [1, 3, 6])
        let mask = Tensor([1, 0, 1] as [Double])
        XCTAssertEqual(values(mask.clone().logicalAnd_(Tensor([true, true, false]))), [1, 0, 0])
        XCTAssertEqual(values(mask.clone().logicalNot_()), [0, 1, 0])
        XCTAssertEqual(Tensor([1, 2] as [Int64]).bitwiseLeftShift_(Tensor([3, 1] as [Int64])).toArray(as: Int.self), [8, 4])
        let oneHot = Tensor.zeros([2, 3], dtype: .float64).scatter_(1, Tensor([[2], [0]] as [[Int64]]), value: 1)
        XCTAssertEqual(values(oneHot), [0, 0, 1, 1, 0, 0])
        let histogram = Tensor.zeros([3], dtype: .float64).scatterAdd_(0, Tensor([0, 2, 2] as [Int64]), Tensor.ones([3], dtype: .float64))
        XCTAssertEqual(values(histogram), [1, 0, 2])
        let grid = Tensor.linspace(0, 1, steps: 3).unsqueeze_(-1)
        XCTAssertEqual(grid.shape, [3, 1])
        XCTAssertEqual(values(x.clip(min: -1, max: 1)), [-1, 1, -0.5])
    }

    func testInPlaceFormsKeepGradientsRight() {
        let leaf = Tensor([0.5, -2, 3] as [Double]).requiresGrad_()
        let y = leaf * 2
        y.pow_(2)
        XCTAssertEqual(y.gradFn?.name, "PowBackward0")
        y.sum().backward()
        // d/dx (2x)² = 8x: the power's node read the value before the write.
        XCTAssertEqual(leaf.grad.map(values), [4, -16, 24])
        let z = leaf * 1
        z.abs_().neg_()
        z.sum().backward()
        XCTAssertEqual(leaf.grad.map(values), [3, -15, 23])
    }

    /// In-place ops keep PyTorch's graph (no copy node) and the value their node saved (`mul_` saves self).
    func testInPlaceOpsKeepTheGraphAndTheSavedValue() {
        let leaf = Tensor([0.5, -2, 3] as [Double]).requiresGrad_()
        let y = leaf * 2
        y.pow_(2)
        XCTAssertEqual(y.gradFn?.nextFunctions.compactMap { $0?.node.name }, ["MulBackward0"])
        let z = leaf * 1
        z.mul_(leaf)
        z.sum().backward()
        XCTAssertEqual(leaf.grad.map(values), [1, -4, 6], "d(x·x)/dx = 2x, from the value before the write")
    }

    func testRandomFillsLikeRandint() {
        Ember.manualSeed(11)
        let expected = Tensor.randint(0, 10, [6])
        Ember.manualSeed(11)
        let filled = Tensor.empty([6], dtype: .int64).random_(0, 10)
        XCTAssertEqual(filled.toArray(as: Int.self), expected.toArray(as: Int.self))
        XCTAssertTrue(Tensor.empty([100], dtype: .float32).random_(5).toArray(as: Double.self).allSatisfy { (0..<5).contains($0) })
    }

    func testAliasesAndSmallConstructors() {
        let x = Tensor.arange(24, dtype: .float64).reshape([2, 3, 4])
        XCTAssertEqual(x.swapaxes(0, 2).shape, [4, 3, 2])
        XCTAssertEqual(swapaxes(x, 1, 2).shape, [2, 4, 3])
        XCTAssertEqual(x.moveaxis(0, -1).shape, [3, 4, 2])
        XCTAssertEqual(concat([x, x], dim: 1).shape, [2, 6, 4])
        XCTAssertEqual(Tensor.scalarTensor(3, dtype: .int64).shape, [])
        XCTAssertEqual(x.newTensor([0.485, 0.456, 0.406]).dtype, .float64)
        XCTAssertEqual(getDefaultDtype(), .float32)
    }

    func testPythonBitwiseOperatorsCombineMasksAndIntegers() {
        let x = Tensor([-1.0, 0.5, 1.5, 3.0])
        XCTAssertEqual(((x .> 0) & (x .< 2)).toArray(as: Bool.self), [false, true, true, false])
        XCTAssertEqual(((x .< 0) | (x .> 2)).toArray(as: Bool.self), [true, false, false, true])
        XCTAssertEqual(((x .> 0) ^ (x .> 1)).toArray(as: Bool.self), [false, true, false, false])
        XCTAssertEqual((~(x .> 0)).toArray(as: Bool.self), [true, false, false, false])
        let n = Tensor([Int64(12), 5]), m = Tensor([Int64(10), 3])
        XCTAssertEqual((n & m).toArray(as: Int64.self), [8, 1])
        XCTAssertEqual((n | m).toArray(as: Int64.self), [14, 7])
        XCTAssertEqual((n ^ m).toArray(as: Int64.self), [6, 6])
        XCTAssertEqual((~n).toArray(as: Int64.self), [-13, -6])
    }

    func testUnfoldAndFoldAreEachOthersTranspose() {
        Ember.manualSeed(12)
        let image = Tensor.randn([2, 3, 5, 4], dtype: .float64)
        let columns = F.unfold(image, kernelSize: [2, 3], dilation: 1, padding: 1, stride: [2, 1])
        XCTAssertEqual(columns.shape, [2, 18, 3 * 4])
        // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩ for any c.
        let probe = Tensor.randn(columns.shape, dtype: .float64)
        let folded = F.fold(probe, outputSize: [5, 4], kernelSize: [2, 3], padding: 1, stride: [2, 1])
        XCTAssertEqual((columns * probe).sum().item(), (image * folded).sum().item(), accuracy: 1e-10)
        // Non-overlapping patches fold back to the image.
        let patches = F.unfold(image.narrow(2, 0, 4), kernelSize: 2, stride: 2)
        assertClose(F.fold(patches, outputSize: [4, 4], kernelSize: 2, stride: 2), values(image.narrow(2, 0, 4)), tolerance: 1e-12)
        gradcheck("unfold", [image]) { F.unfold($0[0], kernelSize: 2, dilation: [1, 2], padding: 1) }
        gradcheck("fold", [Tensor.randn([1, 8, 6], dtype: .float64)]) { F.fold($0[0], outputSize: [3, 4], kernelSize: 2) }
        let windows = Tensor.arange(7, dtype: .float64).unfold(0, 3, 2)
        XCTAssertEqual(windows.shape, [3, 3])
        XCTAssertEqual(values(windows), [0, 1, 2, 2, 3, 4, 4, 5, 6])
        // overlapping windows add their gradients; a middle dimension; a transposed (strided) input; a scalar
        gradcheck("Tensor.unfold", [Tensor.randn([3, 9, 2], dtype: .float64)]) { $0[0].unfold(1, 4, 2) }
        gradcheck("Tensor.unfold strided", [Tensor.randn([5, 4], dtype: .float64)]) { $0[0].t().unfold(-1, 2, 1) }
        gradcheck("Tensor.unfold scalar", [Tensor(2.0)]) { $0[0].unfold(0, 1, 1) }
        XCTAssertEqual(Tensor.arange(7, dtype: .float64).requiresGrad_().unfold(0, 3, 2).gradFn?.name, "UnfoldBackward0")
    }

    func testLeastSquaresSolvesTallSystemsAndReportsByDriver() {
        Ember.manualSeed(13)
        let a = Tensor.randn([2, 6, 3], dtype: .float64), b = Tensor.randn([2, 6, 2], dtype: .float64)
        let (x, residuals, rank, singular) = Tensor.lstsq(a, b)
        // The normal equations hold at the least-squares solution.
        assertClose(a.mT.matmul(a.matmul(x) - b), [Double](repeating: 0, count: 12), tolerance: 1e-10)
        XCTAssertEqual(residuals.shape, [0])
        XCTAssertEqual(rank.toArray(as: Int.self), [3, 3])
        XCTAssertEqual(singular.shape, [0])
        let gelsd = Tensor.lstsq(a, b, driver: "gelsd")
        assertClose(gelsd.residuals, values((a.matmul(x) - b).square().sum(dim: -2)), tolerance: 1e-10)
        assertClose(gelsd.singularValues, values(a.svdvals()), tolerance: 1e-12)
        gradcheck("lstsq", [a, b]) { Tensor.lstsq($0[0], $0[1]).solution }
    }
}
