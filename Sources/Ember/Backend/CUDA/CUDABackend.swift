// The GPU's backend: copies, casts, fills, every pointwise family, row reductions, arg extremes and transforms, indexing,
// sorting (rows up to 4096), pooling and the Adam step run as Ember's generated CUDA kernels, matrix products,
// convolutions (CUDAConvolution.swift: cuDNN when present), attention (CUDAAttention.swift) and recurrent layers
// (CUDARecurrent.swift) through cuBLAS, Fourier transforms through cuFFT.

/// Runs the op vocabulary on a CUDA device: each primitive with a generated kernel (`CUDAKernelSources`) launches
/// it through `launcher` over the operands' own layouts, products go to cuBLAS (`blas`), convolutions to cuDNN (`dnn`)
/// when it is present, Fourier transforms to cuFFT (`fft`); the others — and these when their library could not be loaded — compute on the host from copies of the
/// operands' storages, and their outputs are copied back: correct, with a round trip per call.
final class CUDABackend: Backend {
    let device: Device
    let allocator: DeviceAllocator
    let launcher: CUDAKernelLauncher
    /// Every kernel module, by name, generated once.
    let modules: [String: CUDAKernelModule]

    /// cuBLAS for the matrix products; nil when it could not be loaded (they then run on the host).
    let blas: CUBLASSession?
    /// cuFFT for the Fourier transforms; nil when it could not be loaded (they then run on the host).
    let fft: CUFFTSession?
    /// cuDNN for the float32 and float64 convolutions; nil when it could not be loaded (they then run as im2col and
    /// cuBLAS products).
    let dnn: CUDNNSession?

    init(device: Device, allocator: DeviceAllocator, launcher: CUDAKernelLauncher, blas: CUBLASSession?, fft: CUFFTSession? = nil,
         dnn: CUDNNSession? = nil) {
        (self.device, self.allocator, self.launcher, self.blas, self.fft, self.dnn) = (device, allocator, launcher, blas, fft, dnn)
        modules = Dictionary(uniqueKeysWithValues: CUDAKernelSources.all.map { ($0.name, $0) })
    }

    // MARK: Kernels

    func copy(_ source: KernelOperand, into destination: KernelOperand) {
        run("cast_\(source.dtype)", "cast_\(source.dtype)_\(destination.dtype)", out: destination, [source]) { host in
            CPUBackend.host.copy(host[1], into: host[0])
        }
    }

    func fill(_ destination: KernelOperand, with value: Double) {
        run("fill", "fill_\(destination.dtype)", out: destination, [], parameters: [value]) { host in
            CPUBackend.host.fill(host[0], with: value)
        }
    }

    func floatUnary(_ op: FloatUnaryOp, _ x: KernelOperand, into out: KernelOperand) {
        run(pointwise: "float_unary", op.cuda, out: out, [x]) { CPUBackend.host.floatUnary(op, $0[1], into: $0[0]) }
    }

    func arithmeticUnary(_ op: ArithmeticUnaryOp, _ x: KernelOperand, into out: KernelOperand) {
        run(pointwise: "arithmetic_unary", op.cuda, out: out, [x]) { CPUBackend.host.arithmeticUnary(op, $0[1], into: $0[0]) }
    }

    func arithmeticBinary(_ op: ArithmeticBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        run(pointwise: "arithmetic_binary", op.cuda, out: out, [x, y]) {
            CPUBackend.host.arithmeticBinary(op, $0[1], $0[2], into: $0[0])
        }
    }

    func floatBinary(_ op: FloatBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        run(pointwise: "float_binary", op.cuda, out: out, [x, y]) { CPUBackend.host.floatBinary(op, $0[1], $0[2], into: $0[0]) }
    }

    func compare(_ op: ComparisonOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        run("compare_\(x.dtype)", CUDAKernelSources.kernelName(op.cuda, x.dtype), out: out, [x, y]) {
            CPUBackend.host.compare(op, $0[1], $0[2], into: $0[0])
        }
    }

    func bitwise(_ op: BitwiseOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        run(pointwise: "bitwise", op.cuda, out: out, [x, y]) { CPUBackend.host.bitwise(op, $0[1], $0[2], into: $0[0]) }
    }

    func select(_ condition: KernelOperand, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand) {
        run("select", "select_\(out.dtype)", out: out, [condition, x, y]) { CPUBackend.host.select($0[1], $0[2], $0[3], into: $0[0]) }
    }

    /// Launches the kernel for `function` of the family's module of out's dtype.
    private func run(pointwise family: String, _ function: CUDAPointwiseFunction, out: KernelOperand, _ inputs: [KernelOperand],
                     onHost: ([KernelOperand]) -> Void) {
        run("\(family)_\(out.dtype)", CUDAKernelSources.kernelName(function, out.dtype), out: out, inputs,
            parameters: function.parameters, onHost: onHost)
    }

    /// Launches `kernel` of `module` over out's elements with the operands' layouts and up to four scalar
    /// parameters; when no such kernel exists (a dtype without one) or the layout has too many dimensions, runs
    /// `onHost` on host copies of [out] + inputs instead.
    private func run(_ module: String, _ kernel: String, out: KernelOperand, _ inputs: [KernelOperand], parameters: [Double] = [],
                     onHost: ([KernelOperand]) -> Void) {
        guard let source = modules[module], source.kernels.contains(kernel),
              let layout = CUDAKernelLayout(out: out, inputs: inputs) else {
            return runOnHost([out] + inputs, written: [0]) { onHost($0.map { $0! }) }
        }
        guard out.numel > 0 else { return }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(out.numel)), .layout(layout), .address(out.address)]
            + inputs.map { .address($0.address) } + (0..<4).map { .double($0 < parameters.count ? parameters[$0] : 0) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(kernel, of: source, work: .elements(out.numel), arguments: $0) }
    }

    // Batch normalisation composes the GPU's pointwise and reduction kernels (the fused passes are the CPU's).
    func channelStatistics(_ x: KernelOperand, _ shape: ChannelShape, mean: KernelOperand, variance: KernelOperand) -> Bool { false }

    func channelAffine(_ x: KernelOperand, _ shape: ChannelShape, scale: KernelOperand, shift: KernelOperand,
                       into out: KernelOperand) -> Bool { false }

    func batchNormBackward(_ shape: ChannelShape, gradOutput: KernelOperand, input: KernelOperand, mean: KernelOperand,
                           invStd: KernelOperand, weight: KernelOperand?, sums: KernelOperand, centredSums: KernelOperand,
                           gradInput: KernelOperand?) -> Bool { false }

    func adamStep(_ step: AdamStep, param: KernelOperand, grad: KernelOperand, expAvg: KernelOperand, expAvgSq: KernelOperand,
                  maxExpAvgSq: KernelOperand?) {
        guard let module = modules["adam_\(param.dtype)"] else {
            return runOnHost([param, expAvg, expAvgSq, maxExpAvgSq, grad], written: [0, 1, 2, 3]) {
                CPUBackend.host.adamStep(step, param: $0[0]!, grad: $0[4]!, expAvg: $0[1]!, expAvgSq: $0[2]!, maxExpAvgSq: $0[3])
            }
        }
        guard param.numel > 0 else { return }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(param.numel))]
            + [param, grad, expAvg, expAvgSq].map { .address($0.address) } + [.address(maxExpAvgSq?.address)]
            + [1 - step.beta1, step.beta2, 1 - step.beta2, step.eps, step.stepSize, step.biasCorrection2Sqrt].map { .double($0) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(module.name, of: module, work: .elements(param.numel), arguments: $0) }
    }

    // MARK: Rows

    func reduceRows(_ op: RowReduction, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand) {
        let (name, parameter) = CUDAKernelSources.rowReductionKernel(op)
        run(rows: "reduce_\(x.dtype)", "\(name)_\(x.dtype)", rows: rows, k: k, [x, out], parameters: [parameter]) {
            CPUBackend.host.reduceRows(op, $0[0], rows: rows, k: k, into: $0[1])
        }
    }

    func sumMiddle(_ x: KernelOperand, outer: Int, k: Int, inner: Int, into out: KernelOperand) {
        guard let module = modules["reduce_\(x.dtype)"] else {
            return runOnHost([out, x], written: [0]) { CPUBackend.host.sumMiddle($0[1]!, outer: outer, k: k, inner: inner, into: $0[0]!) }
        }
        guard outer * inner > 0 else { return }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(outer)), .int64(Int64(k)), .int64(Int64(inner)), .address(x.address),
                                               .address(out.address)]
        CUDAKernelArgument.withParameters(arguments) {
            launcher.launch("middle_sum_\(x.dtype)", of: module, work: .elements(outer * inner), arguments: $0)
        }
    }

    func argExtremeRows(_ x: KernelOperand, rows: Int, k: Int, isMax: Bool, values: KernelOperand, indices: KernelOperand) {
        run(rows: "arg_extreme_\(x.dtype)", "arg_\(isMax ? "max" : "min")_\(x.dtype)", rows: rows, k: k, [x, values, indices]) {
            CPUBackend.host.argExtremeRows($0[0], rows: rows, k: k, isMax: isMax, values: $0[1], indices: $0[2])
        }
    }

    func transformRows(_ op: RowTransform, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand) {
        run(rows: "row_transform_\(x.dtype)", "\(CUDAKernelSources.rowTransformKernel(op))_\(x.dtype)", rows: rows, k: k, [x, out]) {
            CPUBackend.host.transformRows(op, $0[0], rows: rows, k: k, into: $0[1])
        }
    }

    /// Launches a row kernel `(rows, k, operands…, parameters…)` with a block per row, or runs `onHost` on host
    /// copies of `operands` (all but the first written) when `module` has no such kernel.
    private func run(rows module: String, _ kernel: String, rows: Int, k: Int, _ operands: [KernelOperand], parameters: [Double] = [],
                     onHost: ([KernelOperand]) -> Void) {
        guard let source = modules[module], source.kernels.contains(kernel) else {
            return runOnHost(operands, written: Array(1..<operands.count)) { onHost($0.map { $0! }) }
        }
        guard rows > 0 else { return }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(rows)), .int64(Int64(k))] + operands.map { .address($0.address) }
            + parameters.map { .double($0) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(kernel, of: source, work: .rows(rows), arguments: $0) }
    }

    func sortRows(_ x: KernelOperand, rows: Int, k: Int, descending: Bool, values: KernelOperand, indices: KernelOperand) {
        guard let module = modules["sort_\(x.dtype)"], k <= CUDAKernelSources.longestSortedRow else {
            return runOnHost([values, indices, x], written: [0, 1]) {
                CPUBackend.host.sortRows($0[2]!, rows: rows, k: k, descending: descending, values: $0[0]!, indices: $0[1]!)
            }
        }
        guard rows * k > 0 else { return }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(rows * k)), .int64(Int64(k)), .int64(descending ? 1 : 0), .address(x.address),
                                               .address(values.address), .address(indices.address)]
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(module.name, of: module, work: .elements(rows * k), arguments: $0) }
    }

    // MARK: Indexing

    func gather(_ input: KernelOperand, index: KernelOperand, dim: Int, into out: KernelOperand) -> Int64? {
        run(along: "gather_\(input.dtype)", dim: dim, [out, input], indexed: 1, index: index) {
            CPUBackend.host.gather($0[1], index: $0[2], dim: dim, into: $0[0])
        }
    }

    func scatter(_ source: KernelOperand, index: KernelOperand, dim: Int, accumulate: Bool, into target: KernelOperand) -> Int64? {
        run(along: "scatter\(accumulate ? "_add" : "")_\(target.dtype)", dim: dim, [target, source], indexed: 0, index: index) {
            CPUBackend.host.scatter($0[1], index: $0[2], dim: dim, accumulate: accumulate, into: $0[0])
        }
    }

    /// Launches a gather or scatter kernel over index's positions (`CUDAKernelSources.indexing`) with `operands`
    /// ([written, read]; the one at `indexed` is addressed along `dim` by the index) and gives the index it found
    /// outside the dimension, if any (waiting for the kernel to read it back); runs `onHost` on host copies of
    /// operands + [index] when there is no such kernel.
    private func run(along kernel: String, dim: Int, _ operands: [KernelOperand], indexed: Int, index: KernelOperand,
                     onHost: ([KernelOperand]) -> Int64?) -> Int64? {
        var strides = operands.map(\.strides)
        strides[indexed][dim] = 0
        guard let module = modules["index_\(operands[0].dtype)"], module.kernels.contains(kernel),
              let layout = CUDAKernelLayout(shape: index.shape, strides: strides + [index.strides], contiguous: false) else {
            return runOnHost(operands + [index], written: [0]) { onHost($0.map { $0! }) }
        }
        guard index.numel > 0 else { return nil }
        let outside = deviceBuffer([0, 0])
        let arguments: [CUDAKernelArgument] = [.int64(Int64(index.numel)), .layout(layout)] + operands.map { .address($0.address) }
            + [.address(index.address), .int64(Int64(operands[indexed].strides[dim])), .int64(Int64(operands[indexed].shape[dim])),
               .address(outside.pointer)]
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(kernel, of: module, work: .elements(index.numel), arguments: $0) }
        var report: (found: Int64, index: Int64) = (0, 0)
        withUnsafeMutableBytes(of: &report) { allocator.copyToHost(outside.pointer, to: $0.baseAddress!, byteCount: 16) }
        return report.found != 0 ? report.index : nil
    }

    func take(_ source: KernelOperand, bases: [Int], block: Layout, into out: KernelOperand) {
        run(block: "take_\(source.dtype)", bases: bases, block: block, [source, out]) {
            CPUBackend.host.take($0[0], bases: bases, block: block, into: $0[1])
        }
    }

    func put(_ values: KernelOperand, bases: [Int], block: Layout, accumulate: Bool, into target: KernelOperand) {
        run(block: "put\(accumulate ? "_add" : "")_\(target.dtype)", bases: bases, block: block, [values, target]) {
            CPUBackend.host.put($0[0], bases: bases, block: block, accumulate: accumulate, into: $0[1])
        }
    }

    /// Launches a take or put kernel over every (base, block element) with the bases copied to the device; runs
    /// `onHost` on host copies of [read, written] when there is no such kernel.
    private func run(block kernel: String, bases: [Int], block: Layout, _ operands: [KernelOperand], onHost: ([KernelOperand]) -> Void) {
        guard let module = modules["index_\(operands[1].dtype)"], module.kernels.contains(kernel),
              let layout = CUDAKernelLayout(shape: block.shape, strides: [block.strides], contiguous: block.isContiguous) else {
            return runOnHost(operands, written: [1]) { onHost($0.map { $0! }) }
        }
        let count = bases.count * block.count
        guard count > 0 else { return }
        let deviceBases = deviceBuffer(bases.map { Int64($0) })
        let arguments: [CUDAKernelArgument] = [.int64(Int64(count)), .layout(layout), .int64(Int64(block.count)),
                                               .address(deviceBases.pointer)] + operands.map { .address($0.address) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch(kernel, of: module, work: .elements(count), arguments: $0) }
    }

    /// A 0-d device tensor holding `value`.
    func scalar(_ value: Double, _ dtype: DType) -> KernelOperand {
        let tensor = temporary([], dtype)
        fill(tensor.operand, with: value)
        return tensor.operand
    }

    /// An uninitialised contiguous device tensor.
    func temporary(_ shape: [Int], _ dtype: DType) -> Tensor {
        Tensor(storage: Storage(byteCount: Layout.count(shape) * dtype.itemSize, backend: self), layout: Layout(contiguous: shape), dtype: dtype)
    }

    /// `words` in device memory, freed when the storage is released (after the kernels queued before that point:
    /// the allocator hands memory out in stream order).
    private func deviceBuffer(_ words: [Int64]) -> Storage {
        let storage = Storage(byteCount: words.count * 8, backend: self)
        words.withUnsafeBytes { allocator.copyFromHost($0.baseAddress!, to: storage.pointer, byteCount: $0.count) }
        return storage
    }

    // MARK: Products

    func batchedMatrixProduct(_ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand) {
        guard out.numel > 0 else { return }
        if a.shape[2] == 0 { return fill(out, with: 0) }
        if let blas, blas.batchedProduct(a, b, into: out, device: device) { return }
        runOnHost([out, a, b], written: [0]) { CPUBackend.host.batchedMatrixProduct($0[1]!, $0[2]!, into: $0[0]!) }
    }

    // MARK: Pooling

    func maxPool(_ input: KernelOperand, planes: Int, _ g: PoolGeometry, into out: KernelOperand, indices: KernelOperand?) {
        // The kernel always writes indices; without a destination they go to a temporary (kept alive by its operand).
        let indices = indices ?? KernelOperand(temporary([out.numel], .int64))
        run(pool: "max_pool", g, count: out.numel, [input, out, indices]) {
            CPUBackend.host.maxPool($0[0], planes: planes, g, into: $0[1], indices: $0[2])
        }
    }

    func maxPoolBackward(_ gradOutput: KernelOperand, indices: KernelOperand, planes: Int, _ g: PoolGeometry,
                         into gradInput: KernelOperand) {
        run(pool: "max_pool_backward", g, count: gradInput.numel, [gradOutput, indices, gradInput]) {
            CPUBackend.host.maxPoolBackward($0[0], indices: $0[1], planes: planes, g, into: $0[2])
        }
    }

    func avgPool(_ source: KernelOperand, planes: Int, _ g: PoolGeometry, countIncludePad: Bool, divisorOverride: Int?,
                 backward: Bool, into destination: KernelOperand) {
        run(pool: backward ? "avg_pool_backward" : "avg_pool", g, count: destination.numel, [source, destination],
            parameters: [countIncludePad ? 1 : 0, Int64(divisorOverride ?? 0)]) {
            CPUBackend.host.avgPool($0[0], planes: planes, g, countIncludePad: countIncludePad, divisorOverride: divisorOverride,
                                    backward: backward, into: $0[1])
        }
    }

    func adaptiveAvgPool(_ source: KernelOperand, planes: Int, height: Int, width: Int, outH: Int, outW: Int, backward: Bool,
                         into destination: KernelOperand) {
        let g = PoolGeometry(height: height, width: width, outH: outH, outW: outW, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1,
                             padH: 0, padW: 0, dilationH: 1, dilationW: 1)
        run(pool: backward ? "adaptive_avg_pool_backward" : "adaptive_avg_pool", g, count: destination.numel, [source, destination]) {
            CPUBackend.host.adaptiveAvgPool($0[0], planes: planes, height: height, width: width, outH: outH, outW: outW,
                                            backward: backward, into: $0[1])
        }
    }

    /// Launches `kernel` of the pooling module (`CUDAKernelSources.pooling`) over `count` elements with the geometry,
    /// `parameters` and `operands` (the last one written); runs `onHost` on host copies when the dtype has none.
    private func run(pool kernel: String, _ g: PoolGeometry, count: Int, _ operands: [KernelOperand], parameters: [Int64] = [],
                     onHost: ([KernelOperand]) -> Void) {
        let dtype = operands[0].dtype
        guard let module = modules["pool_\(dtype)"] else {
            return runOnHost(operands, written: [operands.count - 1]) { onHost($0.map { $0! }) }
        }
        guard count > 0 else { return }
        let geometry = [g.height, g.width, g.outH, g.outW, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.dilationH,
                        g.dilationW].map { Int64($0) }
        let arguments: [CUDAKernelArgument] = [.int64(Int64(count)), .words(geometry)] + parameters.map { .int64($0) }
            + operands.map { .address($0.address) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch("\(kernel)_\(dtype)", of: module, work: .elements(count), arguments: $0) }
    }

    // MARK: Fourier transforms

    /// Through cuFFT: frames of a signal (`inputRowStride`) or windowed rows are first formed as contiguous rows (the
    /// samples times the window), and the scale is a multiplication afterwards.
    func fourierTransform(_ transform: FourierTransform, _ source: KernelOperand, window: KernelOperand?, into destination: KernelOperand) {
        // cuFFT's plans count lengths and batches in 32-bit integers.
        guard let fft, transform.batch * transform.length > 0, Int32(exactly: transform.batch) != nil,
              Int32(exactly: transform.length) != nil else {
            return runOnHost([destination, source, window], written: [0]) {
                CPUBackend.host.fourierTransform(transform, $0[1]!, window: $0[2], into: $0[0]!)
            }
        }
        var rows = source
        if case .realToComplex = transform.kind, window != nil || (transform.inputRowStride ?? transform.length) != transform.length {
            let shape = [transform.batch, transform.length]
            let frames = source.view(offset: source.layout.offset, shape: shape, strides: [transform.inputRowStride ?? transform.length, 1])
            rows = temporary(shape, source.dtype).operand
            if let window {
                arithmeticBinary(.multiply, frames, window.view(offset: window.layout.offset, shape: shape, strides: [0, 1]), into: rows)
            } else {
                copy(frames, into: rows)
            }
        }
        fft.transform(transform, rows, into: destination, device: device)
        if transform.scale != 1 { arithmeticBinary(.multiply, destination, scalar(transform.scale, destination.dtype), into: destination) }
    }

    /// Runs `body` on host copies of `operands` (each storage copied whole, once, so views and in-place outputs
    /// keep sharing memory), then copies the storages of the operands at `written` back to the device.
    func runOnHost<R>(_ operands: [KernelOperand?], written: [Int], _ body: ([KernelOperand?]) -> R) -> R {
        var copies: [ObjectIdentifier: (device: Storage, host: Storage)] = [:]
        let hostOperands = operands.map { operand -> KernelOperand? in
            guard let operand else { return nil }
            let storage = operand.storage, key = ObjectIdentifier(storage)
            if copies[key] == nil {
                let host = Storage(byteCount: storage.byteCount)
                if storage.byteCount > 0 { allocator.copyToHost(storage.pointer, to: host.pointer, byteCount: storage.byteCount) }
                copies[key] = (storage, host)
            }
            return Tensor(storage: copies[key]!.host, layout: operand.layout, dtype: operand.dtype).operand
        }
        let result = body(hostOperands)
        var copiedBack = Set<ObjectIdentifier>()
        for index in written {
            guard let storage = operands[index]?.storage, copiedBack.insert(ObjectIdentifier(storage)).inserted,
                  storage.byteCount > 0 else { continue }
            allocator.copyFromHost(copies[ObjectIdentifier(storage)]!.host.pointer, to: storage.pointer, byteCount: storage.byteCount)
        }
        return result
    }
}
