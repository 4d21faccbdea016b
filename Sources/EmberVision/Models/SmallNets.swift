// The small classifiers of the tutorials: LeNet-5 and the MNIST CNN trained by `ember train mnist`.
import Ember

/// LeNet-5 for 28×28 gray digits (LeCun et al. 1998; the first convolution pads by 2 so MNIST's
/// 28×28 images take the 32×32 input's place).
public final class LeNet: Module {
    /// The first 5×5 convolution.
    public var conv1: Conv2d
    /// The second 5×5 convolution.
    public var conv2: Conv2d
    /// The first fully connected layer.
    public var fc1: Linear
    /// The second fully connected layer.
    public var fc2: Linear
    /// The classifier.
    public var fc3: Linear

    /// LeNet-5 with `numClasses` outputs, initialised as PyTorch initialises its layers.
    public init(numClasses: Int = 10) {
        conv1 = Conv2d(1, 6, kernelSize: 5, padding: 2)
        conv2 = Conv2d(6, 16, kernelSize: 5)
        fc1 = Linear(16 * 5 * 5, 120)
        fc2 = Linear(120, 84)
        fc3 = Linear(84, numClasses)
        super.init()
    }

    /// The logits of images [N, 1, 32, 32].
    public override func forward(_ x: Tensor) -> Tensor {
        var x = F.maxPool2d(F.relu(conv1(x)), 2)
        x = F.maxPool2d(F.relu(conv2(x)), 2)
        x = x.flatten(startDim: 1)
        return fc3(F.relu(fc2(F.relu(fc1(x)))))
    }
}

/// The MNIST CNN of the tutorials: two 5×5 convolution blocks (16 and 32 channels, ReLU, 2×2 max
/// pooling) and a linear layer; state-dict keys `conv1.0.*`, `conv2.0.*`, `out.*`, as the PyTorch
/// original names them.
public final class MNISTNet: Module {
    /// The first block: a 5×5 convolution to 16 channels, ReLU and 2×2 max pooling.
    public var conv1 = Sequential(Conv2d(1, 16, kernelSize: 5, stride: 1, padding: 2), ReLU(), MaxPool2d(2))
    /// The second block: a 5×5 convolution to 32 channels, ReLU and 2×2 max pooling.
    public var conv2 = Sequential(Conv2d(16, 32, kernelSize: 5, stride: 1, padding: 2), ReLU(), MaxPool2d(2))
    /// The classifier over the 32×7×7 features.
    public var out = Linear(32 * 7 * 7, 10)

    /// The network, initialised as PyTorch initialises its layers.
    public override init() { super.init() }

    /// The logits of images [N, 1, 28, 28].
    public override func forward(_ x: Tensor) -> Tensor {
        let features = conv2(conv1(x))
        return out(features.view(features.size(0), -1))
    }
}
