// Padding by reflection, replication and wrapping (`F.pad(mode: "reflect" | "replicate" | "circular")`):
// each padded dimension reads the input at computed positions; the gradient adds back to those positions.

/// How `F.pad` fills the border.
public enum PaddingMode: String, StringOption, Sendable {
    /// A constant value.
    case constant
    /// The input mirrored at its edge, the edge itself not repeated.
    case reflect
    /// The edge value repeated.
    case replicate
    /// The input wrapped around, as if periodic.
    case circular
}

extension Tensor {
    /// Pads the trailing dimensions by `pad` (before, after) pairs from the last dimension backwards, filling as
    /// `mode` says (`F.pad`); negative amounts crop.
    public static func pad(_ input: Tensor, _ pad: [Int], mode: PaddingMode, value: Double = 0,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if mode == .constant { return Tensor.pad(input, pad, value: value, file: file, line: line) }
        let op = "pad(\(mode.rawValue))"
        check(pad.count % 2 == 0 && pad.count / 2 <= input.dim, op, "Padding length must be divisible by 2 and at most twice "
              + "the input's dimensions (pad \(pad), input \(shapeText(input.shape)))", file: file, line: line)
        let positions = (0..<(pad.count / 2)).map { i -> (dim: Int, index: [Int64]) in
            let d = input.dim - 1 - i, n = input.shape[d], before = pad[2 * i], after = pad[2 * i + 1]
            let length = n + before + after
            check(length >= 0 && (n > 0 || length == 0), op, "padded size of dimension \(d) is invalid (\(length))", file: file, line: line)
            check(mode != .reflect || (before < n && after < n), op, "Padding size should be less than the corresponding input "
                  + "dimension, but got: padding (\(before), \(after)) at dimension \(d) of input \(shapeText(input.shape))",
                  file: file, line: line)
            check(mode != .circular || (before <= n && after <= n), op, "Padding value causes wrapping around more than once.",
                  file: file, line: line)
            let index = (0..<length).map { j -> Int64 in
                let i = j - before
                switch mode {
                case .reflect: return Int64(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i))
                case .replicate: return Int64(Swift.min(Swift.max(i, 0), n - 1))
                default: return Int64(((i % n) + n) % n)
                }
            }
            return (d, index)
        }
        let out = noGrad { positions.reduce(input) { x, p in x.selectingRuns(p.dim, p.index) } }
        if needsGrad(input) {
            let k = pad.count / 2
            let name = mode == .circular ? "CopySlices"
                : "\(mode == .reflect ? "Reflection" : "Replication")Pad\(k)DBackward0"
            record(name, inputs: [input], outputs: [out]) { g in
                // Undo the dimensions in reverse order, adding each gradient back where it was read.
                var grad = g[0], shape = out.shape
                for p in positions.reversed() {
                    shape[p.dim] = input.shape[p.dim]
                    let index = Tensor(p.index).placed(on: grad.device)
                    grad = Tensor.zeros(shape, dtype: grad.dtype, device: grad.device).indexAdd(p.dim, index, grad)
                }
                return [grad]
            }
        }
        return out
    }

    /// `indexSelect(dim, index)` for an index made of runs stepping by +1, -1 or 0 (what the padding modes read):
    /// one slice per run (flipped, or one element expanded), joined by one `cat` — block copies instead of a
    /// gather per element.
    private func selectingRuns(_ dim: Int, _ index: [Int64]) -> Tensor {
        var pieces: [Tensor] = [], start = 0
        while start < index.count {
            let step = start + 1 < index.count && Swift.abs(index[start + 1] - index[start]) <= 1 ? index[start + 1] - index[start] : 1
            var end = start + 1
            while end < index.count && index[end] - index[end - 1] == step { end += 1 }
            let first = Int(index[start]), count = end - start
            switch step {
            case 1: pieces.append(narrow(dim, start: first, length: count))
            case -1: pieces.append(narrow(dim, start: first - count + 1, length: count).flip([dim]))
            default:
                var shape = self.shape
                shape[dim] = count
                pieces.append(narrow(dim, start: first, length: 1).expand(shape))
            }
            start = end
        }
        if pieces.isEmpty { return narrow(dim, start: 0, length: 0).clone() }
        return pieces.count == 1 ? pieces[0].clone() : Tensor.cat(pieces, dim: dim)
    }
}
