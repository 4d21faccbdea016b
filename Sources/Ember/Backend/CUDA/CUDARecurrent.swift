// Recurrent layers on a GPU, composed as the CPU kernel is: the input side of every step in one cuBLAS product, then
// per step a product of the hidden state and the recurrent weight and one cell kernel over the gates; backward keeps
// the gate gradients of every step and forms the input and weight gradients with one product each.

extension CUDABackend {
    func recurrentForward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                          weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?) {
        guard blas != nil, let module = modules["recurrent_\(input.dtype)"], RecurrentSteps(plan).isUsable else {
            return runOnHost([output, saved, cells, input, h0, c0] + weights.operands, written: [0, 1, 2]) {
                CPUBackend.host.recurrentForward(plan, input: $0[3]!, h0: $0[4]!, c0: $0[5], weights: RecurrentWeights($0[6...])!,
                                                 output: $0[0]!, saved: $0[1]!, cells: $0[2])
            }
        }
        let steps = RecurrentSteps(plan), dtype = input.dtype
        let (batch, width, rows) = (plan.batch, plan.gateWidth, plan.steps * plan.batch)
        // The input side of every step, with the input bias and (but for GRU, whose n gate scales its hidden side)
        // the hidden bias.
        let inputGates = temporary([rows, width], dtype).operand
        product(steps.matrix(input), steps.matrix(weights.inputHidden).transposedMatrices, into: steps.matrix(inputGates))
        for bias in [weights.inputBias, plan.cell == .gru ? nil : weights.hiddenBias].compactMap({ $0 }) {
            arithmeticBinary(.add, inputGates, steps.rows(bias, rows), into: inputGates)
        }
        let hiddenGates = temporary([batch, width], dtype).operand
        for index in 0..<plan.steps {
            let t = plan.step(index), previous = plan.previousStep(index)
            let hPrevious = previous.map { steps.state(output, $0) } ?? h0
            let cPrevious = cells.flatMap { cells in previous.map { steps.state(cells, $0) } } ?? c0
            product(steps.matrix(hPrevious), steps.matrix(weights.hiddenHidden).transposedMatrices, into: steps.matrix(hiddenGates))
            if plan.cell == .gru, let bias = weights.hiddenBias {
                arithmeticBinary(.add, hiddenGates, steps.rows(bias, batch), into: hiddenGates)
            }
            steps.launch("recurrent_forward", of: module, on: launcher, [
                steps.gates(inputGates, t), hiddenGates, hPrevious, cPrevious, steps.saved(saved, t), steps.state(output, t),
                cells.map { steps.state($0, t) },
            ])
        }
    }

    func recurrentBackward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                           weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?,
                           gradOutput: KernelOperand, gradH: KernelOperand?, gradC: KernelOperand?,
                           gradInput: KernelOperand?, gradH0: KernelOperand, gradC0: KernelOperand?, gradWeights: RecurrentWeights?) {
        guard blas != nil, let module = modules["recurrent_\(input.dtype)"], RecurrentSteps(plan).isUsable else {
            let gradWeightOperands = gradWeights?.operands ?? [nil, nil, nil, nil]
            return runOnHost([gradInput, gradH0, gradC0] + gradWeightOperands + [input, h0, c0, output, saved, cells, gradOutput, gradH, gradC]
                             + weights.operands, written: Array(0..<7)) {
                CPUBackend.host.recurrentBackward(plan, input: $0[7]!, h0: $0[8]!, c0: $0[9], weights: RecurrentWeights($0[16...])!,
                                                  output: $0[10]!, saved: $0[11]!, cells: $0[12], gradOutput: $0[13]!, gradH: $0[14],
                                                  gradC: $0[15], gradInput: $0[0], gradH0: $0[1]!, gradC0: $0[2],
                                                  gradWeights: RecurrentWeights($0[3..<7]))
            }
        }
        let steps = RecurrentSteps(plan), dtype = input.dtype
        let (batch, hidden, width, rows) = (plan.batch, plan.hiddenSize, plan.gateWidth, plan.steps * plan.batch)
        // The gradients reaching the state from later steps start as those of the final state.
        if let gradH { copy(gradH, into: gradH0) } else { fill(gradH0, with: 0) }
        if let gradC0 { if let gradC { copy(gradC, into: gradC0) } else { fill(gradC0, with: 0) } }
        // Gate gradients of every step: on the input side, and (GRU only, where they differ) on the hidden side.
        let inputSide = temporary([rows, width], dtype).operand
        let hiddenSide = plan.cell == .gru ? temporary([rows, width], dtype).operand : inputSide
        let recurrentPart = temporary([batch, hidden], dtype).operand
        for index in (0..<plan.steps).reversed() {
            let t = plan.step(index), previous = plan.previousStep(index)
            let hPrevious = previous.map { steps.state(output, $0) } ?? h0
            let cPrevious = cells.flatMap { cells in previous.map { steps.state(cells, $0) } } ?? c0
            steps.launch("recurrent_backward", of: module, on: launcher, [
                steps.saved(saved, t), cells.map { steps.state($0, t) }, hPrevious, cPrevious, steps.state(gradOutput, t), gradH0, gradC0,
                steps.gates(inputSide, t), plan.cell == .gru ? steps.gates(hiddenSide, t) : nil,
            ])
            // dh_{t-1} += dGates_t · W_hh.
            product(steps.matrix(steps.gates(hiddenSide, t)), steps.matrix(weights.hiddenHidden), into: steps.matrix(recurrentPart))
            arithmeticBinary(.add, gradH0, recurrentPart, into: gradH0)
        }
        if let gradInput {
            product(steps.matrix(inputSide), steps.matrix(weights.inputHidden), into: steps.matrix(gradInput))
        }
        guard let gradWeights else { return }
        product(steps.matrix(inputSide).transposedMatrices, steps.matrix(input), into: steps.matrix(gradWeights.inputHidden))
        // Σ_t dGates_tᵀ · h_{t-1}: the first step's product with h0, then the later steps', whose previous states are
        // the outputs of the steps before them, in one product.
        let gradHh = gradWeights.hiddenHidden
        product(steps.matrix(steps.gates(hiddenSide, plan.step(0))).transposedMatrices, steps.matrix(h0), into: steps.matrix(gradHh))
        if plan.steps > 1 {
            let later = temporary([width, hidden], dtype).operand
            let laterRows = (plan.steps - 1) * batch
            let laterGates = hiddenSide.view(offset: hiddenSide.layout.offset + (plan.reverse ? 0 : batch * width),
                                             shape: [laterRows, width], strides: [width, 1])
            let laterStates = output.view(offset: output.layout.offset + (plan.reverse ? batch * hidden : 0),
                                          shape: [laterRows, hidden], strides: [hidden, 1])
            product(steps.matrix(laterGates).transposedMatrices, steps.matrix(laterStates), into: steps.matrix(later))
            arithmeticBinary(.add, gradHh, later, into: gradHh)
        }
        if let inputBias = gradWeights.inputBias { sumMiddle(inputSide, outer: 1, k: rows, inner: width, into: inputBias) }
        if let hiddenBias = gradWeights.hiddenBias {
            // Both biases add to the same pre-activations unless the GRU's n gate tells them apart.
            if let inputBias = gradWeights.inputBias, plan.cell != .gru {
                copy(inputBias, into: hiddenBias)
            } else {
                sumMiddle(hiddenSide, outer: 1, k: rows, inner: width, into: hiddenBias)
            }
        }
    }

    /// out = a·b of [1, m, k] and [1, k, n] matrix views into a [1, m, n] one, which cuBLAS reads without copies.
    private func product(_ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand) {
        blas!.products(1, op: "rnn", device: device) { _ in (a, b, out) }
    }
}

/// One direction of a recurrent layer as views of its contiguous operands: each step's slice of the sequences, the
/// matrices the products read, and the cell kernel's launch over a step's batch × hidden units.
private struct RecurrentSteps {
    let plan: RecurrentPlan

    init(_ plan: RecurrentPlan) { self.plan = plan }

    /// Whether the GPU path applies: every product has a size (an empty one is the host kernel's to handle).
    var isUsable: Bool { plan.steps > 0 && plan.batch > 0 && plan.hiddenSize > 0 && plan.inputSize > 0 }

    /// Step t of a [steps, batch, hidden] sequence.
    func state(_ x: KernelOperand, _ t: Int) -> KernelOperand { slice(x, t, columns: plan.hiddenSize) }
    /// Step t of [steps, batch, gates × hidden] gate rows.
    func gates(_ x: KernelOperand, _ t: Int) -> KernelOperand { slice(x, t, columns: plan.gateWidth) }
    /// Step t of [steps, batch, savedWidth] saved values.
    func saved(_ x: KernelOperand, _ t: Int) -> KernelOperand { slice(x, t, columns: plan.savedWidth) }

    private func slice(_ x: KernelOperand, _ t: Int, columns: Int) -> KernelOperand {
        x.view(offset: x.layout.offset + t * plan.batch * columns, shape: [plan.batch, columns], strides: [columns, 1])
    }

    /// A contiguous operand as one row-major matrix of its last dimension's columns (a batch of one, as cuBLAS's
    /// products take).
    func matrix(_ x: KernelOperand) -> KernelOperand {
        let columns = x.shape.last!, rows = x.numel / columns
        return x.view(offset: x.layout.offset, shape: [1, rows, columns], strides: [rows * columns, columns, 1])
    }

    /// A bias vector repeated over `rows` rows.
    func rows(_ bias: KernelOperand, _ rows: Int) -> KernelOperand {
        bias.view(offset: bias.layout.offset, shape: [rows, plan.gateWidth], strides: [0, 1])
    }

    /// Launches the step kernel `name` over batch × hidden units with `operands` (nil: a null pointer).
    func launch(_ name: String, of module: CUDAKernelModule, on launcher: CUDAKernelLauncher, _ operands: [KernelOperand?]) {
        let units = plan.batch * plan.hiddenSize, dtype = operands.compactMap { $0 }[0].dtype
        let arguments: [CUDAKernelArgument] = [.int64(Int64(units)), .int64(CUDAKernelSources.cellCode(plan.cell)),
                                               .int64(Int64(plan.hiddenSize))] + operands.map { .address($0?.address) }
        CUDAKernelArgument.withParameters(arguments) { launcher.launch("\(name)_\(dtype)", of: module, work: .elements(units), arguments: $0) }
    }
}
