// The CPU's backend: Ember's own kernels over memory the host can read.

/// Runs the CPU kernels on host-readable memory. The host's instance serves `.cpu` with Ember's caching
/// allocator; another instance may serve a further device whose memory the host can address (the tests' device),
/// with that device's allocator.
final class CPUBackend: Backend {
    /// The host: Ember's caching allocator, read directly by the CPU kernels.
    static let host = CPUBackend(serving: .cpu, allocator: HostAllocator())

    let device: Device
    let allocator: DeviceAllocator

    init(serving device: Device, allocator: DeviceAllocator) {
        self.device = device
        self.allocator = allocator
    }

    func copy(_ source: KernelOperand, into destination: KernelOperand) {
        source.dtype.visit(CopyCast(source: source, destination: destination))
    }

    func fill(_ destination: KernelOperand, with value: Double) { fillKernel(destination, value) }

    func floatUnary(_ op: FloatUnaryOp, _ x: KernelOperand, into out: KernelOperand) { floatUnaryKernel(op, x, out) }
    func arithmeticUnary(_ op: ArithmeticUnaryOp, _ x: KernelOperand, into out: KernelOperand) { arithmeticUnaryKernel(op, x, out) }
    func arithmeticBinary(_ op: ArithmeticBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        arithmeticBinaryKernel(op, x, y, out)
    }
    func floatBinary(_ op: FloatBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        floatBinaryKernel(op, x, y, out)
    }
    func compare(_ op: ComparisonOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        comparisonKernel(op, x, y, out)
    }
    func bitwise(_ op: BitwiseOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        bitwiseKernel(op, x, y, out)
    }
    func select(_ condition: KernelOperand, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        x.dtype.visit(SelectKernel(condition: condition, x: x, y: y, out: out))
    }

    func reduceRows(_ op: RowReduction, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand) {
        rowReduceKernel(op, x, rows: rows, k: k, out)
    }
    func sumMiddle(_ x: KernelOperand, outer: Int, k: Int, inner: Int, into out: KernelOperand) {
        middleSumKernel(x, outer: outer, k: k, inner: inner, out)
    }
    func argExtremeRows(_ x: KernelOperand, rows: Int, k: Int, isMax: Bool, values: KernelOperand, indices: KernelOperand) {
        rowArgExtremeKernel(x, rows: rows, k: k, isMax: isMax, values: values, indices: indices)
    }
    func transformRows(_ op: RowTransform, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand) {
        rowTransformKernel(op, x, rows: rows, k: k, out)
    }
    func sortRows(_ x: KernelOperand, rows: Int, k: Int, descending: Bool, values: KernelOperand, indices: KernelOperand) {
        x.dtype.visit(SortKernel(input: x, rows: rows, k: k, descending: descending, values: values, indices: indices))
    }

    func gather(_ input: KernelOperand, index: KernelOperand, dim: Int, into out: KernelOperand) -> Int64? {
        input.dtype.visit(GatherKernel(input: input, index: index, dim: dim, out: out))
    }
    func scatter(_ source: KernelOperand, index: KernelOperand, dim: Int, accumulate: Bool, into target: KernelOperand) -> Int64? {
        target.dtype.visit(ScatterKernel(target: target, index: index, source: source, dim: dim, accumulate: accumulate))
    }
    func take(_ source: KernelOperand, bases: [Int], block: Layout, into out: KernelOperand) {
        source.dtype.visit(TakeKernel(source: source, bases: bases, block: block, out: out))
    }
    func put(_ values: KernelOperand, bases: [Int], block: Layout, accumulate: Bool, into target: KernelOperand) {
        target.dtype.visit(PutKernel(target: target, bases: bases, block: block, values: values, accumulate: accumulate))
    }

    func batchedMatrixProduct(_ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand) {
        let product = BatchedProduct(x: a, y: b, out: out)
        if a.dtype.isFloatingPoint { a.dtype.visitFloat(product) } else { a.dtype.visitArithmetic(product) }
    }
    func convolution(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, bias: KernelOperand?,
                     into out: KernelOperand) {
        input.dtype.visitFloat(ConvolutionForward(plan: plan, x: input, w: weight, bias: bias, out: out))
    }
    func convolutionBackward(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, gradOutput: KernelOperand,
                             gradInput: KernelOperand?, gradWeight: KernelOperand?) {
        input.dtype.visitFloat(ConvolutionBackward(plan: plan, x: input, w: weight, gradOut: gradOutput, gradInput: gradInput,
                                                   gradWeight: gradWeight))
    }
    func maxPool(_ input: KernelOperand, planes: Int, _ g: PoolGeometry, into out: KernelOperand, indices: KernelOperand?) {
        input.dtype.visitFloat(MaxPoolForward(input: input, output: out, indices: indices, planes: planes, g: g))
    }
    func maxPoolBackward(_ gradOutput: KernelOperand, indices: KernelOperand, planes: Int, _ g: PoolGeometry,
                         into gradInput: KernelOperand) {
        gradOutput.dtype.visitFloat(MaxPoolBackward(gradOutput: gradOutput, indices: indices, gradInput: gradInput, planes: planes,
                                                    inPlane: g.height * g.width, outPlane: g.outH * g.outW))
    }
    func avgPool(_ source: KernelOperand, planes: Int, _ g: PoolGeometry, countIncludePad: Bool, divisorOverride: Int?,
                 backward: Bool, into destination: KernelOperand) {
        source.dtype.visitFloat(AvgPool(source: source, destination: destination, planes: planes, g: g,
                                        countIncludePad: countIncludePad, divisorOverride: divisorOverride, backward: backward))
    }
    func adaptiveAvgPool(_ source: KernelOperand, planes: Int, height: Int, width: Int, outH: Int, outW: Int, backward: Bool,
                         into destination: KernelOperand) {
        source.dtype.visitFloat(AdaptiveAvgPool(source: source, destination: destination, planes: planes, height: height,
                                                width: width, outH: outH, outW: outW, backward: backward))
    }

    func fourierTransform(_ transform: FourierTransform, _ source: KernelOperand, window: KernelOperand?, into destination: KernelOperand) {
        source.dtype.visitFloat(FourierTransformKernel(transform: transform, source: source, window: window, destination: destination))
    }

    func attention(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand, mask: KernelOperand?,
                   probabilities: KernelOperand, into out: KernelOperand) {
        query.dtype.visitFloat(AttentionForward(plan: plan, query: query, key: key, value: value, mask: mask,
                                                probabilities: probabilities, out: out))
    }
    func attentionBackward(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand,
                           probabilities: KernelOperand, gradOutput: KernelOperand, gradQuery: KernelOperand?,
                           gradKey: KernelOperand?, gradValue: KernelOperand?) {
        query.dtype.visitFloat(AttentionBackward(plan: plan, query: query, key: key, value: value, probabilities: probabilities,
                                                 gradOutput: gradOutput, gradQuery: gradQuery, gradKey: gradKey, gradValue: gradValue))
    }
    func recurrentForward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                          weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?) {
        input.dtype.visitFloat(RecurrentForward(plan: plan, input: input, h0: h0, c0: c0, weights: weights, output: output,
                                                saved: saved, cells: cells))
    }
    func recurrentBackward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                           weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?,
                           gradOutput: KernelOperand, gradH: KernelOperand?, gradC: KernelOperand?,
                           gradInput: KernelOperand?, gradH0: KernelOperand, gradC0: KernelOperand?, gradWeights: RecurrentWeights?) {
        input.dtype.visitFloat(RecurrentBackward(plan: plan, input: input, h0: h0, c0: c0, weights: weights, output: output,
                                                 saved: saved, cells: cells, gradOutput: gradOutput, gradH: gradH, gradC: gradC,
                                                 gradInput: gradInput, gradH0: gradH0, gradC0: gradC0, gradWeights: gradWeights))
    }

    func adamStep(_ step: AdamStep, param: KernelOperand, grad: KernelOperand, expAvg: KernelOperand, expAvgSq: KernelOperand,
                  maxExpAvgSq: KernelOperand?) {
        param.dtype.visitFloat(FusedAdam(step: step, param: param, grad: grad, expAvg: expAvg, expAvgSq: expAvgSq,
                                         maxExpAvgSq: maxExpAvgSq))
    }
}

/// The host's memory: Ember's caching allocator.
private final class HostAllocator: DeviceAllocator {
    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? { CPUAllocator.tryAllocate(byteCount) }
    func free(_ address: UnsafeMutableRawPointer, byteCount: Int) { CPUAllocator.free(address, byteCount: byteCount) }
    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int) {
        address.copyMemory(from: source, byteCount: byteCount)
    }
    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        destination.copyMemory(from: address, byteCount: byteCount)
    }
}
