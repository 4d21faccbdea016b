// MNIST and Fashion-MNIST (`torchvision.datasets.MNIST`, `FashionMNIST`): the IDX files, raw or gzip.
import Ember
import Foundation

/// The handwritten digits of Yann LeCun and Corinna Cortes (`torchvision.datasets.MNIST`): 60,000
/// training and 10,000 test images, 28×28 gray, read from `root/MNIST/raw/` (the IDX files, raw or `.gz`).
/// Samples are (image, label): a uint8 [1, 28, 28] tensor through `transform`, and the digit.
public typealias MNIST = IDXImageDataset<MNISTFiles>

/// Zalando's Fashion-MNIST (`torchvision.datasets.FashionMNIST`): MNIST's layout with ten kinds of
/// clothing, read from `root/FashionMNIST/raw/`.
public typealias FashionMNIST = IDXImageDataset<FashionMNISTFiles>

/// Where a data set in MNIST's layout lives and what it holds.
public protocol IDXImageFiles {
    /// The folder under `root` (its `raw/` sub-folder holds the files).
    static var folder: String { get }
    /// The class names, by label.
    static var classes: [String] { get }
    /// Where the files can be downloaded from, tried in order.
    static var mirrors: [String] { get }
    /// The four files and their MD5 sums.
    static var files: [RemoteFile] { get }
}

/// MNIST's handwritten digits.
public enum MNISTFiles: IDXImageFiles {
    public static let folder = "MNIST"
    /// The ten digits, as torchvision names them.
    public static let classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                                 "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    /// torchvision's mirrors.
    public static let mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    /// The four files and their MD5 sums.
    public static let files = [RemoteFile(name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                               RemoteFile(name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432"),
                               RemoteFile(name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3"),
                               RemoteFile(name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c")]
}

/// Zalando's Fashion-MNIST: ten kinds of clothing in MNIST's format.
public enum FashionMNISTFiles: IDXImageFiles {
    public static let folder = "FashionMNIST"
    /// The ten kinds, as torchvision names them.
    public static let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    /// torchvision's mirror.
    public static let mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    /// The four files and their MD5 sums.
    public static let files = [RemoteFile(name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                               RemoteFile(name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe"),
                               RemoteFile(name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79"),
                               RemoteFile(name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310")]
}

/// A data set in MNIST's layout (`MNIST`, `FashionMNIST`): the images and labels of an IDX pair, held
/// in memory.
public struct IDXImageDataset<Files: IDXImageFiles>: TorchvisionDataset {
    /// The class names, by label.
    public static var classes: [String] { Files.classes }

    /// All images, uint8 [N, H, W] (torchvision's `data`).
    public let data: Tensor
    /// All labels, int64 [N] (torchvision's `targets`).
    public let targets: Tensor
    let labels: [Int]
    /// The `transform` argument it was made with.
    public let transform: (any Transform)?
    /// The `target_transform` argument it was made with.
    public let targetTransform: ((Int) -> Int)?

    /// The training or test split, read from `root` (`MNIST(root, train=…, …)`).
    ///
    /// - Parameters:
    ///   - root: the folder that holds `MNIST/raw/` (`FashionMNIST/raw/`).
    ///   - train: the training images, or else the test images.
    ///   - transform: applied to each image.
    ///   - targetTransform: applied to each label.
    ///   - download: fetch missing files from the mirrors (checked against their MD5).
    public init(root: String, train: Bool = true, transform: (any Transform)? = nil,
                targetTransform: ((Int) -> Int)? = nil, download: Bool = false) throws {
        let raw = ((root as NSString).appendingPathComponent(Files.folder) as NSString).appendingPathComponent("raw")
        let prefix = train ? "train" : "t10k"
        if download {
            for file in Files.files where file.name.hasPrefix(prefix) && findIDX(in: raw, named: file.name) == nil {
                try Downloader.fetch(file, mirrors: Files.mirrors, into: raw)
            }
        }
        let images = try readIDX(in: raw, named: "\(prefix)-images-idx3-ubyte")
        let labels = try readIDX(in: raw, named: "\(prefix)-labels-idx1-ubyte")
        guard images.dim == 3, labels.dim == 1, images.shape[0] == labels.shape[0] else {
            throw VisionError(.corrupt, "\(raw): \(images.shape) images do not match \(labels.shape) labels")
        }
        data = images
        targets = labels.to(.int64)
        self.labels = targets.toArray(as: Int.self)
        let classCount = Files.classes.count
        if let bad = self.labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw VisionError(.corrupt, "\(raw)/\(prefix)-labels-idx1-ubyte: label \(self.labels[bad]) of image \(bad) is not one of "
                              + "the \(classCount) classes (0-\(classCount - 1))")
        }
        self.transform = transform
        self.targetTransform = targetTransform
    }

    /// The class names, by label.
    public var classes: [String] { Files.classes }
    /// The number of images.
    public var count: Int { labels.count }

    /// The image (after the transform) and the label of sample `index`.
    public subscript(index: Int) -> (Tensor, Int) {
        let image = data[index].unsqueeze(0)
        return (transform?(image) ?? image, targetTransform?(labels[index]) ?? labels[index])
    }
}

/// The path of an IDX file in `folder`, raw or gzip-compressed (`name` may carry `.gz` or not).
func findIDX(in folder: String, named name: String) -> String? {
    let base = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
    return [base, base + ".gz"].map { (folder as NSString).appendingPathComponent($0) }
        .first { FileManager.default.fileExists(atPath: $0) }
}

/// Reads an IDX file of unsigned bytes (magic 0x00 0x00 0x08 rank, big-endian sizes, then the data)
/// into a uint8 tensor of the declared shape.
func readIDX(in folder: String, named name: String) throws -> Tensor {
    guard let path = findIDX(in: folder, named: name) else {
        throw VisionError(.missingFile, """
            \(name)(.gz) not found in \(folder): pass download: true, or copy the data set's files there
            """, path: (folder as NSString).appendingPathComponent(name))
    }
    var bytes = try readFileBytes(path)
    if path.hasSuffix(".gz") { bytes = try gunzip(bytes, name: path) }
    guard bytes.count >= 4 else { throw VisionError(.truncated, "\(path): shorter than an IDX header") }
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08, (1...4).contains(bytes[3]) else {
        throw VisionError(.corrupt, "\(path): wrong magic number \(bytes[0..<4].map { String($0, radix: 16) }) for an IDX file of bytes")
    }
    let rank = Int(bytes[3])
    guard bytes.count >= 4 + 4 * rank else { throw VisionError(.truncated, "\(path): the IDX header is cut short") }
    let shape = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
    let (count, overflow) = shape.reduce((1, false)) { acc, n in
        let product = acc.0.multipliedReportingOverflow(by: n)
        return (product.partialValue, acc.1 || product.overflow)
    }
    let start = 4 + 4 * rank
    guard !overflow, bytes.count - start >= count else {
        throw VisionError(.truncated, "\(path): holds \(bytes.count - start) bytes of data, its header declares \(shape)")
    }
    guard bytes.count - start == count else {
        throw VisionError(.corrupt, "\(path): \(bytes.count - start - count) bytes after the declared \(shape) data")
    }
    let tensor = Tensor.empty(shape, dtype: .uint8)
    tensor.withUnsafeMutableBufferPointer(as: UInt8.self) { target in
        bytes.withUnsafeBufferPointer { target.baseAddress!.update(from: $0.baseAddress! + start, count: count) }
    }
    return tensor
}
