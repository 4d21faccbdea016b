// Einstein summation (`torch.einsum`): operands are contracted pairwise, left to right, each pair as one
// batched matrix product (batch labels, kept labels of each side, contracted labels), so large contractions
// run on BLAS rather than through a broadcast product.

extension Tensor {
    /// `torch.einsum("ij,jk->ik", a, b)`: letters label dimensions; labels repeated across operands are
    /// multiplied, labels missing from the output are summed; `...` stands for the remaining dimensions;
    /// without `->` the output is the labels that occur once, in alphabetical order.
    public static func einsum(_ equation: String, _ operands: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let spec = equation.replacingOccurrences(of: " ", with: "")
        let parts = spec.components(separatedBy: "->")
        let inputs = parts[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        check(inputs.count == operands.count, "einsum", "the equation \"\(equation)\" names \(inputs.count) operands, got "
              + "\(operands.count)", file: file, line: line)
        // `...` becomes as many fresh labels as the widest operand needs.
        let ellipsisRank = zip(inputs, operands).map { label, t in label.contains("...") ? t.dim - (label.count - 3) : 0 }.max() ?? 0
        let fresh = (0..<ellipsisRank).map { Character(UnicodeScalar(0x3B1 + $0)!) }   // Greek letters, unused by equations
        func expand(_ label: String, rank: Int?) -> [Character] {
            guard let range = label.range(of: "...") else { return Array(label) }
            let count = rank.map { $0 - (label.count - 3) } ?? ellipsisRank
            return Array(label[..<range.lowerBound]) + fresh.suffix(count) + Array(label[range.upperBound...])
        }
        var labels = zip(inputs, operands).map { expand($0, rank: $1.dim) }
        for (l, t) in zip(labels, operands) {
            check(l.count == t.dim, "einsum", "the subscripts \(String(l)) do not match an operand of shape \(shapeText(t.shape))",
                  file: file, line: line)
        }
        var counts: [Character: Int] = [:]
        for l in labels { for c in l { counts[c, default: 0] += 1 } }
        let output: [Character] = parts.count > 1 ? expand(parts[1], rank: nil)
            : fresh + counts.filter { $0.value == 1 && !fresh.contains($0.key) }.keys.sorted()
        var sizes: [Character: Int] = [:]
        for (l, t) in zip(labels, operands) {
            for (c, n) in zip(l, t.shape) where n != 1 || sizes[c] == nil {
                check(sizes[c] == nil || sizes[c] == 1 || sizes[c] == n, "einsum", "operands do not broadcast: subscript \(c) has "
                      + "sizes \(sizes[c]!) and \(n)", file: file, line: line)
                sizes[c] = n
            }
        }
        // Each operand: take diagonals of repeated labels, then sum labels nobody else needs.
        var tensors = operands
        for i in tensors.indices {
            (tensors[i], labels[i]) = diagonalised(tensors[i], labels[i])
            let needed = Set(output + labels.enumerated().filter { $0.offset != i }.flatMap(\.element))
            let alone = labels[i].enumerated().filter { !needed.contains($0.element) }.map(\.offset)
            if !alone.isEmpty {
                tensors[i] = tensors[i].sum(dims: alone)
                labels[i] = labels[i].enumerated().filter { !alone.contains($0.offset) }.map(\.element)
            }
        }
        var result = tensors[0], resultLabels = labels[0]
        for i in 1..<Swift.max(tensors.count, 1) {
            let later = Set(output + labels[(i + 1)...].flatMap { $0 })
            (result, resultLabels) = contract(result, resultLabels, tensors[i], labels[i], keep: later, sizes: sizes)
        }
        let order = output.map { c in resultLabels.firstIndex(of: c)! }
        return order == Array(0..<order.count) ? result : result.permute(order)
    }

    /// Repeated labels of one operand reduced to their diagonal.
    private static func diagonalised(_ t: Tensor, _ labels: [Character]) -> (Tensor, [Character]) {
        var t = t, labels = labels
        while let (i, j) = firstRepeat(labels) {
            t = t.diagonal(offset: 0, dim1: i, dim2: j)   // the diagonal becomes the last dimension
            let c = labels[i]
            labels.remove(at: j)
            labels.remove(at: i)
            labels.append(c)
        }
        return (t, labels)
    }

    private static func firstRepeat(_ labels: [Character]) -> (Int, Int)? {
        for i in labels.indices { if let j = labels[(i + 1)...].firstIndex(of: labels[i]) { return (i, j) } }
        return nil
    }

    /// One pairwise contraction as a batched matrix product: labels in both and kept are batch labels, labels in
    /// both and not kept are summed, the others stay with their side.
    private static func contract(_ a: Tensor, _ la: [Character], _ b: Tensor, _ lb: [Character], keep: Set<Character>,
                                 sizes: [Character: Int]) -> (Tensor, [Character]) {
        let shared = la.filter { lb.contains($0) }
        let batch = shared.filter { keep.contains($0) }, summed = shared.filter { !keep.contains($0) }
        let left = la.filter { !shared.contains($0) }, right = lb.filter { !shared.contains($0) }
        func arranged(_ t: Tensor, _ labels: [Character], _ order: [Character]) -> Tensor {
            let permuted = t.permute(order.map { labels.firstIndex(of: $0)! })
            return permuted.expand(order.map { c in sizes[c] ?? 1 })   // size-1 labels broadcast against the other side
        }
        func size(_ group: [Character]) -> Int { group.reduce(1) { $0 * (sizes[$1] ?? 1) } }
        if summed.isEmpty {   // nothing to contract: a broadcast product, as PyTorch computes it
            // Each side keeps its own sizes (1 where it broadcasts) and gets 1s for the other side's labels.
            let x = a.permute((batch + left).map { la.firstIndex(of: $0)! })
            let y = b.permute((batch + right).map { lb.firstIndex(of: $0)! })
            let yBatch = Array(y.shape.prefix(batch.count)), yRight = Array(y.shape.dropFirst(batch.count))
            return (x.reshape(x.shape + right.map { _ in 1 }) * y.reshape(yBatch + left.map { _ in 1 } + yRight), batch + left + right)
        }
        let x = arranged(a, la, batch + left + summed).reshape([size(batch), size(left), size(summed)])
        let y = arranged(b, lb, batch + summed + right).reshape([size(batch), size(summed), size(right)])
        let product = x.bmm(y).view((batch + left + right).map { sizes[$0] ?? 1 })
        return (product, batch + left + right)
    }
}

/// `torch.einsum`.
public func einsum(_ equation: String, _ operands: Tensor...) -> Tensor { Tensor.einsum(equation, operands) }
