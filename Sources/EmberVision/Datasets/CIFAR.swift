// CIFAR-10 and CIFAR-100 (`torchvision.datasets.CIFAR10`, `CIFAR100`), from the binary version's files.
import Ember
import Foundation

/// Alex Krizhevsky's CIFAR-10 (`torchvision.datasets.CIFAR10`): 50,000 training and 10,000 test colour
/// images, 32×32, in ten classes, read from the binary version in `root/cifar-10-batches-bin/`.
/// Samples are (uint8 [3, 32, 32] image through `transform`, class index).
public struct CIFAR10: TorchvisionDataset {
    /// The ten classes, by label.
    public static let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    static let archive = RemoteFile(name: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530")

    let split: CIFARSplit

    /// `CIFAR10(…)`, with torchvision's arguments and defaults.
    public init(root: String, train: Bool = true, transform: (any Transform)? = nil,
                targetTransform: ((Int) -> Int)? = nil, download: Bool = false) throws {
        let files = train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        split = try CIFARSplit(root: root, folder: "cifar-10-batches-bin", files: files, archive: Self.archive,
                               labelBytes: 1, classCount: 10, download: download, transform: transform, targetTransform: targetTransform)
    }

    /// All images, uint8 [N, 3, 32, 32].
    public var data: Tensor { split.data }
    /// The labels, by sample.
    public var targets: [Int] { split.targets }
    /// The class names, by label.
    public var classes: [String] { Self.classes }
    /// The number of images.
    public var count: Int { split.targets.count }
    /// The image (after the transform) and the label of sample `index`.
    public subscript(index: Int) -> (Tensor, Int) { split[index] }
}

/// CIFAR-100 (`torchvision.datasets.CIFAR100`): CIFAR-10's layout with 100 fine classes, read from
/// `root/cifar-100-binary/` (`train.bin`, `test.bin`); targets are the fine labels.
public struct CIFAR100: TorchvisionDataset {
    static let archive = RemoteFile(name: "cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8")

    let split: CIFARSplit
    /// The fine class names, from `fine_label_names.txt` when the folder has it.
    public let classes: [String]

    /// `CIFAR100(…)`, with torchvision's arguments and defaults.
    public init(root: String, train: Bool = true, transform: (any Transform)? = nil,
                targetTransform: ((Int) -> Int)? = nil, download: Bool = false) throws {
        split = try CIFARSplit(root: root, folder: "cifar-100-binary", files: [train ? "train.bin" : "test.bin"], archive: Self.archive,
                               labelBytes: 2, classCount: 100, download: download, transform: transform, targetTransform: targetTransform)
        let names = (root as NSString).appendingPathComponent("cifar-100-binary/fine_label_names.txt")
        classes = (try? String(contentsOfFile: names, encoding: .utf8))?.split(whereSeparator: \.isNewline).map(String.init) ?? []
    }

    /// The images, uint8 [N, 32, 32, 3] as torchvision's `data`.
    public var data: Tensor { split.data }
    /// The labels, by sample.
    public var targets: [Int] { split.targets }
    /// The number of images.
    public var count: Int { split.targets.count }
    /// The image (after the transform) and the label of sample `index`.
    public subscript(index: Int) -> (Tensor, Int) { split[index] }
}

/// The records of CIFAR binary files: `labelBytes` label bytes (the last one is the class) and
/// 3072 bytes of pixels, red then green then blue planes.
struct CIFARSplit {
    static let imageBytes = 3 * 32 * 32
    let data: Tensor
    let targets: [Int]
    let transform: (any Transform)?
    let targetTransform: ((Int) -> Int)?

    init(root: String, folder: String, files: [String], archive: RemoteFile, labelBytes: Int, classCount: Int,
         download: Bool, transform: (any Transform)?, targetTransform: ((Int) -> Int)?) throws {
        let directory = (root as NSString).appendingPathComponent(folder)
        let paths = files.map { (directory as NSString).appendingPathComponent($0) }
        if download && !paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            try Downloader.fetch(archive, mirrors: ["https://www.cs.toronto.edu/~kriz/"], into: root)
            try TarArchive.extractGzip((root as NSString).appendingPathComponent(archive.name), into: root)
        }
        let recordBytes = labelBytes + Self.imageBytes
        var pixels: [UInt8] = [], labels: [Int] = []
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else {
                throw VisionError(.missingFile, """
                    \(path) not found: pass download: true, or unpack \(archive.name) (the binary version) into \(root)
                    """)
            }
            let bytes = try readFileBytes(path)
            guard !bytes.isEmpty, bytes.count % recordBytes == 0 else {
                throw VisionError(.truncated, "\(path): \(bytes.count) bytes is not a whole number of \(recordBytes)-byte records")
            }
            pixels.reserveCapacity(pixels.count + bytes.count)
            for start in stride(from: 0, to: bytes.count, by: recordBytes) {
                let label = Int(bytes[start + labelBytes - 1])
                guard label < classCount else {
                    throw VisionError(.corrupt, "\(path): record \(start / recordBytes) has label \(label), past \(classCount) classes")
                }
                labels.append(label)
                pixels += bytes[(start + labelBytes)..<(start + recordBytes)]
            }
        }
        data = Tensor(pixels, shape: [labels.count, 3, 32, 32])
        targets = labels
        self.transform = transform
        self.targetTransform = targetTransform
    }

    subscript(index: Int) -> (Tensor, Int) {
        let image = data[index]
        return (transform?(image) ?? image, targetTransform?(targets[index]) ?? targets[index])
    }
}
