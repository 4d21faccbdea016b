// Values PyTorch 2.15 gives at the edges its own operator tests probe: gradients with respect to a loss's
// target, NaN, one-step ranges, p = 1 dropout, Swift numbers on both sides of `where`.
import Ember
import XCTest

final class EdgeCaseTests: XCTestCase {
    private func values(_ t: Tensor?) -> [Double] { t?.toArray(as: Double.self) ?? [] }

    private func assertEqual(_ got: [Double], _ expected: [Double], accuracy: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        for (a, b) in zip(got, expected) {
            if b.isNaN { XCTAssertTrue(a.isNaN, "\(got) vs \(expected)", file: file, line: line); continue }
            XCTAssertEqual(a, b, accuracy: accuracy * Swift.max(1, Swift.abs(b)), "\(got) vs \(expected)", file: file, line: line)
        }
    }

    func testLossGradientsWithRespectToTheTarget() {
        let x = Tensor([Float(0.26340744)]).requiresGrad_(), t = Tensor([Float(0.18803445)]).requiresGrad_()
        F.binaryCrossEntropy(x, t, reduction: .none).backward(gradient: Tensor([Float(-1.9112904)]))
        assertEqual(values(t.grad), [-1.9654426574707031])

        let z = Tensor([0.5, -30, 40] as [Float]).requiresGrad_(), target = Tensor([0.2, 0.7, 0.1] as [Float]).requiresGrad_()
        F.binaryCrossEntropyWithLogits(z, target, posWeight: Tensor([1.5, 2, 0.5] as [Float]), reduction: .sum).backward()
        assertEqual(values(target.grad), [-0.2629615068435669, 60.0, -40.0])
        target.grad = nil
        F.binaryCrossEntropyWithLogits(z, target).backward()
        assertEqual(values(target.grad), [-0.1666666716337204, 10.0, -13.333333015441895])

        let logProbabilities = Tensor([-1.2, -0.5, -2.0] as [Float]).requiresGrad_()
        let probabilities = Tensor([0.3, 0.2, 0.7] as [Float]).requiresGrad_()
        F.klDiv(logProbabilities, probabilities, reduction: .sum).backward()
        assertEqual(values(probabilities.grad), [0.9960272312164307, -0.10943794250488281, 2.643325090408325])
        let logTargets = Tensor([-1.0, -0.2, -3.0] as [Float]).requiresGrad_()
        F.klDiv(logProbabilities, logTargets, reduction: .batchMean, logTarget: true).backward()
        assertEqual(values(logTargets.grad), [0.14715178310871124, 0.3547833561897278, 0.0])
    }

    func testXlogyValuesAndGradients() {
        let a = Tensor([0, 2, 0, 3] as [Float]).requiresGrad_(), b = Tensor([0, 0.5, .nan, 4] as [Float]).requiresGrad_()
        let y = Tensor.xlogy(a, b)
        assertEqual(values(y), [0.0, -1.3862943649291992, .nan, 4.158883094787598])
        XCTAssertEqual(y.gradFn?.name, "XlogyBackward0")
        y.sum().backward()
        assertEqual(values(a.grad), [0.0, -0.6931471824645996, .nan, 1.3862943649291992])
        assertEqual(values(b.grad), [.nan, 4.0, .nan, 0.75])
    }

    func testSignOfNaNIsZero() {
        XCTAssertEqual(values(Tensor([.nan, -2, 0, 3] as [Float]).sign()), [0, -1, 0, 1])
    }

    func testLinspaceWithOneStepIsTheStart() {
        XCTAssertEqual(values(Tensor.linspace(0, 50, steps: 1)), [0])
        XCTAssertEqual(values(Tensor.linspace(0, 50, steps: 0)), [])
    }

    func testDropout2dWithPOneGivesZeros() {
        XCTAssertEqual(F.dropout2d(Tensor.ones(2, 3, 2, 2), p: 1).sum().item(), 0)
    }

    func testWhereOfTwoSwiftNumbersIsTheDefaultFloatType() {
        let picked = Tensor.where(Tensor([true, false]), -0.061, 5.158)
        XCTAssertEqual(picked.dtype, .float32)
        assertEqual(values(picked), [-0.061, 5.158])
    }

    func testGradientsAtNaNAsPyTorchGivesThem() {
        func gradient(_ f: (Tensor) -> Tensor) -> [Double] {
            let x = Tensor([.nan, -1, 2] as [Float]).requiresGrad_()
            f(x).sum().backward()
            return values(x.grad)
        }
        assertEqual(gradient { $0.abs() }, [0, -1, 1])
        assertEqual(gradient { $0.elu() }, [1, 0.3678794503211975, 1])
        assertEqual(gradient { $0.relu() }, [1, 0, 1])
        for isMax in [true, false] {
            let a = Tensor([.infinity, .nan, 1] as [Float]).requiresGrad_(), b = Tensor([.nan, .infinity, 1] as [Float]).requiresGrad_()
            (isMax ? a.maximum(b) : a.minimum(b)).sum().backward()
            assertEqual(values(a.grad), [1, 1, 0.5])
            assertEqual(values(b.grad), [1, 1, 0.5])
        }
    }

    func testNonFiniteFloatsBecomeInt32Min() {
        XCTAssertEqual(Tensor([.nan, .infinity, -.infinity, 3e9, -7.9] as [Double]).to(.int32).toArray(as: Int32.self),
                       [.min, .min, .min, .min, -7])
    }

    func testRoundedDivisionAndRemainderRecordTheirNodes() {
        let a = Tensor([5, -7] as [Float]).requiresGrad_(), b = Tensor([2, 3] as [Float]).requiresGrad_()
        for mode in [Tensor.RoundingMode.floor, .trunc] {
            let q = a.div(b, roundingMode: mode)
            XCTAssertEqual(q.gradFn?.name, "DivBackward2")
            q.sum().backward()
            assertEqual(values(a.grad), [0, 0])
            assertEqual(values(b.grad), [0, 0])
            a.grad = nil; b.grad = nil
        }
        let r = a.remainder(b)
        XCTAssertEqual(r.gradFn?.name, "RemainderBackward1")
        r.sum().backward()
        assertEqual(values(a.grad), [1, 1])
        assertEqual(values(b.grad), [-2, 3])
        XCTAssertEqual(a.remainder(2).gradFn?.name, "RemainderBackward0")
    }

    func testSamePaddingWithAnEvenKernelAndDilation() {
        Ember.manualSeed(0)
        let input = Tensor.randn(1, 1, 5, 5).requiresGrad_(), weight = Tensor.randn(4, 1, 2, 3)
        let out = F.conv2d(input, weight, padding: "same", dilation: 3)
        XCTAssertEqual(out.shape, [1, 4, 5, 5])
        // The same as padding the extra row and column at the end by hand.
        let manual = F.conv2d(F.pad(input, [0, 0, 0, 1]), weight, padding: .explicit(IntPair(1, 3)), dilation: 3)
        XCTAssertEqual(values(out), values(manual))
        out.sum().backward()
        XCTAssertEqual(input.grad?.shape, [1, 1, 5, 5])
    }

    func testZeroDimensionalMaskedSelectAndNonzero() {
        XCTAssertEqual(Tensor(Float(3)).maskedSelect(Tensor(true)).shape, [1])
        XCTAssertEqual(Tensor(Float(3)).nonzero().shape, [1, 0])
        XCTAssertEqual(Tensor(Float(0)).nonzero().shape, [0, 0])
    }

    func testCatGivesASkippedEmptyInputItsGradient() {
        let empty = Tensor.zeros(0).requiresGrad_(), ones = Tensor.ones(2).requiresGrad_()
        Tensor.cat([empty, ones]).sum().backward()
        XCTAssertEqual(empty.grad?.shape, [0])
        XCTAssertEqual(values(ones.grad), [1, 1])
    }

    func testZeroDimensionalInputsWithADim() {
        let x = Tensor(Float(5)), zero = Tensor(Int64(0))
        let top = x.topk(1, dim: 0)
        XCTAssertEqual(top.values.shape, [])
        XCTAssertEqual(top.values.item(), 5)
        XCTAssertEqual(x.all(dim: 0).shape, [])
        XCTAssertEqual(x.all(dim: 0).item(), 1)
        XCTAssertEqual(x.gather(0, zero).item(), 5)
        XCTAssertEqual(x.scatter(0, zero, Tensor(Float(2))).item(), 2)
        XCTAssertEqual(x.scatterAdd(0, zero, Tensor(Float(2))).item(), 7)
        XCTAssertEqual(x.indexSelect(0, Tensor([Int64(0)])).shape, [])
    }

    func testInt32IndicesForGatherAndScatter() {
        let x = Tensor.zeros(3, 3), index = Tensor([[0, 1, 2]] as [[Int32]])
        XCTAssertEqual(values(x.scatter(0, index, Tensor.ones(1, 3))), [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(values(x.scatterAdd(0, index, Tensor.ones(1, 3))), [1, 0, 0, 0, 1, 0, 0, 0, 1])
        XCTAssertEqual(values(Tensor.arange(9.0).view(3, 3).float().gather(0, index)), [0, 4, 8])
    }

    func testFormsPyTorchAccepts() {
        let x = Tensor([0, 2, 5, 1] as [Float]).requiresGrad_()
        let lower = Tensor([1, 1, 1, 3] as [Float]).requiresGrad_(), upper = Tensor([4, 4, 4, 2] as [Float]).requiresGrad_()
        let clamped = x.clamp(min: lower, max: upper)
        XCTAssertEqual(values(clamped), [1, 2, 4, 2])
        XCTAssertEqual(clamped.gradFn?.name, "ClampBackward0")
        (clamped * Tensor([1, 2, 3, 4] as [Float])).sum().backward()
        assertEqual(values(x.grad), [0, 2, 0, 0])
        assertEqual(values(lower.grad), [1, 0, 0, 0])
        assertEqual(values(upper.grad), [0, 0, 3, 4])

        let a = Tensor([[1, 2], [3, 4]] as [[Float]]).requiresGrad_(), b = Tensor([[0.5, 1], [2, 1]] as [[Float]]).requiresGrad_()
        let c = Tensor([1, -1] as [Float]).requiresGrad_()
        let product = Tensor.addmm(c, a, b, beta: 0.5, alpha: 2)
        assertEqual(values(product), [9.5, 5.5, 19.5, 13.5])
        product.sum().backward()
        assertEqual(values(c.grad), [1, 1])
        assertEqual(values(a.grad), [3, 6, 3, 6])
        assertEqual(values(b.grad), [8, 8, 12, 12])

        XCTAssertEqual(Tensor([[1, 2], [3, 4]] as [[Int64]]).roll(1).toArray(as: Int64.self), [4, 1, 2, 3])
        XCTAssertEqual(Tensor([[true, false], [true, true]]).all(dims: [0, 1]).item(), 0)
        XCTAssertEqual(Tensor([[true, false], [true, true]]).any(dims: [0, 1]).item(), 1)
        XCTAssertEqual(Tensor.zeros(2).to(Tensor([Int64(1)])).dtype, .int64)
    }

    func testEmptyTensorsThroughProdAndNormalisation() {
        XCTAssertEqual(Tensor.zeros(0).prod().item(), 1)
        let x = Tensor.zeros(2, 0).requiresGrad_()
        let products = x.prod(dim: 1)
        XCTAssertEqual(values(products), [1, 1])
        products.sum().backward()
        XCTAssertEqual(x.grad?.shape, [2, 0])
        XCTAssertEqual(F.groupNorm(Tensor.zeros(0, 4, 3), 2).shape, [0, 4, 3])
        XCTAssertEqual(F.batchNorm(Tensor.zeros(0, 3), runningMean: Tensor.zeros(3), runningVar: Tensor.ones(3)).shape, [0, 3])
        XCTAssertEqual(values(F.linear(Tensor.zeros(3, 0), Tensor.zeros(5, 0), Tensor.ones(5)).sum(0)), [3, 3, 3, 3, 3])
    }

    func testUnbatchedConvolutionsAndAVectorWeight() {
        Ember.manualSeed(2)
        let image = Tensor.randn(2, 5, 5), weight = Tensor.randn(3, 2, 3, 3)
        let unbatched = F.conv2d(image, weight, padding: 1)
        XCTAssertEqual(unbatched.shape, [3, 5, 5])
        XCTAssertEqual(values(unbatched), values(F.conv2d(image.unsqueeze(0), weight, padding: 1)[0]))
        XCTAssertEqual(F.conv1d(Tensor.randn(2, 7), Tensor.randn(3, 2, 3)).shape, [3, 5])
        XCTAssertEqual(F.convTranspose2d(Tensor.randn(2, 4, 4), Tensor.randn(2, 3, 3, 3)).shape, [3, 6, 6])
        XCTAssertEqual(values(F.linear(Tensor.ones(4, 3), Tensor([1, 2, 3] as [Float]))), [6, 6, 6, 6])
    }

    func testMoreFormsPyTorchAccepts() {
        Ember.manualSeed(4)
        let signal = Tensor.randn(2, 3, 9), filters = Tensor.randn(4, 3, 4)
        let same = F.conv1d(signal, filters, padding: "same", dilation: 1)
        XCTAssertEqual(same.shape, [2, 4, 9])
        XCTAssertEqual(values(same), values(F.conv1d(F.pad(signal, [1, 2]), filters)))
        XCTAssertEqual(F.conv1d(signal[0], filters, padding: "valid").shape, [4, 6])
        let positions = Tensor([[0, 1], [2, 0]] as [[Float]]).nonzero(asTuple: true)
        XCTAssertEqual(positions.map { $0.toArray(as: Int64.self) }, [[0, 1], [1, 0]])
        XCTAssertEqual(Tensor(Float(3)).nonzero(asTuple: true).map(\.shape), [[1]])
        XCTAssertEqual(values(Tensor.arange(5.0).narrow(0, start: Tensor(Int64(1)), length: 2)), [1, 2])
        XCTAssertEqual(values(Tensor.zeros(2, 2).scatter(1, Tensor([[1], [0]] as [[Int64]]), value: 7)), [0, 7, 7, 0])
    }

    /// PyTorch's pow is C's: pow(x, 0) is 1 for every x (NaN too), and a negative infinity to a non-integral
    /// power is +inf (values printed by torch 2.15).
    func testPowKeepsCsSpecialCases() {
        for dtype in [DType.float32, .float64] {
            let x = Tensor([0, -0.0, .nan, -.infinity, -2, -3.5]).to(dtype)
            func same(_ t: Tensor, _ expected: [Double], _ what: String) {
                let got = t.toArray(as: Double.self)
                for (g, e) in zip(got, expected) where !(g.isNaN && e.isNaN) {
                    XCTAssertTrue(g == e && g.sign == e.sign, "\(what) \(dtype): \(got) != \(expected)")
                }
            }
            same(x.pow(0), [1, 1, 1, 1, 1, 1], "x ** 0")
            same(x.pow(2.5), [0, 0, .nan, .infinity, .nan, .nan], "x ** 2.5")
            same(x.pow(3), [0, -0.0, .nan, -.infinity, -8, -42.875], "x ** 3")
            same(x.pow(Tensor([0.0]).to(dtype)), [1, 1, 1, 1, 1, 1], "x ** tensor(0)")
        }
    }
}
