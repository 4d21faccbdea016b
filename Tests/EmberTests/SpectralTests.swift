// The Fourier transforms against a plain DFT (every radix, Bluestein, float and double), their gradients by
// finite differences, `stft` and the windows against PyTorch's values (Fixtures/make_spectral_cases.py).
@testable import Ember
import Foundation
import XCTest

/// A deterministic test signal: two tones and a little structured noise.
func testSignal(_ count: Int, phase: Double = 0) -> [Double] {
    (0..<count).map { i in
        let t = Double(i)
        return sin(0.05 * t + phase) + 0.5 * sin(0.31 * t + 1) + 0.25 * (Double((i * 7919) % 101) / 50.5 - 1)
    }
}

final class SpectralTests: XCTestCase {
    /// X_k = Σ_j x_j·exp(∓2πi·jk/n), in double, as (re, im) pairs.
    private func naiveDFT(_ values: [(Double, Double)], inverse: Bool = false) -> [(Double, Double)] {
        let n = values.count, sign = inverse ? 1.0 : -1.0
        return (0..<n).map { k in
            var (re, im) = (0.0, 0.0)
            for (j, v) in values.enumerated() {
                let angle = sign * 2 * Double.pi * Double((j * k) % n) / Double(n)
                re += v.0 * cos(angle) - v.1 * sin(angle)
                im += v.0 * sin(angle) + v.1 * cos(angle)
            }
            return (re, im)
        }
    }

    private func assertPairs(_ actual: Tensor, _ expected: [(Double, Double)], tolerance: Double, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let values = actual.toArray(as: Double.self)
        XCTAssertEqual(values.count, 2 * expected.count, message, file: file, line: line)
        let scale = expected.reduce(1.0) { Swift.max($0, Swift.abs($1.0), Swift.abs($1.1)) }
        for (k, e) in expected.enumerated() {
            let error = Swift.max(Swift.abs(values[2 * k] - e.0), Swift.abs(values[2 * k + 1] - e.1))
            if error > tolerance * scale {
                XCTFail("\(message): bin \(k): (\(values[2 * k]), \(values[2 * k + 1])) != \(e)", file: file, line: line)
                return
            }
        }
    }

    /// Lengths that take each path: radices 4, 2, 3, 5, the generic radix (7, 11, 49), Bluestein (large primes,
    /// and a prime squared), even and odd real transforms, and torchaudio's default 400.
    private let lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 25, 30, 49, 60, 97, 101, 128, 210, 256, 400, 509, 1009, 1021,
                           2 * 1009, 61 * 61]

    func testComplexTransformsMatchTheDefinition() {
        for n in lengths {
            let signal = testSignal(2 * n)
            let values = (0..<n).map { (signal[2 * $0], signal[2 * $0 + 1]) }
            let pairs = Tensor(values.flatMap { [$0.0, $0.1] }, shape: [n, 2])
            for inverse in [false, true] {
                let expected = naiveDFT(values, inverse: inverse)
                assertPairs(pairs.complexFourierPairs(inverse: inverse, scale: 1), expected, tolerance: 1e-12,
                            "float64 n=\(n) inverse=\(inverse)")
                assertPairs(pairs.float().complexFourierPairs(inverse: inverse, scale: 1), expected, tolerance: 3e-6,
                            "float32 n=\(n) inverse=\(inverse)")
            }
        }
    }

    func testRealTransformsMatchTheDefinition() {
        for n in lengths {
            let signal = testSignal(n)
            let expected = Array(naiveDFT(signal.map { ($0, 0) }).prefix(n / 2 + 1))
            let x = Tensor(signal, shape: [n])
            assertPairs(x.realFourierPairs(scale: 1), expected, tolerance: 1e-12, "float64 n=\(n)")
            assertPairs(x.float().realFourierPairs(scale: 1), expected, tolerance: 3e-6, "float32 n=\(n)")
        }
    }

    /// 19 rows: two groups of eight SIMD lanes and three rows alone; even, odd and Bluestein lengths.
    func testBatchedTransformsTransformEveryRowAndScale() {
        let rows = 19
        for n in [24, 25, 97] {
            let signal = testSignal(2 * rows * n)
            let real = Tensor(Array(signal.prefix(rows * n)), shape: [rows, n])
            let pairs = Tensor(signal, shape: [rows, n, 2])
            for dtype in [DType.float64, .float32] {
                let tolerance = dtype == .float64 ? 1e-12 : 3e-6
                let out = real.to(dtype).realFourierPairs(scale: 0.5)
                XCTAssertEqual(out.shape, [rows, n / 2 + 1, 2])
                let complexOut = pairs.to(dtype).complexFourierPairs(inverse: true, scale: 2)
                for row in 0..<rows {
                    let values = signal[(row * n)..<((row + 1) * n)].map { ($0 * 0.5, 0.0) }
                    assertPairs(out[row], Array(naiveDFT(values).prefix(n / 2 + 1)), tolerance: tolerance, "rfft n=\(n) row \(row)")
                    let complexRow = (0..<n).map { (2 * signal[2 * (row * n + $0)], 2 * signal[2 * (row * n + $0) + 1]) }
                    assertPairs(complexOut[row], naiveDFT(complexRow, inverse: true), tolerance: tolerance, "ifft n=\(n) row \(row)")
                }
            }
        }
    }

    /// Eight float32 rows at a time run through C (AVX transposes and passes) with the same operations as a row alone:
    /// every row of a batch gives the bits it gives alone, for every radix, the transposes' tails and Bluestein.
    func testRowsInLanesGiveTheBitsOfRowsAlone() {
        for n in [2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 18, 30, 49, 64, 97, 100, 400, 512] {
            let rows = 11
            let signal = testSignal(2 * rows * n).map { Float($0) }
            let real = Tensor(Array(signal.prefix(rows * n)), shape: [rows, n])
            let pairs = Tensor(signal, shape: [rows, n, 2])
            let realOut = real.realFourierPairs(scale: 0.5)
            let forward = pairs.complexFourierPairs(inverse: false, scale: 1), inverse = pairs.complexFourierPairs(inverse: true, scale: 1)
            for row in 0..<rows {
                XCTAssertEqual(realOut[row].toArray(as: Float.self), real[row].realFourierPairs(scale: 0.5).toArray(as: Float.self),
                               "rfft n=\(n) row \(row)")
                XCTAssertEqual(forward[row].toArray(as: Float.self), pairs[row].complexFourierPairs(inverse: false, scale: 1).toArray(as: Float.self),
                               "fft n=\(n) row \(row)")
                XCTAssertEqual(inverse[row].toArray(as: Float.self), pairs[row].complexFourierPairs(inverse: true, scale: 1).toArray(as: Float.self),
                               "ifft n=\(n) row \(row)")
            }
        }
    }

    /// Frames read straight from the signal and windowed on the way into the transform (`stft` without autograd)
    /// give the bits of the frames cut out with `unfold`, multiplied by the window and transformed: even and odd
    /// lengths, hops shorter and longer than a frame, with and without a window, several signals, float32 and float64.
    func testFramedTransformsGiveTheBitsOfFramesCutOut() {
        for dtype in [DType.float32, .float64] {
            for (n, hop) in [(1, 1), (7, 3), (16, 4), (45, 45), (64, 16), (64, 70), (400, 160)] {
                let signal = Tensor(testSignal(3 * 1000), shape: [3, 1000]).to(dtype)
                for window in [nil, Tensor.hannWindow(n, dtype: dtype)] {
                    let fused = signal.framedRealFourierPairs(frameLength: n, hop: hop, window: window, scale: 0.25)
                    let frames = signal.unfold(1, n, hop)
                    let expected = (window.map { frames * $0 } ?? frames).realFourierPairs(scale: 0.25)
                    XCTAssertEqual(fused.shape, expected.shape)
                    XCTAssertEqual(fused.toArray(as: Double.self), expected.toArray(as: Double.self),
                                   "\(dtype) n=\(n) hop=\(hop) window=\(window != nil)")
                }
            }
        }
    }

    /// A prime too large for the definition: the transform of an impulse at j is exp(-2πi·jk/n).
    func testLargePrimeLengthTransformsAnImpulse() {
        let n = 100_003, j = 12_345
        var signal = [Double](repeating: 0, count: n)
        signal[j] = 1
        let out = Tensor(signal, shape: [n]).realFourierPairs(scale: 1).toArray(as: Double.self)
        for k in [0, 1, 2, 999, 50_001] {
            let angle = -2 * Double.pi * Double((j * k) % n) / Double(n)
            XCTAssertEqual(out[2 * k], cos(angle), accuracy: 1e-9, "bin \(k)")
            XCTAssertEqual(out[2 * k + 1], sin(angle), accuracy: 1e-9, "bin \(k)")
        }
    }

    func testTransformGradientsMatchFiniteDifferences() {
        for n in [1, 5, 8, 9, 12] {
            let x = Tensor(testSignal(2 * n), shape: [2, n])
            gradcheck("rfft n=\(n)", [x]) { $0[0].realFourierPairs(scale: 0.3) }
            let pairs = Tensor(testSignal(4 * n), shape: [2, n, 2])
            gradcheck("fft n=\(n)", [pairs]) { $0[0].complexFourierPairs(inverse: false, scale: 1) }
            gradcheck("ifft n=\(n)", [pairs]) { $0[0].complexFourierPairs(inverse: true, scale: 0.5) }
        }
        XCTAssertEqual(Tensor(testSignal(8), shape: [8]).requiresGrad_().realFourierPairs(scale: 1).gradFn?.name, "FftR2CBackward0")
    }

    func testSTFTGradientsMatchFiniteDifferences() {
        let signal = Tensor(testSignal(40), shape: [2, 20])
        let window = Tensor.hannWindow(6, dtype: .float64)
        gradcheck("stft", [signal]) { $0[0].stft(nFFT: 8, hopLength: 3, winLength: 6, window: window, returnComplex: false) }
        gradcheck("stft reflect two-sided normalized", [signal]) {
            $0[0].stft(nFFT: 7, hopLength: 2, center: true, padMode: .reflect, normalized: true, onesided: false, returnComplex: false)
        }
        gradcheck("stft no centre", [signal[0]]) { $0[0].stft(nFFT: 8, center: false, returnComplex: false) }
    }

    // MARK: Against PyTorch

    /// PyTorch 2.15's values for the cases below (Fixtures/make_spectral_cases.py).
    static let reference: [String: [Double]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/spectral_cases.json")
        let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [NSNumber]]
        return object.mapValues { $0.map(\.doubleValue) }
    }()

    /// Compares with the reference, the tolerance relative to the largest reference magnitude.
    private func assertMatchesPyTorch(_ name: String, _ result: Tensor, tolerance: Double = 1e-6, line: UInt = #line) {
        guard let expected = Self.reference[name], let shape = Self.reference[name + ".shape"] else {
            return XCTFail("no reference case \(name)", line: line)
        }
        XCTAssertEqual(result.shape, shape.map { Int($0) }, name, line: line)
        let values = result.toArray(as: Double.self)
        guard values.count == expected.count else { return XCTFail("\(name): \(values.count) values", line: line) }
        let scale = expected.reduce(1.0) { Swift.max($0, Swift.abs($1)) }
        let worst = zip(values, expected).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(name): largest difference \(worst)", line: line)
    }

    /// float32 results within 1e-5 of the largest value (rounding differs in long sums), float64 within 1e-12.
    private func assertSTFT(_ name: String, _ x: Tensor, line: UInt = #line, _ transform: (Tensor) -> Tensor) {
        let input = x.detach().requiresGrad_()
        let y = transform(input)
        let tolerance = x.dtype == .float64 ? 1e-12 : 1e-5
        assertMatchesPyTorch(name, y, tolerance: tolerance, line: line)
        let weights = Tensor.linspace(-1, 1, steps: y.numel, dtype: y.dtype).view(y.shape)
        (y * weights).sum().backward()
        assertMatchesPyTorch(name + ".grad", input.grad!, tolerance: tolerance, line: line)
    }

    func testSTFTMatchesPyTorch() {
        let x = Tensor(testSignal(600), shape: [2, 300]).float()
        assertSTFT("stft_hann", x) { $0.stft(nFFT: 64, hopLength: 16, window: Tensor.hannWindow(64), returnComplex: false) }
        assertSTFT("stft_short_window", x[0]) {
            $0.stft(nFFT: 50, hopLength: 12, winLength: 30, window: Tensor.hammingWindow(30), returnComplex: false)
        }
        assertSTFT("stft_no_window_twosided", x) { $0.stft(nFFT: 45, normalized: true, onesided: false, returnComplex: false) }
        assertSTFT("stft_no_centre", x.double()) {
            $0.stft(nFFT: 100, hopLength: 25, window: Tensor.hannWindow(100, dtype: .float64), center: false, returnComplex: false)
        }
        assertSTFT("stft_constant_pad", x) { $0.stft(nFFT: 32, window: Tensor.blackmanWindow(32), padMode: .constant, returnComplex: false) }
        assertSTFT("stft_400", Tensor(testSignal(4000), shape: [4000]).float()) {
            $0.stft(nFFT: 400, hopLength: 200, window: Tensor.hannWindow(400), returnComplex: false)
        }
    }

    /// Without a window, a `winLength` shorter than nFFT still frames the signal: PyTorch centres a window of ones of
    /// that length (torch.stft(x, 16, 4, win_length=8) equals the same call with window=torch.ones(8)), and istft too.
    func testAShortWinLengthWithoutAWindowIsACentredWindowOfOnes() {
        let x = Tensor(testSignal(64), shape: [64])
        let implicit = x.stft(nFFT: 16, hopLength: 4, winLength: 8, center: false, returnComplex: false)
        let ones = x.stft(nFFT: 16, hopLength: 4, winLength: 8, window: Tensor.ones([8], dtype: .float64), center: false, returnComplex: false)
        XCTAssertEqual(implicit.toArray(as: Double.self), ones.toArray(as: Double.self))
        XCTAssertNotEqual(implicit.toArray(as: Double.self), x.stft(nFFT: 16, hopLength: 4, center: false, returnComplex: false).toArray(as: Double.self))
        let spectrum = x.stft(nFFT: 16, hopLength: 4, winLength: 8, returnComplex: false)
        XCTAssertEqual(spectrum.istft(nFFT: 16, hopLength: 4, winLength: 8).toArray(as: Double.self),
                       spectrum.istft(nFFT: 16, hopLength: 4, winLength: 8, window: Tensor.ones([8], dtype: .float64)).toArray(as: Double.self))
    }

    func testWindowsMatchPyTorch() {
        for n in [0, 1, 2, 7, 64, 400] {
            for periodic in [true, false] {
                let suffix = "\(n)_\(periodic ? "periodic" : "symmetric")"
                assertMatchesPyTorch("hann_" + suffix, Tensor.hannWindow(n, periodic: periodic), tolerance: 1e-7)
                assertMatchesPyTorch("hamming_" + suffix, Tensor.hammingWindow(n, periodic: periodic), tolerance: 1e-7)
                assertMatchesPyTorch("blackman_" + suffix, Tensor.blackmanWindow(n, periodic: periodic), tolerance: 2.4e-7)
                assertMatchesPyTorch("bartlett_" + suffix, Tensor.bartlettWindow(n, periodic: periodic), tolerance: 1e-7)
                assertMatchesPyTorch("kaiser_" + suffix, Tensor.kaiserWindow(n, periodic: periodic, beta: 8.6, dtype: .float64),
                                     tolerance: 1e-14)
            }
        }
        XCTAssertEqual(Tensor.hannWindow(4, dtype: .float64).dtype, .float64)
    }

    func testFrequencyHelpersMatchPyTorch() {
        for n in [1, 8, 9] {
            assertMatchesPyTorch("fftfreq_\(n)", FFT.fftfreq(n, d: 0.1), tolerance: 1e-7)
            assertMatchesPyTorch("rfftfreq_\(n)", FFT.rfftfreq(n, d: 0.1), tolerance: 1e-7)
        }
        let grid = Tensor.arange(Double(0), Double(30)).view(5, 6)
        assertMatchesPyTorch("fftshift", FFT.fftshift(grid), tolerance: 0)
        assertMatchesPyTorch("ifftshift", FFT.ifftshift(grid), tolerance: 0)
        assertMatchesPyTorch("fftshift_dim1", FFT.fftshift(grid, dim: [1]), tolerance: 0)
    }

    func testBesselFunctionsMatchPyTorch() {
        let x = Tensor([-30.0, -2.5, 0.0, 0.5, 1.0, 3.0, 12.0, 50.0])
        assertMatchesPyTorch("i0", x.i0(), tolerance: 1e-14)
        assertMatchesPyTorch("i1", x.specialI1(), tolerance: 1e-14)
        gradcheck("i0", [Tensor([-2.5, 0.0, 0.5, 3.0])]) { $0[0].i0() }
        gradcheck("i1", [Tensor([-2.5, 0.0, 0.5, 3.0])]) { $0[0].specialI1() }
    }
}
