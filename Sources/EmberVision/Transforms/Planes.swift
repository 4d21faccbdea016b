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
        (height, width) = image.imageSize
        values = image.toArray(as: Float.self)
    }

    init(values: [Float], leading: [Int], height: Int, width: Int) {
        (self.values, self.leading, self.height, self.width) = (values, leading, height, width)
    }

    var count: Int { leading.reduce(1, *) }

    /// Back to a tensor of `dtype`: integer images are rounded half to even and clamped to [0, 255],
    /// as torchvision casts resampled images back.
    func tensor(_ dtype: DType) -> Tensor {
        let shape = leading + [height, width]
        if dtype.isFloatingPoint { return Tensor(values, shape: shape).to(dtype) }
        return Tensor(values.map { Swift.min(Swift.max($0.rounded(.toNearestOrEven), 0), 255) }, shape: shape).to(dtype)
    }
}

extension Tensor {
    /// The height and width of an image [..., H, W].
    var imageSize: (height: Int, width: Int) { (shape[dim - 2], shape[dim - 1]) }
    /// The channels of an image [..., C, H, W].
    var imageChannels: Int { shape[dim - 3] }
}
