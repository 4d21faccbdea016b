// SummaryWriter's event files read back record by record: every CRC checked, every event counted and decoded.
import Ember
import EmberVision
import Foundation
import XCTest

final class SummaryWriterTests: XCTestCase {
    private func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-tensorboard-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func testScalarsAreRecordsWithValidChecksumsInPyTorchsFileNames() throws {
        let folder = try temporaryFolder()
        let writer = try SummaryWriter(logDir: folder)
        for step in 0..<3 { writer.addScalar("loss/train", 1.5 / Double(step + 1), globalStep: step, walltime: 100 + Double(step)) }
        writer.addScalars("loss", ["train": 0.25, "test": 0.5], globalStep: 7)
        try writer.close()

        let name = (writer.eventFilePath as NSString).lastPathComponent
        let pattern = #"^events\.out\.tfevents\.\d{10}\.[^.]+(\.[^.]+)*\.\#(getpid())\.\d+$"#
        XCTAssertNotNil(name.range(of: pattern, options: .regularExpression), name)
        let events = try Self.events(writer.eventFilePath)
        XCTAssertEqual(events.count, 4, "the version event and three scalars")
        XCTAssertEqual(events[0].string(3), "brain.Event:2")
        for (step, event) in events.dropFirst().enumerated() {
            XCTAssertEqual(event.double(1), 100 + Double(step))
            XCTAssertEqual(event.integer(2), UInt64(step))
            let value = try XCTUnwrap(event.message(5)?.message(1))
            XCTAssertEqual(value.string(1), "loss/train")
            XCTAssertEqual(value.float(2), Float(1.5 / Double(step + 1)))
        }
        for (series, expected) in [("loss_train", Float(0.25)), ("loss_test", 0.5)] {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/" + series)
            XCTAssertEqual(files.count, 1, series)
            let seriesEvents = try Self.events(folder + "/" + series + "/" + files[0])
            XCTAssertEqual(seriesEvents.count, 2, series)
            let value = try XCTUnwrap(seriesEvents[1].message(5)?.message(1))
            XCTAssertEqual(value.string(1), "loss")
            XCTAssertEqual(value.float(2), expected)
            XCTAssertEqual(seriesEvents[1].integer(2), 7)
        }
    }

    /// The histogram as `make_histogram` computes it: np.histogram's counts (inner edges going right, the last bin
    /// closed), cut to the support with one empty bin on the left, each bin's right edge as its limit.
    func testHistogramsBinAsPyTorch() throws {
        let folder = try temporaryFolder()
        let writer = try SummaryWriter(logDir: folder)
        writer.addHistogram("w", Tensor([-1, 0, 0, 0.5, 2, .nan]), globalStep: 3, bins: .edges([-2, -1, 0, 1, 2, 3]))
        writer.addHistogram("defaults", Tensor([0.001, 0.001, -5]))
        writer.addHistogram("merged", Tensor([0.5, 1.5, 2.5, 3.5, 4.5]), bins: .edges([0, 1, 2, 3, 4, 5]), maxBins: 2)
        try writer.flush()
        let events = try Self.events(writer.eventFilePath)
        XCTAssertEqual(events.count, 4)
        let histogram = try XCTUnwrap(events[1].message(5)?.message(1)?.message(5))
        XCTAssertEqual([histogram.double(1), histogram.double(2), histogram.double(3), histogram.double(4), histogram.double(5)],
                       [-1, 2, 5, 1.5, 5.25], "min, max, count, sum, sum of squares (the NaN left out)")
        XCTAssertEqual(histogram.packedDoubles(6), [-1, 0, 1, 2, 3])
        XCTAssertEqual(histogram.packedDoubles(7), [0, 1, 3, 0, 1])
        // TensorBoard's default edges: 0.001 falls in [1.1^k·1e-12, 1.1^(k+1)·1e-12), -5 in the mirrored bins.
        let defaults = try XCTUnwrap(events[2].message(5)?.message(1)?.message(5))
        let edges = HistogramBins.tensorflowEdges, limits = defaults.packedDoubles(6), counts = defaults.packedDoubles(7)
        XCTAssertEqual(counts.reduce(0, +), 3)
        XCTAssertEqual(limits.count, counts.count)
        let bin = edges.lastIndex { $0 <= 0.001 }!
        XCTAssertEqual(limits.last, edges[bin + 1])
        XCTAssertEqual(counts.last, 2)
        XCTAssertEqual(counts.first, 0, "an empty bin left of the first nonzero one")
        // maxBins 2 of 5 bins: merged in pairs (2 + 2 + 1 padded).
        let merged = try XCTUnwrap(events[3].message(5)?.message(1)?.message(5))
        XCTAssertEqual(merged.packedDoubles(7), [0, 2, 2, 1])
        XCTAssertEqual(merged.packedDoubles(6), [0, 2, 4, 5])
    }

    func testTextAndImagesDecodeBack() throws {
        let folder = try temporaryFolder()
        let writer = try SummaryWriter(logDir: folder, filenameSuffix: ".run")
        writer.addText("notes", "**lr** = 1e-3", globalStep: 1)
        let rgb = Tensor.arange(0, 18).reshape([2, 3, 3]) / 18   // HWC, floats in [0, 1)
        try writer.addImage("rgb", rgb, globalStep: 2, dataformats: "HWC")
        let digits = Tensor.arange(0, 10 * 4 * 5).reshape([10, 1, 4, 5]).remainder(256).to(.uint8)
        try writer.addImages("digits", digits, globalStep: 3)
        try writer.close()
        XCTAssertTrue(writer.eventFilePath.hasSuffix(".run"))
        let events = try Self.events(writer.eventFilePath)
        XCTAssertEqual(events.count, 4)

        let text = try XCTUnwrap(events[1].message(5)?.message(1))
        XCTAssertEqual(text.string(1), "notes/text_summary")
        XCTAssertEqual(text.message(9)?.message(1)?.string(1), "text")
        XCTAssertEqual(text.message(8)?.integer(1), 7, "DT_STRING")
        XCTAssertEqual(text.message(8)?.string(8), "**lr** = 1e-3")

        let image = try XCTUnwrap(events[2].message(5)?.message(1)?.message(4))
        XCTAssertEqual([image.integer(1), image.integer(2), image.integer(3)], [2, 3, 3])
        let decoded = try decodeImage(image.bytes(4)!)
        XCTAssertEqual(decoded.shape, [3, 2, 3])
        XCTAssertEqual(decoded.permute([1, 2, 0]).to(.int64).reshape([-1]).toArray(as: Int64.self),
                       (0..<18).map { Int64(Float($0) / 18 * 255) }, "floats times 255, truncated")

        // Ten 4×5 digits in rows of eight, no padding, the gray channel repeated into RGB, blanks after the last.
        let grid = try XCTUnwrap(events[3].message(5)?.message(1)?.message(4))
        XCTAssertEqual([grid.integer(1), grid.integer(2), grid.integer(3)], [8, 40, 3])
        let pixels = try decodeImage(grid.bytes(4)!).to(.int64)
        XCTAssertEqual(pixels[0].reshape([-1]).toArray(as: Int64.self), pixels[2].reshape([-1]).toArray(as: Int64.self))
        for (row, column) in [(0, 0), (3, 7), (5, 12), (7, 9), (6, 20), (2, 39)] {
            let index = row / 4 * 8 + column / 5
            let want = index < 10 ? Int64((index * 20 + row % 4 * 5 + column % 5) % 256) : 0
            XCTAssertEqual(pixels[1, row, column].item(), Double(want), "pixel (\(row), \(column))")
        }
    }

    /// The hparams plugin's three summaries and the metrics, in a run folder of their own, as PyTorch writes them.
    func testHParamsAreThePluginsThreeSummariesAndTheMetrics() throws {
        let folder = try temporaryFolder()
        let writer = try SummaryWriter(logDir: folder)
        try writer.addHParams(["lr": 0.01, "optimizer": "adam", "layers": 0], ["accuracy": 0.9, "loss": 0],
                              hparamDomainDiscrete: ["optimizer": ["adam", "sgd"]], runName: "trial")
        try writer.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/trial")
        XCTAssertEqual(files.count, 1)
        let events = try Self.events(folder + "/trial/" + files[0])
        XCTAssertEqual(events.count, 1 + 3 + 2)
        let values = events.dropFirst().compactMap { $0.message(5)?.message(1) }
        XCTAssertEqual(values.map { $0.string(1) ?? "" }, ["_hparams_/experiment", "_hparams_/session_start_info",
                                                          "_hparams_/session_end_info", "accuracy", "loss"])
        for value in values.prefix(3) { XCTAssertEqual(value.message(9)?.message(1)?.string(1), "hparams") }
        let contents = values.prefix(3).map { try? ProtoMessage($0.message(9)?.message(1)?.bytes(2) ?? []) }
        // Experiment (2): hparam infos (4) with name (1), type (4: FLOAT64 3, STRING 1), the discrete domain (5);
        // metric infos (5) by tag.
        let experiment = try XCTUnwrap(contents[0]?.message(2))
        let infos = experiment.all(4).map { try! ProtoMessage($0) }
        XCTAssertEqual(infos.map { $0.string(1) ?? "" }, ["lr", "optimizer", "layers"])
        XCTAssertEqual(infos.map { $0.integer(4) }, [3, 1, 3])
        XCTAssertEqual(infos[1].message(5).map { $0.all(1).map { try! ProtoMessage($0).string(3) ?? "" } }, ["adam", "sgd"])
        XCTAssertEqual(experiment.all(5).map { try! ProtoMessage($0).message(1)?.string(2) ?? "" }, ["accuracy", "loss"])
        // Session start (3): the hparams map, a zero written as a number all the same.
        let entries = try XCTUnwrap(contents[1]?.message(3)).all(1).map { try! ProtoMessage($0) }
        XCTAssertEqual(entries.map { $0.string(1) ?? "" }, ["lr", "optimizer", "layers"])
        XCTAssertEqual(entries[0].message(2)?.double(2), 0.01)
        XCTAssertEqual(entries[1].message(2)?.string(3), "adam")
        XCTAssertEqual(entries[2].message(2)?.has(2), true, "number_value 0 is present (a oneof)")
        XCTAssertEqual(contents[2]?.message(4)?.integer(1), 1, "STATUS_SUCCESS")
    }

    // MARK: Reading event files

    /// The events of a file, each record's two masked CRC-32Cs checked.
    static func events(_ path: String) throws -> [ProtoMessage] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var events: [ProtoMessage] = []
        var at = 0
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw EventFileProblem("a record header is cut short at byte \(at)") }
            let length = Int(bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) })
            guard maskedCRC(bytes[at..<(at + 8)]) == word(bytes, at + 8) else { throw EventFileProblem("bad length CRC at byte \(at)") }
            let start = at + 12, end = start + length
            guard end + 4 <= bytes.count else { throw EventFileProblem("a record is cut short at byte \(at)") }
            guard maskedCRC(bytes[start..<end]) == word(bytes, end) else { throw EventFileProblem("bad data CRC at byte \(at)") }
            events.append(try ProtoMessage(Array(bytes[start..<end])))
            at = end + 4
        }
        return events
    }

    /// TFRecord's masked CRC-32C, computed here bit by bit, apart from Ember's table.
    static func maskedCRC(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        crc = ~crc
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    private static func word(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    func testTheChecksumIsCRC32C() {
        // The standard check value of CRC-32C: "123456789" → 0xE3069283, here masked as TFRecord masks it.
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(Self.maskedCRC(ArraySlice(Array("123456789".utf8))), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }
}

struct EventFileProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A decoded protocol-buffer message: its fields by number, as the wire holds them.
struct ProtoMessage {
    private var fields: [Int: [(wire: Int, value: UInt64, bytes: [UInt8])]] = [:]

    init(_ bytes: [UInt8]) throws {
        var at = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard at < bytes.count else { throw EventFileProblem("a varint runs past the message") }
                let byte = bytes[at]
                at += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> [UInt8] {
            guard at + count <= bytes.count else { throw EventFileProblem("a field runs past the message") }
            defer { at += count }
            return Array(bytes[at..<(at + count)])
        }
        while at < bytes.count {
            let key = try varint(), field = Int(key >> 3), wire = Int(key & 7)
            switch wire {
            case 0: fields[field, default: []].append((0, try varint(), []))
            case 1: fields[field, default: []].append((1, try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }, []))
            case 2: fields[field, default: []].append((2, 0, try take(Int(try varint()))))
            case 5: fields[field, default: []].append((5, try take(4).reversed().reduce(0) { $0 << 8 | UInt64($1) }, []))
            default: throw EventFileProblem("wire type \(wire)")
            }
        }
    }

    func has(_ field: Int) -> Bool { fields[field] != nil }
    func integer(_ field: Int) -> UInt64 { fields[field]?.first?.value ?? 0 }
    func double(_ field: Int) -> Double { Double(bitPattern: fields[field]?.first?.value ?? 0) }
    func float(_ field: Int) -> Float { Float(bitPattern: UInt32(fields[field]?.first?.value ?? 0)) }
    func bytes(_ field: Int) -> [UInt8]? { fields[field]?.first?.bytes }
    /// Every occurrence of a length-delimited field (a repeated message).
    func all(_ field: Int) -> [[UInt8]] { fields[field]?.map(\.bytes) ?? [] }
    func string(_ field: Int) -> String? { bytes(field).map { String(decoding: $0, as: UTF8.self) } }
    func message(_ field: Int) -> ProtoMessage? { bytes(field).flatMap { try? ProtoMessage($0) } }
    func packedDoubles(_ field: Int) -> [Double] {
        guard let bytes = bytes(field) else { return [] }
        return stride(from: 0, to: bytes.count, by: 8).map { Double(bitPattern: bytes[$0..<($0 + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }) }
    }
}
