// Runs the recorded graph backwards: a topological order over the nodes, then one loop.

enum Engine {
    /// Back-propagates `gradients` from `roots`. When `inputs` is given, returns the gradients that reach
    /// them instead of accumulating into leaves' `.grad` (`torch.autograd.grad`).
    static func run(roots: [Tensor], gradients: [Tensor], retainGraph: Bool, createGraph: Bool,
                    inputs: [Tensor]? = nil, allowUnused: Bool = false,
                    file: StaticString, line: UInt) -> [Tensor?] {
        var rootEdges: [(Edge, Tensor)] = []
        for (index, (root, gradient)) in zip(roots, gradients).enumerated() {
            guard let edge = root.gradientEdge else {
                fail("backward", "element \(index) of tensors does not require grad and does not have a grad_fn",
                     file: file, line: line)
            }
            rootEdges.append((edge, gradient))
        }

        // Count, for each node, how many edges lead into it from the part of the graph we will run.
        var dependencies: [ObjectIdentifier: Int] = [:]
        var seen: Set<ObjectIdentifier> = []
        var stack = rootEdges.map { $0.0.node }
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            for case let edge? in node.nextFunctions {
                dependencies[ObjectIdentifier(edge.node), default: 0] += 1
                stack.append(edge.node)
            }
        }

        // Where autograd.grad wants gradients captured: (node, input number) → position in `inputs`.
        var captures: [ObjectIdentifier: [(Int, Int)]] = [:]
        var captured = [Tensor?](repeating: nil, count: inputs?.count ?? 0)
        for (position, input) in (inputs ?? []).enumerated() {
            guard let edge = input.gradientEdge else {
                fail("grad", "One of the differentiated Tensors does not require grad", file: file, line: line)
            }
            captures[ObjectIdentifier(edge.node), default: []].append((edge.inputNumber, position))
        }

        var buffers: [ObjectIdentifier: [Tensor?]] = [:]
        func accumulate(_ gradient: Tensor, into edge: Edge) {
            let id = ObjectIdentifier(edge.node)
            var buffer = buffers[id] ?? [Tensor?](repeating: nil, count: edge.node.outputCount)
            if let existing = buffer[edge.inputNumber] {
                buffer[edge.inputNumber] = existing + gradient
            } else {
                buffer[edge.inputNumber] = gradient
            }
            buffers[id] = buffer
        }
        for (edge, gradient) in rootEdges { accumulate(gradient, into: edge) }

        let previousMode = GradMode.isEnabledStorage
        GradMode.isEnabledStorage = createGraph
        defer { GradMode.isEnabledStorage = previousMode }

        var ready = rootEdges.map { $0.0.node }.filter { dependencies[ObjectIdentifier($0), default: 0] == 0 }
        var executed: Set<ObjectIdentifier> = []
        while let node = ready.popLast() {
            let id = ObjectIdentifier(node)
            guard executed.insert(id).inserted else { continue }
            let buffer = buffers.removeValue(forKey: id) ?? []
            for (inputNumber, position) in captures[id] ?? [] {
                captured[position] = buffer.indices.contains(inputNumber) ? buffer[inputNumber] : nil
            }
            for (number, weak) in node.retainedOutputs {
                if let tensor = weak.tensor, number < buffer.count, let gradient = buffer[number] {
                    tensor.grad = tensor.grad.map { $0 + gradient } ?? gradient.detach()
                }
            }
            let skip = inputs != nil && node is AccumulateGrad
            if !skip, buffer.contains(where: { $0 != nil }) {
                let gradOutputs = (0..<node.outputCount).map { index -> Tensor in
                    if buffer.indices.contains(index), let gradient = buffer[index] { return gradient }
                    let (shape, dtype) = node.outputMeta[index]
                    return Tensor.zeros(shape, dtype: dtype)
                }
                node.checkSavedTensors(file: file, line: line)
                let gradInputs = node.apply(gradOutputs)
                for (edge, gradient) in zip(node.nextFunctions, gradInputs) {
                    if let edge = edge, let gradient = gradient { accumulate(gradient, into: edge) }
                }
            }
            if !retainGraph { node.release() }
            for case let edge? in node.nextFunctions {
                let nextId = ObjectIdentifier(edge.node)
                dependencies[nextId]! -= 1
                if dependencies[nextId] == 0 { ready.append(edge.node) }
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
