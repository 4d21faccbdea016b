// What the downloadable data sets share: torchvision's constructor.
import Ember

/// A data set constructed as torchvision's are: `root`, `train`, `transform`, `targetTransform`,
/// `download` (MNIST, FashionMNIST, CIFAR10, CIFAR100).
public protocol TorchvisionDataset: Dataset {
    /// Loads the split from `root`, downloading it first when asked.
    init(root: String, train: Bool, transform: (any Transform)?, targetTransform: ((Int) -> Int)?, download: Bool) throws
}

extension TorchvisionDataset {
    /// The same constructor with `download` before `transform`, the order much torchvision code passes
    /// them in (`MNIST(root: "data", train: true, download: true, transform: ToTensor())`).
    public init(root: String, train: Bool = true, download: Bool, transform: any Transform,
                targetTransform: ((Int) -> Int)? = nil) throws {
        try self.init(root: root, train: train, transform: transform, targetTransform: targetTransform, download: download)
    }
}
