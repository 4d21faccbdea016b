// Convolution on a GPU: through cuDNN when it is present, else as PyTorch's CUDA fallback does it without cuDNN: the
// whole batch's im2col columns, a batched cuBLAS product per group, col2im for the adjoint.

extension CUDABackend {
    func convolution(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, bias: KernelOperand?,
                     into out: KernelOperand) {
        guard out.numel > 0 else { return }
        // cuDNN: the forward pass, or for a transposed convolution the backward-data pass of its adjoint.
        if let (dnn, convolution) = cudnnConvolution(plan, input.dtype),
           dnn.run(plan.transposed ? .backwardData : .forward, convolution, x: plan.transposed ? out : input, w: weight,
                   y: plan.transposed ? input : out, on: self) {
            return addBias(bias, to: out, plan)
        }
        guard let blas, let module = modules["convolution_\(input.dtype)"] else {
            return runOnHost([out, input, weight, bias], written: [0]) {
                CPUBackend.host.convolution(plan, input: $0[1]!, weight: $0[2]!, bias: $0[3], into: $0[0]!)
            }
        }
        let shape = ConvolutionShape(plan)
        let cols = shape.columns(on: self, dtype: input.dtype)
        if plan.transposed {
            // cols[n, g] = W[g]ᵀ · x[n, g], folded onto the output (zero or the bias first).
            blas.products(plan.groups, op: "convolution", device: device) { g in
                (shape.weight(weight, group: g, transposed: true), shape.image(input, group: g), shape.columns(cols, group: g))
            }
            fill(out, with: 0)
            addBias(bias, to: out, plan)
            shape.launch("col2im", module, self, cols: cols.operand, image: out)
        } else {
            // out[n, g] = W[g] · cols[n, g], plus the bias.
            shape.launch("im2col", module, self, cols: cols.operand, image: input)
            blas.products(plan.groups, op: "convolution", device: device) { g in
                (shape.weight(weight, group: g, transposed: false), shape.columns(cols, group: g), shape.image(out, group: g))
            }
            addBias(bias, to: out, plan)
        }
    }

    func convolutionBackward(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, gradOutput: KernelOperand,
                             gradInput: KernelOperand?, gradWeight: KernelOperand?) {
        guard plan.batch > 0 else { return }
        var (gradInput, gradWeight) = (gradInput, gradWeight)
        // cuDNN: the input gradient by the adjoint's pass (backward-data, or forward for a transposed convolution), the
        // weight gradient by backward-filter, with the forward convolution's x and y; what it cannot run is left below.
        if let (dnn, convolution) = cudnnConvolution(plan, input.dtype) {
            let (x, y) = plan.transposed ? (gradOutput, input) : (input, gradOutput)
            if let grad = gradInput, dnn.run(plan.transposed ? .forward : .backwardData, convolution, x: plan.transposed ? x : grad,
                                             w: weight, y: plan.transposed ? grad : y, on: self) {
                gradInput = nil
            }
            if let grad = gradWeight, dnn.run(.backwardFilter, convolution, x: x, w: grad, y: y, on: self) { gradWeight = nil }
            if gradInput == nil && gradWeight == nil { return }
        }
        guard let blas, let module = modules["convolution_\(input.dtype)"] else {
            return runOnHost([gradInput, gradWeight, input, weight, gradOutput], written: [0, 1]) {
                CPUBackend.host.convolutionBackward(plan, input: $0[2]!, weight: $0[3]!, gradOutput: $0[4]!, gradInput: $0[0],
                                                    gradWeight: $0[1])
            }
        }
        let shape = ConvolutionShape(plan)
        // The columns of the larger side: the input's (forward) or the output gradient's (transposed).
        let cols = shape.columns(on: self, dtype: input.dtype)
        let large = plan.transposed ? gradOutput : input, small = plan.transposed ? input : gradOutput
        shape.launch("im2col", module, self, cols: cols.operand, image: large)
        if let gradWeight {
            // Per image: dW[g] (+)= small[n, g] · cols[n, g]ᵀ (transposed: x · colsᵀ; forward: dOut · colsᵀ), then summed
            // over the batch and added.
            let perImage = temporary([plan.batch, gradWeight.numel], input.dtype)
            blas.products(plan.groups, op: "convolution", device: device) { g in
                (shape.image(small, group: g), shape.columns(cols, group: g).transposedMatrices,
                 shape.perImageWeight(perImage.operand, group: g))
            }
            let total = temporary([gradWeight.numel], input.dtype)
            sumMiddle(perImage.operand, outer: 1, k: plan.batch, inner: gradWeight.numel, into: total.operand)
            let flat = gradWeight.view(offset: gradWeight.layout.offset, shape: [gradWeight.numel], strides: [1])
            arithmeticBinary(.add, flat, total.operand, into: flat)
        }
        guard let gradInput else { return }
        if plan.transposed {
            // dx[n, g] = W[g] · cols[n, g].
            blas.products(plan.groups, op: "convolution", device: device) { g in
                (shape.weight(weight, group: g, transposed: false), shape.columns(cols, group: g), shape.image(gradInput, group: g))
            }
        } else {
            // dCols[n, g] = W[g]ᵀ · dOut[n, g], folded back onto the input.
            let gradCols = shape.columns(on: self, dtype: input.dtype)
            blas.products(plan.groups, op: "convolution", device: device) { g in
                (shape.weight(weight, group: g, transposed: true), shape.image(gradOutput, group: g),
                 shape.columns(gradCols, group: g))
            }
            shape.launch("col2im", module, self, cols: gradCols.operand, image: gradInput)
        }
    }

    /// cuDNN and the convolution of `plan` for it, or nil when there is no cuDNN, it is turned off
    /// (`Ember.cuda.cudnnEnabled`), or it does not take `dtype` or the sizes.
    private func cudnnConvolution(_ plan: ConvolutionPlan, _ dtype: DType) -> (CUDNNSession, CUDNNConvolution)? {
        guard let dnn, CUDNNSession.runs(dtype), CUDARuntime.shared.cudnnEnabled,
              let convolution = CUDNNConvolution(plan, dtype: dtype) else { return nil }
        return (dnn, convolution)
    }

    /// out[n, c, …] += bias[c].
    private func addBias(_ bias: KernelOperand?, to out: KernelOperand, _ plan: ConvolutionPlan) {
        guard let bias else { return }
        let plane = plan.outH * plan.outW
        let channels = out.view(offset: out.layout.offset, shape: [plan.batch, plan.outChannels, plane],
                                strides: [plan.outChannels * plane, plane, 1])
        let spread = bias.view(offset: bias.layout.offset, shape: [1, plan.outChannels, 1], strides: [0, bias.strides[0], 0])
        arithmeticBinary(.add, channels, spread, into: channels)
    }
}

/// The matrices of one convolution as batched GEMM operands ([batch, rows, columns] views, one per group) over
/// contiguous tensors: images [N, C, H, W], weights as the layer holds them, columns [N·groups, rows, columns].
private struct ConvolutionShape {
    let plan: ConvolutionPlan
    let geometry: ConvolutionGeometry

    init(_ plan: ConvolutionPlan) { (self.plan, geometry) = (plan, plan.geometry) }

    /// Uninitialised columns for the whole batch.
    func columns(on backend: CUDABackend, dtype: DType) -> Tensor {
        backend.temporary([plan.batch * plan.groups, geometry.columnRows, geometry.columnCount], dtype)
    }

    /// Group g's columns of every image: [N, rows, columns].
    func columns(_ cols: Tensor, group g: Int) -> KernelOperand {
        let (rows, count) = (geometry.columnRows, geometry.columnCount)
        return cols.operand.view(offset: g * rows * count, shape: [plan.batch, rows, count], strides: [plan.groups * rows * count, count, 1])
    }

    /// Group g's channels of the smaller image side's planes, which the GEMMs read directly (the output of a forward
    /// convolution, the input of a transposed one; the larger side goes through im2col): [N, channels of the group, plane].
    func image(_ image: KernelOperand, group g: Int) -> KernelOperand {
        let channels = plan.transposed ? plan.inChannels : plan.outChannels
        let plane = plan.transposed ? plan.height * plan.width : plan.outH * plan.outW
        let perGroup = channels / plan.groups
        return image.view(offset: image.layout.offset + g * perGroup * plane, shape: [plan.batch, perGroup, plane],
                          strides: [channels * plane, plane, 1])
    }

    /// Group g's weight matrix [weightRows, weightCols] for every image (batch stride 0), or its transpose.
    func weight(_ weight: KernelOperand, group g: Int, transposed: Bool) -> KernelOperand {
        let (rows, cols) = (plan.weightRows, plan.weightCols)
        let offset = weight.layout.offset + g * rows * cols
        return transposed ? weight.view(offset: offset, shape: [plan.batch, cols, rows], strides: [0, 1, cols])
            : weight.view(offset: offset, shape: [plan.batch, rows, cols], strides: [0, cols, 1])
    }

    /// Group g's block of each image's weight gradient in a [N, weight count] tensor.
    func perImageWeight(_ perImage: KernelOperand, group g: Int) -> KernelOperand {
        let (rows, cols) = (plan.weightRows, plan.weightCols)
        return perImage.view(offset: g * rows * cols, shape: [plan.batch, rows, cols], strides: [plan.groups * rows * cols, cols, 1])
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
}
