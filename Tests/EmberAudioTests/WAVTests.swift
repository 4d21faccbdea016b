// WAV files: every encoding round-trips, hand-built files read as the format says, and malformed files (every
// truncation, lying sizes, absurd headers, seeded mutations) throw an AudioError and never crash.
import Ember
import EmberAudio
import Foundation
import XCTest

final class WAVTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ember-wav-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func path(_ name: String) -> String { folder + "/" + name }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    private func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// A WAV file from its parts: a fmt chunk of (tag, channels, rate, bits), extra chunks before the data, the data.
    private func wav(tag: Int = 1, channels: Int, rate: Int, bits: Int, blockAlign: Int? = nil, before: [UInt8] = [],
                     data: [UInt8], dataSize: Int? = nil) -> [UInt8] {
        let align = blockAlign ?? channels * bits / 8
        let fmt = le(tag, 2) + le(channels, 2) + le(rate, 4) + le(rate * align, 4) + le(align, 2) + le(bits, 2)
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le(16, 4) + fmt + before + Array("data".utf8)
            + le(dataSize ?? data.count, 4) + data
        return Array("RIFF".utf8) + le(body.count, 4) + body
    }

    func testHandBuiltSixteenBitStereoFileReadsAsStored() throws {
        // Frames (1000, -2000), (32767, -32768), (0, 1); a LIST chunk of odd size (padded) comes first.
        let samples = [1000, -2000, 32767, -32768, 0, 1].flatMap { le($0, 2) }
        let list = Array("LIST".utf8) + le(3, 4) + [65, 66, 67, 0]
        let file = try write(wav(channels: 2, rate: 22050, bits: 16, before: list, data: samples), "stereo.wav")
        let metadata = try EmberAudio.info(file)
        XCTAssertEqual(metadata, AudioMetadata(sampleRate: 22050, numFrames: 3, numChannels: 2, bitsPerSample: 16, encoding: .pcmSigned))
        let (raw, rate) = try EmberAudio.load(file, normalize: false)
        XCTAssertEqual(rate, 22050)
        XCTAssertEqual(raw.dtype, .int32)
        XCTAssertEqual(raw.shape, [2, 3])
        XCTAssertEqual(raw.toArray(as: Int32.self), [1000, 32767, 0, -2000, -32768, 1])
        let (normalized, _) = try EmberAudio.load(file)
        XCTAssertEqual(normalized.dtype, .float32)
        XCTAssertEqual(normalized.toArray(as: Float.self), [1000, 32767, 0, -2000, -32768, 1].map { Float($0) / 32768 })
        let (framesLast, _) = try EmberAudio.load(file, frameOffset: 1, numFrames: 1, normalize: false, channelsFirst: false)
        XCTAssertEqual(framesLast.shape, [1, 2])
        XCTAssertEqual(framesLast.toArray(as: Int32.self), [32767, -32768])
        let (beyond, _) = try EmberAudio.load(file, frameOffset: 5)
        XCTAssertEqual(beyond.shape, [2, 0])
    }

    func testEightAndTwentyFourBitSamplesScaleAsTorchaudio() throws {
        let eight = try write(wav(channels: 1, rate: 8000, bits: 8, data: [0, 128, 255]), "u8.wav")
        XCTAssertEqual(try EmberAudio.load(eight).0.toArray(as: Float.self), [-1, 0, 127.0 / 128])
        XCTAssertEqual(try EmberAudio.load(eight, normalize: false).0.dtype, .uint8)
        let samples = [8_388_607, -8_388_608, 1].flatMap { le($0, 3) }
        let twentyFour = try write(wav(channels: 1, rate: 48000, bits: 24, data: samples), "s24.wav")
        XCTAssertEqual(try EmberAudio.load(twentyFour, normalize: false).0.toArray(as: Int32.self), [8_388_607 << 8, -8_388_608 << 8, 1 << 8])
        XCTAssertEqual(try EmberAudio.load(twentyFour).0.toArray(as: Float.self), [Float(8_388_607) / 8_388_608, -1, 1 / Float(8_388_608)])
    }

    func testEveryEncodingRoundTrips() throws {
        let signal = Tensor((0..<(3 * 50)).map { sin(Double($0) * 0.3) * 0.9 }, shape: [3, 50]).float()
        for (encoding, bits, tolerance) in [(AudioEncoding.pcmFloat, 32, 0.0), (.pcmFloat, 64, 0.0), (.pcmSigned, 16, 1 / 32768.0),
                                            (.pcmSigned, 24, 1 / 8_388_608.0), (.pcmSigned, 32, 1e-7), (.pcmUnsigned, 8, 1 / 128.0)] {
            for channelsFirst in [true, false] {
                let file = path("round-\(encoding.rawValue)-\(bits).wav")
                let input = channelsFirst ? signal : signal.t()
                try EmberAudio.save(file, input, sampleRate: 16000, channelsFirst: channelsFirst, encoding: encoding, bitsPerSample: bits)
                let metadata = try EmberAudio.info(file)
                XCTAssertEqual(metadata, AudioMetadata(sampleRate: 16000, numFrames: 50, numChannels: 3, bitsPerSample: bits, encoding: encoding))
                let (loaded, rate) = try EmberAudio.load(file, channelsFirst: channelsFirst)
                XCTAssertEqual(rate, 16000)
                XCTAssertEqual(loaded.shape, input.shape)
                let worst = (loaded.double() - input.double()).abs().max().item()
                XCTAssertLessThanOrEqual(worst, tolerance / 2 + 1e-9, "\(encoding) \(bits) bits")
            }
        }
    }

    func testSavedFilesHaveTheCanonicalHeader() throws {
        let file = path("mono16.wav")
        try EmberAudio.save(file, Tensor([0.5, -1.0, 2.0] as [Float], shape: [1, 3]), sampleRate: 8000, encoding: .pcmSigned, bitsPerSample: 16)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let expected = wav(channels: 1, rate: 8000, bits: 16, data: [16384, -32768, 32767].flatMap { le($0, 2) })  // clipped at +1
        XCTAssertEqual(bytes, expected)
        // integer tensors are raw values: an int32 tensor of 16-bit samples saves back to the same file
        let (raw, _) = try EmberAudio.load(file, normalize: false)
        try EmberAudio.save(path("again.wav"), raw, sampleRate: 8000, encoding: .pcmSigned, bitsPerSample: 16)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path("again.wav")))), bytes)
    }

    func testBadArgumentsToSaveThrowAndLeaveNoFile() {
        let signal = Tensor.zeros(1, 4)
        func refuses(_ kind: AudioError.Kind, _ body: () throws -> Void, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual(($0 as? AudioError)?.kind, kind, "\($0)", line: line) }
        }
        refuses(.unsupported) { try EmberAudio.save(self.path("a.wav"), Tensor.zeros(4), sampleRate: 8000) }
        refuses(.unsupported) { try EmberAudio.save(self.path("a.wav"), signal, sampleRate: 0) }
        refuses(.unsupported) { try EmberAudio.save(self.path("a.wav"), signal, sampleRate: 8000, encoding: .pcmSigned, bitsPerSample: 8) }
        refuses(.unsupported) { try EmberAudio.save(self.path("a.wav"), signal.long(), sampleRate: 8000, encoding: .pcmFloat) }
        refuses(.io) { try EmberAudio.save(self.folder + "/missing/a.wav", signal, sampleRate: 8000) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testMalformedHeadersThrowTheirKind() throws {
        let data = [0, 1, 2, 3].flatMap { le($0, 2) }
        let cases: [(String, [UInt8], AudioError.Kind)] = [
            ("not RIFF", Array("RIFX".utf8) + Array(wav(channels: 1, rate: 8000, bits: 16, data: data).dropFirst(4)), .corrupt),
            ("zero channels", wav(channels: 0, rate: 8000, bits: 16, blockAlign: 2, data: data), .corrupt),
            ("zero rate", wav(channels: 1, rate: 0, bits: 16, data: data), .corrupt),
            ("absurd rate", wav(channels: 1, rate: 2_000_000_000, bits: 16, data: data), .corrupt),
            ("block align", wav(channels: 2, rate: 8000, bits: 16, blockAlign: 3, data: data), .corrupt),
            ("12-bit", wav(channels: 1, rate: 8000, bits: 12, blockAlign: 2, data: data), .unsupported),
            ("ADPCM", wav(tag: 2, channels: 1, rate: 8000, bits: 4, blockAlign: 1, data: data), .unsupported),
            ("lying data size", wav(channels: 1, rate: 8000, bits: 16, data: data, dataSize: 1 << 30), .truncated),
            ("lying chunk size", wav(channels: 1, rate: 8000, bits: 16, before: Array("junk".utf8) + le(1 << 30, 4), data: data), .truncated),
            ("no data", Array(wav(channels: 1, rate: 8000, bits: 16, data: []).dropLast(8)), .truncated),
        ]
        for (name, bytes, kind) in cases {
            let file = try write(bytes, "bad.wav")
            XCTAssertThrowsError(try EmberAudio.load(file), name) { error in
                XCTAssertEqual((error as? AudioError)?.kind, kind, "\(name): \(error)")
                XCTAssertEqual((error as? AudioError)?.path, file, name)
            }
        }
        XCTAssertThrowsError(try EmberAudio.info(path("absent.wav"))) { XCTAssertEqual(($0 as? AudioError)?.kind, .missingFile) }
        XCTAssertThrowsError(try EmberAudio.load(try write(wav(channels: 1, rate: 8, bits: 16, data: data), "ok.wav"), frameOffset: -1))
    }

    /// Every truncation and 300 seeded mutations of a valid file: each loads or throws an AudioError.
    func testTruncatedAndMutatedFilesOnlyThrow() throws {
        let valid = wav(channels: 2, rate: 16000, bits: 16, before: Array("LIST".utf8) + le(4, 4) + [1, 2, 3, 4],
                        data: (0..<40).flatMap { le($0 * 977, 2) })
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var inputs = (0..<valid.count).map { Array(valid.prefix($0)) }
        for _ in 0..<300 {
            var mutated = valid
            for _ in 0..<(1 + next(3)) { mutated[next(44)] = UInt8(next(256)) }  // the headers, where the sizes are
            inputs.append(mutated)
        }
        var refused = 0
        for input in inputs {
            let file = try write(input, "fuzz.wav")
            do {
                let (tensor, _) = try EmberAudio.load(file)
                XCTAssertEqual(tensor.dtype, .float32)
            } catch is AudioError {
                refused += 1
            } catch {
                XCTFail("not an AudioError: \(error)")
            }
        }
        XCTAssertGreaterThanOrEqual(refused, valid.count - 1, "every truncation before the last sample byte is refused")
    }
}
