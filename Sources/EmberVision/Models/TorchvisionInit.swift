// The weight initialisation torchvision's classification models share.
import Ember

/// torchvision's initialisation of its classifiers: Kaiming normal (fan out, ReLU) for convolutions,
/// ones and zeros for normalisation layers; linear layers keep PyTorch's default unless `linearStd`
/// is given (VGG draws them from N(0, 0.01²) with zero bias).
func initializeLikeTorchvision(_ model: Module, linearStd: Double? = nil) {
    for module in model.modules() {
        switch module {
        case let conv as Conv2d:
            Init.kaimingNormal_(conv.weight, mode: .fanOut, nonlinearity: "relu")
            if let bias = conv.bias { Init.zeros_(bias) }
        case let norm as BatchNorm:
            if let weight = norm.weight { Init.ones_(weight) }
            if let bias = norm.bias { Init.zeros_(bias) }
        case let linear as Linear:
            if let std = linearStd {
                Init.normal_(linear.weight, mean: 0, std: std)
                if let bias = linear.bias { Init.zeros_(bias) }
            }
        default: break
        }
    }
}
