// Hostile checkpoints: truncated and mutated golden files, forged sizes and offsets, disallowed pickle
// globals and opcodes, and the attacks that broke PyTorch's own safe loader. Every case must throw a
// CheckpointError; none may crash, hang or allocate without bound.
import Ember
import Foundation
import ZIPFoundation
import XCTest

final class CheckpointHostileInputTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// Loads `bytes` written to a file named `name`; returns the error, or nil if it loaded.
    @discardableResult
    func load(_ bytes: [UInt8], as name: String) -> CheckpointError? {
        let url = folder.appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        do {
            _ = try Ember.load(url.path, as: CheckpointValue.self)
            return nil
        } catch let error as CheckpointError {
            return error
        } catch {
            XCTFail("\(name): untyped error \(error)")
            return nil
        }
    }

    /// A `.pt` zip archive with the given pickle and storage records (what `torch.save` lays out).
    func archive(pickle: [UInt8], storages: [String: [UInt8]] = [:], compression: CompressionMethod = .none) throws -> [UInt8] {
        let url = folder.appendingPathComponent("forged-\(UUID().uuidString).pt")
        let zip = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ bytes: [UInt8]) throws {
            try zip.addEntry(with: "forged/\(path)", type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: compression) {
                Data(bytes[Int($0)..<Int($0) + $1])
            }
        }
        try add("data.pkl", pickle)
        for (key, bytes) in storages { try add("data/\(key)", bytes) }
        try add("version", Array("3\n".utf8))
        return Array(try Data(contentsOf: url))
    }

    // Pickle pieces.
    func text(_ s: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
    func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    func int(_ v: Int) -> [UInt8] { [0x8A, 8] + withUnsafeBytes(of: Int64(v).littleEndian, Array.init) }
    func tuple(_ items: [[UInt8]]) -> [UInt8] { [0x28] + items.flatMap { $0 } + [0x74] }
    /// `_rebuild_tensor_v2` of a FloatStorage `key` of `count` elements with the given layout.
    func tensor(key: String = "0", count: Int, offset: Int, size: [Int], stride: [Int]) -> [UInt8] {
        global("torch._utils", "_rebuild_tensor_v2")
            + tuple([tuple([text("storage"), global("torch", "FloatStorage"), text(key), text("cpu"), int(count)]) + [0x51],
                     int(offset), tuple(size.map(int)), tuple(stride.map(int)), [0x89],
                     global("collections", "OrderedDict") + [0x29, 0x52]]) + [0x52]
    }
    func pickle(_ body: [UInt8]) -> [UInt8] { [0x80, 2] + body + [0x2E] }

    func assertRefused(_ bytes: [UInt8], as name: String = "x.pt", _ kind: CheckpointError.Kind? = nil, mentioning word: String? = nil,
                       line: UInt = #line) {
        guard let error = load(bytes, as: name) else { return XCTFail("\(name) loaded, expected an error", line: line) }
        if let kind { XCTAssertEqual(error.kind, kind, "\(error)", line: line) }
        if let word { XCTAssert(error.description.contains(word), "\(error) should mention \(word)", line: line) }
    }

    func testDisallowedGlobalsAndOpcodesAreRefusedByName() throws {
        // os.system('echo pwned'): the classic payload.
        let system = pickle(global("os", "system") + tuple([text("echo pwned")]) + [0x52])
        assertRefused(try archive(pickle: system), .forbiddenGlobal, mentioning: "os.system")
        for (module, name) in [("builtins", "eval"), ("builtins", "exec"), ("__builtin__", "getattr"), ("subprocess", "Popen"),
                               ("torch._tensor", "_rebuild_from_type_v2"), ("torch.storage", "_load_from_bytes"), ("numpy.core.multiarray", "_reconstruct")] {
            assertRefused(try archive(pickle: pickle(global(module, name) + [0x29, 0x52])), .forbiddenGlobal, mentioning: "\(module).\(name)")
        }
        // STACK_GLOBAL reaches the same check.
        assertRefused(try archive(pickle: pickle(text("os") + text("system") + [0x93])), .forbiddenGlobal, mentioning: "os.system")
        // Opcodes that build arbitrary objects: INST, OBJ, NEWOBJ, EXT1.
        for opcode: UInt8 in [0x69, 0x6F, 0x81, 0x82] {
            assertRefused(try archive(pickle: pickle([0x29, 0x29, opcode, 0, 0])), .forbiddenOpcode)
        }
        // An allowed global called where it is not meant to be (REDUCE on a storage type).
        assertRefused(try archive(pickle: pickle(global("torch", "FloatStorage") + [0x29, 0x52])), .forbiddenGlobal)
    }

    /// CVE-2026-24747: SETITEM(S) on non-dictionaries, and storages whose declared size differs from their bytes.
    func testSetItemOnNonDictionariesAndLyingStorageSizes() throws {
        assertRefused(try archive(pickle: pickle([0x5D] + text("k") + text("v") + [0x73])), .corrupt, mentioning: "not a dict")
        assertRefused(try archive(pickle: pickle([0x29] + [0x28] + text("k") + text("v") + [0x75])), .corrupt, mentioning: "not a dict")
        let onTensor = tensor(count: 1, offset: 0, size: [1], stride: [1]) + text("k") + text("v") + [0x73]
        assertRefused(try archive(pickle: pickle(onTensor), storages: ["0": [0, 0, 0, 0]]), .corrupt, mentioning: "not a dict")
        // 1000 elements declared, 4 bytes stored (and the reverse).
        let big = pickle(tensor(count: 1000, offset: 0, size: [1000], stride: [1]))
        assertRefused(try archive(pickle: big, storages: ["0": [0, 0, 0, 0]]), .corrupt, mentioning: "declares")
        let small = pickle(tensor(count: 1, offset: 0, size: [1], stride: [1]))
        assertRefused(try archive(pickle: small, storages: ["0": [UInt8](repeating: 0, count: 4000)]), .corrupt, mentioning: "declares")
        assertRefused(try archive(pickle: small), .corrupt, mentioning: "missing")
    }

    func testForgedSizesOffsetsAndStridesNeverTouchMemory() throws {
        let storage = ["0": [UInt8](repeating: 0, count: 16)]  // four floats
        for (offset, size, stride) in [(0, [5], [1]), (4, [1], [1]), (0, [2, 2], [3, 1]), (0, [1 << 62, 4], [1, 1]),
                                       (0, [2], [Int.max / 2]), (Int.max - 1, [2], [1]), (0, [3], [-1])] {
            let forged = pickle(tensor(count: 4, offset: offset, size: size, stride: stride))
            assertRefused(try archive(pickle: forged, storages: storage), .corrupt)
        }
        // A storage of 2^60 elements: refused from its size, before anything is allocated.
        assertRefused(try archive(pickle: pickle(tensor(count: 1 << 60, offset: 0, size: [1], stride: [1])), storages: storage), .corrupt)
        // An offset past the end is fine for an empty tensor, as in PyTorch.
        XCTAssertNil(load(try archive(pickle: pickle(tensor(count: 4, offset: 9, size: [0], stride: [1])), storages: storage), as: "empty.pt"))
        // Huge lengths in other formats.
        var safetensors = withUnsafeBytes(of: UInt64(1 << 62).littleEndian, Array.init)
        safetensors += Array("{}".utf8)
        assertRefused(safetensors, as: "x.safetensors", .truncated)
        let header = Array("{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,16]}}".utf8)
        assertRefused(withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [UInt8](repeating: 0, count: 16),
                      as: "y.safetensors", .corrupt)
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let npyHeader = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }\n".utf8)
        npy += [UInt8(npyHeader.count), 0] + npyHeader + [0, 0, 0, 0]
        assertRefused(npy, as: "x.npy", .truncated)
    }

    /// NumPy's loader accepts a header of exactly `descr`, `fortran_order` and `shape` with literal values and
    /// refuses anything else; so does Ember.
    func testNpyHeadersHoldOnlyNumPysThreeKeysWithLiteralValues() throws {
        func npy(_ header: String, data: [UInt8] = [0, 0, 128, 63]) -> [UInt8] {
            var padded = Array(header.utf8)
            while (10 + padded.count + 1) % 64 != 0 { padded.append(0x20) }
            padded.append(0x0A)
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded + data
        }
        XCTAssertNil(load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), as: "ok.npy"))
        XCTAssertNil(load(npy("{\"shape\": (1,), \"descr\": \"<f4\", \"fortran_order\": False}"), as: "ok.npy"), "any key order, double quotes")
        for header in ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'comment': 'shape'}",
                       "{'descr': '<f4', 'fortran_order': False}",
                       "{'descr': '<f4', 'fortran_order': __import__('os'), 'shape': (1,)}",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': '<f8'}",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} + x"] {
            assertRefused(npy(header), as: "x.npy", .corrupt)
        }
        assertRefused(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), as: "x.npy", .corrupt)
    }

    /// Inputs that crashed an earlier build under libFuzzer, kept as regressions.
    func testFuzzRegressions() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertFalse(files.isEmpty)
        for file in files {
            // A zip64 central directory offset past Int64.max trapped inside ZIPFoundation.
            assertRefused(Array(try Data(contentsOf: folder.appendingPathComponent(file))), as: file, .corrupt)
        }
    }

    /// PyTorch stores its records uncompressed; deflated ones (another zip tool's) still load.
    func testDeflatedRecordsLoad() throws {
        var data: [UInt8] = []
        for v: Float in [1.5, -2, 3.25, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        let bytes = try archive(pickle: pickle(tensor(count: 4, offset: 1, size: [3], stride: [1])), storages: ["0": data],
                                compression: .deflate)
        let url = folder.appendingPathComponent("deflated.pt")
        try Data(bytes).write(to: url)
        XCTAssertEqual(try Ember.load(url.path, as: Tensor.self).toArray(as: Float.self), [-2, 3.25, 4])
    }

    /// Many storages that each fit the file but together exceed it: refused before they are allocated.
    func testStoragesDeclaringMoreThanTheFileHolds() throws {
        let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        let header = magic + pickle(int(1001)) + pickle([0x7D])
        var body: [UInt8] = [0x5D, 0x28]
        for key in 0..<64 {
            let pid = tuple([text("storage"), global("torch", "FloatStorage"), text("k\(key)"), text("cpu"), int(256), [0x4E]])
            body += global("torch._utils", "_rebuild_tensor_v2")
                + tuple([pid + [0x51], int(0), tuple([int(1)]), tuple([int(1)]), [0x89], global("collections", "OrderedDict") + [0x29, 0x52]])
                + [0x52]
        }
        body += [0x65]
        let file = header + pickle(body) + [UInt8](repeating: 0, count: 2048)
        XCTAssertLessThan(file.count, 64 * 1024)
        assertRefused(file, as: "legacy.pt", .corrupt, mentioning: "more than the file")
    }

    func testCyclesDeepNestingAndBadMemo() throws {
        // A list that contains itself: [l] with l appended to l.
        assertRefused(try archive(pickle: pickle([0x5D, 0x71, 0x00, 0x68, 0x00, 0x61])), .corrupt, mentioning: "contains itself")
        // 100,000 nested lists: refused at the depth limit, no stack overflow.
        let deep = pickle([UInt8](repeating: 0x5D, count: 100_000) + [UInt8](repeating: 0x61, count: 99_999))
        assertRefused(try archive(pickle: deep), .corrupt, mentioning: "nesting")
        // Shared references do not multiply: 60 levels of [x, x] convert in linear time.
        var doubling: [UInt8] = [0x4B, 1]
        for _ in 0..<60 { doubling += [0x32, 0x86] }
        XCTAssertNil(load(try archive(pickle: pickle(doubling)), as: "shared.pt"))
        assertRefused(try archive(pickle: pickle([0x68, 0x07])), .corrupt, mentioning: "memo")
        assertRefused(try archive(pickle: pickle([0x61])), .corrupt, mentioning: "underflow")
        assertRefused(try archive(pickle: [0x80, 0x02, 0x4B]), .truncated)
    }

    /// Every golden file cut at many lengths, and mutated by a seeded random mutator (bit flips, byte
    /// overwrites, forged 32/64-bit integers, cut and spliced ranges).
    func testTruncatedAndMutatedGoldenFilesOnlyThrow() throws {
        let files = ["mnist_cnn.pt", "mnist_cnn_legacy.pt", "mixed.pt", "nested.pt", "adam_state.pt", "mixed.safetensors",
                     "array.npy", "arrays.npz"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(Swift.max(bound, 1)))
        }
        var inputs = 0, refused = 0
        for file in files {
            let original = Array(try Data(contentsOf: CheckpointFiles.repository.appendingPathComponent(file)))
            let name = "fuzz." + (file as NSString).pathExtension
            // Truncations: every length for small files, 400 evenly spaced lengths for larger ones.
            let step = Swift.max(1, original.count / 400)
            for length in stride(from: 0, to: original.count, by: step) {
                inputs += 1
                if load(Array(original.prefix(length)), as: name) != nil { refused += 1 } else {
                    XCTFail("\(file) cut to \(length) bytes loaded")
                }
            }
            for _ in 0..<300 {
                var bytes = original
                for _ in 0...next(4) {
                    let at = next(bytes.count)
                    switch next(5) {
                    case 0: bytes[at] ^= UInt8(1 << next(8))
                    case 1: bytes[at] = UInt8(next(256))
                    case 2:
                        let forged: [UInt8] = [[0xFF, 0xFF, 0xFF, 0x7F], [0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]][next(3)]
                        for (i, b) in forged.enumerated() where at + i < bytes.count { bytes[at + i] = b }
                    case 3: bytes.removeSubrange(at..<Swift.min(bytes.count, at + 1 + next(64)))
                    default: bytes.insert(contentsOf: bytes[at..<Swift.min(bytes.count, at + 1 + next(64))], at: next(bytes.count))
                    }
                    if bytes.isEmpty { bytes = [0] }
                }
                inputs += 1
                if load(bytes, as: name) != nil { refused += 1 }
            }
        }
        print("checkpoint fuzzing: \(inputs) inputs, \(refused) refused with a CheckpointError, the rest loaded; no crash")
        XCTAssertGreaterThan(refused, inputs / 2)
    }
}
