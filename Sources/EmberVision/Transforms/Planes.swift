// Images as float32 planes for the transforms that compute per pixel (resampling, rotation, colour).
import Ember

/// An image [..., H, W] as contiguous float32 values: `planes` planes of `height`×`width`.
struct Planes {
    var values: [Float]
    let leading: [Int]
    let height: Int
    let width: Int

    init(_ image: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        precondition(image.dim >= 2, "transforms: expects an image [..., H, W], got \(image.shape) (\(file):\(line))")
        leading = Array(image.shape.dropLast(2))
        (height, width) = (image.shape[image.dim - 2], image.shape[image.dim - 1])
        values = image.toArray(as: Float.self)
    }

    init(values: [Float], leading: [Int], height: Int, width: Int) {
        (self.values, self.leading, self.height, self.width) = (values, leading, height, width)
    }

    var count: Int { leading.reduce(1, *) }

    /// Back to a tensor of `dtype`: integer images are rounded (`rounding`) or truncated as torchvision
    /// does for the operation, and clamped to [0, 255].
    func tensor(_ dtype: DType, rounding: Bool = true) -> Tensor {
        let shape = leading + [height, width]
        if dtype.isFloatingPoint { return Tensor(values, shape: shape).to(dtype) }
        let converted = values.map { v -> Float in
            let r = rounding ? v.rounded(.toNearestOrEven) : v
            return Swift.min(Swift.max(r, 0), 255)
        }
        return Tensor(converted, shape: shape).to(dtype)
    }
}
