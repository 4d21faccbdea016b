// Custom autograd functions (`torch.autograd.Function`): a forward and a backward over a context.

/// What a custom function's forward leaves for its backward (`ctx`).
public final class FunctionContext {
    private var saved: [SavedTensor] = []
    /// Any other values the forward wants to pass on.
    public var values: [String: Any] = [:]
    /// Which inputs need a gradient (`ctx.needs_input_grad`).
    public internal(set) var needsInputGrad: [Bool] = []

    /// Saves tensors for backward; they must not be modified in place before backward (`save_for_backward`).
    public func saveForBackward(_ tensors: Tensor...) { saved = tensors.map { SavedTensor($0) } }

    /// The saved tensors, checked against in-place modification (`saved_tensors`).
    public var savedTensors: [Tensor] {
        for entry in saved where entry.tensor.version != entry.version {
            fail("savedTensors", "one of the variables needed for gradient computation has been modified by an "
                 + "inplace operation: [\(entry.tensor.typeName) \(shapeText(entry.tensor.shape))], is at version "
                 + "\(entry.tensor.version); expected version \(entry.version) instead.")
        }
        return saved.map(\.tensor)
    }
}

/// A differentiable operation written by hand. Implement the one-input form or the multi-tensor form.
///
/// ```swift
/// enum MyReLU: Function {
///     static func forward(_ ctx: FunctionContext, _ input: Tensor) -> Tensor { … }
///     static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> Tensor { … }
/// }
/// let y = MyReLU.apply(x)
/// ```
public protocol Function {
    /// The output of `input`; save what backward needs in `ctx`.
    static func forward(_ ctx: FunctionContext, _ input: Tensor) -> Tensor
    /// The gradient with respect to the input, given the gradient with respect to the output.
    static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> Tensor
    /// Several inputs and outputs; by default calls the one-tensor forms.
    static func forward(_ ctx: FunctionContext, _ inputs: [Tensor]) -> [Tensor]
    /// One gradient per input (nil for none); by default calls the one-tensor form.
    static func backward(_ ctx: FunctionContext, _ gradOutputs: [Tensor]) -> [Tensor?]
}

extension Function {
    /// Calls the multi-input form with one input.
    public static func forward(_ ctx: FunctionContext, _ input: Tensor) -> Tensor {
        forward(ctx, [input])[0]
    }
    /// Calls the multi-input form with one gradient.
    public static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> Tensor {
        backward(ctx, [gradOutput])[0]!
    }
    public static func forward(_ ctx: FunctionContext, _ inputs: [Tensor]) -> [Tensor] {
        [forward(ctx, inputs[0])]
    }
    public static func backward(_ ctx: FunctionContext, _ gradOutputs: [Tensor]) -> [Tensor?] {
        [backward(ctx, gradOutputs[0])]
    }

    /// Runs the function, recording a node named `<Type>Backward` (`Function.apply`).
    public static func apply(_ input: Tensor) -> Tensor { apply([input])[0] }

    /// Runs the function on several tensors.
    public static func apply(_ inputs: [Tensor]) -> [Tensor] {
        let ctx = FunctionContext()
        ctx.needsInputGrad = inputs.map(\.requiresGrad)
        let outputs = noGrad { forward(ctx, inputs).map { $0.detach() } }
        record("\(Self.self)Backward", inputs: inputs, outputs: outputs) { grads in backward(ctx, grads) }
        return outputs
    }
}
