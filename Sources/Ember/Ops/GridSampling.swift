// Sampling an input at the points of a grid (`F.grid_sample`, for spatial transformer networks) and the
// grids of affine maps (`F.affine_grid`), with ATen's coordinate rules (GridSampler.h): grid values in
// [-1, 1] span the input, padding by zeros, the border or reflection, bilinear, nearest or bicubic
// interpolation. Each output point is a weighted sum of input taps; the weights' slopes give the gradient
// with respect to the grid.

/// How a coordinate of the grid turns into input taps: for one dimension of one grid point.
private struct GridAxis {
    let size: Int
    let mode: String
    let padding: String
    let alignCorners: Bool

    /// A tap: an input index, its weight, and the weight's derivative with respect to the grid value.
    struct Tap { let index: Int; let weight: Double; let slope: Double }

    /// The taps of grid value `g` that fall inside the input (the others read zeros).
    func taps(_ g: Double) -> [Tap] {
        // Unnormalise: -1 and 1 are the corner pixels' centres with alignCorners, else the input's edges.
        let scale = alignCorners ? Double(size - 1) / 2 : Double(size) / 2
        let x = alignCorners ? (g + 1) / 2 * Double(size - 1) : ((g + 1) * Double(size) - 1) / 2
        if mode == "bicubic" {   // padding applies to each tap's index, not to the coordinate
            let base = x.rounded(.down), t = x - base
            let weights = Tensor.cubicWeights(t), slopes = GridAxis.cubicSlopes(t)
            return (0..<4).compactMap { k in
                let index = Int(padded(base - 1 + Double(k)).coordinate)
                return inside(index) ? Tap(index: index, weight: weights[k], slope: slopes[k] * scale) : nil
            }
        }
        let (coordinate, derivative) = padded(x)
        let slope = scale * derivative
        if mode == "nearest" {
            let index = Int(coordinate.rounded(.toNearestOrEven))
            return inside(index) ? [Tap(index: index, weight: 1, slope: 0)] : []
        }
        let low = coordinate.rounded(.down), fraction = coordinate - low
        return [Tap(index: Int(low), weight: 1 - fraction, slope: -slope), Tap(index: Int(low) + 1, weight: fraction, slope: slope)]
            .filter { inside($0.index) }
    }

    private func inside(_ index: Int) -> Bool { index >= 0 && index < size }

    /// The coordinate after border clipping or reflection, and its derivative (ATen's `*_set_grad`).
    private func padded(_ x: Double) -> (coordinate: Double, derivative: Double) {
        switch padding {
        case "border": return clipped(x, 1)
        case "reflection":
            let (reflectedX, sign) = alignCorners ? reflected(x, twiceLow: 0, twiceHigh: 2 * (size - 1))
                                                  : reflected(x, twiceLow: -1, twiceHigh: 2 * size - 1)
            return clipped(reflectedX, sign)
        default: return (x, 1)
        }
    }

    private func clipped(_ x: Double, _ derivative: Double) -> (Double, Double) {
        if x <= 0 { return (0, 0) }
        let limit = Double(size - 1)
        return x >= limit ? (limit, 0) : (x, derivative)
    }

    /// Reflects x until it lies between low and high (given doubled, so half-integers are exact).
    private func reflected(_ x: Double, twiceLow: Int, twiceHigh: Int) -> (Double, Double) {
        guard twiceLow != twiceHigh else { return (0, 0) }
        let low = Double(twiceLow) / 2, span = Double(twiceHigh - twiceLow) / 2
        let shifted = x - low, sign: Double = shifted < 0 ? -1 : 1
        let distance = Swift.abs(shifted)
        let extra = distance.truncatingRemainder(dividingBy: span)
        let flips = Int((distance / span).rounded(.down))
        return flips % 2 == 0 ? (extra + low, sign) : (span - extra + low, -sign)
    }

    /// The derivatives of `cubicWeights` with respect to the offset t.
    private static func cubicSlopes(_ t: Double) -> [Double] {
        let a = -0.75
        func near(_ x: Double) -> Double { (3 * (a + 2) * x - 2 * (a + 3)) * x }
        func far(_ x: Double) -> Double { (3 * a * x - 10 * a) * x + 8 * a }
        return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]
    }
}

extension Tensor {
    /// Samples `input` ([N, C, H, W] or [N, C, D, H, W]) at the points of `grid` ([N, H', W', 2] or
    /// [N, D', H', W', 3], each point (x, y[, z]) in [-1, 1]) (`F.grid_sample`). `mode` is `"bilinear"`,
    /// `"nearest"` or `"bicubic"`; `paddingMode` is `"zeros"`, `"border"` or `"reflection"`.
    public static func gridSample(_ input: Tensor, _ grid: Tensor, mode: String = "bilinear", paddingMode: String = "zeros",
                                  alignCorners: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let rank = input.dim - 2
        check(rank == 2 || rank == 3, "grid_sampler", "expected 4D or 5D input, but got input with sizes \(shapeText(input.shape))",
              file: file, line: line)
        check(grid.dim == input.dim && grid.shape[0] == input.shape[0] && grid.shape[grid.dim - 1] == rank, "grid_sampler",
              "expected grid of shape [N, \(rank == 2 ? "H, W" : "D, H, W"), \(rank)] for input with sizes \(shapeText(input.shape)), "
              + "but got grid with sizes \(shapeText(grid.shape))", file: file, line: line)
        check(["bilinear", "nearest", "bicubic"].contains(mode), "grid_sample", "nn.functional.grid_sample(): expected mode to be "
              + "'bilinear', 'nearest' or 'bicubic', but got: '\(mode)'", file: file, line: line)
        check(["zeros", "border", "reflection"].contains(paddingMode), "grid_sample", "nn.functional.grid_sample(): expected "
              + "padding_mode to be 'zeros', 'border', or 'reflection', but got: '\(paddingMode)'", file: file, line: line)
        let sampler = GridSampler(input: input, grid: grid, mode: mode, padding: paddingMode, alignCorners: alignCorners)
        let type = resultType(input, grid).floatingCounterpart
        let out = Tensor(sampler.forward(), shape: sampler.outputShape).to(type).placed(on: input.device)
        if needsGrad(input, grid) {
            record(rank == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0", inputs: [input, grid], outputs: [out]) { g in
                let (gradInput, gradGrid) = sampler.backward(g[0].contiguous().toArray(as: Double.self))
                return [input.requiresGrad ? Tensor(gradInput, shape: input.shape).to(input.dtype).placed(on: input.device) : nil,
                        grid.requiresGrad ? Tensor(gradGrid, shape: grid.shape).to(grid.dtype).placed(on: grid.device) : nil]
            }
        }
        return out
    }

    /// The sampling grid of each affine map `theta` ([N, 2, 3] for a `size` of [N, C, H, W], [N, 3, 4] for
    /// [N, C, D, H, W]): the output pixels' normalised coordinates (x, y[, z], 1) times θᵀ (`F.affine_grid`).
    public static func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let rank = size.count - 2
        check(rank == 2 || rank == 3, "affine_grid", "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
              + "respectively. Got size \(size).", file: file, line: line)
        check(theta.dim == 3 && theta.shape == [size[0], rank, rank + 1], "affine_grid", "Expected a batch of \(rank)D affine matrices "
              + "of shape Nx\(rank)x\(rank + 1) for size \(size). Got \(shapeText(theta.shape)).", file: file, line: line)
        // The base grid's last dimension holds (x, y[, z], 1): x runs along the last spatial dimension.
        let spatial = Array(size.suffix(rank))
        let axes = spatial.reversed().enumerated().map { axis, steps -> Tensor in
            var view = [Int](repeating: 1, count: rank)
            view[rank - 1 - axis] = steps
            return normalisedSteps(steps, alignCorners: alignCorners, dtype: theta.dtype).reshape(view).expand(spatial)
        }
        let base = stack(axes + [Tensor.ones(spatial, dtype: theta.dtype, device: theta.device)], dim: -1).reshape([1, -1, rank + 1])
        let compute = { (t: [Tensor]) in base.matmul(t[0].mT).reshape([size[0]] + spatial + [rank]) }
        let out = noGrad { compute([theta]) }
        recordRecomputed("AffineGridGeneratorBackward0", inputs: [theta], output: out, compute: compute)
        return out
    }

    /// `steps` coordinates spread over [-1, 1] (the pixel centres: within it unless `alignCorners`); 0 for one step.
    private static func normalisedSteps(_ steps: Int, alignCorners: Bool, dtype: DType) -> Tensor {
        guard steps > 1 else { return Tensor.zeros([steps], dtype: dtype) }
        let range = Tensor.linspace(-1, 1, steps: steps, dtype: dtype)
        return alignCorners ? range : range * (Double(steps - 1) / Double(steps))
    }
}

/// One grid sampling: the input and grid in Double, and each output point's taps, computed once for the
/// forward and the backward pass.
private struct GridSampler {
    let input: [Double], grid: [Double]
    let batch: Int, channels: Int, inputSpatial: [Int], outputSpatial: [Int]
    let axes: [GridAxis]
    var outputShape: [Int] { [batch, channels] + outputSpatial }

    /// A tap of an output point: the input offset within a channel, its weight, and the weight's slopes with
    /// respect to each grid component (x first).
    struct Tap { let offset: Int; let weight: Double; let slopes: [Double] }

    init(input: Tensor, grid: Tensor, mode: String, padding: String, alignCorners: Bool) {
        self.input = input.contiguous().toArray(as: Double.self)
        self.grid = grid.contiguous().toArray(as: Double.self)
        batch = input.shape[0]
        channels = input.shape[1]
        inputSpatial = Array(input.shape.dropFirst(2))
        outputSpatial = Array(grid.shape.dropFirst().dropLast())
        // Grid component d (x, y, z) addresses input dimension rank - 1 - d.
        axes = inputSpatial.reversed().map { GridAxis(size: $0, mode: mode, padding: padding, alignCorners: alignCorners) }
    }

    private var rank: Int { inputSpatial.count }
    private var points: Int { outputSpatial.reduce(1, *) }
    private var planeSize: Int { inputSpatial.reduce(1, *) }

    /// The taps of output point `point` of batch item `n`: the product of each component's taps.
    private func taps(_ n: Int, _ point: Int) -> [Tap] {
        let base = (n * points + point) * rank
        var combined = [Tap(offset: 0, weight: 1, slopes: [Double](repeating: 1, count: rank))]
        for component in 0..<rank {
            let stride = inputSpatial.suffix(component).reduce(1, *)
            let axisTaps = axes[component].taps(grid[base + component])
            combined = combined.flatMap { tap in
                axisTaps.map { axisTap in
                    Tap(offset: tap.offset + axisTap.index * stride, weight: tap.weight * axisTap.weight,
                        slopes: tap.slopes.indices.map { d in tap.slopes[d] * (d == component ? axisTap.slope : axisTap.weight) })
                }
            }
        }
        return combined
    }

    func forward() -> [Double] {
        var out = [Double](repeating: 0, count: batch * channels * points)
        for n in 0..<batch {
            for point in 0..<points {
                let pointTaps = taps(n, point)
                for c in 0..<channels {
                    let plane = (n * channels + c) * planeSize
                    out[(n * channels + c) * points + point] = pointTaps.reduce(0) { $0 + $1.weight * input[plane + $1.offset] }
                }
            }
        }
        return out
    }

    func backward(_ gradOutput: [Double]) -> (input: [Double], grid: [Double]) {
        var gradInput = [Double](repeating: 0, count: input.count), gradGrid = [Double](repeating: 0, count: grid.count)
        for n in 0..<batch {
            for point in 0..<points {
                let pointTaps = taps(n, point)
                for c in 0..<channels {
                    let plane = (n * channels + c) * planeSize, g = gradOutput[(n * channels + c) * points + point]
                    for tap in pointTaps {
                        gradInput[plane + tap.offset] += tap.weight * g
                        for d in 0..<rank { gradGrid[(n * points + point) * rank + d] += tap.slopes[d] * input[plane + tap.offset] * g }
                    }
                }
            }
        }
        return (gradInput, gradGrid)
    }
}
