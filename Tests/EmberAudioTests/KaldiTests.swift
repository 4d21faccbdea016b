// Kaldi archives written by the `kaldi_io` package (Fixtures/make_kaldi_cases.py) read back, Ember's own archives
// round-trip in binary and text, and damaged archives throw.
import Ember
import EmberAudio
import Foundation
import XCTest

final class KaldiTests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "ember-kaldi-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The fixture script's matrix k: 100·r + c + k/8.
    private func matrix(_ k: Int, _ rows: Int, _ cols: Int) -> [Double] {
        (0..<rows).flatMap { r in (0..<cols).map { c in Double(100 * r + c) + Double(k) / 8 } }
    }

    func testArchivesWrittenByKaldiIOReadBack() throws {
        let feats = try KaldiIO.readMatArk(fixtures + "/feats_float.ark")
        XCTAssertEqual(feats.map(\.key), ["utt0", "utt1", "utt2"])
        for (k, (rows, cols)) in [(3, 4), (1, 5), (0, 2)].enumerated() {
            XCTAssertEqual(feats[k].value.shape, [rows, cols])
            XCTAssertEqual(feats[k].value.dtype, .float32)
            XCTAssertEqual(feats[k].value.toArray(as: Double.self), matrix(k, rows, cols))
        }
        let doubles = try KaldiIO.readMatArk(fixtures + "/feats_double.ark")
        XCTAssertEqual(doubles.first?.value.dtype, .float64)
        XCTAssertEqual(doubles.first?.value.toArray(as: Double.self), matrix(5, 2, 3))
        let vectors = try KaldiIO.readVecFltArk(fixtures + "/vectors.ark")
        XCTAssertEqual(vectors.map(\.key), ["spk0", "spk1", "spk2"])
        XCTAssertEqual(vectors[2].value.toArray(as: Double.self), [2, 2.5, 3])
        let alignments = try KaldiIO.readVecIntArk(fixtures + "/alignments.ark")
        XCTAssertEqual(alignments.map { $0.value.toArray(as: Int32.self) }, [[], [-2, -1, 0], [-2, -1, 0, 1, 2, 3]])
        XCTAssertEqual(alignments[1].value.dtype, .int32)
        let text = try KaldiIO.readMatArk(fixtures + "/feats_text.ark")
        XCTAssertEqual(text.map(\.key), ["utt0", "utt1"])
        XCTAssertEqual(text[0].value.shape, [2, 3])
        XCTAssertEqual(text[0].value.toArray(as: Float.self), [0, 1.5, -2, 3, 4, 0.5])
        XCTAssertEqual(text[1].value.toArray(as: Float.self), [7, 8, 9])
    }

    func testScriptFilesReadTheirEntriesAtTheirOffsets() throws {
        let listing = try String(contentsOfFile: fixtures + "/feats.scp", encoding: .utf8)
            .replacingOccurrences(of: "Fixtures/", with: fixtures + "/")
        try listing.write(toFile: folder + "/feats.scp", atomically: true, encoding: .utf8)
        let entries = try KaldiIO.readMatScp(folder + "/feats.scp")
        XCTAssertEqual(entries.map(\.key), ["utt2", "utt0"])
        XCTAssertEqual(entries[1].value.toArray(as: Double.self), matrix(0, 3, 4))
        XCTAssertEqual(entries[0].value.shape, [0, 2])
    }

    func testOwnArchivesRoundTripInBinaryAndText() throws {
        let feats = Tensor((0..<12).map { Float($0) * 0.25 - 1 }, shape: [3, 4])
        for binary in [true, false] {
            let ark = folder + "/out-\(binary).ark", scp = folder + "/out-\(binary).scp"
            let offsets = try KaldiIO.writeArk(ark, [("a", feats), ("b", feats.double()[0..<1])], binary: binary)
            let back = try KaldiIO.readMatArk(ark)
            XCTAssertEqual(back.map(\.key), ["a", "b"])
            XCTAssertEqual(back[0].value.toArray(as: Float.self), feats.toArray(as: Float.self))
            XCTAssertEqual(back[1].value.toArray(as: Double.self), feats.double()[0..<1].toArray(as: Double.self))
            try KaldiIO.writeScp(scp, arkPath: ark, offsets: offsets)
            XCTAssertEqual(try KaldiIO.readMatScp(scp).map(\.key), ["a", "b"])
            let vectorArk = folder + "/vectors-\(binary).ark"
            try KaldiIO.writeArk(vectorArk, [("v", Tensor([1.5, -2] as [Float])), ("w", Tensor([] as [Float]))], binary: binary)
            XCTAssertEqual(try KaldiIO.readVecFltArk(vectorArk).map { $0.value.toArray(as: Float.self) }, [[1.5, -2], []])
            let intArk = folder + "/ints-\(binary).ark"
            try KaldiIO.writeArk(intArk, [("u", Tensor([Int64(3), -4, 5]))], binary: binary)
            XCTAssertEqual(try KaldiIO.readVecIntArk(intArk).first?.value.toArray(as: Int32.self), [3, -4, 5])
        }
        // Ember's binary archive is byte for byte what kaldi_io writes.
        let written = folder + "/same.ark"
        let expected = try KaldiIO.readMatArk(fixtures + "/feats_float.ark")
        try KaldiIO.writeArk(written, expected)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: written)), try Data(contentsOf: URL(fileURLWithPath: fixtures + "/feats_float.ark")))
    }

    func testDamagedArchivesThrow() throws {
        let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/feats_float.ark")))
        var refused = 0, shorter = 0
        for cut in 1..<valid.count {
            let path = folder + "/cut.ark"
            try Data(valid.prefix(cut)).write(to: URL(fileURLWithPath: path))
            do {
                let entries = try KaldiIO.readMatArk(path)
                XCTAssertLessThan(entries.count, 3)
                shorter += 1
            } catch is AudioError {
                refused += 1
            }
        }
        XCTAssertEqual(shorter, 2, "only the cuts between entries read, as shorter archives")
        XCTAssertEqual(refused, valid.count - 3, "every other cut is refused")
        func refuses(_ bytes: [UInt8], _ kind: AudioError.Kind, line: UInt = #line) throws {
            let path = folder + "/bad.ark"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try KaldiIO.readMatArk(path), line: line) { XCTAssertEqual(($0 as? AudioError)?.kind, kind, "\($0)", line: line) }
        }
        let header = Array("k ".utf8) + [0, 66] + Array("FM ".utf8)
        try refuses(header + [4, 0xFF, 0xFF, 0xFF, 0x7F, 4, 0xFF, 0xFF, 0xFF, 0x7F], .truncated)  // 2³¹ × 2³¹ claimed
        try refuses(header + [4, 0xFF, 0xFF, 0xFF, 0xFF, 4, 1, 0, 0, 0], .corrupt)  // -1 rows
        try refuses(Array("k ".utf8) + [0, 66] + Array("CM ".utf8), .unsupported)
        try refuses(Array("k ".utf8) + [0, 66] + Array("FV ".utf8) + [4, 0, 0, 0, 0], .corrupt)  // a vector where a matrix belongs
        try refuses(Array("k [ 1 2\n 3 ]".utf8), .corrupt)
        XCTAssertThrowsError(try KaldiIO.writeArk(folder + "/x.ark", [("two words", Tensor.zeros(2))]))
        XCTAssertThrowsError(try KaldiIO.readMatArk(folder + "/absent.ark")) { XCTAssertEqual(($0 as? AudioError)?.kind, .missingFile) }
    }
}
