import Ember
@testable import EmberVision
import Foundation
import XCTest

final class DatasetTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-vision-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func write(_ bytes: [UInt8], _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func assertThrows(_ kind: VisionError.Kind, _ body: () throws -> Void, mentioning text: String? = nil, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected a \(kind) error", line: line)
        } catch let error as VisionError {
            XCTAssertEqual(error.kind, kind, error.message, line: line)
            if let text { XCTAssertTrue(error.message.contains(text), "\(error.message) should mention \(text)", line: line) }
        } catch {
            XCTFail("expected a VisionError, got \(error)", line: line)
        }
    }

    /// An IDX file of bytes: magic 0 0 8 rank, big-endian sizes, values.
    func idx(_ shape: [Int], _ values: [UInt8]) -> [UInt8] {
        [0, 0, 8, UInt8(shape.count)] + shape.flatMap { n in (0..<4).map { UInt8((n >> (8 * (3 - $0))) & 255) } } + values
    }

    /// CRC-32 (gzip's and PNG's), bit by bit.
    func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// A gzip file of stored (uncompressed) deflate blocks, built by hand.
    func gzipped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
        var start = 0
        repeat {
            let length = min(65_535, bytes.count - start)
            out += [start + length == bytes.count ? 1 : 0, UInt8(length & 255), UInt8(length >> 8),
                    UInt8(~length & 255), UInt8((~length >> 8) & 255)]
            out += bytes[start..<(start + length)]
            start += length
        } while start < bytes.count
        let crc = crc32(bytes)
        return out + (0..<4).map { UInt8((crc >> (8 * $0)) & 255) } + (0..<4).map { UInt8((bytes.count >> (8 * $0)) & 255) }
    }

    // MARK: MNIST

    func testRealMNIST() throws {
        let root = Self.repository.appendingPathComponent("Data").path
        let test = try MNIST(root: root, train: false, transform: ToTensor())
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.data.shape, [10_000, 28, 28])
        let (image, label) = test[0]
        XCTAssertEqual(image.shape, [1, 28, 28])
        XCTAssertEqual(image.dtype, .float32)
        XCTAssertEqual(label, 7)                       // the first test digit is a 7
        XCTAssertEqual(Array(test.targets[0..<5].toArray(as: Int.self)), [7, 2, 1, 0, 4])
        let counts = test.targets.toArray(as: Int.self).reduce(into: [Int](repeating: 0, count: 10)) { $0[$1] += 1 }
        XCTAssertEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        XCTAssertEqual(image.max().item(), 1)
        // torchvision code often passes download before transform; both orders build the same set
        let reordered = try MNIST(root: root, train: false, download: false, transform: Compose([ToTensor(), Normalize(mean: [0.1307], std: [0.3081])]))
        XCTAssertEqual(reordered[0].0.mean().item(), (image.mean().item() - 0.1307) / 0.3081, accuracy: 1e-5)
        let loader = DataLoader(test, batchSize: 100)
        var batches = 0
        for (images, labels) in loader {
            XCTAssertEqual(images.shape, [100, 1, 28, 28])
            XCTAssertEqual(labels.dtype, .int64)
            batches += 1
            if batches == 3 { break }
        }
        XCTAssertEqual(loader.count, 100)
    }

    func testMNISTReadsRawAndGzipFilesAndTransformsTargets() throws {
        let root = try temporaryFolder(), raw = root + "/FashionMNIST/raw"
        let pixels = (0..<(3 * 28 * 28)).map { UInt8($0 % 251) }
        try write(idx([3, 28, 28], pixels), raw + "/t10k-images-idx3-ubyte")
        try write(gzipped(idx([3], [4, 0, 9])), raw + "/t10k-labels-idx1-ubyte.gz")
        let set = try FashionMNIST(root: root, train: false, targetTransform: { $0 + 1 })
        XCTAssertEqual(set.count, 3)
        XCTAssertEqual(set[2].1, 10)
        XCTAssertEqual(set[1].0.shape, [1, 28, 28])
        XCTAssertEqual(set[1].0.toArray(as: UInt8.self), Array(pixels[784..<1568]))
        XCTAssertEqual(FashionMNIST.classes[9], "Ankle boot")
    }

    func testMNISTBadFilesThrow() throws {
        let root = try temporaryFolder(), raw = root + "/MNIST/raw"
        assertThrows(.missingFile, { _ = try MNIST(root: root) }, mentioning: "download: true")
        let labels = idx([2], [1, 2])
        try write(labels, raw + "/train-labels-idx1-ubyte")
        // wrong magic number
        try write([0, 0, 9, 3] + Array(idx([2, 28, 28], [UInt8](repeating: 0, count: 1568)).dropFirst(4)), raw + "/train-images-idx3-ubyte")
        assertThrows(.corrupt, { _ = try MNIST(root: root) }, mentioning: "magic")
        // the header declares more images than the file holds
        try write(idx([5, 28, 28], [UInt8](repeating: 0, count: 1568)), raw + "/train-images-idx3-ubyte")
        assertThrows(.truncated, { _ = try MNIST(root: root) })
        // a header cut short
        try write([0, 0, 8, 3, 0, 0], raw + "/train-images-idx3-ubyte")
        assertThrows(.truncated, { _ = try MNIST(root: root) })
        // images and labels disagree
        try write(idx([3, 28, 28], [UInt8](repeating: 0, count: 2352)), raw + "/train-images-idx3-ubyte")
        assertThrows(.corrupt, { _ = try MNIST(root: root) })
        // a truncated and a corrupt gzip file
        try FileManager.default.removeItem(atPath: raw + "/train-images-idx3-ubyte")
        let compressed = gzipped(idx([2, 28, 28], [UInt8](repeating: 7, count: 1568)))
        try write(Array(compressed.prefix(compressed.count / 2)), raw + "/train-images-idx3-ubyte.gz")
        assertThrows(.truncated, { _ = try MNIST(root: root) })
        var corrupt = compressed
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        try write(corrupt, raw + "/train-images-idx3-ubyte.gz")
        XCTAssertThrowsError(try MNIST(root: root))
        try write(compressed, raw + "/train-images-idx3-ubyte.gz")
        XCTAssertEqual(try MNIST(root: root).count, 2)
        // a labels file with a valid header and labels outside the ten classes: refused when loading, not when training
        try write(idx([2], [3, 103]), raw + "/train-labels-idx1-ubyte")
        assertThrows(.corrupt, { _ = try MNIST(root: root) }, mentioning: "label 103 of image 1")
    }

    // MARK: CIFAR

    func cifarRecords(_ labels: [[UInt8]]) -> [UInt8] {
        labels.enumerated().flatMap { k, label in label + (0..<3072).map { UInt8(($0 + k) % 256) } }
    }

    func testCIFARBinaryFiles() throws {
        let root = try temporaryFolder()
        for (index, file) in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"].enumerated() {
            try write(cifarRecords([[UInt8(index)], [9]]), root + "/cifar-10-batches-bin/\(file).bin")
        }
        let train = try CIFAR10(root: root, transform: Compose([ToTensor(), Normalize(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])]))
        XCTAssertEqual(train.count, 10)
        XCTAssertEqual(train.targets, [0, 9, 1, 9, 2, 9, 3, 9, 4, 9])
        let (image, _) = train[1]
        XCTAssertEqual(image.shape, [3, 32, 32])
        // record 1's first red pixel is 1, its first green pixel (byte 1024) is 1025 mod 256 = 1
        XCTAssertEqual(image[0, 0, 0].item(), (1.0 / 255 - 0.5) / 0.5, accuracy: 1e-6)
        XCTAssertEqual(image[1, 0, 0].item(), (1.0 / 255 - 0.5) / 0.5, accuracy: 1e-6)
        XCTAssertEqual(image[0, 0, 2].item(), (3.0 / 255 - 0.5) / 0.5, accuracy: 1e-6)
        XCTAssertEqual(try CIFAR10(root: root, train: false).targets, [5, 9])
        XCTAssertEqual(CIFAR10.classes[3], "cat")

        try write(cifarRecords([[3, 42], [1, 99]]), root + "/cifar-100-binary/test.bin")
        try write(Array("apple\naquarium_fish\n".utf8), root + "/cifar-100-binary/fine_label_names.txt")
        let hundred = try CIFAR100(root: root, train: false)
        XCTAssertEqual(hundred.targets, [42, 99])
        XCTAssertEqual(hundred.classes, ["apple", "aquarium_fish"])
    }

    func testCIFARBadFilesThrow() throws {
        let root = try temporaryFolder()
        assertThrows(.missingFile, { _ = try CIFAR10(root: root, train: false) }, mentioning: "cifar-10-binary.tar.gz")
        try write(Array(cifarRecords([[1]]).dropLast(5)), root + "/cifar-10-batches-bin/test_batch.bin")
        assertThrows(.truncated, { _ = try CIFAR10(root: root, train: false) })
        try write(cifarRecords([[12]]), root + "/cifar-10-batches-bin/test_batch.bin")
        assertThrows(.corrupt, { _ = try CIFAR10(root: root, train: false) }, mentioning: "label 12")
        try write([], root + "/cifar-10-batches-bin/test_batch.bin")
        assertThrows(.truncated, { _ = try CIFAR10(root: root, train: false) })
    }

    // MARK: ImageFolder

    func testImageFolderReadsPNGAndJPEGInSortedClasses() throws {
        let root = try temporaryFolder()
        let red = Tensor.zeros([3, 6, 5], dtype: .uint8)
        red[0] = Tensor(UInt8(200))
        let gray = Tensor((0..<20).map { UInt8($0 * 10) }, shape: [1, 4, 5])
        try write(encodePNG(red), root + "/dog/b.png")
        try write(encodePNG(gray), root + "/dog/a.PNG")
        try write(encodeJPEG(Tensor.full([3, 8, 8], 128, dtype: .uint8), quality: 95), root + "/cat/nested/x.jpg")
        try write(Array("not an image".utf8), root + "/cat/readme.txt")
        let folder = try ImageFolder(root: root, transform: Resize([4, 4]))
        XCTAssertEqual(folder.classes, ["cat", "dog"])
        XCTAssertEqual(folder.classToIndex, ["cat": 0, "dog": 1])
        XCTAssertEqual(folder.count, 3)
        XCTAssertEqual(folder.targets, [0, 1, 1])
        XCTAssertTrue(folder.samples[1].path.hasSuffix("dog/a.PNG"))
        let (jpeg, catLabel) = try folder.element(at: 0)
        XCTAssertEqual(catLabel, 0)
        XCTAssertEqual(jpeg.shape, [3, 4, 4])
        XCTAssertEqual(jpeg.to(.float32).mean().item(), 128, accuracy: 2)       // JPEG is lossy
        let (grayAsRGB, _) = try folder.element(at: 1)
        XCTAssertEqual(grayAsRGB.shape, [3, 4, 4])                             // gray files become RGB
        XCTAssertEqual(grayAsRGB[0].toArray(as: UInt8.self), grayAsRGB[2].toArray(as: UInt8.self))
        let asStored = try ImageFolder(root: root, loader: { try readImage($0) })
        XCTAssertEqual(try asStored.element(at: 1).0.shape, [1, 4, 5], "a custom loader keeps the gray channel")
        let exact = try ImageFolder(root: root)
        XCTAssertEqual(try exact.element(at: 2).0.toArray(as: UInt8.self), red.toArray(as: UInt8.self))   // PNG is lossless
        var seen = 0
        try DataLoader(exact, batchSize: 1, numWorkers: 2).forEachBatch { images, labels in
            XCTAssertEqual(images.dim, 4)
            seen += labels.size(0)
        }
        XCTAssertEqual(seen, 3)
    }

    func testImageFolderBadInputsThrow() throws {
        let root = try temporaryFolder()
        assertThrows(.missingFile, { _ = try ImageFolder(root: root + "/absent") })
        assertThrows(.missingFile, { _ = try ImageFolder(root: root) }, mentioning: "no class folders")
        try write(Array("text".utf8), root + "/empty/notes.txt")
        assertThrows(.missingFile, { _ = try ImageFolder(root: root) }, mentioning: "empty")
        let png = try encodePNG(Tensor.full([3, 16, 16], 9, dtype: .uint8))
        try write(Array(png.prefix(png.count - 20)), root + "/empty/cut.png")
        try write([0x89, 0x50, 0x4E, 0x47, 1, 2, 3], root + "/empty/garbage.png")
        let jpeg = try encodeJPEG(Tensor.full([3, 16, 16], 9, dtype: .uint8))
        try write(Array(jpeg.prefix(jpeg.count / 3)), root + "/empty/cut.jpg")
        try write(Array("plain text".utf8), root + "/empty/text.png")
        let folder = try ImageFolder(root: root)
        XCTAssertEqual(folder.count, 4)
        for index in 0..<folder.count { XCTAssertThrowsError(try folder.element(at: index), folder.samples[index].path) }
        XCTAssertThrowsError(try DataLoader(folder, batchSize: 2, numWorkers: 2).forEachBatch { _ in })
        assertThrows(.missingFile, { _ = try readImage(root + "/nothing.png") })
        assertThrows(.corrupt, { _ = try decodeImage([1, 2, 3]) })
        assertThrows(.unsupported, { _ = try encodePNG(Tensor.zeros([2, 4, 4], dtype: .uint8)) })
        assertThrows(.unsupported, { _ = try encodeJPEG(Tensor.zeros([3, 4, 4])) })
    }

    /// Every cut and 150 seeded mutations of a PNG, a JPEG and a gzip IDX file: each either decodes or
    /// throws a VisionError, none crashes; forged huge dimensions are refused before any allocation.
    func testMutatedImageAndIDXFilesOnlyThrow() throws {
        let image = Tensor((0..<(3 * 12 * 10)).map { UInt8(($0 * 7) % 256) }, shape: [3, 12, 10])
        let png = try encodePNG(image), jpeg = try encodeJPEG(image, quality: 90)
        let idxFile = gzipped(idx([2, 28, 28], (0..<1568).map { UInt8($0 % 256) }))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var refused = 0, decoded = 0
        func attempt(_ body: () throws -> Void) {
            do { try body(); decoded += 1 } catch is VisionError { refused += 1 } catch { XCTFail("not a VisionError: \(error)") }
        }
        let root = try temporaryFolder(), raw = root + "/MNIST/raw"
        try write(idx([2], [1, 2]), raw + "/t10k-labels-idx1-ubyte")
        for (name, bytes) in [("png", png), ("jpeg", jpeg), ("idx", idxFile)] {
            var inputs = (0..<bytes.count).map { Array(bytes.prefix($0)) }
            for _ in 0..<150 {
                var mutated = bytes
                for _ in 0..<(1 + next(4)) { mutated[next(mutated.count)] = UInt8(next(256)) }
                inputs.append(mutated)
            }
            for input in inputs {
                if name == "idx" {
                    try write(input, raw + "/t10k-images-idx3-ubyte.gz")
                    attempt { _ = try MNIST(root: root, train: false) }
                } else {
                    attempt { _ = try decodeImage(input) }
                }
            }
        }
        XCTAssertGreaterThan(refused, png.count + jpeg.count)
        print("mutated image/IDX inputs: \(refused) refused, \(decoded) decoded")
        // a well-formed PNG header (checksum included) claiming 100,000 × 100,000 pixels
        var huge = png
        for (offset, value) in [(16, 100_000), (20, 100_000)] {
            for k in 0..<4 { huge[offset + k] = UInt8((value >> (8 * (3 - k))) & 255) }
        }
        let checksum = crc32(huge[12..<29])
        for k in 0..<4 { huge[29 + k] = UInt8((checksum >> (8 * UInt32(3 - k))) & 255) }
        assertThrows(.corrupt, { _ = try decodeImage(huge) }, mentioning: "too large")
    }

    // MARK: Downloads

    func testDownloadVerifiesResumesAndExplainsFailures() throws {
        let source = try temporaryFolder(), target = try temporaryFolder()
        let payload = gzipped(idx([1], [3]))
        try write(payload, source + "/file.gz")
        let file = RemoteFile(name: "file.gz", md5: md5Hex(payload))
        // a partial download is completed, not restarted
        try write(Array(payload.prefix(10)), target + "/.file.gz.part")
        try Downloader.fetch(file, mirrors: ["file://\(source)/"], into: target)
        XCTAssertEqual(try readFileBytes(target + "/file.gz"), payload)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + "/.file.gz.part"))
        // a wrong checksum leaves nothing behind
        let other = try temporaryFolder()
        assertThrows(.download, { try Downloader.fetch(RemoteFile(name: "file.gz", md5: String(repeating: "0", count: 32)),
                                                       mirrors: ["file://\(source)/"], into: other) }, mentioning: "checksum")
        XCTAssertFalse(FileManager.default.fileExists(atPath: other + "/file.gz"))
        // no network: the error says where to put the file
        assertThrows(.download, { try Downloader.fetch(file, mirrors: ["http://127.0.0.1:9/"], into: other) }, mentioning: other)
        assertThrows(.download, { _ = try MNIST(root: other, download: true) }, mentioning: "MNIST/raw")
    }

    func testHTTPDownloadResumesWithARangeRequest() throws {
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let file = RemoteFile(name: "data.bin", md5: md5Hex(payload))
        let server = try LoopbackHTTPServer(files: ["/files/data.bin": payload])
        defer { server.stop() }
        let mirror = "http://127.0.0.1:\(server.port)/files/"
        let target = try temporaryFolder()
        try write(Array(payload.prefix(40_000)), target + "/.data.bin.part")      // an interrupted earlier attempt
        try Downloader.fetch(file, mirrors: ["http://127.0.0.1:\(server.port)/missing/", mirror], into: target)
        XCTAssertEqual(try readFileBytes(target + "/data.bin"), payload)
        XCTAssertEqual(server.ranges, ["40000-", "40000-"], "each mirror was asked only for the missing bytes")
        // a server that ignores ranges sends the whole file, which replaces the partial one
        let plain = try LoopbackHTTPServer(files: ["/data.bin": payload], ignoresRanges: true)
        defer { plain.stop() }
        let other = try temporaryFolder()
        try write(Array(payload.prefix(5)), other + "/.data.bin.part")
        try Downloader.fetch(file, mirrors: ["http://127.0.0.1:\(plain.port)/"], into: other)
        XCTAssertEqual(try readFileBytes(other + "/data.bin"), payload)
        // a partial file that is already whole (the server answers 416) is checked and kept
        let whole = try temporaryFolder()
        try write(payload, whole + "/.data.bin.part")
        try Downloader.fetch(file, mirrors: [mirror], into: whole)
        XCTAssertEqual(try readFileBytes(whole + "/data.bin"), payload)
        // an HTTP error names the status
        assertThrows(.download, { try Downloader.fetch(file, mirrors: [mirror + "nope/"], into: other + "/x") }, mentioning: "404")
    }

    func testMD5AndTarExtraction() throws {
        XCTAssertEqual(md5Hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(md5Hex(Array("The quick brown fox jumps over the lazy dog".utf8)), "9e107d9d372bb6826bd81d3542a419d6")
        XCTAssertEqual(md5Hex([UInt8](repeating: 97, count: 1000)), "cabe45dcc9ae5b66ba86600cca6b8ba8")
        let root = try temporaryFolder()
        func member(_ name: String, _ contents: [UInt8]) -> [UInt8] {
            var header = [UInt8](repeating: 0, count: 512)
            header.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
            let size = Array(String(format: "%011o", contents.count).utf8)
            header.replaceSubrange(124..<(124 + size.count), with: size)
            header[156] = UInt8(ascii: "0")
            return header + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        }
        try write(gzipped(member("set/a.bin", [1, 2, 3]) + [UInt8](repeating: 0, count: 1024)), root + "/good.tar.gz")
        try TarArchive.extractGzip(root + "/good.tar.gz", into: root + "/out")
        XCTAssertEqual(try readFileBytes(root + "/out/set/a.bin"), [1, 2, 3])
        try write(gzipped(member("../escape.bin", [1])), root + "/evil.tar.gz")
        assertThrows(.corrupt, { try TarArchive.extractGzip(root + "/evil.tar.gz", into: root + "/out") })
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/escape.bin"))
        try write(gzipped(Array(member("set/b.bin", [UInt8](repeating: 5, count: 700)).prefix(900))), root + "/cut.tar.gz")
        assertThrows(.truncated, { try TarArchive.extractGzip(root + "/cut.tar.gz", into: root + "/out") })
    }
}
