// A recorded operation of the autograd graph (`grad_fn`), named as PyTorch names it.

/// An edge of the graph: the node that receives a gradient, and which of its outputs it belongs to.
public struct Edge {
    /// The node the gradient flows to.
    public let node: Node
    /// Which of that node's inputs the gradient is for.
    public let inputNumber: Int
}

/// A tensor saved for backward, with the version it had when saved, so in-place changes are caught.
struct SavedTensor {
    let tensor: Tensor
    let version: Int
    let isOutput: Bool

    init(_ tensor: Tensor, isOutput: Bool = false) {
        self.tensor = tensor
        self.version = tensor.version
        self.isOutput = isOutput
    }
}

/// A backward function of the graph (`torch.autograd.graph.Node`).
public class Node: CustomStringConvertible {
    /// PyTorch's class name for this node (`AddBackward0`, `MmBackward0`…).
    public let name: String
    /// The nodes the gradient flows to next, one per input (nil where the input needs no gradient).
    @exclusivity(unchecked) public internal(set) var nextFunctions: [Edge?]
    /// How many outputs the forward operation had.
    let outputCount: Int
    /// Tensors whose version must be unchanged when backward runs.
    @exclusivity(unchecked) var saved: [SavedTensor] = []
    /// True once backward ran without `retainGraph` and freed what this node saved.
    @exclusivity(unchecked) var savedStateReleased = false
    /// Shape and dtype of each output of a multi-output node, so a missing gradient can be filled with
    /// zeros (a single-output node only runs when its one gradient arrived).
    @exclusivity(unchecked) var outputMeta: [([Int], DType, Device)] = []
    /// Non-leaf outputs that asked for `retainGrad()`, by output number.
    @exclusivity(unchecked) var retainedOutputs: [Int: WeakTensor] = [:]
    /// Hooks on the gradients of non-leaf outputs (`registerHook`), by output number.
    @exclusivity(unchecked) var tensorPreHooks: [Int: GradientHooks] = [:]
    /// The engine's bookkeeping for the run that last reached this node (see `Engine.run`).
    @exclusivity(unchecked) var run = RunState()

    init(name: String, nextFunctions: [Edge?], outputCount: Int = 1) {
        self.name = name
        self.nextFunctions = nextFunctions
        self.outputCount = outputCount
    }

    /// Computes the gradients of the inputs from the gradients of the outputs.
    func apply(_ gradOutputs: [Tensor]) -> [Tensor?] { fatalError("\(name) must override apply") }

    /// The gradients of the outputs after the hooks registered on those outputs.
    func applyingHooks(_ gradOutputs: [Tensor?]) -> [Tensor?] {
        guard !tensorPreHooks.isEmpty else { return gradOutputs }
        var hooked = gradOutputs
        for (number, hooks) in tensorPreHooks where number < hooked.count {
            if let gradient = hooked[number] { hooked[number] = hooks.apply(gradient) }
        }
        return hooked
    }

    /// Computes the gradients of the inputs from those of the outputs, nil for an output no gradient
    /// reached; most formulas take zeros there.
    func apply(partial gradOutputs: [Tensor?]) -> [Tensor?] { apply(zeroFilled(gradOutputs)) }

    /// The outputs' gradients with zeros where none arrived.
    func zeroFilled(_ gradOutputs: [Tensor?]) -> [Tensor] {
        gradOutputs.enumerated().map { index, gradient in
            gradient ?? Tensor.zeros(outputMeta[index].0, dtype: outputMeta[index].1, device: outputMeta[index].2)
        }
    }

    /// Drops what the node saved for backward (a node that saved nothing can run again, as in PyTorch).
    func release() {
        guard !saved.isEmpty else { return }
        savedStateReleased = true
        saved = []
    }

    /// The node's name in angle brackets, as PyTorch prints a `grad_fn`.
    public var description: String { "<\(name)>" }

    /// Stops with PyTorch's message if a saved tensor was modified in place or the graph was freed;
    /// `file`/`line` name the `backward` call that ran into it.
    func checkSavedTensors(file: StaticString, line: UInt) {
        if savedStateReleased {
            fail(name, "Trying to backward through the graph a second time (or directly access saved tensors "
                 + "after they have already been freed). Saved intermediate values of the graph are freed when "
                 + "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
                 + "through the graph a second time or if you need to access saved tensors after calling backward.",
                 file: file, line: line)
        }
        for (index, entry) in saved.enumerated() where entry.tensor.version != entry.version {
            let t = entry.tensor
            let kind = t.gradFn.map { "output \(t.outputNumber) of \($0.name)" } ?? "a leaf Variable"
            fail(name, "one of the variables needed for gradient computation has been modified by an inplace "
                 + "operation: [\(t.typeName) \(shapeText(t.shape))], which is \(kind), is at version "
                 + "\(t.version); expected version \(entry.version) instead (saved tensor \(index)).", file: file, line: line)
        }
    }
}

struct WeakTensor { weak var tensor: Tensor? }

/// What one backward run knows about a node: kept on the node itself (no hashing per node and edge),
/// valid only while `run` equals the number of the current run.
struct RunState {
    var run = 0
    /// Edges from not-yet-executed nodes of this run that lead into the node.
    var dependencies = 0
    var executed = false
    /// The gradients received so far for each output.
    var gradients: [Tensor?] = []
}

/// A node whose backward is a closure over what the forward saved: one that takes every output's gradient
/// (zeros where none arrived), or one that takes nil there (for formulas whose terms vanish without it, as
/// PyTorch's undefined gradients do).
final class ClosureNode: Node {
    @exclusivity(unchecked) private var backward: (([Tensor]) -> [Tensor?])?
    @exclusivity(unchecked) private var partialBackward: (([Tensor?]) -> [Tensor?])?

    init(name: String, nextFunctions: [Edge?], outputCount: Int, saved: [SavedTensor],
         backward: (([Tensor]) -> [Tensor?])?, partialBackward: (([Tensor?]) -> [Tensor?])? = nil) {
        self.backward = backward
        self.partialBackward = partialBackward
        super.init(name: name, nextFunctions: nextFunctions, outputCount: outputCount)
        self.saved = saved
    }

    override func apply(_ gradOutputs: [Tensor]) -> [Tensor?] {
        backward.map { $0(gradOutputs) } ?? partialBackward!(gradOutputs)
    }

    override func apply(partial gradOutputs: [Tensor?]) -> [Tensor?] {
        partialBackward.map { $0(gradOutputs) } ?? backward!(zeroFilled(gradOutputs))
    }

    override func release() {
        if !saved.isEmpty { backward = nil; partialBackward = nil }
        super.release()
    }
}

/// The node that adds incoming gradients into a leaf's `.grad` (`AccumulateGrad`).
public final class AccumulateGrad: Node {
    /// The leaf this node accumulates into.
    public let variable: Tensor

    init(variable: Tensor) {
        self.variable = variable
        super.init(name: "AccumulateGrad", nextFunctions: [])
    }

    override func apply(_ gradOutputs: [Tensor]) -> [Tensor?] {
        let incoming = gradOutputs[0]
        if let existing = variable.grad {
            if GradMode.isEnabled {
                variable.grad = existing + incoming
            } else {
                existing.add_(incoming)
            }
        } else if GradMode.isEnabled {
            variable.grad = incoming
        } else if incoming.ownsWholeStorage && isKnownUniquelyReferenced(&incoming.storage) {
            // Nothing else can see this buffer: take it as .grad without copying (as PyTorch steals it).
            variable.grad = incoming.detach()
        } else {
            // Keep no alias of the graph's memory: a later in-place change must not alter .grad.
            variable.grad = incoming.detach().clone()
        }
        for (_, hook) in variable.hooks?.afterAccumulation.hooks ?? [] { hook(variable) }
        return []
    }

    /// The leaf's own gradient hooks run before accumulation.
    override func applyingHooks(_ gradOutputs: [Tensor?]) -> [Tensor?] {
        guard let hooks = variable.hooks, let gradient = gradOutputs.first ?? nil else { return gradOutputs }
        return [hooks.gradient.apply(gradient)]
    }

    override func release() {}
}

extension Tensor {
    /// The edge a gradient for this tensor flows along, or nil when it needs none.
    var gradientEdge: Edge? {
        if let node = gradFn { return Edge(node: node, inputNumber: outputNumber) }
        guard _requiresGrad else { return nil }
        if let accumulator = gradAccumulator { return Edge(node: accumulator, inputNumber: 0) }
        let accumulator = AccumulateGrad(variable: self)
        gradAccumulator = accumulator
        return Edge(node: accumulator, inputNumber: 0)
    }

    /// PyTorch's legacy type name used in autograd messages (`torch.FloatTensor`).
    var typeName: String {
        let names: [DType: String] = [.float32: "Float", .float64: "Double", .float16: "Half",
                                      .bfloat16: "BFloat16", .int64: "Long", .int32: "Int", .int8: "Char",
                                      .uint8: "Byte", .bool: "Bool"]
        return "torch.\(names[dtype]!)Tensor"
    }
}

/// Records `outputs` as produced by an op named `name` from `inputs`, when grad mode is on and an input
/// requires grad. `backward` maps the outputs' gradients to the inputs' gradients (nil for none).
func record(_ name: String, inputs: [Tensor], outputs: [Tensor], saving saved: [SavedTensor] = [],
            backward: @escaping ([Tensor]) -> [Tensor?]) {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
    attach(ClosureNode(name: name, nextFunctions: inputs.map(\.gradientEdge), outputCount: outputs.count, saved: saved,
                       backward: backward), to: outputs)
}

/// `record` for a backward that takes nil for the outputs no gradient reached.
func recordPartial(_ name: String, inputs: [Tensor], outputs: [Tensor], saving saved: [SavedTensor] = [],
                   backward: @escaping ([Tensor?]) -> [Tensor?]) {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
    attach(ClosureNode(name: name, nextFunctions: inputs.map(\.gradientEdge), outputCount: outputs.count, saved: saved,
                       backward: nil, partialBackward: backward), to: outputs)
}

/// Makes `node` the `grad_fn` of each floating-point or complex output.
private func attach(_ node: ClosureNode, to outputs: [Tensor]) {
    if outputs.count > 1 { node.outputMeta = outputs.map { ($0.shape, $0.dtype, $0.device) } }
    for (index, output) in outputs.enumerated() where output.dtype.isDifferentiable {
        output.gradFn = node
        output.outputNumber = index
    }
}

/// Records `name` for an output that `compute` computes from `inputs` with differentiable ops: the forward
/// ran without a graph, and backward runs `compute` again on the inputs with autograd and differentiates it.
/// For composites that PyTorch computes as one node (its name, the same first-order gradients; the
/// gradient itself records no graph).
func recordRecomputed(_ name: String, inputs: [Tensor], output: Tensor, compute: @escaping ([Tensor]) -> Tensor) {
    record(name, inputs: inputs, outputs: [output]) { g in recomputedGradients(g[0], inputs, compute) }
}

/// The gradients of `compute` at `inputs` for the output gradient `gradient` (nil for inputs that need none).
/// Not optimised: Swift 6.3.1's optimizer stops with "Invalid SIL provided to OSSACompleteLifetime" on this
/// body in release builds.
@_optimize(none)
private func recomputedGradients(_ gradient: Tensor, _ inputs: [Tensor], _ compute: ([Tensor]) -> Tensor) -> [Tensor?] {
    let leaves = inputs.map { $0.requiresGrad ? $0.detach().requiresGrad_() : $0.detach() }
    let differentiable = leaves.filter(\.requiresGrad)
    let result = enableGrad { compute(leaves) }
    var grads = Autograd.grad(outputs: [result], inputs: differentiable, gradOutputs: [gradient.detach()], allowUnused: true)
        .makeIterator()
    return leaves.map { $0.requiresGrad ? grads.next() ?? nil : nil }
}

/// Whether an op over `input` would record a node.
@inline(__always) func needsGrad(_ input: Tensor) -> Bool {
    GradMode.isEnabledStorage && input.requiresGrad
}

/// Whether an op over two inputs would record a node (no array: this runs on every small op).
@inline(__always) func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool {
    GradMode.isEnabledStorage && (a.requiresGrad || b.requiresGrad)
}

/// Whether an op over three inputs would record a node.
@inline(__always) func needsGrad(_ a: Tensor, _ b: Tensor, _ c: Tensor) -> Bool {
    GradMode.isEnabledStorage && (a.requiresGrad || b.requiresGrad || c.requiresGrad)
}
