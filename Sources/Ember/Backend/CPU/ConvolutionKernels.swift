// im2col/col2im: convolution as GEMM. One image's patches become the columns of a matrix; the loops
// themselves are C (CEmberKernels), split here across Ember's threads. Large enough 3 × 3 stride-1 float32
// convolutions take Winograd's method instead (`WinogradKernels.swift`).
import CEmberKernels
import Synchronization

extension ConvolutionGeometry {
    /// The same geometry as the C kernels take it.
    var kernelGeometry: ember_conv_geometry {
        ember_conv_geometry(channels: Int64(channels), height: Int64(height), width: Int64(width),
                            kernelH: Int64(kernelH), kernelW: Int64(kernelW), strideH: Int64(strideH), strideW: Int64(strideW),
                            padH: Int64(padH), padW: Int64(padW), dilationH: Int64(dilationH), dilationW: Int64(dilationW),
                            outH: Int64(outH), outW: Int64(outW))
    }
}

/// cols[(c, ki, kj), (oy, ox)] = image[c, oy*s - p + ki*d, ox*s - p + kj*d] (zero outside).
func im2col<T: FloatScalar>(_ image: UnsafePointer<T>, _ g: ConvolutionGeometry, _ cols: UnsafeMutablePointer<T>) {
    withUnsafePointer(to: g.kernelGeometry) { geometry in
        parallelFor(g.columnRows, grain: Swift.max(1, 4096 / Swift.max(g.columnCount, 1))) { range in
            let (begin, end) = (Int64(range.lowerBound), Int64(range.upperBound))
            if T.self == Float.self {
                ember_im2col_f32(UnsafeRawPointer(image).assumingMemoryBound(to: Float.self), geometry,
                                 UnsafeMutableRawPointer(cols).assumingMemoryBound(to: Float.self), begin, end)
            } else {
                ember_im2col_f64(UnsafeRawPointer(image).assumingMemoryBound(to: Double.self), geometry,
                                 UnsafeMutableRawPointer(cols).assumingMemoryBound(to: Double.self), begin, end)
            }
        }
    }
}

/// The adjoint of `im2col`: adds each column entry back into the image position it was read from.
func col2im<T: FloatScalar>(_ cols: UnsafePointer<T>, _ g: ConvolutionGeometry, _ image: UnsafeMutablePointer<T>) {
    // Channels are independent, so threads split by channel and never write the same pixel.
    withUnsafePointer(to: g.kernelGeometry) { geometry in
        parallelFor(g.channels, grain: 1) { range in
            let (begin, end) = (Int64(range.lowerBound), Int64(range.upperBound))
            if T.self == Float.self {
                ember_col2im_f32(UnsafeRawPointer(cols).assumingMemoryBound(to: Float.self), geometry,
                                 UnsafeMutableRawPointer(image).assumingMemoryBound(to: Float.self), begin, end)
            } else {
                ember_col2im_f64(UnsafeRawPointer(cols).assumingMemoryBound(to: Double.self), geometry,
                                 UnsafeMutableRawPointer(image).assumingMemoryBound(to: Double.self), begin, end)
            }
        }
    }
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

/// out = conv(x, w) + bias, over contiguous [N, C, H, W] operands.
struct ConvolutionForward: FloatTypeVisitor {
    let plan: ConvolutionPlan, x: KernelOperand, w: KernelOperand, bias: KernelOperand?, out: KernelOperand

    func visit<T: FloatScalar>(_: T.Type) {
        if T.self == Float.self, let winograd = WinogradConvolution(forward: plan) {
            let filters = UnsafePointer(w.pointer(as: Float.self))
            return winograd.run(x.pointer(as: Float.self), weights: (filters, plan.inChannels * 9, 9, false),
                                bias: bias.map { UnsafePointer($0.pointer(as: Float.self)) }, out.pointer(as: Float.self),
                                accumulate: false)
        }
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

/// The input and weight gradients of a convolution, added into zeroed contiguous operands.
struct ConvolutionBackward: FloatTypeVisitor {
    let plan: ConvolutionPlan, x: KernelOperand, w: KernelOperand, gradOut: KernelOperand
    let gradInput: KernelOperand?, gradWeight: KernelOperand?

    func visit<T: FloatScalar>(_: T.Type) {
        if T.self == Float.self, winogradGradients() { return }
        let weightCount = plan.groups * plan.weightRows * plan.weightCols
        // Block 0 adds into the weight gradient itself, every other block into its own zeroed copy, summed in
        // block order at the end: the same bits on every run with the same thread count.
        let blocks = plan.weightGradientBlocks
        let copyCount = gradWeight == nil || blocks < 2 ? 0 : (blocks - 1) * weightCount
        withScratch(T.self, copyCount) { copies in
            copies.initialize(repeating: 0, count: copyCount)
            plan.forEachBlock(blocks) { block, images in
                let gw = gradWeight.map { block == 0 ? $0.pointer(as: T.self) : copies + (block - 1) * weightCount }
                addGradients(of: images, weightGradient: gw)
            }
            guard let gradWeight, copyCount > 0 else { return }
            // The copies' sum in the accumulator type, then added, as a sum over a leading dim would be.
            let gw = gradWeight.pointer(as: T.self)
            parallelFor(weightCount, grain: pointwiseGrain) { range in
                for i in range {
                    var total = T.Accumulator.zero
                    for b in 0..<(blocks - 1) { total = T.Accumulator.add(total, copies[b * weightCount + i].accumulated) }
                    gw[i] += T(accumulated: total)
                }
            }
        }
    }

    /// Computes by Winograd's method the gradients it applies to (float32 operands), the others as below; false when
    /// it applies to neither.
    private func winogradGradients() -> Bool {
        let filters = UnsafePointer(w.pointer(as: Float.self))
        var inputDone = false, weightDone = false
        if let gradInput, let winograd = WinogradConvolution(inputGradientOf: plan) {
            // The input gradient is the convolution of the output gradient by the flipped, transposed filters.
            winograd.run(gradOut.pointer(as: Float.self), weights: (filters, 9, plan.inChannels * 9, true), bias: nil,
                         gradInput.pointer(as: Float.self), accumulate: true)
            inputDone = true
        }
        if let gradWeight, let winograd = WinogradConvolution(forward: plan) {
            winograd.weightGradient(x.pointer(as: Float.self), gradOut: gradOut.pointer(as: Float.self),
                                    into: gradWeight.pointer(as: Float.self))
            weightDone = true
        }
        guard inputDone || weightDone else { return false }
        let rest = ConvolutionBackward(plan: plan, x: x, w: w, gradOut: gradOut, gradInput: inputDone ? nil : gradInput,
                                       gradWeight: weightDone ? nil : gradWeight)
        if rest.gradInput != nil || rest.gradWeight != nil { rest.visit(Float.self) }
        return true
    }

    /// Adds the gradients of `images` into the input gradient and into `gw`.
    private func addGradients<T: FloatScalar>(of images: Range<Int>, weightGradient gw: UnsafeMutablePointer<T>?) {
        let g = plan.geometry
        let xp = x.pointer(as: T.self), wp = w.pointer(as: T.self), gp = gradOut.pointer(as: T.self)
        let inGroup = plan.inChannels / plan.groups, outGroup = plan.outChannels / plan.groups
        let inPlane = plan.height * plan.width, outPlane = plan.outH * plan.outW
        let weightGroup = plan.weightRows * plan.weightCols
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
}
