// Runs the recorded graph backwards: a topological order over the nodes, then one loop.
import Synchronization

enum Engine {
    /// Numbers each run, so a node can tell whether its `RunState` belongs to the current one.
    private static let nextRun = Atomic<Int>(0)

    /// Back-propagates `gradients` from `roots`. When `inputs` is given, returns the gradients that reach
    /// them instead of accumulating into leaves' `.grad` (`torch.autograd.grad`).
    static func run(roots: [Tensor], gradients: [Tensor], retainGraph: Bool, createGraph: Bool,
                    inputs: [Tensor]? = nil, allowUnused: Bool = false,
                    file: StaticString, line: UInt) -> [Tensor?] {
        let callbacks = BackwardCallbacks.forThisThread
        callbacks.begin()
        defer { callbacks.end() }   // declared first, so it runs last: after the grad mode is restored
        var rootEdges: [(Edge, Tensor)] = []
        for (index, (root, gradient)) in zip(roots, gradients).enumerated() {
            guard let edge = root.gradientEdge else {
                fail("backward", "element \(index) of tensors does not require grad and does not have a grad_fn",
                     file: file, line: line)
            }
            rootEdges.append((edge, gradient))
        }

        // Count, for each node, how many edges lead into it from the part of the graph we will run.
        let run = Engine.nextRun.add(1, ordering: .relaxed).newValue
        var stack: [Node] = [], reached: [Node] = []
        func reach(_ node: Node) {
            guard node.run.run != run else { return }
            node.run = RunState(run: run, gradients: Array(repeating: nil, count: node.outputCount))
            stack.append(node)
            reached.append(node)
        }
        for (edge, _) in rootEdges { reach(edge.node) }
        while let node = stack.popLast() {
            for case let edge? in node.nextFunctions {
                reach(edge.node)
                edge.node.run.dependencies += 1
            }
        }
        // A later run must not find this run's gradients on a node it does not reach.
        defer { for node in reached { node.run.gradients = [] } }

        // Where autograd.grad wants gradients captured: (node, input number) → position in `inputs`.
        var captures: [ObjectIdentifier: [(Int, Int)]] = [:]
        var captured = [Tensor?](repeating: nil, count: inputs?.count ?? 0)
        for (position, input) in (inputs ?? []).enumerated() {
            guard let edge = input.gradientEdge else {
                fail("grad", "One of the differentiated Tensors does not require grad", file: file, line: line)
            }
            captures[ObjectIdentifier(edge.node), default: []].append((edge.inputNumber, position))
        }

        func accumulate(_ gradient: Tensor, into edge: Edge) {
            if let existing = edge.node.run.gradients[edge.inputNumber] {
                edge.node.run.gradients[edge.inputNumber] = existing + gradient
            } else {
                edge.node.run.gradients[edge.inputNumber] = gradient
            }
        }
        for (edge, gradient) in rootEdges { accumulate(gradient, into: edge) }

        let previousMode = GradMode.isEnabledStorage
        GradMode.isEnabledStorage = createGraph
        defer { GradMode.isEnabledStorage = previousMode }

        var ready = rootEdges.map { $0.0.node }.filter { $0.run.dependencies == 0 }
        while let node = ready.popLast() {
            guard !node.run.executed else { continue }
            node.run.executed = true
            let buffer = node.applyingHooks(node.run.gradients)
            node.run.gradients = []
            if !captures.isEmpty {
                for (inputNumber, position) in captures[ObjectIdentifier(node)] ?? [] {
                    captured[position] = buffer.indices.contains(inputNumber) ? buffer[inputNumber] : nil
                }
            }
            for (number, weak) in node.retainedOutputs {
                if let tensor = weak.tensor, number < buffer.count, let gradient = buffer[number] {
                    tensor.grad = tensor.grad.map { $0 + gradient } ?? gradient.detach()
                }
            }
            let skip = inputs != nil && node is AccumulateGrad
            if !skip, buffer.contains(where: { $0 != nil }) {
                let gradOutputs = (0..<node.outputCount).map { buffer.indices.contains($0) ? buffer[$0] : nil }
                node.checkSavedTensors(file: file, line: line)
                let gradInputs = node.apply(partial: gradOutputs)
                for (edge, gradient) in zip(node.nextFunctions, gradInputs) {
                    if let edge = edge, let gradient = gradient { accumulate(gradient, into: edge) }
                }
            }
            if !retainGraph { node.release() }
            for case let edge? in node.nextFunctions {
                edge.node.run.dependencies -= 1
                if edge.node.run.dependencies == 0 { ready.append(edge.node) }
            }
        }
        if let inputs = inputs, !allowUnused {
            for (position, value) in captured.enumerated() where value == nil {
                fail("grad", "One of the differentiated Tensors (input \(position), shape \(shapeText(inputs[position].shape))) "
                     + "appears to not have been used in the graph. Set allowUnused if this is the desired behavior.",
                     file: file, line: line)
            }
        }
        return captured
    }
}
