// ResNet-18/34/50 (`torchvision.models.resnet*`), with torchvision's module names so its state dicts load.
import Ember

/// Two 3×3 convolutions with a shortcut (`torchvision.models.resnet.BasicBlock`), for ResNet-18/34.
public final class BasicBlock: Module {
    /// Output channels per input channel of the block's last convolution.
    public static let expansion = 1
    /// The block's layers, named as torchvision names them.
    public var conv1: Conv2d, bn1: BatchNorm2d, relu = ReLU(inplace: true)
    /// The block's second convolution and its batch norm.
    public var conv2: Conv2d, bn2: BatchNorm2d
    /// The 1×1 convolution and batch norm of the shortcut when the shape changes.
    public var downsample: Sequential?

    /// `BasicBlock(…)`, with torchvision's arguments and defaults.
    public init(_ inPlanes: Int, _ planes: Int, stride: Int = 1, downsample: Sequential? = nil) {
        conv1 = Conv2d(inPlanes, planes, kernelSize: 3, stride: .init(stride), padding: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        super.init()
    }

    /// The block's output: the residual plus the shortcut, through ReLU.
    public override func forward(_ x: Tensor) -> Tensor {
        let out = bn2(conv2(relu(bn1(conv1(x)))))
        return relu(out + (downsample?(x) ?? x))
    }
}

/// 1×1, 3×3 and 1×1 convolutions with a shortcut (`torchvision.models.resnet.Bottleneck`, stride on
/// the 3×3 as in ResNet v1.5), for ResNet-50.
public final class Bottleneck: Module {
    /// Output channels per input channel of the block's last convolution.
    public static let expansion = 4
    /// The first 1×1 convolution and its batch norm.
    public var conv1: Conv2d, bn1: BatchNorm2d
    /// The 3×3 convolution and its batch norm.
    public var conv2: Conv2d, bn2: BatchNorm2d
    /// The last 1×1 convolution, widening by `expansion`, and its batch norm.
    public var conv3: Conv2d, bn3: BatchNorm2d
    /// The ReLU between the layers.
    public var relu = ReLU(inplace: true)
    /// The 1×1 convolution and batch norm of the shortcut when the shape changes.
    public var downsample: Sequential?

    /// `Bottleneck(…)`, with torchvision's arguments and defaults.
    public init(_ inPlanes: Int, _ planes: Int, stride: Int = 1, downsample: Sequential? = nil) {
        conv1 = Conv2d(inPlanes, planes, kernelSize: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, stride: .init(stride), padding: 1, bias: false)
        bn2 = BatchNorm2d(planes)
        conv3 = Conv2d(planes, planes * Self.expansion, kernelSize: 1, bias: false)
        bn3 = BatchNorm2d(planes * Self.expansion)
        self.downsample = downsample
        super.init()
    }

    /// The block's output: the residual plus the shortcut, through ReLU.
    public override func forward(_ x: Tensor) -> Tensor {
        var out = relu(bn1(conv1(x)))
        out = relu(bn2(conv2(out)))
        out = bn3(conv3(out))
        return relu(out + (downsample?(x) ?? x))
    }
}

/// A residual network (`torchvision.models.ResNet`): a 7×7 stem, four stages of blocks, global average
/// pooling and a linear classifier. Build one with `resnet18`, `resnet34` or `resnet50`.
public final class ResNet: Module {
    /// The residual block of a ResNet: two 3×3 convolutions, or the 1×1–3×3–1×1 bottleneck.
    public enum Block {
        /// Two 3×3 convolutions (ResNet-18, -34), or a 1×1–3×3–1×1 bottleneck (ResNet-50).
        case basic, bottleneck
    }

    /// The stem: a 7×7 convolution with stride 2, its batch norm and ReLU.
    public var conv1: Conv2d, bn1: BatchNorm2d, relu = ReLU(inplace: true)
    /// The stem's 3×3 max pooling with stride 2.
    public var maxpool = MaxPool2d(3, stride: 2, padding: 1)
    /// The four stages of residual blocks.
    public var layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential
    /// The global average pooling before the classifier.
    public var avgpool = AdaptiveAvgPool2d(1)
    /// The classifier.
    public var fc: Linear

    /// A ResNet of `block`s, as torchvision builds one (`ResNet(block, layers, num_classes)`).
    ///
    /// - Parameters:
    ///   - block: the residual block: basic (ResNet-18, -34) or bottleneck (ResNet-50).
    ///   - layers: blocks per stage ([2, 2, 2, 2] for ResNet-18).
    ///   - numClasses: outputs of the final linear layer.
    ///   - zeroInitResidual: start each block's last batch norm at zero, so blocks begin as identities.
    public init(block: Block, layers: [Int], numClasses: Int = 1000, zeroInitResidual: Bool = false) {
        precondition(layers.count == 4, "ResNet: layers must give the blocks of 4 stages, got \(layers)")
        let expansion = block == .basic ? BasicBlock.expansion : Bottleneck.expansion
        var inPlanes = 64
        func stage(_ planes: Int, _ count: Int, stride: Int) -> Sequential {
            var blocks: [Module] = []
            for index in 0..<count {
                let blockStride = index == 0 ? stride : 1
                var downsample: Sequential?
                if index == 0 && (stride != 1 || inPlanes != planes * expansion) {
                    downsample = Sequential(Conv2d(inPlanes, planes * expansion, kernelSize: 1, stride: .init(stride), bias: false),
                                            BatchNorm2d(planes * expansion))
                }
                blocks.append(block == .basic
                    ? BasicBlock(inPlanes, planes, stride: blockStride, downsample: downsample)
                    : Bottleneck(inPlanes, planes, stride: blockStride, downsample: downsample))
                inPlanes = planes * expansion
            }
            return Sequential(blocks)
        }
        conv1 = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2d(64)
        layer1 = stage(64, layers[0], stride: 1)
        layer2 = stage(128, layers[1], stride: 2)
        layer3 = stage(256, layers[2], stride: 2)
        layer4 = stage(512, layers[3], stride: 2)
        fc = Linear(512 * expansion, numClasses)
        super.init()
        initializeLikeTorchvision(self)
        if zeroInitResidual {
            for module in modules() {
                if let b = module as? Bottleneck { Init.zeros_(b.bn3.weight!) }
                if let b = module as? BasicBlock { Init.zeros_(b.bn2.weight!) }
            }
        }
    }

    /// The logits of images [N, 3, H, W].
    public override func forward(_ x: Tensor) -> Tensor {
        var x = maxpool(relu(bn1(conv1(x))))
        x = layer4(layer3(layer2(layer1(x))))
        return fc(avgpool(x).flatten(startDim: 1))
    }
}

/// ResNet-18 (`torchvision.models.resnet18`): 11,689,512 parameters for 1000 classes.
public func resnet18(numClasses: Int = 1000) -> ResNet { ResNet(block: .basic, layers: [2, 2, 2, 2], numClasses: numClasses) }

/// ResNet-34 (`torchvision.models.resnet34`).
public func resnet34(numClasses: Int = 1000) -> ResNet { ResNet(block: .basic, layers: [3, 4, 6, 3], numClasses: numClasses) }

/// ResNet-50 (`torchvision.models.resnet50`).
public func resnet50(numClasses: Int = 1000) -> ResNet { ResNet(block: .bottleneck, layers: [3, 4, 6, 3], numClasses: numClasses) }
