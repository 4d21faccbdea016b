// A folder of images with one sub-folder per class (`torchvision.datasets.ImageFolder`).
import Ember
import Foundation

/// Images arranged as `root/<class>/<…>/<image>.png` (`torchvision.datasets.ImageFolder`): classes are
/// the sub-folder names in sorted order, samples every PNG or JPEG file below them in sorted order.
/// Images are read when a sample is asked for, by default as 3-channel uint8 [3, H, W] (gray and RGBA
/// files are converted to RGB, as torchvision's loader does); `element(at:)` throws for a file that cannot be
/// decoded, which a `DataLoader`'s `forEachBatch` rethrows.
public struct ImageFolder: Dataset {
    /// The file extensions read (lowercased).
    public static let extensions = ["png", "jpg", "jpeg"]

    /// The `root` argument it was made with.
    public let root: String
    /// The `classes` argument it was made with.
    public let classes: [String]
    /// The `class_to_index` argument it was made with.
    public let classToIndex: [String: Int]
    /// (path, class index) of every sample.
    public let samples: [(path: String, target: Int)]
    /// The `transform` argument it was made with.
    public let transform: (any Transform)?
    /// The `target_transform` argument it was made with.
    public let targetTransform: ((Int) -> Int)?
    /// Reads one file into an image tensor.
    public let loader: (String) throws -> Tensor

    /// The images under `root`, one subfolder per class (`ImageFolder(root, …)`).
    ///
    /// - Parameters:
    ///   - root: the folder with one subfolder of images per class; classes are the subfolders' names, sorted.
    ///   - transform: applied to each image.
    ///   - targetTransform: applied to each class index.
    ///   - loader: reads a file (by path); by default `readImage` converted to RGB, as torchvision's
    ///     default loader converts to RGB.
    ///   - isValidFile: which files to take (by path); by default those with a PNG or JPEG extension.
    public init(root: String, transform: (any Transform)? = nil, targetTransform: ((Int) -> Int)? = nil,
                loader: ((String) throws -> Tensor)? = nil, isValidFile: ((String) -> Bool)? = nil) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VisionError(.missingFile, "\(root): no such folder")
        }
        let entries = (try? manager.contentsOfDirectory(atPath: root)) ?? []
        classes = entries.filter { entry in
            var folder: ObjCBool = false
            return manager.fileExists(atPath: (root as NSString).appendingPathComponent(entry), isDirectory: &folder) && folder.boolValue
        }.sorted()
        guard !classes.isEmpty else { throw VisionError(.missingFile, "\(root): no class folders found") }
        classToIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        let accept = isValidFile ?? { Self.extensions.contains(($0 as NSString).pathExtension.lowercased()) }
        var samples: [(String, Int)] = []
        var empty: [String] = []
        for (index, name) in classes.enumerated() {
            let folder = (root as NSString).appendingPathComponent(name)
            let files = (manager.subpaths(atPath: folder) ?? []).sorted()
                .map { (folder as NSString).appendingPathComponent($0) }
                .filter { path in
                    var directory: ObjCBool = false
                    return manager.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue && accept(path)
                }
            if files.isEmpty { empty.append(name) }
            samples += files.map { ($0, index) }
        }
        guard empty.isEmpty else {
            throw VisionError(.missingFile, "\(root): no image files (\(Self.extensions.joined(separator: ", "))) for the classes \(empty)")
        }
        self.root = root
        self.loader = loader ?? { try Self.rgb(readImage($0)) }
        self.samples = samples
        self.transform = transform
        self.targetTransform = targetTransform
    }

    /// The number of images.
    public var count: Int { samples.count }
    /// The class index of each image.
    public var targets: [Int] { samples.map(\.target) }

    /// Reads, converts and transforms the sample at `index`.
    public func element(at index: Int) throws -> (Tensor, Int) {
        let (path, target) = samples[index]
        let image = try loader(path)
        return (transform?(image) ?? image, targetTransform?(target) ?? target)
    }

    /// The sample at `index`; stops with the error's message when its file cannot be read (use
    /// `element(at:)` to handle that).
    public subscript(index: Int) -> (Tensor, Int) {
        do { return try element(at: index) } catch { preconditionFailure("ImageFolder: \(error)") }
    }

    /// Gray images repeated into three channels, alpha dropped.
    static func rgb(_ image: Tensor) -> Tensor {
        switch image.shape[0] {
        case 1: return image.expand([3, image.shape[1], image.shape[2]]).contiguous()
        case 4: return image.narrow(0, start: 0, length: 3).contiguous()
        default: return image
        }
    }
}
