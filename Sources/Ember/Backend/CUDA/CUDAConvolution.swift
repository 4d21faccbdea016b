// Convolution on a GPU as PyTorch's CUDA fallback does it without cuDNN: the whole batch's im2col columns, a batched
// cuBLAS product per group, col2im for the adjoint.

extension CUDABackend {
    func convolution(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, bias: KernelOperand?,
                     into out: KernelOperand) {
        guard let blas, let module = modules["convolution_\(input.dtype)"] else {
            return runOnHost([out, input, weight, bias], written: [0]) {
                CPUBackend.host.convolution(plan, input: $0[1]!, weight: $0[2]!, bias: $0[3], into: $0[0]!)
            }
        }
        guard out.numel > 0 else { return }
        let shape = ConvolutionShape(plan)
        let cols = shape.columns(on: self, dtype: input.dtype)
        if plan.transposed {
            // cols[n, g] = W[g]ᵀ · x[n, g], folded onto the output (zero or the bias first).
            shape.eachGroup(blas, device) { g in
                (shape.weight(weight, group: g, transposed: true), shape.image(input, group: g), shape.columns(cols, group: g))
            }
            fill(out, with: 0)
            addBias(bias, to: out, plan)
            shape.launch("col2im", module, self, cols: cols.operand, image: out)
        } else {
            // out[n, g] = W[g] · cols[n, g], plus the bias.
            shape.launch("im2col", module, self, cols: cols.operand, image: input)
            shape.eachGroup(blas, device) { g in
                (shape.weight(weight, group: g, transposed: false), shape.columns(cols, group: g), shape.image(out, group: g))
            }
            addBias(bias, to: out, plan)
        }
    }

    func convolutionBackward(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, gradOutput: KernelOperand,
                             gradInput: KernelOperand?, gradWeight: KernelOperand?) {
        guard let blas, let module = modules["convolution_\(input.dtype)"] else {
            return runOnHost([gradInput, gradWeight, input, weight, gradOutput], written: [0, 1]) {
                CPUBackend.host.convolutionBackward(plan, input: $0[2]!, weight: $0[3]!, gradOutput: $0[4]!, gradInput: $0[0],
                                                    gradWeight: $0[1])
            }
        }
        guard plan.batch > 0 else { return }
        let shape = ConvolutionShape(plan)
        // The columns of the larger side: the input's (forward) or the output gradient's (transposed).
        let cols = shape.columns(on: self, dtype: input.dtype)
        let large = plan.transposed ? gradOutput : input, small = plan.transposed ? input : gradOutput
        shape.launch("im2col", module, self, cols: cols.operand, image: large)
        if let gradWeight {
            // Per image: dW[g] (+)= small[n, g] · cols[n, g]ᵀ (transposed: x · colsᵀ; forward: dOut · colsᵀ), then summed
            // over the batch and added.
            let perImage = Tensor(storage: Storage(byteCount: plan.batch * gradWeight.numel * input.dtype.itemSize, backend: self),
                                  layout: Layout(contiguous: [plan.batch, gradWeight.numel]), dtype: input.dtype)
            shape.eachGroup(blas, device) { g in
                (shape.image(small, group: g), shape.columns(cols, group: g).transposedMatrices,
                 shape.perImageWeight(perImage.operand, group: g))
            }
            let total = Tensor(storage: Storage(byteCount: gradWeight.numel * input.dtype.itemSize, backend: self),
                               layout: Layout(contiguous: [gradWeight.numel]), dtype: input.dtype)
            sumMiddle(perImage.operand, outer: 1, k: plan.batch, inner: gradWeight.numel, into: total.operand)
            let flat = Tensor(storage: gradWeight.storage, layout: Layout(shape: [gradWeight.numel], strides: [1],
                                                                          offset: gradWeight.layout.offset), dtype: input.dtype)
            arithmeticBinary(.add, flat.operand, total.operand, into: flat.operand)
        }
        guard let gradInput else { return }
        if plan.transposed {
            // dx[n, g] = W[g] · cols[n, g].
            shape.eachGroup(blas, device) { g in
                (shape.weight(weight, group: g, transposed: false), shape.columns(cols, group: g), shape.image(gradInput, group: g))
            }
        } else {
            // dCols[n, g] = W[g]ᵀ · dOut[n, g], folded back onto the input.
            let gradCols = shape.columns(on: self, dtype: input.dtype)
            shape.eachGroup(blas, device) { g in
                (shape.weight(weight, group: g, transposed: true), shape.image(gradOutput, group: g),
                 shape.columns(gradCols, group: g))
            }
            shape.launch("col2im", module, self, cols: gradCols.operand, image: gradInput)
        }
    }

    /// out[n, c, …] += bias[c].
    private func addBias(_ bias: KernelOperand?, to out: KernelOperand, _ plan: ConvolutionPlan) {
        guard let bias else { return }
        let channels = Tensor(storage: out.storage, layout: Layout(shape: [plan.batch, plan.outChannels, plan.outH * plan.outW],
                                                                   strides: [plan.outChannels * plan.outH * plan.outW, plan.outH * plan.outW, 1],
                                                                   offset: out.layout.offset), dtype: out.dtype)
        let spread = Tensor(storage: bias.storage, layout: Layout(shape: [1, plan.outChannels, 1], strides: [0, bias.strides[0], 0],
                                                                  offset: bias.layout.offset), dtype: bias.dtype)
        arithmeticBinary(.add, channels.operand, spread.operand, into: channels.operand)
    }
}

/// The matrices of one convolution as batched GEMM operands ([batch, rows, columns] views, one per group) over
/// contiguous tensors: images [N, C, H, W], weights as the layer holds them, columns [N·groups, rows, columns].
private struct ConvolutionShape {
    let plan: ConvolutionPlan
    let geometry: ConvolutionGeometry

    init(_ plan: ConvolutionPlan) { (self.plan, geometry) = (plan, plan.geometry) }

    /// Uninitialised columns for the whole batch.
    func columns(on backend: Backend, dtype: DType) -> Tensor {
        let shape = [plan.batch * plan.groups, geometry.columnRows, geometry.columnCount]
        return Tensor(storage: Storage(byteCount: Layout.count(shape) * dtype.itemSize, backend: backend), layout: Layout(contiguous: shape),
                      dtype: dtype)
    }

    /// Group g's columns of every image: [N, rows, columns].
    func columns(_ cols: Tensor, group g: Int) -> KernelOperand {
        let (rows, count) = (geometry.columnRows, geometry.columnCount)
        return view(cols.storage, cols.dtype, offset: g * rows * count, [plan.batch, rows, count], [plan.groups * rows * count, count, 1])
    }

    /// Group g's channels of the smaller image side's planes, which the GEMMs read directly (the output of a forward
    /// convolution, the input of a transposed one; the larger side goes through im2col): [N, channels of the group, plane].
    func image(_ image: KernelOperand, group g: Int) -> KernelOperand {
        let channels = plan.transposed ? plan.inChannels : plan.outChannels
        let plane = plan.transposed ? plan.height * plan.width : plan.outH * plan.outW
        let perGroup = channels / plan.groups
        return view(image.storage, image.dtype, offset: image.layout.offset + g * perGroup * plane, [plan.batch, perGroup, plane],
                    [channels * plane, plane, 1])
    }

    /// Group g's weight matrix [weightRows, weightCols] for every image (batch stride 0), or its transpose.
    func weight(_ weight: KernelOperand, group g: Int, transposed: Bool) -> KernelOperand {
        let (rows, cols) = (plan.weightRows, plan.weightCols)
        let offset = weight.layout.offset + g * rows * cols
        return transposed ? view(weight.storage, weight.dtype, offset: offset, [plan.batch, cols, rows], [0, 1, cols])
            : view(weight.storage, weight.dtype, offset: offset, [plan.batch, rows, cols], [0, cols, 1])
    }

    /// Group g's block of each image's weight gradient in a [N, weight count] tensor.
    func perImageWeight(_ perImage: KernelOperand, group g: Int) -> KernelOperand {
        let (rows, cols) = (plan.weightRows, plan.weightCols)
        return view(perImage.storage, perImage.dtype, offset: g * rows * cols, [plan.batch, rows, cols], [plan.groups * rows * cols, cols, 1])
    }

    /// Runs one batched product per group: `operands(g)` gives (a, b, out).
    func eachGroup(_ blas: CUBLASSession, _ device: Device, _ operands: (Int) -> (KernelOperand, KernelOperand, KernelOperand)) {
        for g in 0..<plan.groups {
            let (a, b, out) = operands(g)
            let done = blas.batchedProduct(a, b, into: out, device: device)
            precondition(done, "convolution: cuBLAS refused a product of views it reads without copies")
        }
    }

    /// Launches `im2col` (image → cols) or `col2im` (cols added into image) over the whole batch.
    func launch(_ kernel: String, _ module: CUDAKernelModule, _ backend: CUDABackend, cols: KernelOperand, image: KernelOperand) {
        let g = geometry
        let count = kernel == "im2col" ? cols.numel : plan.batch * plan.groups * g.channels * g.height * g.width
        guard count > 0 else { return }
        let conv = [g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.outH, g.outW]
        let (source, destination) = kernel == "im2col" ? (image, cols) : (cols, image)
        let arguments: [CUDAKernelArgument] = [.int64(Int64(count)), .words(conv.map { Int64($0) }), .address(source.address),
                                               .address(destination.address)]
        CUDAKernelArgument.withParameters(arguments) {
            backend.launcher.launch("\(kernel)_\(image.dtype)", of: module, work: .elements(count), arguments: $0)
        }
    }

    private func view(_ storage: Storage, _ dtype: DType, offset: Int, _ shape: [Int], _ strides: [Int]) -> KernelOperand {
        Tensor(storage: storage, layout: Layout(shape: shape, strides: strides, offset: offset), dtype: dtype).operand
    }
}

private extension KernelOperand {
    /// The same [batch, rows, columns] matrices transposed: [batch, columns, rows].
    var transposedMatrices: KernelOperand {
        Tensor(storage: storage, layout: Layout(shape: [shape[0], shape[2], shape[1]], strides: [strides[0], strides[2], strides[1]],
                                                offset: layout.offset), dtype: dtype).operand
    }
}
