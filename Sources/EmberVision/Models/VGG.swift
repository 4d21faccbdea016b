// VGG (`torchvision.models.vgg*`) with torchvision's module names, and the CIFAR-10 variant of the tutorials.
import Ember

/// A VGG network (`torchvision.models.VGG`): `features` (3×3 convolutions and max pooling), `avgpool`
/// and a three-layer `classifier`. Build one with `vgg11`, `vgg16` (optionally with batch norm), or
/// `VGG.cifar` for 32×32 images.
public final class VGG: Module {
    /// Layer configurations: channel counts, `nil` for a 2×2 max pooling.
    public static let configurations: [String: [Int?]] = [
        "A": [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        "B": [64, 64, nil, 128, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        "D": [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil],
        "E": [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512, 512, 512, nil],
    ]

    /// The convolution blocks.
    public var features: Sequential
    /// The average pooling to 7×7 (identity in the CIFAR variant).
    public var avgpool: Module
    /// The fully connected layers.
    public var classifier: Sequential

    /// torchvision's VGG: `features`, `AdaptiveAvgPool2d(7)`, then 25088 → 4096 → 4096 → `numClasses`
    /// with ReLU and dropout.
    public init(features: Sequential, numClasses: Int = 1000, dropout: Double = 0.5) {
        self.features = features
        avgpool = AdaptiveAvgPool2d(7)
        classifier = Sequential(Linear(512 * 7 * 7, 4096), ReLU(inplace: true), Dropout(dropout),
                                Linear(4096, 4096), ReLU(inplace: true), Dropout(dropout),
                                Linear(4096, numClasses))
        super.init()
        initializeLikeTorchvision(self, linearStd: 0.01)
    }

    private init(features: Sequential, avgpool: Module, classifier: Sequential) {
        (self.features, self.avgpool, self.classifier) = (features, avgpool, classifier)
        super.init()
        initializeLikeTorchvision(self, linearStd: 0.01)
    }

    /// The tutorials' VGG for CIFAR-10's 32×32 images: configuration `configuration` with batch norm,
    /// its five poolings leaving 512×1×1, then one linear layer (`classifier.0`).
    public static func cifar(_ configuration: String = "D", numClasses: Int = 10) -> VGG {
        VGG(features: makeLayers(configurations[configuration]!, batchNorm: true), avgpool: Identity(),
            classifier: Sequential(Linear(512, numClasses)))
    }

    /// The `features` stack of a configuration (`torchvision.models.vgg.make_layers`).
    public static func makeLayers(_ configuration: [Int?], batchNorm: Bool = false) -> Sequential {
        var layers: [Module] = [], channels = 3
        for entry in configuration {
            guard let width = entry else { layers.append(MaxPool2d(2, stride: 2)); continue }
            layers.append(Conv2d(channels, width, kernelSize: 3, padding: 1))
            if batchNorm { layers.append(BatchNorm2d(width)) }
            layers.append(ReLU(inplace: true))
            channels = width
        }
        return Sequential(layers)
    }

    /// The logits of images [N, 3, H, W].
    public override func forward(_ x: Tensor) -> Tensor {
        classifier(avgpool(features(x)).flatten(startDim: 1))
    }
}

/// VGG-11 (`torchvision.models.vgg11`, or `vgg11_bn` with `batchNorm`).
public func vgg11(numClasses: Int = 1000, batchNorm: Bool = false) -> VGG {
    VGG(features: VGG.makeLayers(VGG.configurations["A"]!, batchNorm: batchNorm), numClasses: numClasses)
}

/// VGG-16 (`torchvision.models.vgg16`, or `vgg16_bn` with `batchNorm`).
public func vgg16(numClasses: Int = 1000, batchNorm: Bool = false) -> VGG {
    VGG(features: VGG.makeLayers(VGG.configurations["D"]!, batchNorm: batchNorm), numClasses: numClasses)
}
