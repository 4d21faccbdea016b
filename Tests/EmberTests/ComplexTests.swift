// Complex tensors and the torch.fft transforms against PyTorch 2.15 (Fixtures/make_complex_cases.py): values,
// the gradients of a fixed real weighting of each output, type promotion and printing.
@testable import Ember
import Foundation
import XCTest

final class ComplexTests: XCTestCase {
    private struct Reference: Decodable {
        let values: [String: [Double]]
        let strings: [String: String]
    }

    private static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/complex_cases.json")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! decoder.decode(Reference.self, from: Data(contentsOf: url))
    }()

    /// Complex values whose parts are the test signal's consecutive samples (the script's `complex_input`).
    private func complexInput(_ shape: [Int], _ phase: Double) -> Tensor {
        Tensor(testSignal(2 * Layout.count(shape), phase: phase), shape: shape + [2]).viewAsComplex()
    }

    private func realInput(_ shape: [Int], _ phase: Double) -> Tensor {
        Tensor(testSignal(Layout.count(shape), phase: phase), shape: shape)
    }

    /// A real number from every output value, the script's `weighted`: real pairs weighted by -1 … 1.
    private func weighted(_ y: Tensor) -> Tensor {
        let pairs = y.isComplex ? y.viewAsReal() : y
        return (pairs * Tensor.linspace(-1, 1, steps: pairs.numel, dtype: pairs.dtype).view(pairs.shape)).sum()
    }

    /// Compares with the reference (complex values as pairs), within `tolerance` of the largest magnitude.
    private func assertMatches(_ name: String, _ result: Tensor, tolerance: Double, line: UInt = #line) {
        guard let expected = Self.reference.values[name], let shape = Self.reference.values[name + ".shape"] else {
            return XCTFail("no reference case \(name)", line: line)
        }
        let pairs = result.isComplex ? result.viewAsReal() : result
        XCTAssertEqual(pairs.shape, shape.map { Int($0) }, name, line: line)
        let values = pairs.toArray(as: Double.self)
        guard values.count == expected.count else { return XCTFail("\(name): \(values.count) values", line: line) }
        let scale = expected.reduce(1.0) { Swift.max($0, Swift.abs($1)) }
        for (index, (value, target)) in zip(values, expected).enumerated()
        where !(value == target || Swift.abs(value - target) <= tolerance * scale || (value.isNaN && target.isNaN)) {
            return XCTFail("\(name)[\(index)]: \(value) != \(target)", line: line)
        }
    }

    /// `f`'s output and the gradients of its weighted output with respect to each input, against PyTorch.
    private func assertCase(_ name: String, _ inputs: [Tensor], tolerance: Double = 1e-12, line: UInt = #line,
                            _ f: ([Tensor]) -> Tensor) {
        let leaves = inputs.map { $0.detach().requiresGrad_() }
        let y = f(leaves)
        assertMatches(name, y, tolerance: tolerance, line: line)
        weighted(y).backward()
        for (index, leaf) in leaves.enumerated() {
            guard let grad = leaf.grad else { return XCTFail("\(name): no gradient for input \(index)", line: line) }
            XCTAssertEqual(grad.dtype, leaf.dtype, "\(name): gradient dtype", line: line)
            assertMatches("\(name).grad\(index)", grad, tolerance: tolerance, line: line)
        }
    }

    func testArithmeticPartsAndSumsMatchPyTorch() {
        let a = complexInput([3, 4], 0), b = complexInput([4], 1), r = realInput([3, 4], 2)
        assertCase("add", [a, b]) { $0[0] + $0[1] }
        assertCase("sub", [a, b]) { $0[0] - $0[1] }
        assertCase("mul", [a, b]) { $0[0] * $0[1] }
        assertCase("div", [a, b]) { $0[0] / $0[1] }
        assertCase("mul_real", [a, r]) { $0[0] * $0[1] }
        assertCase("real_div", [a, r]) { $0[1] / $0[0] }
        assertCase("add_scalar", [a]) { $0[0] + 2.5 }
        assertCase("scale", [a]) { 0.5 * $0[0] - $0[0] / 4 }
        assertCase("neg", [a]) { -$0[0] }
        assertCase("conj", [a]) { $0[0].conj() * $0[0] }
        assertCase("abs", [a]) { $0[0].abs() }
        assertCase("angle", [a]) { $0[0].angle() }
        assertCase("real_imag", [a]) { $0[0].real * 2 + $0[0].imag * 3 }
        assertCase("complex", [r, realInput([4], 3)]) { Tensor.complex($0[0], $0[1]) }
        assertCase("polar", [r.abs(), realInput([3, 4], 4)]) { Tensor.polar($0[0], $0[1]) }
        assertCase("sum", [a]) { $0[0].sum() }
        assertCase("sum_dim", [a]) { $0[0].sum(dim: 0) }
        assertCase("mean_dim", [a]) { $0[0].mean(dim: -1, keepdim: true) }
        assertCase("view_as_complex", [realInput([3, 2], 5)]) { $0[0].viewAsComplex() * 2 }
        assertCase("complex64_mul", [a.to(.complex64), b.to(.complex64)], tolerance: 1e-6) { $0[0] * $0[1] }
    }

    func testElementaryFunctionsAndProductsMatchPyTorch() {
        let a = complexInput([3, 4], 0)
        assertCase("exp", [a]) { $0[0].exp() }
        assertCase("log", [a]) { $0[0].log() }
        assertCase("sqrt", [a]) { $0[0].sqrt() }
        assertCase("reciprocal", [a]) { $0[0].reciprocal() }
        assertCase("pow2", [a]) { $0[0].pow(2) }
        assertCase("pow_fraction", [a]) { $0[0].pow(0.75) }
        assertCase("pow_half", [a]) { $0[0] ** 0.5 }
        let m1 = complexInput([3, 5], 8), m2 = complexInput([5, 2], 9), m3 = complexInput([2, 3, 5], 10)
        assertCase("matmul", [m1, m2]) { $0[0].matmul($0[1]) }
        assertCase("mm", [m1, m2]) { $0[0].mm($0[1]) }
        assertCase("matmul_of_real", [realInput([4, 3], 11), m1]) { $0[0].to(.complex128).matmul($0[1]) }
        assertCase("matmul_batched", [m3, m2]) { $0[0].matmul($0[1]) }
        assertCase("matmul_vector", [m1, complexInput([5], 12)]) { $0[0].matmul($0[1]) }
        let axes = Tensor([Complex<Double>(-4, 0), Complex(-4, -0.0), Complex(0, 4), Complex(3, -4), Complex(0, 0)])
        assertMatches("sqrt_axes", axes.sqrt(), tolerance: 1e-15)
    }

    func testCastsComparisonsAndSpecialValuesMatchPyTorch() {
        let a = complexInput([3, 4], 0)
        assertMatches("equal", (a .== a.conj()).double(), tolerance: 0)
        assertMatches("to_real", a.to(.float64), tolerance: 0)
        let units = Tensor([Complex<Double>(0, 0), Complex(0, 1), Complex(2, 0), Complex(0, 0)])
        assertMatches("to_bool", units.to(.bool).double(), tolerance: 0)
        assertMatches("abs_zero", Tensor([Complex<Float>(0, 0), Complex(3, 4), Complex(0, -5)]).abs(), tolerance: 0)
        assertMatches("div_zero", Tensor([Complex<Double>(1, 1), Complex(0, 0)]) / Tensor.zeros([2], dtype: .complex128), tolerance: 0)
        XCTAssertEqual(Tensor([Complex<Float>(1, 2)]).to(.complex128).toArray(as: Complex<Double>.self), [Complex(1, 2)])
        XCTAssertEqual(Tensor.ones([2], dtype: .complex64).toArray(as: Complex<Float>.self), [Complex(1, 0), Complex(1, 0)])
        XCTAssertEqual(Tensor([Float(3), -1]).to(.complex64).toArray(as: Complex<Float>.self), [Complex(3, 0), Complex(-1, 0)])
        XCTAssertEqual((a .!= a).any().item(), 0)
        XCTAssertEqual(a.isreal().double().sum().item(), 0)
    }

    func testPromotionWithComplexTypesMatchesPyTorch() {
        let expected = Self.reference.values["promote"]!.map { DType.allCases[Int($0)] }
        let pairs = [DType.complex64, .complex128].flatMap { p in DType.allCases.map { (p, $0) } }
        XCTAssertEqual(pairs.map { DType.promote($0.0, $0.1) }, expected)
        XCTAssertEqual(pairs.map { DType.promote($0.1, $0.0) }, expected)
        XCTAssertEqual((Tensor.zeros([2], dtype: .complex64) * Tensor.zeros([2], dtype: .float64)).dtype, .complex128)
        XCTAssertEqual((Tensor.zeros([2], dtype: .complex64) * 2.5).dtype, .complex64)
    }

    func testFourierTransformsMatchPyTorch() {
        let z = complexInput([5, 12], 0.5), x = realInput([5, 12], 1.5)
        for norm in [FFT.Norm.backward, .ortho, .forward] {
            assertCase("fft_\(norm.rawValue)", [z]) { FFT.fft($0[0], norm: norm) }
            assertCase("ifft_\(norm.rawValue)", [z]) { FFT.ifft($0[0], norm: norm) }
            assertCase("rfft_\(norm.rawValue)", [x]) { FFT.rfft($0[0], norm: norm) }
            assertCase("irfft_\(norm.rawValue)", [z]) { FFT.irfft($0[0], norm: norm) }
        }
        assertCase("fft_dim0_n8", [z]) { FFT.fft($0[0], n: 8, dim: 0) }
        assertCase("fft_n7", [z]) { FFT.fft($0[0], n: 7) }
        assertCase("ifft_n16", [z]) { FFT.ifft($0[0], n: 16) }
        assertCase("fft_of_real", [x]) { FFT.fft($0[0], dim: 0) }
        assertCase("rfft_n9_dim0", [x]) { FFT.rfft($0[0], n: 9, dim: 0) }
        assertCase("rfft_n20", [x]) { FFT.rfft($0[0], n: 20) }
        assertCase("irfft_n11", [z]) { FFT.irfft($0[0], n: 11) }
        assertCase("irfft_n30_dim0", [z]) { FFT.irfft($0[0], n: 30, dim: 0) }
        for norm in [FFT.Norm.backward, .ortho, .forward] {
            assertCase("hfft_\(norm.rawValue)", [z]) { FFT.hfft($0[0], norm: norm) }
            assertCase("ihfft_\(norm.rawValue)", [x]) { FFT.ihfft($0[0], norm: norm) }
        }
        assertCase("hfft_n9_dim0", [z]) { FFT.hfft($0[0], n: 9, dim: 0) }
        assertCase("ihfft_n7", [x]) { FFT.ihfft($0[0], n: 7) }
        assertCase("fft2", [z]) { FFT.fft2($0[0]) }
        assertCase("ifft2_s", [z]) { FFT.ifft2($0[0], s: [4, 10]) }
        assertCase("rfft2", [x]) { FFT.rfft2($0[0]) }
        assertCase("irfft2", [z]) { FFT.irfft2($0[0]) }
        assertCase("irfft2_s", [z]) { FFT.irfft2($0[0], s: [6, 9], norm: .ortho) }
        let z3 = complexInput([3, 4, 6], 2.5), x3 = realInput([3, 4, 6], 3.5)
        assertCase("fftn", [z3]) { FFT.fftn($0[0]) }
        assertCase("fftn_dims", [z3]) { FFT.fftn($0[0], dim: [0, 2], norm: .forward) }
        assertCase("ifftn_s", [z3]) { FFT.ifftn($0[0], s: [5, 5]) }
        assertCase("rfftn", [x3]) { FFT.rfftn($0[0]) }
        assertCase("rfftn_dims_s", [x3]) { FFT.rfftn($0[0], s: [6, 4], dim: [2, 0]) }
        assertCase("irfftn", [z3]) { FFT.irfftn($0[0]) }
        assertCase("fft_float32", [z.to(.complex64)], tolerance: 2e-6) { FFT.fft($0[0]) }
        assertCase("rfft_float32", [x.float()], tolerance: 2e-6) { FFT.rfft($0[0]) }
    }

    func testComplexShortTimeTransformsMatchPyTorch() {
        let window = Tensor.hannWindow(16, dtype: .float64)
        assertCase("stft_complex", [realInput([100], 6)]) { $0[0].stft(nFFT: 16, hopLength: 4, window: window, returnComplex: true) }
        let spectrum = realInput([100], 7).stft(nFFT: 16, hopLength: 4, window: window, returnComplex: true)
        XCTAssertEqual(spectrum.dtype, .complex128)
        assertCase("istft_complex", [spectrum]) { $0[0].istft(nFFT: 16, hopLength: 4, window: window) }
    }

    /// Indexing by tensors moves complex numbers whole: each op gives what it gives each part, and the gradient of
    /// the real pairs.
    func testIndexingByTensorsMovesComplexNumbers() {
        let z = complexInput([4, 5], 1.25), rows = Tensor([3, 0, 3] as [Int64]), mask = z.real .> 0
        let index = Tensor([[0, 4], [2, 2], [1, 0], [4, 3]] as [[Int64]])
        func sameAsParts(_ name: String, _ f: (Tensor) -> Tensor) {
            let expected = Tensor.complex(f(z.real.contiguous()), f(z.imag.contiguous()))
            XCTAssertEqual(f(z).viewAsReal().toArray(as: Double.self), expected.viewAsReal().toArray(as: Double.self), name)
        }
        sameAsParts("advanced index") { $0[rows] }
        sameAsParts("advanced index of a column") { $0[.all, Tensor([1, 3] as [Int64])] }
        sameAsParts("mask") { $0[mask] }
        sameAsParts("gather") { $0.gather(1, index) }
        sameAsParts("index select") { $0.indexSelect(0, rows) }
        sameAsParts("scatter add") { $0.scatterAdd(1, index, $0.narrow(1, start: 0, length: 2)) }
        sameAsParts("index put") { x in
            let y = x.clone()
            y[rows] = x[Tensor([0, 1, 2] as [Int64])] * 2
            return y
        }
        // The gradient through an advanced index is the pairs' gradient.
        let leaf = z.detach().requiresGrad_()
        weighted(leaf[rows]).backward()
        let pairs = z.viewAsReal().detach().requiresGrad_()
        weighted(pairs[rows]).backward()
        XCTAssertEqual(leaf.grad!.viewAsReal().toArray(as: Double.self), pairs.grad!.toArray(as: Double.self))
    }

    func testStridedAndEmptyInputs() {
        let z = complexInput([6, 5], 0.25)
        // A transposed input transforms as its contiguous copy.
        let strided = FFT.fft(z.t()), copied = FFT.fft(z.t().contiguous())
        XCTAssertEqual(strided.viewAsReal().toArray(as: Double.self), copied.viewAsReal().toArray(as: Double.self))
        // Real pairs of a slice with an odd offset in complex numbers are still a valid complex view.
        let column = z[0..., 1]
        XCTAssertEqual(column.viewAsReal().viewAsComplex().toArray(as: Complex<Double>.self), column.toArray(as: Complex<Double>.self))
        XCTAssertEqual(FFT.fft(Tensor.zeros([0, 4], dtype: .complex64)).shape, [0, 4])
        XCTAssertEqual(FFT.rfft(Tensor.zeros([3, 0]), n: 8).shape, [3, 5])
        XCTAssertEqual(Tensor.zeros([0], dtype: .complex128).sum().toArray(as: Complex<Double>.self), [Complex(0, 0)])
        // A round trip through the inverse gives the input back.
        let back = FFT.ifft(FFT.fft(z, dim: 0), dim: 0)
        XCTAssertEqual(back.viewAsReal().toArray(as: Double.self), z.viewAsReal().toArray(as: Double.self), accuracy: 1e-12)
    }

    func testPrintingMatchesPyTorch() {
        let strings = Self.reference.strings
        XCTAssertEqual(Tensor([Complex<Float>(1, 2), Complex(-3.5, -0.25), Complex(0, 0)]).description, strings["print_small"])
        XCTAssertEqual(Tensor([Complex<Float>(1, 2), Complex(3, -4)]).description, strings["print_ints"])
        XCTAssertEqual(Tensor([[Complex<Double>(1.5, 1e-5), Complex(0, 2)], [Complex(-1, 0), Complex(100, 0.5)]]).description,
                       strings["print_double"])
        XCTAssertEqual(Tensor(Complex<Float>(2, -1)).description, strings["print_scalar"])
        XCTAssertEqual(Tensor.complex(Tensor([Float(1), 2]), Tensor([Float(-0.0), 0])).description, strings["print_negative_zero"])
        XCTAssertEqual(Tensor([Complex<Float>(.nan, 1), Complex(1, .infinity)]).description, strings["print_special"])
        XCTAssertEqual((Tensor([Complex<Float>(1, 1)]).requiresGrad_() * 2).description, strings["print_grad"])
        XCTAssertEqual((Tensor.arange(Double(0), 2002, dtype: .float32).view(1001, 2) / 7).viewAsComplex().description,
                       strings["print_long"])
        XCTAssertEqual(Tensor.zeros([0, 3], dtype: .complex64).description, strings["print_empty"])
    }

    func testCheckpointsKeepComplexTensors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-complex-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let z = complexInput([2, 3], 0.75)
        for (name, tensor) in [("z.pt", z), ("z64.pt", z.to(.complex64)), ("z.npy", z)] {
            let path = folder.appendingPathComponent(name).path
            try Ember.save(tensor, to: path)
            let loaded: Tensor = try Ember.load(path)
            XCTAssertEqual(loaded.dtype, tensor.dtype, name)
            XCTAssertEqual(loaded.viewAsReal().toArray(as: Double.self), tensor.viewAsReal().toArray(as: Double.self), name)
        }
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) where Swift.abs(x - y) > accuracy { return XCTFail("\(x) != \(y)", file: file, line: line) }
}
