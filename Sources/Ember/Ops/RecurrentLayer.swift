// One direction of a recurrent layer over a whole sequence as a single op and a single autograd node, as
// PyTorch's fused CPU layer runs it: one GEMM for the input side of all steps, a GEMM and a fused cell pass per
// step, and in backward one GEMM per weight gradient.

extension RecurrentCell {
    /// PyTorch's name for the node of a layer's output: its fused LSTM layer, or the stack of a loop's steps.
    var layerNodeName: String { self == .lstm ? "MkldnnRnnLayerBackward0" : "StackBackward0" }

    /// Runs the cell over `input` [T, N, I] from `h0` (and, for LSTM, `c0`) [N, H]: the output of every step
    /// [T, N, H] and the final states. `reverse` runs from the last step to the first.
    func layer(_ input: Tensor, h0: Tensor, c0: Tensor?, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor?, biasHh: Tensor?,
               reverse: Bool) -> (output: Tensor, h: Tensor, c: Tensor?) {
        let parameters = [weightIh, weightHh] + [biasIh, biasHh].compactMap { $0 }
        let type = resultType([input, h0] + parameters).floatingCounterpart
        let compute = type.computeType
        func prepared(_ t: Tensor) -> Tensor { t.kernelInput(compute).contiguous() }
        let (x, hInitial, cInitial) = (prepared(input), prepared(h0), c0.map(prepared))
        let (wIh, wHh, bIh, bHh) = (prepared(weightIh), prepared(weightHh), biasIh.map(prepared), biasHh.map(prepared))
        let plan = RecurrentPlan(cell: self, steps: input.shape[0], batch: input.shape[1], inputSize: input.shape[2],
                                 hiddenSize: weightHh.shape[1], reverse: reverse)
        let backend = x.backend
        func empty(_ shape: [Int]) -> Tensor { Tensor(uninitializedShape: shape, dtype: compute, backend: backend) }
        let stateShape = [plan.batch, plan.hiddenSize]
        let output = empty([plan.steps, plan.batch, plan.hiddenSize])
        let saved = empty([plan.steps, plan.batch, plan.savedWidth])
        let cells = self == .lstm ? empty(output.shape) : nil
        let weights = RecurrentWeights(inputHidden: wIh.operand, hiddenHidden: wHh.operand, inputBias: bIh?.operand,
                                       hiddenBias: bHh?.operand)
        backend.recurrentForward(plan, input: x.operand, h0: hInitial.operand, c0: cInitial?.operand, weights: weights,
                                 output: output.operand, saved: saved.operand, cells: cells?.operand)
        let last = plan.step(plan.steps - 1)
        // The caller gets its own tensor objects (the node's closure keeps `output` without a cycle).
        var results = [output.detach(), output[last].clone()] + (cells.map { [$0[last].clone()] } ?? [])
        if compute != type { results = results.map { $0.copied(as: type) } }
        let inputs = [input, h0] + (c0.map { [$0] } ?? []) + parameters
        let savedTensors = inputs.map { SavedTensor($0) } + [SavedTensor(output, isOutput: true)]
        recordPartial(layerNodeName, inputs: inputs, outputs: results, saving: savedTensors) { grads in
            func gradient(_ index: Int) -> Tensor? { grads[index].map(prepared) }
            let gradOutput = gradient(0) ?? Tensor.zeros(output.shape, dtype: compute, device: output.device)
            let gradInput = input.requiresGrad ? empty(x.shape) : nil
            let gradH0 = empty(stateShape), gradC0 = c0 == nil ? nil : empty(stateShape)
            let gradParameters = parameters.contains(where: \.requiresGrad) ? parameters.map { empty($0.shape) } : nil
            let gradWeights = gradParameters.map { g in
                RecurrentWeights(inputHidden: g[0].operand, hiddenHidden: g[1].operand, inputBias: biasIh == nil ? nil : g[2].operand,
                                 hiddenBias: biasHh == nil ? nil : g[3].operand)
            }
            backend.recurrentBackward(plan, input: x.operand, h0: hInitial.operand, c0: cInitial?.operand, weights: weights,
                                      output: output.operand, saved: saved.operand, cells: cells?.operand, gradOutput: gradOutput.operand,
                                      gradH: gradient(1)?.operand, gradC: c0 == nil ? nil : gradient(2)?.operand,
                                      gradInput: gradInput?.operand, gradH0: gradH0.operand, gradC0: gradC0?.operand,
                                      gradWeights: gradWeights)
            let stateGradients: [Tensor?] = [gradH0.to(h0.dtype)] + (c0.map { [gradC0!.to($0.dtype)] } ?? [])
            let parameterGradients: [Tensor?] = parameters.enumerated().map { index, p in
                p.requiresGrad ? gradParameters![index].to(p.dtype) : nil
            }
            return [gradInput?.to(input.dtype)] + stateGradients + parameterGradients
        }
        return (results[0], results[1], c0 == nil ? nil : results[2])
    }
}
