// Printing tensors exactly as PyTorch's `repr` does (torch/_tensor_str.py), without the `torch.` prefix.
import Foundation

/// PyTorch's print options (`torch.set_printoptions`).
public struct PrintOptions: Sendable {
    /// Digits after the point (`precision`).
    public var precision = 4
    /// Elements above which a tensor prints summarised (`threshold`).
    public var threshold = 1000
    /// Elements shown at each end of a summarised dimension (`edgeitems`).
    public var edgeItems = 3
    /// Characters per line (`linewidth`).
    public var lineWidth = 80
    /// nil: choose scientific notation automatically.
    public var sciMode: Bool? = nil
    /// PyTorch's defaults: precision 4, threshold 1000, 3 edge items, 80 characters per line.
    public init() {}

    /// The options `description` uses.
    nonisolated(unsafe) public static var current = PrintOptions()
}

/// Formats every element of one tensor with a common width (`_Formatter`).
private struct ElementFormatter {
    let isFloating: Bool
    var intMode = true
    var sciMode = false
    var maxWidth = 1
    let precision: Int

    init(values: [Double], dtype: DType, options: PrintOptions) {
        isFloating = dtype.isFloatingPoint
        precision = options.precision
        if !isFloating {
            for v in values { maxWidth = Swift.max(maxWidth, ElementFormatter.plain(v, dtype).count) }
        } else {
            let finite = values.filter { $0.isFinite && $0 != 0 }
            if !finite.isEmpty {
                let magnitudes = finite.map(Swift.abs)
                let smallest = magnitudes.min()!, largest = magnitudes.max()!
                intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
                if intMode {
                    if largest / smallest > 1000 || largest > 1e8 {
                        sciMode = true
                        for v in finite { maxWidth = Swift.max(maxWidth, ElementFormatter.scientific(v, precision).count) }
                    } else {
                        for v in finite { maxWidth = Swift.max(maxWidth, String(format: "%.0f", v).count + 1) }
                    }
                } else if largest / smallest > 1000 || largest > 1e8 || smallest < 1e-4 {
                    sciMode = true
                    for v in finite { maxWidth = Swift.max(maxWidth, ElementFormatter.scientific(v, precision).count) }
                } else {
                    for v in finite { maxWidth = Swift.max(maxWidth, ElementFormatter.fixed(v, precision).count) }
                }
            }
        }
        if let forced = options.sciMode { sciMode = forced }
    }

    static func plain(_ v: Double, _ dtype: DType) -> String {
        dtype == .bool ? (v != 0 ? "True" : "False") : String(Int64(v))
    }

    static func special(_ v: Double) -> String? {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return nil
    }

    static func fixed(_ v: Double, _ precision: Int) -> String { special(v) ?? String(format: "%.\(precision)f", v) }
    static func scientific(_ v: Double, _ precision: Int) -> String { special(v) ?? String(format: "%.\(precision)e", v) }

    func format(_ v: Double, _ dtype: DType) -> String {
        var text: String
        if isFloating {
            if sciMode {
                text = ElementFormatter.scientific(v, precision)
            } else if intMode {
                text = ElementFormatter.special(v) ?? (String(format: "%.0f", v) + ".")
            } else {
                text = ElementFormatter.fixed(v, precision)
            }
        } else {
            text = ElementFormatter.plain(v, dtype)
        }
        return String(repeating: " ", count: Swift.max(0, maxWidth - text.count)) + text
    }
}

/// Formats the elements of a real tensor with one `ElementFormatter`, or those of a complex tensor with one for the
/// real parts and one for the imaginary parts (`_tensor_str`'s `formatter1` and `formatter2`).
private struct TensorFormatter {
    let real: ElementFormatter, imaginary: ElementFormatter?
    let dtype: DType

    init(shown: Tensor, options: PrintOptions) {
        dtype = shown.dtype.realCounterpart
        guard shown.isComplex else {
            (real, imaginary) = (ElementFormatter(values: shown.toArray(as: Double.self), dtype: dtype, options: options), nil)
            return
        }
        real = ElementFormatter(values: shown.complexPart(0).toArray(as: Double.self), dtype: dtype, options: options)
        imaginary = ElementFormatter(values: shown.complexPart(1).toArray(as: Double.self), dtype: dtype, options: options)
    }

    /// Characters per element, as `_vector_str` counts them: both widths and the `j` for complex numbers.
    var width: Int { real.maxWidth + (imaginary.map { $0.maxWidth + 1 } ?? 0) }

    /// The text of each element of a 0-d or 1-d tensor: `1.5000-2.0000j` for a complex one (the imaginary part's
    /// padding dropped, its sign or a `+` joining the parts).
    func format(_ values: Tensor) -> [String] {
        guard let imaginary else { return values.toArray(as: Double.self).map { real.format($0, dtype) } }
        // The parts as stored: `Complex` reads both parts of a non-finite number as NaN.
        return zip(values.complexPart(0).toArray(as: Double.self), values.complexPart(1).toArray(as: Double.self)).map { re, im in
            let realText = real.format(re, dtype)
            let imaginaryText = String((imaginary.format(im, dtype) + "j").drop(while: { $0 == " " }))
            return imaginaryText.hasPrefix("+") || imaginaryText.hasPrefix("-") ? realText + imaginaryText : realText + "+" + imaginaryText
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// The text `repr(tensor)` gives in PyTorch, without `torch.`: `tensor([1., 2.], requires_grad=True)`.
    public var description: String {
        let options = PrintOptions.current
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        if !storage.isHost { suffixes.append("device='\(device)'") }   // PyTorch's order: device, size, dtype, grad
        let hasDefaultDType = [defaultFloatDType, defaultFloatDType.complexCounterpart, .int64, .bool].contains(dtype)
        var body: String
        if numel == 0 {
            if dim != 1 { suffixes.append("size=(" + shape.map(String.init).joined(separator: ", ") + (dim == 1 ? ",)" : ")")) }
            if dtype != defaultFloatDType { suffixes.append("dtype=\(dtype)") }
            body = "[]"
        } else {
            if !hasDefaultDType { suffixes.append("dtype=\(dtype)") }
            body = (storage.isHost ? self : noGrad { to(.cpu) }).tensorText(indent: indent, options: options)
        }
        if let node = gradFn {
            suffixes.append("grad_fn=<\(node.name)>")
        } else if requiresGrad {
            suffixes.append("requires_grad=True")
        }
        var text = prefix + body
        let newline = text.lastIndex(of: "\n").map { text.distance(from: text.startIndex, to: $0) } ?? -1
        var lastLineLength = text.count - newline + 1
        for suffix in suffixes {
            if lastLineLength + suffix.count + 2 > options.lineWidth {
                text += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLineLength = indent + suffix.count
            } else {
                text += ", " + suffix
                lastLineLength += suffix.count + 2
            }
        }
        return text + ")"
    }

    private func tensorText(indent: Int, options: PrintOptions) -> String {
        let summarize = numel > options.threshold
        let values = noGrad { (dtype == .float16 || dtype == .bfloat16) ? self.to(.float32) : self.detach() }
        let shown = summarize ? values.summarizedData(options.edgeItems) : values
        return values.text(indent: indent, summarize: summarize, formatter: TensorFormatter(shown: shown, options: options), options: options)
    }

    private func summarizedData(_ edge: Int) -> Tensor {
        if dim == 0 { return self }
        if dim == 1 {
            return shape[0] > 2 * edge ? Tensor.concatenate([slice(0, 0, edge, 1), slice(0, shape[0] - edge, shape[0], 1)], dim: 0) : self
        }
        let rows = shape[0] > 2 * edge ? Array(0..<edge) + Array((shape[0] - edge)..<shape[0]) : Array(0..<shape[0])
        return Tensor.concatenate(rows.map { select(0, $0).summarizedData(edge).unsqueeze(0) }, dim: 0)
    }

    private func text(indent: Int, summarize: Bool, formatter: TensorFormatter, options: PrintOptions) -> String {
        if dim == 0 { return formatter.format(self)[0] }
        let edge = options.edgeItems
        if dim == 1 {
            let elementLength = formatter.width + 2
            let perLine = Swift.max(1, (options.lineWidth - indent) / elementLength)
            var items: [String]
            if summarize && shape[0] > 2 * edge {
                items = formatter.format(slice(0, 0, edge, 1)) + [" ..."] + formatter.format(slice(0, shape[0] - edge, shape[0], 1))
            } else {
                items = formatter.format(self)
            }
            let lines = Swift.stride(from: 0, to: items.count, by: perLine).map {
                items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let rows: [String]
        if summarize && shape[0] > 2 * edge {
            rows = (0..<edge).map { select(0, $0).text(indent: indent + 1, summarize: summarize, formatter: formatter, options: options) }
                + ["..."]
                + ((shape[0] - edge)..<shape[0]).map { select(0, $0).text(indent: indent + 1, summarize: summarize, formatter: formatter, options: options) }
        } else {
            rows = (0..<shape[0]).map { select(0, $0).text(indent: indent + 1, summarize: summarize, formatter: formatter, options: options) }
        }
        let separator = "," + String(repeating: "\n", count: dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + rows.joined(separator: separator) + "]"
    }

    /// The shape as PyTorch's `torch.Size`, which prints as `Size([2, 3])` (`size()`).
    public func size() -> Size { Size(shape) }
}

/// A tensor's shape as `torch.Size`: a collection of Ints that prints as `Size([2, 3])`.
public struct Size: RandomAccessCollection, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible, Sendable {
    /// The `dimensions` argument it was made with.
    public let dimensions: [Int]
    /// The sizes `dimensions`.
    public init(_ dimensions: [Int]) { self.dimensions = dimensions }
    /// A literal `[2, 3]`.
    public init(arrayLiteral elements: Int...) { dimensions = elements }
    /// The first dimension's index, 0.
    public var startIndex: Int { 0 }
    /// The number of dimensions.
    public var endIndex: Int { dimensions.count }
    /// The size of dimension `position`.
    public subscript(position: Int) -> Int { dimensions[position] }
    /// `Size([2, 3])`, as PyTorch prints `torch.Size`.
    public var description: String { "Size([" + dimensions.map(String.init).joined(separator: ", ") + "])" }
    /// Whether the sizes equal `rhs`.
    public static func == (lhs: Size, rhs: [Int]) -> Bool { lhs.dimensions == rhs }
}
