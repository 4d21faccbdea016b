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
        let positions = (0..<(pad.count / 2)).map { i -> (dim: Int, runs: [PaddingRun]) in
            let d = input.dim - 1 - i, n = input.shape[d], before = pad[2 * i], after = pad[2 * i + 1]
            let length = n + before + after
            check(length >= 0 && (n > 0 || length == 0), op, "padded size of dimension \(d) is invalid (\(length))", file: file, line: line)
            check(mode != .reflect || (before < n && after < n), op, "Padding size should be less than the corresponding input "
                  + "dimension, but got: padding (\(before), \(after)) at dimension \(d) of input \(shapeText(input.shape))",
                  file: file, line: line)
            check(mode != .circular || (before <= n && after <= n), op, "Padding value causes wrapping around more than once.",
                  file: file, line: line)
            return (d, PaddingRun.runs(size: n, before: before, after: after, mode: mode))
        }
        let out = noGrad { positions.reduce(input) { x, p in x.selectingRuns(p.dim, p.runs) } }
        if needsGrad(input) {
            let k = pad.count / 2
            let name = mode == .circular ? "CopySlices"
                : "\(mode == .reflect ? "Reflection" : "Replication")Pad\(k)DBackward0"
            record(name, inputs: [input], outputs: [out]) { g in
                // Undo the dimensions in reverse order, adding each gradient back where it was read.
                var grad = g[0], shape = out.shape
                for p in positions.reversed() {
                    shape[p.dim] = input.shape[p.dim]
                    let index = Tensor(p.runs.flatMap(\.positions)).placed(on: grad.device)
                    grad = Tensor.zeros(shape, dtype: grad.dtype, device: grad.device).indexAdd(p.dim, index, grad)
                }
                return [grad]
            }
        }
        return out
    }

    /// `indexSelect(dim, index)` for the positions of `runs`: one slice per run (flipped, or one element expanded),
    /// joined by one `cat` — block copies instead of a gather per element.
    private func selectingRuns(_ dim: Int, _ runs: [PaddingRun]) -> Tensor {
        let pieces = runs.map { run -> Tensor in
            switch run.step {
            case 1: return narrow(dim, start: run.first, length: run.count)
            case -1: return narrow(dim, start: run.first - run.count + 1, length: run.count).flip([dim])
            default:
                var shape = self.shape
                shape[dim] = run.count
                return narrow(dim, start: run.first, length: 1).expand(shape)
            }
        }
        if pieces.isEmpty { return narrow(dim, start: 0, length: 0).clone() }
        return pieces.count == 1 ? pieces[0].clone() : Tensor.cat(pieces, dim: dim)
    }
}

/// Positions `first`, `first + step`, … (`count` of them) that a padded dimension reads from its input.
struct PaddingRun: Equatable {
    let first: Int, count: Int, step: Int

    /// The positions, in order.
    var positions: [Int64] { (0..<count).map { Int64(first + $0 * step) } }

    /// The runs a dimension of `size` padded by `before` and `after` (negative: cropped) reads under `mode`: the part
    /// before the input (i < 0), the input itself, the part after it (i ≥ size), for i = -before … size + after - 1.
    static func runs(size n: Int, before: Int, after: Int, mode: PaddingMode) -> [PaddingRun] {
        let low = -before, high = n + after   // i in low..<high
        let leftCount = Swift.max(0, Swift.min(0, high) - low), rightStart = Swift.max(n, low)
        let middle = PaddingRun(first: Swift.max(low, 0), count: Swift.max(0, Swift.min(high, n) - Swift.max(low, 0)), step: 1)
        let left: PaddingRun, right: PaddingRun
        switch mode {
        case .reflect:   // -i, then 2(n - 1) - i
            left = PaddingRun(first: -low, count: leftCount, step: -1)
            right = PaddingRun(first: 2 * (n - 1) - rightStart, count: high - rightStart, step: -1)
        case .replicate:
            left = PaddingRun(first: 0, count: leftCount, step: 0)
            right = PaddingRun(first: n - 1, count: high - rightStart, step: 0)
        default:   // circular: i + n, then i - n
            left = PaddingRun(first: low + n, count: leftCount, step: 1)
            right = PaddingRun(first: rightStart - n, count: high - rightStart, step: 1)
        }
        return [left, middle, right].filter { $0.count > 0 }
    }
}
