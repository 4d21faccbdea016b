// Convolutions (conv1d, conv2d, conv_transpose1d/2d) as im2col + GEMM, recorded as `ConvolutionBackward0`.
import Synchronization

/// A size given as one number for every spatial dimension or one per dimension (`stride: 2`, `stride: [2, 1]`).
public struct IntPair: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Equatable, Sendable, CustomStringConvertible {
    public let first: Int, second: Int
    /// Whether it was given as one number (PyTorch prints it back the way it was given).
    public let isScalar: Bool
    public init(_ first: Int, _ second: Int) { self.first = first; self.second = second; isScalar = false }
    public init(_ value: Int) { first = value; second = value; isScalar = true }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(arrayLiteral elements: Int...) { self.init(elements) }
    public init(_ values: [Int]) {
        precondition(values.count == 1 || values.count == 2, "expected 1 or 2 sizes, got \(values)")
        if values.count == 1 { self.init(values[0]) } else { self.init(values[0], values[1]) }
    }
    var array: [Int] { [first, second] }
    public static func == (lhs: IntPair, rhs: IntPair) -> Bool { lhs.first == rhs.first && lhs.second == rhs.second }
    /// `2` or `(3, 2)`, as Python prints what was given.
    public var description: String { isScalar ? "\(first)" : "(\(first), \(second))" }
    /// Always as a tuple: `(3, 3)`.
    var tupleDescription: String { "(\(first), \(second))" }
}

/// Convolution padding: explicit sizes, `"same"` (output as large as the input at stride 1) or `"valid"` (none).
public enum ConvPadding: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral, Equatable, Sendable {
    case explicit(IntPair)
    case same
    case valid

    public init(integerLiteral value: Int) { self = .explicit(IntPair(value, value)) }
    public init(arrayLiteral elements: Int...) { self = .explicit(IntPair(elements)) }
    public init(stringLiteral value: String) {
        switch value {
        case "same": self = .same
        case "valid": self = .valid
        default: preconditionFailure("padding must be \"same\", \"valid\" or sizes, got \"\(value)\"")
        }
    }
}

extension Tensor {
    /// 2-d convolution of [N, C, H, W] by [O, C/groups, kH, kW] (`F.conv2d`).
    public static func conv2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                              padding: ConvPadding = 0, dilation: IntPair = 1, groups: Int = 1,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 3 {   // an unbatched image [C, H, W], as PyTorch accepts
            return conv2d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 4 && weight.dim == 4, "conv2d", "expected 4-d input and weight, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        check(input.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0, "conv2d",
              "Given groups=\(groups), weight of size \(shapeText(weight.shape)), expected input\(shapeText(input.shape)) to have "
              + "\(weight.shape[1] * groups) channels, but got \(input.shape[1]) channels instead", file: file, line: line)
        let pad: IntPair
        var input = input
        switch padding {
        case .explicit(let p): pad = p
        case .valid: pad = 0
        case .same:
            check(stride == 1, "conv2d", "padding='same' is not supported for strided convolutions", file: file, line: line)
            let total = (dilation.first * (weight.shape[2] - 1), dilation.second * (weight.shape[3] - 1))
            pad = IntPair(total.0 / 2, total.1 / 2)
            // An odd total (an even kernel with odd dilation) puts the extra row and column at the end, as PyTorch.
            if total.0 % 2 == 1 || total.1 % 2 == 1 { input = F.pad(input, [0, total.1 % 2, 0, total.0 % 2]) }
        }
        let plan = ConvolutionPlan(input: input.shape, weight: weight.shape, stride: stride, padding: pad,
                                   dilation: dilation, groups: groups, transposed: false, outputPadding: 0)
        check(plan.outH > 0 && plan.outW > 0, "conv2d", "input \(shapeText(input.shape)) is too small for kernel "
              + "\(shapeText(weight.shape)) with padding \(pad.array) and dilation \(dilation.array)", file: file, line: line)
        return plan.run(input, weight, bias)
    }

    /// 1-d convolution of [N, C, L] by [O, C/groups, k] (`F.conv1d`).
    public static func conv1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 2 {   // an unbatched sequence [C, L]
            return conv1d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 3 && weight.dim == 3, "conv1d", "expected 3-d input and weight, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        check(input.shape[1] == weight.shape[1] * groups, "conv1d", "Given groups=\(groups), weight of size "
              + "\(shapeText(weight.shape)), expected input\(shapeText(input.shape)) to have \(weight.shape[1] * groups) channels",
              file: file, line: line)
        let plan = ConvolutionPlan(input: [input.shape[0], input.shape[1], 1, input.shape[2]],
                                   weight: [weight.shape[0], weight.shape[1], 1, weight.shape[2]],
                                   stride: IntPair(1, stride), padding: IntPair(0, padding), dilation: IntPair(1, dilation),
                                   groups: groups, transposed: false, outputPadding: 0)
        check(plan.outW > 0, "conv1d", "input \(shapeText(input.shape)) is too small for kernel \(shapeText(weight.shape))",
              file: file, line: line)
        return plan.run(input, weight, bias)
    }

    /// 1-d convolution with `"same"` or `"valid"` padding (`F.conv1d(x, w, padding="same")`); an odd total of
    /// "same" padding puts the extra element at the end, as PyTorch. Disfavoured, so an integer padding keeps the
    /// form above.
    @_disfavoredOverload
    public static func conv1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        switch padding {
        case .explicit(let p):
            return conv1d(input, weight, bias, stride: stride, padding: p.second, dilation: dilation, groups: groups, file: file, line: line)
        case .valid:
            return conv1d(input, weight, bias, stride: stride, padding: 0, dilation: dilation, groups: groups, file: file, line: line)
        case .same:
            check(stride == 1, "conv1d", "padding='same' is not supported for strided convolutions", file: file, line: line)
            let total = dilation * ((weight.shape.last ?? 1) - 1)
            let x = total % 2 == 1 ? F.pad(input, [0, 1]) : input
            return conv1d(x, weight, bias, stride: 1, padding: total / 2, dilation: dilation, groups: groups, file: file, line: line)
        }
    }

    /// Transposed 2-d convolution of [N, C, H, W] by [C, O/groups, kH, kW] (`F.conv_transpose2d`).
    public static func convTranspose2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                                       padding: IntPair = 0, outputPadding: IntPair = 0, groups: Int = 1, dilation: IntPair = 1,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 3 {   // an unbatched image [C, H, W]
            return convTranspose2d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                                   groups: groups, dilation: dilation, file: file, line: line).squeeze(0)
        }
        check(input.dim == 4 && weight.dim == 4 && input.shape[1] == weight.shape[0], "conv_transpose2d",
              "expected input [N, C, H, W] and weight [C, O/groups, kH, kW] with the same C, got input "
              + "\(shapeText(input.shape)) and weight \(shapeText(weight.shape))", file: file, line: line)
        let plan = ConvolutionPlan(input: input.shape, weight: weight.shape, stride: stride, padding: padding,
                                   dilation: dilation, groups: groups, transposed: true, outputPadding: outputPadding)
        return plan.run(input, weight, bias)
    }

    /// Transposed 1-d convolution of [N, C, L] (or unbatched [C, L]) by [C, O/groups, k] (`F.conv_transpose1d`),
    /// run as a transposed 2-d convolution of height 1.
    public static func convTranspose1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 2 {
            return convTranspose1d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                                   groups: groups, dilation: dilation, file: file, line: line).squeeze(0)
        }
        check(input.dim == 3 && weight.dim == 3 && input.shape[1] == weight.shape[0], "conv_transpose1d",
              "expected input [N, C, L] and weight [C, O/groups, k] with the same C, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        let plan = ConvolutionPlan(input: [input.shape[0], input.shape[1], 1, input.shape[2]],
                                   weight: [weight.shape[0], weight.shape[1], 1, weight.shape[2]], stride: IntPair(1, stride),
                                   padding: IntPair(0, padding), dilation: IntPair(1, dilation), groups: groups, transposed: true,
                                   outputPadding: IntPair(0, outputPadding))
        return plan.run(input, weight, bias)
    }
}

/// Shapes and loops of one convolution call; forward and backward share them.
private struct ConvolutionPlan {
    let batch: Int, inChannels: Int, height: Int, width: Int
    let outChannels: Int, kernelH: Int, kernelW: Int
    let stride: IntPair, padding: IntPair, dilation: IntPair, groups: Int
    let transposed: Bool
    let outH: Int, outW: Int

    init(input: [Int], weight: [Int], stride: IntPair, padding: IntPair, dilation: IntPair, groups: Int,
         transposed: Bool, outputPadding: IntPair) {
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (kernelH, kernelW) = (weight[2], weight[3])
        outChannels = transposed ? weight[1] * groups : weight[0]
        (self.stride, self.padding, self.dilation, self.groups, self.transposed) = (stride, padding, dilation, groups, transposed)
        if transposed {
            outH = (height - 1) * stride.first - 2 * padding.first + dilation.first * (kernelH - 1) + outputPadding.first + 1
            outW = (width - 1) * stride.second - 2 * padding.second + dilation.second * (kernelW - 1) + outputPadding.second + 1
        } else {
            outH = (height + 2 * padding.first - dilation.first * (kernelH - 1) - 1) / stride.first + 1
            outW = (width + 2 * padding.second - dilation.second * (kernelW - 1) - 1) / stride.second + 1
        }
    }

    /// im2col geometry of the image side that has the larger spatial size (the output, when transposed).
    var geometry: ConvolutionGeometry {
        let channels = (transposed ? outChannels : inChannels) / groups
        return ConvolutionGeometry(channels: channels, height: transposed ? outH : height, width: transposed ? outW : width,
                                   kernelH: kernelH, kernelW: kernelW, strideH: stride.first, strideW: stride.second,
                                   padH: padding.first, padW: padding.second, dilationH: dilation.first,
                                   dilationW: dilation.second, outH: transposed ? height : outH, outW: transposed ? width : outW)
    }

    /// Runs the convolution on `input`/`weight` (4-d, or 3-d for a 1-d convolution, viewed with height 1).
    func run(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
        let type = resultType([input, weight]).floatingCounterpart
        let compute = type.computeType
        let oneDimensional = input.dim == 3
        let x = input.kernelInput(compute).contiguous().reshape([batch, inChannels, height, width])
        let w = weight.kernelInput(compute).contiguous().reshape([weight.shape[0], weight.shape[1], kernelH, kernelW])
        let b = bias.map { $0.kernelInput(compute).contiguous() }
        var out = Tensor(uninitializedShape: [batch, outChannels, outH, outW], dtype: compute)
        compute.visitFloat(ConvolutionForward(plan: self, x: x, w: w, bias: b, out: out))
        if compute != type { out = out.copied(as: type) }
        if oneDimensional { out = out.reshape([batch, outChannels, outW]) }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        record("ConvolutionBackward0", inputs: inputs, outputs: [out],
               saving: [SavedTensor(input), SavedTensor(weight)]) { g in
            let gradOut = g[0].kernelInput(compute).contiguous().reshape([batch, outChannels, outH, outW])
            let gradInput = input.requiresGrad ? Tensor.zeros(x.shape, dtype: compute) : nil
            let gradWeight = weight.requiresGrad ? Tensor.zeros(w.shape, dtype: compute) : nil
            compute.visitFloat(ConvolutionBackward(plan: self, x: x, w: w, gradOut: gradOut, gradInput: gradInput,
                                                   gradWeight: gradWeight))
            let gradBias = bias.flatMap { $0.requiresGrad ? gradOut.sum(dims: [0, 2, 3]).to($0.dtype) : nil }
            return [gradInput?.reshape(input.shape).to(input.dtype), gradWeight?.reshape(weight.shape).to(weight.dtype)]
                + (bias == nil ? [] : [gradBias])
        }
        return out
    }
}

/// The GEMM operands of group `group` of image `n`: weight block, image block and output block.
private extension ConvolutionPlan {
    var weightRows: Int { transposed ? inChannels / groups : outChannels / groups }
    var weightCols: Int { (transposed ? outChannels : inChannels) / groups * kernelH * kernelW }
}

/// Runs `body` with `count` uninitialised elements from the caching allocator.
private func withScratch<T, R>(_: T.Type, _ count: Int, _ body: (UnsafeMutablePointer<T>) -> R) -> R {
    let bytes = Swift.max(count, 1) * MemoryLayout<T>.stride
    let raw = CPUAllocator.allocate(bytes)
    defer { CPUAllocator.free(raw, byteCount: bytes) }
    return body(raw.bindMemory(to: T.self, capacity: Swift.max(count, 1)))
}

private extension ConvolutionPlan {
    /// Multiply-adds of one image's GEMMs, to size the share of images each thread takes.
    var workPerImage: Int { outChannels * geometry.columnRows * geometry.columnCount }

    /// How many threads share the batch's images (one when the work is too small to split).
    var imageTasks: Int { Swift.min(cpuThreadCount, batch, Swift.max(1, batch * workPerImage / parallelConvolutionWork)) }

    /// Runs `body(task, images)` for each of `imageTasks` tasks; they take the batch's images one at a
    /// time from a shared queue (on a busy machine a fixed split leaves one core waiting for the other).
    /// Each image's im2col matrix (a few hundred KiB) stays in that core's cache between the im2col,
    /// the GEMMs and col2im, instead of a whole batch's matrix streaming through memory. A batch too
    /// small to split runs as one task, whose kernels then use the threads themselves.
    func forEachImage(_ body: (_ task: Int, _ images: ImageQueue) -> Void) {
        let taken = ImageQueue.Counter()
        parallelFor(imageTasks, grain: 1) { range in
            for t in range { body(t, ImageQueue(taken: taken, count: batch)) }
        }
    }

    /// How many blocks of images the weight gradient is summed over: one per task, doubled so a thread that
    /// finishes early takes another, capped by the batch.
    var weightGradientBlocks: Int { imageTasks < 2 ? 1 : Swift.min(batch, 2 * imageTasks) }

    /// Runs `body(block, images)` for `blocks` contiguous blocks of the batch's images, which the tasks take
    /// from a shared queue. What a block adds up depends only on the block, never on which thread ran it, so
    /// sums over blocks are the same on every run.
    func forEachBlock(_ blocks: Int, _ body: (_ block: Int, _ images: Range<Int>) -> Void) {
        let taken = ImageQueue.Counter()
        parallelFor(imageTasks, grain: 1) { range in
            for _ in range {
                for block in ImageQueue(taken: taken, count: blocks) { body(block, (block * batch / blocks)..<((block + 1) * batch / blocks)) }
            }
        }
    }

    /// Fills each of the `outGroup` planes at `result` with its bias, or zero.
    func initialise<T: FloatScalar>(_ result: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, group: Int, plane: Int) {
        let outGroup = outChannels / groups
        for o in 0..<outGroup {
            (result + o * plane).update(repeating: bias.map { $0[group * outGroup + o] } ?? 0, count: plane)
        }
    }
}

/// The images of a batch, handed out one at a time to the threads that share the queue.
private struct ImageQueue: Sequence, IteratorProtocol {
    final class Counter: Sendable { let next = Atomic<Int>(0) }
    let taken: Counter
    let count: Int
    mutating func next() -> Int? {
        let image = taken.next.wrappingAdd(1, ordering: .relaxed).oldValue
        return image < count ? image : nil
    }
}

/// Multiply-adds below which a convolution runs on one thread.
private let parallelConvolutionWork = 1 << 18

private struct ConvolutionForward: FloatTypeVisitor {
    let plan: ConvolutionPlan, x: Tensor, w: Tensor, bias: Tensor?, out: Tensor

    func visit<T: FloatScalar>(_: T.Type) {
        let g = plan.geometry
        let xp = x.pointer(as: T.self), wp = w.pointer(as: T.self), op = out.pointer(as: T.self)
        let bp = bias.map { UnsafePointer($0.pointer(as: T.self)) }
        let inGroup = plan.inChannels / plan.groups, outGroup = plan.outChannels / plan.groups
        let inPlane = plan.height * plan.width, outPlane = plan.outH * plan.outW
        let weightGroup = plan.weightRows * plan.weightCols
        plan.forEachImage { _, images in
            withScratch(T.self, g.columnRows * g.columnCount) { cols in
                for n in images {
                    for group in 0..<plan.groups {
                        let image = xp + (n * plan.inChannels + group * inGroup) * inPlane
                        let result = op + (n * plan.outChannels + group * outGroup) * outPlane
                        plan.initialise(result, bias: bp, group: group, plane: outPlane)
                        if plan.transposed {
                            // cols[Og·k, HW] = Wᵀ[Og·k, Ig] · x[Ig, HW], then scattered into the larger output.
                            gemm(MatrixOperand(pointer: wp + group * weightGroup, rowStride: 1, columnStride: plan.weightCols),
                                 MatrixOperand(pointer: image, rowStride: inPlane, columnStride: 1), cols,
                                 m: plan.weightCols, n: inPlane, k: inGroup)
                            col2im(cols, g, result)
                        } else {
                            // out[Og, L] += W[Og, Ig·k] · cols[Ig·k, L].
                            im2col(image, g, cols)
                            gemm(MatrixOperand(pointer: wp + group * weightGroup, rowStride: plan.weightCols, columnStride: 1),
                                 MatrixOperand(pointer: cols, rowStride: g.columnCount, columnStride: 1), result,
                                 m: outGroup, n: g.columnCount, k: g.columnRows, accumulate: true)
                        }
                    }
                }
            }
        }
    }
}

private struct ConvolutionBackward: FloatTypeVisitor {
    let plan: ConvolutionPlan, x: Tensor, w: Tensor, gradOut: Tensor
    let gradInput: Tensor?, gradWeight: Tensor?

    func visit<T: FloatScalar>(_: T.Type) {
        let g = plan.geometry
        let xp = x.pointer(as: T.self), wp = w.pointer(as: T.self), gp = gradOut.pointer(as: T.self)
        let inGroup = plan.inChannels / plan.groups, outGroup = plan.outChannels / plan.groups
        let inPlane = plan.height * plan.width, outPlane = plan.outH * plan.outW
        let weightGroup = plan.weightRows * plan.weightCols, weightCount = plan.groups * weightGroup
        // Block 0 adds into the weight gradient itself, every other block into its own zeroed copy, summed in
        // block order at the end: the same bits on every run with the same thread count.
        let blocks = plan.weightGradientBlocks
        let copies = gradWeight == nil || blocks < 2 ? nil : Tensor.zeros([blocks - 1, weightCount], dtype: gradOut.dtype)
        plan.forEachBlock(blocks) { block, images in
            let gw = gradWeight.map { block == 0 ? $0.pointer(as: T.self) : copies!.pointer(as: T.self) + (block - 1) * weightCount }
            withScratch(T.self, 2 * g.columnRows * g.columnCount) { scratch in
                let cols = scratch, gradCols = scratch + g.columnRows * g.columnCount
                for n in images {
                    for group in 0..<plan.groups {
                        let image = xp + (n * plan.inChannels + group * inGroup) * inPlane
                        let upstream = gp + (n * plan.outChannels + group * outGroup) * outPlane
                        let weights = wp + group * weightGroup
                        let gradImage = gradInput.map { $0.pointer(as: T.self) + (n * plan.inChannels + group * inGroup) * inPlane }
                        if plan.transposed {
                            // The larger side is the output: its im2col pairs with the input like a forward conv.
                            im2col(upstream, g, cols)
                            if let gi = gradImage {
                                gemm(MatrixOperand(pointer: weights, rowStride: plan.weightCols, columnStride: 1),
                                     MatrixOperand(pointer: cols, rowStride: g.columnCount, columnStride: 1), gi,
                                     m: inGroup, n: inPlane, k: plan.weightCols)
                            }
                            if let gw {
                                gemm(MatrixOperand(pointer: image, rowStride: inPlane, columnStride: 1),
                                     MatrixOperand(pointer: cols, rowStride: 1, columnStride: g.columnCount),
                                     gw + group * weightGroup, m: inGroup, n: plan.weightCols, k: inPlane, accumulate: true)
                            }
                            continue
                        }
                        if let gw {
                            // dW[Og, Ig·k] += dOut[Og, L] · colsᵀ.
                            im2col(image, g, cols)
                            gemm(MatrixOperand(pointer: upstream, rowStride: outPlane, columnStride: 1),
                                 MatrixOperand(pointer: cols, rowStride: 1, columnStride: g.columnCount),
                                 gw + group * weightGroup, m: outGroup, n: g.columnRows, k: outPlane, accumulate: true)
                        }
                        if let gi = gradImage {
                            // dCols[Ig·k, L] = Wᵀ · dOut, folded back onto the image.
                            gemm(MatrixOperand(pointer: weights, rowStride: 1, columnStride: plan.weightCols),
                                 MatrixOperand(pointer: upstream, rowStride: outPlane, columnStride: 1), gradCols,
                                 m: g.columnRows, n: outPlane, k: outGroup)
                            col2im(gradCols, g, gi)
                        }
                    }
                }
            }
        }
        if let gw = gradWeight, let copies {
            gw.view([weightCount]).add_(copies.sum(dims: [0]))
        }
    }
}
