// Resampling of 1-, 2- and 3-d signals (`F.interpolate`: nearest, nearest-exact, linear, bilinear, trilinear,
// bicubic, area) and adaptive average pooling, all as separable per-dimension interpolation matrices: the
// output is the input multiplied along each spatial dimension, and the gradient the transposed products.

/// Sizes for each spatial dimension, given as one number for all or one per dimension (`size: 4`, `[2, 4, 4]`),
/// with `nil` where a dimension keeps its input size (`(None, 7)`).
public struct SpatialSize: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Equatable, Sendable, CustomStringConvertible {
    /// The `values` argument it was made with.
    public let values: [Int?]
    /// Sizes per dimension; nil keeps the input's size there.
    public init(_ values: [Int?]) { self.values = values }
    /// A literal `7`: the same size in every dimension.
    public init(integerLiteral value: Int) { values = [value] }
    /// A literal `[7, nil]`: sizes per dimension.
    public init(arrayLiteral elements: Int?...) { values = elements }

    /// As PyTorch prints the argument: `2`, or `(1, None, 2)`.
    public var description: String {
        let items = values.map { $0.map(String.init) ?? "None" }
        return items.count == 1 ? items[0] : "(" + items.joined(separator: ", ") + ")"
    }

    /// One size per spatial dimension of `input` (the trailing `rank` dimensions).
    func resolved(for input: Tensor, rank: Int, op: String, file: StaticString, line: UInt) -> [Int] {
        check(values.count == 1 || values.count == rank, op, "expected \(rank) output sizes or one, got \(values.count)",
              file: file, line: line)
        let inputSizes = Array(input.shape.suffix(rank))
        return (0..<rank).map { d in (values.count == 1 ? values[0] : values[d]) ?? inputSizes[d] }
    }
}

extension Tensor {
    /// Resizes the spatial dimensions of a `[N, C, …]` tensor (3-d, 4-d or 5-d input) (`F.interpolate`):
    /// `"nearest"`, `"nearest-exact"`, `"linear"` (3-d), `"bilinear"`/`"bicubic"` (4-d), `"trilinear"` (5-d),
    /// `"area"` (adaptive average pooling). With `recomputeScaleFactor`, coordinates use the ratio of the sizes
    /// rather than the given factor.
    public static func interpolate(_ input: Tensor, size: SpatialSize? = nil, scaleFactor: Double? = nil, mode: String = "nearest",
                                   alignCorners: Bool = false, recomputeScaleFactor: Bool = false,
                                   file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let rank = input.dim - 2
        check((1...3).contains(rank), "interpolate", "expected a 3-d, 4-d or 5-d input, got \(shapeText(input.shape))",
              file: file, line: line)
        let required: [String: Int] = ["linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3]
        check(["nearest", "nearest-exact", "area"].contains(mode) || required[mode] == rank, "interpolate",
              "mode '\(mode)' does not fit a \(input.dim)-d input (linear: 3-d, bilinear/bicubic: 4-d, trilinear: 5-d)",
              file: file, line: line)
        check((size == nil) != (scaleFactor == nil), "interpolate", "only one of size or scale_factor should be defined",
              file: file, line: line)
        let inSizes = Array(input.shape.suffix(rank))
        let outSizes = size?.resolved(for: input, rank: rank, op: "interpolate", file: file, line: line)
            ?? inSizes.map { Int((Double($0) * scaleFactor!).rounded(.down)) }
        let matrices = zip(inSizes, outSizes).map { inSize, outSize in
            resamplingMatrix(mode: mode, inSize: inSize, outSize: outSize,
                             scaleFactor: mode == "area" || recomputeScaleFactor ? nil : scaleFactor, alignCorners: alignCorners)
                .to(input.dtype).placed(on: input.device)
        }
        let name: String
        switch mode {
        case "area": name = rank == 1 ? "SqueezeBackward1" : "AdaptiveAvgPool\(rank)DBackward0"
        case "nearest-exact": name = "UpsampleNearestExact\(rank)DBackward0"
        default: name = "Upsample\(mode.prefix(1).uppercased() + mode.dropFirst())\(rank)DBackward0"
        }
        return input.resampled(by: matrices, name: name)
    }

    /// Adaptive average pooling of the last dimension to `outputSize`, batched or not (`F.adaptive_avg_pool1d`).
    public static func adaptiveAvgPool1d(_ input: Tensor, _ outputSize: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        adaptiveAvgPool(input, rank: 1, SpatialSize([outputSize]), name: "SqueezeBackward1", file: file, line: line)
    }

    /// Adaptive average pooling of the last three dimensions, batched or not; `nil` keeps a size
    /// (`F.adaptive_avg_pool3d`).
    public static func adaptiveAvgPool3d(_ input: Tensor, _ outputSize: SpatialSize, file: StaticString = #fileID,
                                         line: UInt = #line) -> Tensor {
        adaptiveAvgPool(input, rank: 3, outputSize, name: "AdaptiveAvgPool3DBackward0", file: file, line: line)
    }

    /// Adaptive average pooling of the last two dimensions with sizes that may be `nil` (keep the input's)
    /// (`F.adaptive_avg_pool2d(x, (None, 7))`).
    public static func adaptiveAvgPool2d(_ input: Tensor, _ outputSize: SpatialSize, file: StaticString = #fileID,
                                         line: UInt = #line) -> Tensor {
        adaptiveAvgPool2d(input, IntPair(outputSize.resolved(for: input, rank: 2, op: "adaptive_avg_pool2d", file: file, line: line)))
    }

    private static func adaptiveAvgPool(_ input: Tensor, rank: Int, _ outputSize: SpatialSize, name: String,
                                        file: StaticString, line: UInt) -> Tensor {
        let op = "adaptive_avg_pool\(rank)d"
        check(input.dim == rank + 1 || input.dim == rank + 2, op, "expected a \(rank + 1)-d or \(rank + 2)-d input, got "
              + "\(shapeText(input.shape))", file: file, line: line)
        let sizes = outputSize.resolved(for: input, rank: rank, op: op, file: file, line: line)
        let spatial = Array((input.dim - rank)..<input.dim)
        if rank > 1 && sizes.allSatisfy({ $0 == 1 }) { return input.mean(dims: spatial, keepdim: true) }   // as ATen
        let matrices = zip(input.shape.suffix(rank), sizes).map { inSize, outSize in
            resamplingMatrix(mode: "area", inSize: inSize, outSize: outSize, scaleFactor: nil, alignCorners: false).to(input.dtype)
                .placed(on: input.device)
        }
        return input.resampled(by: matrices, name: name)
    }

    /// The output multiplied by `matrices[d]` (out × in) along spatial dimension d, recorded as one node.
    private func resampled(by matrices: [Tensor], name: String) -> Tensor {
        let first = dim - matrices.count
        func apply(_ x: Tensor, transposed: Bool) -> Tensor {
            matrices.enumerated().reduce(x) { y, item in
                let axis = first + item.offset
                return y.movedim(axis, -1).matmul(transposed ? item.element : item.element.t()).movedim(-1, axis)
            }
        }
        let out = noGrad { apply(self, transposed: false).contiguous() }
        if needsGrad(self) { record(name, inputs: [self], outputs: [out]) { g in [apply(g[0], transposed: true)] } }
        return out
    }

    /// The [out, in] matrix that resamples one dimension, with ATen's source coordinates per mode.
    private static func resamplingMatrix(mode: String, inSize: Int, outSize: Int, scaleFactor: Double?, alignCorners: Bool) -> Tensor {
        var values = [Double](repeating: 0, count: outSize * inSize)
        func add(_ o: Int, _ i: Int, _ weight: Double) { values[o * inSize + Swift.min(Swift.max(i, 0), inSize - 1)] += weight }
        let scale: Double = {
            if alignCorners && mode != "nearest" && mode != "nearest-exact" && mode != "area" {
                return outSize > 1 ? Double(inSize - 1) / Double(outSize - 1) : 0
            }
            return scaleFactor.map { 1 / $0 } ?? Double(inSize) / Double(outSize)
        }()
        for o in 0..<outSize {
            switch mode {
            case "nearest": add(o, Int((Double(o) * scale).rounded(.down)), 1)
            case "nearest-exact": add(o, Int(((Double(o) + 0.5) * scale).rounded(.down)), 1)
            case "area":
                let start = o * inSize / outSize, end = ((o + 1) * inSize + outSize - 1) / outSize
                for i in start..<end { add(o, i, 1 / Double(end - start)) }
            case "bicubic":
                let source = alignCorners ? Double(o) * scale : (Double(o) + 0.5) * scale - 0.5
                let base = source.rounded(.down), t = source - base
                for (k, weight) in cubicWeights(t).enumerated() { add(o, Int(base) - 1 + k, weight) }
            default:   // linear, bilinear, trilinear
                let source = Swift.max(alignCorners ? Double(o) * scale : (Double(o) + 0.5) * scale - 0.5, 0)
                let i0 = Swift.min(Int(source.rounded(.down)), inSize - 1)
                let fraction = source - Double(i0)
                add(o, i0, 1 - fraction)
                add(o, Swift.min(i0 + 1, inSize - 1), fraction)
            }
        }
        return Tensor(values, shape: [outSize, inSize])
    }

    /// Keys' cubic convolution weights (A = -0.75, as ATen) of the four neighbours at offset `t`.
    static func cubicWeights(_ t: Double) -> [Double] {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]
    }
}
