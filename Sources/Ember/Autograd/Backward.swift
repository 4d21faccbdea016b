// The public face of autograd: backward, Autograd.grad, retainGrad.

extension Tensor {
    /// Computes the gradient of this tensor with respect to the graph's leaves and adds it to their `.grad`
    /// (`backward()`). Without `gradient` the tensor must hold one element.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) {
        let seed: Tensor
        if let gradient = gradient {
            check(gradient.shape == shape, "backward", "Mismatch in shape: grad_output[0] has a shape of "
                  + "\(shapeText(gradient.shape)) and output[0] has a shape of \(shapeText(shape)).", file: file, line: line)
            seed = gradient
        } else {
            check(numel == 1, "backward", "grad can be implicitly created only for scalar outputs (shape \(shapeText(shape)))",
                  file: file, line: line)
            check(!isComplex, "backward", "grad can be implicitly created only for real scalar outputs", file: file, line: line)
            seed = Tensor.ones(shape, dtype: dtype, device: device)
        }
        _ = Engine.run(roots: [self], gradients: [seed], retainGraph: retainGraph || createGraph, createGraph: createGraph,
                       file: file, line: line)
    }

    /// Keeps `.grad` for this non-leaf tensor after backward (`retain_grad()`).
    public func retainGrad() {
        guard let node = gradFn else { return }
        retainsGrad = true
        node.retainedOutputs[outputNumber] = WeakTensor(tensor: self)
    }
}

/// Functional autograd (`torch.autograd`).
public enum Autograd {
    /// The gradients of `outputs` with respect to `inputs`, without touching `.grad` (`torch.autograd.grad`).
    /// With `createGraph` the result is itself differentiable, for higher-order derivatives.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) -> [Tensor?] {
        let seeds = gradOutputs ?? outputs.map { output -> Tensor in
            check(output.numel == 1, "grad", "grad can be implicitly created only for scalar outputs (shape "
                  + "\(shapeText(output.shape)))", file: file, line: line)
            check(!output.isComplex, "grad", "grad can be implicitly created only for real scalar outputs", file: file, line: line)
            return Tensor.ones(output.shape, dtype: output.dtype, device: output.device)
        }
        return Engine.run(roots: outputs, gradients: seeds, retainGraph: retainGraph ?? createGraph,
                          createGraph: createGraph, inputs: inputs, allowUnused: allowUnused, file: file, line: line)
    }

    /// One output, one input.
    public static func grad(_ output: Tensor, _ input: Tensor, createGraph: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        grad(outputs: [output], inputs: [input], createGraph: createGraph, file: file, line: line)[0]!
    }
}
