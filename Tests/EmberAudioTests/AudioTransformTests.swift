// EmberAudio's transforms and functional forms against torchaudio 2.11's values and input gradients
// (Fixtures/make_audio_cases.py builds the same waveforms).
import Ember
@testable import EmberAudio
import Foundation
import XCTest

/// The fixture script's waveform: per channel a chirp, a harmonic and structured noise, in [-1, 1].
func chirpWaveform(channels: Int, count: Int, rate: Double = 16000) -> Tensor {
    var values: [Double] = []
    for c in 0..<channels {
        for i in 0..<count {
            let t = Double(i) / rate
            values.append(0.6 * sin(2 * Double.pi * Double(200 + 150 * c) * t * (1 + 2 * t))
                          + 0.25 * sin(2 * Double.pi * 1800 * t + Double(c)) + 0.1 * (Double((i * 7919 + c * 104_729) % 211) / 105.5 - 1))
        }
    }
    return Tensor(values, shape: [channels, count]).float()
}

final class AudioTransformTests: XCTestCase {
    static let reference: [String: [Double]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torchaudio_cases.json")
        let object = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: [NSNumber]]
        return object.mapValues { $0.map(\.doubleValue) }
    }()

    let x = chirpWaveform(channels: 2, count: 2000)

    /// Compares with torchaudio, within `tolerance` of the largest reference magnitude.
    private func assertMatches(_ name: String, _ result: Tensor, tolerance: Double = 1e-5, line: UInt = #line) {
        guard let expected = Self.reference[name], let shape = Self.reference[name + ".shape"] else {
            return XCTFail("no reference case \(name)", line: line)
        }
        XCTAssertEqual(result.shape, shape.map { Int($0) }, name, line: line)
        let values = result.toArray(as: Double.self)
        guard values.count == expected.count else { return XCTFail("\(name): \(values.count) values", line: line) }
        let scale = expected.reduce(1e-30) { Swift.max($0, Swift.abs($1)) }
        let worst = zip(values, expected).map { Swift.abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(name): largest difference \(worst) (scale \(scale))", line: line)
    }

    /// The output and the input gradient of a fixed weighting of it, as the fixture computes them.
    private func assertCase(_ name: String, _ input: Tensor, tolerance: Double = 1e-5, line: UInt = #line,
                            _ transform: (Tensor) -> Tensor) {
        let leaf = input.detach().requiresGrad_()
        // Complex values compare as the real pairs the fixtures hold (`torch.view_as_real`).
        let y = transform(leaf), pairs = y.isComplex ? y.viewAsReal() : y
        assertMatches(name, pairs, tolerance: tolerance, line: line)
        guard Self.reference[name + ".grad"] != nil else { return }
        let weights = Tensor.linspace(-1, 1, steps: pairs.numel, dtype: pairs.dtype).view(pairs.shape)
        (pairs * weights).sum().backward()
        assertMatches(name + ".grad", leaf.isComplex ? leaf.grad!.viewAsReal() : leaf.grad!, tolerance: tolerance, line: line)
    }

    func testSpectrogramMatchesTorchaudio() {
        assertCase("spectrogram", x) { Spectrogram()($0) }
        assertCase("spectrogram_power1_hamming", x) {
            Spectrogram(nFFT: 256, hopLength: 64, windowFn: { Tensor.hammingWindow($0) }, power: 1)($0)
        }
        assertCase("spectrogram_complex", x[0]) { Spectrogram(nFFT: 128, power: nil)($0) }
        assertCase("spectrogram_window_norm", x) { Spectrogram(nFFT: 200, winLength: 160, pad: 7, normalized: true)($0) }
        assertCase("spectrogram_frame_norm", x) {
            Spectrogram(nFFT: 100, power: 0.5, normalized: .frameLength, center: false)($0)
        }
        assertCase("spectrogram_4d", x.view(1, 2, 1, 2000)[.ellipsis, 0..<500]) { Spectrogram(nFFT: 64, hopLength: 20)($0) }
    }

    func testFilterBanksMatchTorchaudio() {
        assertMatches("fbanks_htk", AudioFunctional.melscaleFbanks(nFreqs: 201, fMin: 0, fMax: 8000, nMels: 40, sampleRate: 16000))
        assertMatches("fbanks_slaney", AudioFunctional.melscaleFbanks(nFreqs: 257, fMin: 20, fMax: 7600, nMels: 64, sampleRate: 16000,
                                                                      norm: .slaney, melScale: .slaney))
        assertMatches("fbanks_slaney_scale_only", AudioFunctional.melscaleFbanks(nFreqs: 129, fMin: 300, fMax: 3000, nMels: 10,
                                                                                 sampleRate: 8000, melScale: .slaney))
        assertMatches("linear_fbanks", AudioFunctional.linearFbanks(nFreqs: 65, fMin: 100, fMax: 4000, nFilter: 12, sampleRate: 8000))
        assertMatches("dct_ortho", AudioFunctional.createDCT(nMFCC: 13, nMels: 40, norm: .ortho))
        assertMatches("dct_none", AudioFunctional.createDCT(nMFCC: 5, nMels: 8, norm: nil))
    }

    func testMelSpectrogramAndMFCCMatchTorchaudio() {
        assertCase("melspectrogram", x) { MelSpectrogram()($0) }
        assertCase("melspectrogram_custom", x) {
            MelSpectrogram(sampleRate: 22050, nFFT: 512, hopLength: 128, fMin: 20, fMax: 7600, nMels: 40, power: 1, norm: .slaney,
                           melScale: .slaney)($0)
        }
        // Decibels of float32 powers near the top-dB floor: 1e-4 of the largest coefficient.
        assertCase("mfcc", x, tolerance: 1e-4) { MFCC()($0) }
        assertCase("mfcc_melkwargs", x, tolerance: 1e-4) {
            MFCC(nMFCC: 13, melkwargs: MelSpectrogramOptions(nFFT: 400, hopLength: 160, nMels: 23, center: false))($0)
        }
        assertCase("mfcc_log_nonorm", x, tolerance: 1e-4) { MFCC(nMFCC: 20, norm: nil, logMels: true, melkwargs: MelSpectrogramOptions(nMels: 32))($0) }
    }

    func testLFCCAndInverseMelScaleMatchTorchaudio() {
        assertCase("lfcc", x, tolerance: 1e-4) { LFCC()($0) }
        assertCase("lfcc_custom", x, tolerance: 1e-4) {
            LFCC(nFilter: 64, nLFCC: 20, logLf: true, spectrogram: Spectrogram(nFFT: 256, hopLength: 128))($0)
        }
        XCTAssertEqual(Array(LFCC().stateDict().keys), ["filter_mat", "dct_mat", "Spectrogram.window"])
        let mel = MelScale(nMels: 40)(Spectrogram()(x))
        // least squares through OpenBLAS's LAPACK here and MKL's in PyTorch: 1e-4 of the largest value
        assertMatches("inverse_mel", InverseMelScale(nSTFT: 201, nMels: 40)(mel), tolerance: 1e-4)
        assertMatches("inverse_mel_gelsd", InverseMelScale(nSTFT: 201, nMels: 40, driver: "gelsd")(mel), tolerance: 1e-4)
    }

    func testDecibelsMatchTorchaudio() {
        let spec = Spectrogram(nFFT: 64)(x)
        assertCase("db_power", spec) { AmplitudeToDB()($0) }
        assertCase("db_magnitude_top", spec.sqrt()) { AmplitudeToDB(stype: .magnitude, topDB: 40)($0) }
        assertCase("db_top_2d", spec[0]) { AmplitudeToDB(topDB: 30)($0) }
        assertCase("db_top_4d", Tensor.stack([spec, spec * 3]).view(2, 2, 33, -1)) { AmplitudeToDB(topDB: 20)($0) }
        assertMatches("db_to_amplitude", AudioFunctional.dbToAmplitude(AmplitudeToDB()(spec), ref: 2, power: 0.5))
    }

    func testMuLawMatchesTorchaudio() {
        assertMatches("mulaw_encode", MuLawEncoding()(x), tolerance: 0)
        assertMatches("mulaw_encode_512", MuLawEncoding(quantizationChannels: 512)(x), tolerance: 0)
        XCTAssertEqual(MuLawEncoding()(x).dtype, .int64)
        assertMatches("mulaw_decode", MuLawDecoding()(MuLawEncoding()(x)), tolerance: 1e-6)
        assertMatches("mulaw_decode_512", MuLawDecoding(quantizationChannels: 512)(Tensor.arange(512)), tolerance: 1e-6)
    }

    func testResampleMatchesTorchaudio() {
        assertCase("resample_down", x) { Resample(origFreq: 16000, newFreq: 8000)($0) }
        assertCase("resample_up", x[.all, 0..<1000]) { Resample(origFreq: 8000, newFreq: 16000)($0) }
        assertCase("resample_44100_16000", x[.all, 0..<2205]) { Resample(origFreq: 44100, newFreq: 16000)($0) }
        assertCase("resample_kaiser", x) { Resample(origFreq: 16000, newFreq: 12000, resamplingMethod: .sincInterpKaiser)($0) }
        assertCase("resample_kaiser_beta", x[0]) {
            Resample(origFreq: 48000, newFreq: 32000, resamplingMethod: .sincInterpKaiser, lowpassFilterWidth: 10, rolloff: 0.9, beta: 8)($0)
        }
        assertMatches("resample_kernel", Resample(origFreq: 16000, newFreq: 12000).kernel!, tolerance: 1e-7)
        assertCase("resample_functional_f64", x.double()[.all, 0..<800], tolerance: 1e-12) {
            AudioFunctional.resample($0, origFreq: 16000, newFreq: 11025)
        }
        assertCase("resample_functional_f32", x[.all, 0..<300]) { AudioFunctional.resample($0, origFreq: 3, newFreq: 2, lowpassFilterWidth: 4) }
        XCTAssertTrue(Resample(origFreq: 8000, newFreq: 8000)(x) === x)
    }

    func testAugmentationsMatchTorchaudio() {
        // exact values, so that the masks compare exactly
        let grid = Tensor.arange(Double(0), Double(2 * 33 * 63)).view(2, 33, 63) + 1
        let grid4 = Tensor.stack([grid, grid * 2]).view(2, 2, 33, 63)
        Ember.manualSeed(3)
        assertMatches("freq_mask", FrequencyMasking(freqMaskParam: 20)(grid), tolerance: 0)
        Ember.manualSeed(4)
        assertMatches("time_mask_iid", TimeMasking(timeMaskParam: 15, iidMasks: true)(grid4), tolerance: 0)
        Ember.manualSeed(5)
        assertMatches("time_mask_p", TimeMasking(timeMaskParam: 40, p: 0.2)(grid, maskValue: 5), tolerance: 0)
        Ember.manualSeed(6)
        assertMatches("freq_mask_iid", FrequencyMasking(freqMaskParam: 10, iidMasks: true)(grid4, maskValue: -1), tolerance: 0)
        XCTAssertEqual(Int((grid .!= FrequencyMasking(freqMaskParam: 20)(grid)).sum().item()) % 63, 0, "whole bins masked")
        Ember.manualSeed(7)
        assertMatches("specaugment_iid", SpecAugment(nTimeMasks: 2, timeMaskParam: 10, nFreqMasks: 2, freqMaskParam: 5)(grid4), tolerance: 0)
        Ember.manualSeed(8)
        assertMatches("specaugment_zero", SpecAugment(nTimeMasks: 1, timeMaskParam: 20, nFreqMasks: 3, freqMaskParam: 4, iidMasks: false,
                                                      p: 0.5, zeroMasking: true)(grid), tolerance: 0)
        let spec = Spectrogram(nFFT: 64)(x)
        assertCase("deltas", spec) { ComputeDeltas()($0) }
        assertCase("deltas_reflect", spec[0]) { ComputeDeltas(winLength: 7, mode: .reflect)($0) }
        assertCase("preemphasis", x) { AudioFunctional.preemphasis($0, coeff: 0.9) }
        assertCase("vol_amplitude", x * 3) { Vol(gain: 0.5)($0) }
        assertCase("vol_db", x) { Vol(gain: -3, gainType: .db)($0) }
        assertCase("vol_power", x) { Vol(gain: 2, gainType: .power)($0) }
        for shape in [FadeShape.linear, .exponential, .logarithmic, .quarterSine, .halfSine] {
            assertCase("fade_" + shape.rawValue, x) { Fade(fadeInLen: 300, fadeOutLen: 500, fadeShape: shape)($0) }
        }
    }

    func testInverseTransformsAndTimeStretchMatchTorchaudio() {
        let hamming = { (length: Int) in Tensor.hammingWindow(length) }
        assertCase("istft", Spectrogram(nFFT: 128, hopLength: 32, power: nil)(x)) {
            $0.istft(nFFT: 128, hopLength: 32, window: Tensor.hannWindow(128))
        }
        assertCase("istft_length_window", Spectrogram(nFFT: 128, winLength: 100, hopLength: 40, windowFn: hamming, power: nil,
                                                      normalized: .frameLength)(x)) {
            $0.istft(nFFT: 128, hopLength: 40, winLength: 100, window: hamming(100), normalized: true, length: 1990)
        }
        assertCase("istft_not_centered_padded", Spectrogram(nFFT: 64, hopLength: 16, windowFn: hamming, power: nil, center: false)(x)) {
            $0.istft(nFFT: 64, hopLength: 16, window: hamming(64), center: false, length: 2100)
        }
        assertCase("istft_twosided", x[0].stft(nFFT: 64, hopLength: 16, window: Tensor.hannWindow(64), onesided: false, returnComplex: false)) {
            $0.istft(nFFT: 64, hopLength: 16, window: Tensor.hannWindow(64), onesided: false)
        }
        assertCase("inverse_spectrogram", Spectrogram(nFFT: 128, power: nil)(x)) { InverseSpectrogram(nFFT: 128)($0) }
        assertCase("inverse_spectrogram_pad_norm", Spectrogram(nFFT: 200, winLength: 160, pad: 7, power: nil, normalized: true)(x)) {
            InverseSpectrogram(nFFT: 200, winLength: 160, pad: 7, normalized: true)($0, length: 2000)
        }
        // The round trip gives the waveform back.
        let back = InverseSpectrogram(nFFT: 128)(Spectrogram(nFFT: 128, power: nil)(x), length: 2000)
        XCTAssertLessThan((back - x).abs().max().item(), 1e-5)
        Ember.manualSeed(9)
        assertMatches("griffinlim", GriffinLim(nFFT: 128, nIter: 4)(Spectrogram(nFFT: 128)(x[.all, 0..<800])), tolerance: 1e-4)
        Ember.manualSeed(10)
        let magnitudes = Spectrogram(nFFT: 64, hopLength: 16, power: 1)(x.view(1, 2, 2000)[.ellipsis, 0..<700])
        assertMatches("griffinlim_magnitude_plain", GriffinLim(nFFT: 64, nIter: 3, hopLength: 16, power: 1, momentum: 0, length: 700,
                                                               randInit: false)(magnitudes), tolerance: 1e-4)
        let pairs = Tensor(Self.reference["time_stretch.input"]!, shape: Self.reference["time_stretch.input.shape"]!.map { Int($0) })
        let spectra = pairs.float().viewAsComplex()
        // float32 phases accumulate to thousands of radians, where a last-place difference in atan2 moves the output
        // by up to 1e-4 of its scale; in float64 the two agree to 1e-12.
        assertCase("time_stretch", spectra, tolerance: 2e-5) { TimeStretch(hopLength: 32, nFreq: 65, fixedRate: 1.3)($0) }
        assertCase("time_stretch_slower", spectra, tolerance: 1e-4) { TimeStretch(nFreq: 65)($0, overridingRate: 0.8) }
        assertCase("time_stretch_f64", pairs.float().double().viewAsComplex(), tolerance: 1e-12) { TimeStretch(nFreq: 65).double()($0, overridingRate: 0.7) }
        XCTAssertTrue(TimeStretch(nFreq: 65)(spectra, overridingRate: 1).equal(spectra), "rate 1 leaves the spectra as they are")
        XCTAssertEqual(Array(TimeStretch().stateDict().keys), ["phase_advance"])
        XCTAssertEqual(Array(InverseSpectrogram().stateDict().keys), ["window"])
        XCTAssertEqual(Array(GriffinLim().stateDict().keys), ["window"])
    }

    func testOptionsTakeTorchaudiosStrings() {
        let spec = Spectrogram(nFFT: 64, normalized: "frame_length")(x)
        XCTAssertTrue(spec.equal(Spectrogram(nFFT: 64, normalized: .frameLength)(x)))
        XCTAssertTrue(AmplitudeToDB(stype: "magnitude", topDB: 60)(spec).equal(AmplitudeToDB(stype: .magnitude, topDB: 60)(spec)))
        XCTAssertTrue(MelScale(nMels: 20, nSTFT: 33, norm: "slaney", melScale: "slaney").fb!.equal(
            MelScale(nMels: 20, nSTFT: 33, norm: .slaney, melScale: .slaney).fb!))
        XCTAssertTrue(Resample(origFreq: 3, newFreq: 2, resamplingMethod: "sinc_interp_kaiser").kernel!.equal(
            Resample(origFreq: 3, newFreq: 2, resamplingMethod: .sincInterpKaiser).kernel!))
        XCTAssertTrue(Fade(fadeInLen: 10, fadeShape: "half_sine")(x).equal(Fade(fadeInLen: 10, fadeShape: .halfSine)(x)))
        XCTAssertTrue(F.pad(x, [3, 2], mode: "reflect").equal(F.pad(x, [3, 2], mode: .reflect)))
    }

    func testModulesAreNamedAndSavedAsTorchaudios() {
        XCTAssertEqual(Array(MFCC().stateDict().keys), ["dct_mat", "MelSpectrogram.spectrogram.window", "MelSpectrogram.mel_scale.fb"])
        XCTAssertEqual(Array(Resample(origFreq: 2, newFreq: 3).stateDict().keys), ["kernel"])
        XCTAssertEqual(Array(Resample().stateDict().keys), [])
        XCTAssertEqual(MelSpectrogram().description, "MelSpectrogram(\n  (spectrogram): Spectrogram()\n  (mel_scale): MelScale()\n)")
        XCTAssertEqual(MelScale().fb!.shape, [201, 128])
    }
}
