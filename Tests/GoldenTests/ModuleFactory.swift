// Builds Ember modules from PyTorch constructor calls: the `module`/`args` of golden cases and the
// constructor expressions of format and model cases (`Sequential(Linear(10, 8), ReLU())`).
import Ember

/// A Python value in a constructor call.
indirect enum PyValue {
    case int(Int), double(Double), bool(Bool), none, string(String), list([PyValue]), module(Module)

    init(_ json: JSON) {
        switch json {
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(PyValue.init))
        default: self = .none
        }
    }

    var int: Int? { if case .int(let i) = self { return i }; return nil }
    var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var ints: [Int]? {
        switch self {
        case .int(let i): return [i]
        case .list(let items): return items.compactMap(\.int)
        default: return nil
        }
    }
    var pair: IntPair? {
        switch self {
        case .int(let i): return IntPair(i)
        case .list(let items): return IntPair(items.compactMap(\.int))
        default: return nil
        }
    }
    var isNone: Bool { if case .none = self { return true }; return false }
}

/// Positional and keyword arguments, read by PyTorch's parameter names.
struct CallArguments {
    var positional: [PyValue] = []
    var keywords: [String: PyValue] = [:]
    var orderedKeywords: [String] = []

    func value(_ name: String, at index: Int) -> PyValue? {
        if let v = keywords[name] { return v }
        return index < positional.count ? positional[index] : nil
    }
}

/// A module of a user's class, known only by its name and its children (`Net(conv1=…, fc1=…)`).
final class NamedContainer: Module {
    let name: String
    let childModules: [(String, Module)]
    init(name: String, children: [(String, Module)]) { (self.name, childModules) = (name, children); super.init() }
    override var typeName: String { name }
    override var members: [(name: String, member: Member)] { childModules.map { ($0.0, .module($0.1)) } }
}

enum ModuleFactory {
    static func build(_ name: String, _ a: CallArguments) throws -> Module {
        func int(_ key: String, _ i: Int, _ fallback: Int? = nil) throws -> Int {
            if let v = a.value(key, at: i)?.int { return v }
            if let f = fallback { return f }
            throw CaseFailure("\(name): missing \(key)")
        }
        func pair(_ key: String, _ i: Int, _ fallback: IntPair? = nil) throws -> IntPair {
            if let v = a.value(key, at: i)?.pair { return v }
            if let f = fallback { return f }
            throw CaseFailure("\(name): missing \(key)")
        }
        func triple(_ key: String, _ i: Int, _ fallback: Triple? = nil) throws -> Triple {
            if let v = a.value(key, at: i)?.int { return Triple([v]) }
            if let v = a.value(key, at: i)?.ints, v.count == 3 { return Triple(v) }
            if let f = fallback { return f }
            throw CaseFailure("\(name): missing \(key)")
        }
        func optionalTriple(_ key: String, _ i: Int) throws -> Triple? {
            guard let v = a.value(key, at: i), !v.isNone else { return nil }
            return try triple(key, i)
        }
        func double(_ key: String, _ i: Int, _ fallback: Double) -> Double { a.value(key, at: i)?.double ?? fallback }
        func bool(_ key: String, _ i: Int, _ fallback: Bool) -> Bool { a.value(key, at: i)?.bool ?? fallback }
        func optionalDouble(_ key: String, _ i: Int, _ fallback: Double?) -> Double? {
            guard let v = a.value(key, at: i) else { return fallback }
            return v.isNone ? nil : v.double
        }
        func reduction() throws -> Reduction {
            guard case .string(let s)? = a.keywords["reduction"] else { return .mean }
            guard let r = Reduction(rawValue: s) else { throw CaseFailure("unknown reduction \(s)") }
            return r
        }
        switch name {
        case "Linear": return Linear(try int("in_features", 0), try int("out_features", 1), bias: bool("bias", 2, true))
        case "Conv2d":
            let padding: ConvPadding
            if case .string(let s)? = a.value("padding", at: 4) { padding = ConvPadding(stringLiteral: s) } else { padding = .explicit(try pair("padding", 4, 0)) }
            return Conv2d(try int("in_channels", 0), try int("out_channels", 1), kernelSize: try pair("kernel_size", 2),
                          stride: try pair("stride", 3, 1), padding: padding, dilation: try pair("dilation", 5, 1),
                          groups: try int("groups", 6, 1), bias: bool("bias", 7, true))
        case "Conv1d":
            return Conv1d(try int("in_channels", 0), try int("out_channels", 1), kernelSize: try int("kernel_size", 2),
                          stride: try int("stride", 3, 1), padding: try int("padding", 4, 0), dilation: try int("dilation", 5, 1),
                          groups: try int("groups", 6, 1), bias: bool("bias", 7, true))
        case "ConvTranspose2d":
            return ConvTranspose2d(try int("in_channels", 0), try int("out_channels", 1), kernelSize: try pair("kernel_size", 2),
                                   stride: try pair("stride", 3, 1), padding: try pair("padding", 4, 0),
                                   outputPadding: try pair("output_padding", 5, 0), groups: try int("groups", 6, 1),
                                   bias: bool("bias", 7, true), dilation: try pair("dilation", 8, 1))
        case "MaxPool2d":
            return MaxPool2d(try pair("kernel_size", 0), stride: a.value("stride", at: 1).flatMap(\.pair), padding: try pair("padding", 2, 0),
                             dilation: try pair("dilation", 3, 1), returnIndices: bool("return_indices", 4, false),
                             ceilMode: bool("ceil_mode", 5, false))
        case "AvgPool2d":
            return AvgPool2d(try pair("kernel_size", 0), stride: a.value("stride", at: 1).flatMap(\.pair), padding: try pair("padding", 2, 0),
                             ceilMode: bool("ceil_mode", 3, false), countIncludePad: bool("count_include_pad", 4, true))
        case "AdaptiveAvgPool2d": return AdaptiveAvgPool2d(try pair("output_size", 0))
        case "Conv3d":
            return Conv3d(try int("in_channels", 0), try int("out_channels", 1), kernelSize: try triple("kernel_size", 2),
                          stride: try triple("stride", 3, 1), padding: try triple("padding", 4, 0), dilation: try triple("dilation", 5, 1),
                          groups: try int("groups", 6, 1), bias: bool("bias", 7, true))
        case "ConvTranspose1d":
            return ConvTranspose1d(try int("in_channels", 0), try int("out_channels", 1), kernelSize: try int("kernel_size", 2),
                                   stride: try int("stride", 3, 1), padding: try int("padding", 4, 0),
                                   outputPadding: try int("output_padding", 5, 0), groups: try int("groups", 6, 1),
                                   bias: bool("bias", 7, true), dilation: try int("dilation", 8, 1))
        case "MaxPool1d":
            return MaxPool1d(try int("kernel_size", 0), stride: a.value("stride", at: 1)?.int, padding: try int("padding", 2, 0),
                             dilation: try int("dilation", 3, 1), ceilMode: bool("ceil_mode", 5, false))
        case "AvgPool1d":
            return AvgPool1d(try int("kernel_size", 0), stride: a.value("stride", at: 1)?.int, padding: try int("padding", 2, 0),
                             ceilMode: bool("ceil_mode", 3, false), countIncludePad: bool("count_include_pad", 4, true))
        case "MaxPool3d":
            return MaxPool3d(try triple("kernel_size", 0), stride: try optionalTriple("stride", 1), padding: try triple("padding", 2, 0),
                             dilation: try triple("dilation", 3, 1), ceilMode: bool("ceil_mode", 5, false))
        case "AvgPool3d":
            return AvgPool3d(try triple("kernel_size", 0), stride: try optionalTriple("stride", 1), padding: try triple("padding", 2, 0),
                             ceilMode: bool("ceil_mode", 3, false), countIncludePad: bool("count_include_pad", 4, true))
        case "AdaptiveAvgPool1d": return AdaptiveAvgPool1d(try int("output_size", 0))
        case "AdaptiveAvgPool3d": return AdaptiveAvgPool3d(SpatialSize((try triple("output_size", 0)).values))
        case "BatchNorm1d", "BatchNorm2d", "BatchNorm3d":
            let (n, eps, momentum) = (try int("num_features", 0), double("eps", 1, 1e-5), optionalDouble("momentum", 2, 0.1))
            let (affine, track) = (bool("affine", 3, true), bool("track_running_stats", 4, true))
            switch name {
            case "BatchNorm1d": return BatchNorm1d(n, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
            case "BatchNorm2d": return BatchNorm2d(n, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
            default: return BatchNorm3d(n, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
            }
        case "LayerNorm":
            guard let shape = a.value("normalized_shape", at: 0)?.ints else { throw CaseFailure("LayerNorm: missing normalized_shape") }
            return LayerNorm(shape, eps: double("eps", 1, 1e-5), elementwiseAffine: bool("elementwise_affine", 2, true), bias: bool("bias", 3, true))
        case "GroupNorm":
            return GroupNorm(try int("num_groups", 0), try int("num_channels", 1), eps: double("eps", 2, 1e-5), affine: bool("affine", 3, true))
        case "Dropout": return Dropout(double("p", 0, 0.5), inplace: bool("inplace", 1, false))
        case "Dropout2d": return Dropout2d(double("p", 0, 0.5), inplace: bool("inplace", 1, false))
        case "Embedding":
            return Embedding(try int("num_embeddings", 0), try int("embedding_dim", 1), paddingIdx: a.value("padding_idx", at: 2)?.int)
        case "Flatten": return Flatten(startDim: try int("start_dim", 0, 1), endDim: try int("end_dim", 1, -1))
        case "Identity": return Identity()
        case "ReLU": return ReLU(inplace: bool("inplace", 0, false))
        case "LeakyReLU": return LeakyReLU(negativeSlope: double("negative_slope", 0, 0.01))
        case "ELU": return ELU(alpha: double("alpha", 0, 1))
        case "GELU":
            if case .string(let s)? = a.value("approximate", at: 0) { return GELU(approximate: s) }
            return GELU()
        case "SiLU": return SiLU()
        case "Softplus": return Softplus(beta: double("beta", 0, 1), threshold: double("threshold", 1, 20))
        case "Tanh": return Tanh()
        case "Sigmoid": return Sigmoid()
        case "Softmax": return Softmax(dim: try int("dim", 0))
        case "LogSoftmax": return LogSoftmax(dim: try int("dim", 0))
        case "MSELoss": return MSELoss(reduction: try reduction())
        case "L1Loss": return L1Loss(reduction: try reduction())
        case "CrossEntropyLoss": return CrossEntropyLoss(reduction: try reduction(), labelSmoothing: double("label_smoothing", 99, 0))
        case "NLLLoss": return NLLLoss(reduction: try reduction())
        case "RNN", "LSTM", "GRU":
            let (i, h) = (try int("input_size", 0), try int("hidden_size", 1))
            let layers = try int("num_layers", 2, 1), bias = bool("bias", 99, true), batchFirst = bool("batch_first", 99, false)
            let dropout = double("dropout", 99, 0), bidirectional = bool("bidirectional", 99, false)
            switch name {
            case "LSTM": return LSTM(i, h, numLayers: layers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
            case "GRU": return GRU(i, h, numLayers: layers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
            default:
                var nonlinearity = "tanh"
                if case .string(let s)? = a.keywords["nonlinearity"] { nonlinearity = s }
                return RNN(i, h, numLayers: layers, nonlinearity: nonlinearity, bias: bias, batchFirst: batchFirst, dropout: dropout,
                           bidirectional: bidirectional)
            }
        case "MultiheadAttention":
            return MultiheadAttention(try int("embed_dim", 0), try int("num_heads", 1), dropout: double("dropout", 2, 0),
                                      bias: bool("bias", 3, true), batchFirst: bool("batch_first", 99, false))
        case "TransformerEncoderLayer":
            var activation = "relu"
            if case .string(let s)? = a.keywords["activation"] { activation = s }
            return TransformerEncoderLayer(dModel: try int("d_model", 0), nhead: try int("nhead", 1),
                                           dimFeedforward: try int("dim_feedforward", 2, 2048), dropout: double("dropout", 3, 0.1),
                                           activation: activation, layerNormEps: double("layer_norm_eps", 99, 1e-5),
                                           batchFirst: bool("batch_first", 99, false), normFirst: bool("norm_first", 99, false))
        case "Sequential":
            if let layers = a.keywords["layers"], case .list(let items) = layers {
                return Sequential(try items.map { item -> Module in
                    guard case .string(let text) = item else { throw CaseFailure("Sequential layer \(item) is not a string") }
                    return try ModuleExpression.parse(text)
                })
            }
            return Sequential(try a.positional.map(module))
        case "ModuleList":
            guard case .list(let items)? = a.value("modules", at: 0) else { return ModuleList() }
            return ModuleList(try items.map(module))
        default:
            // A user's class: its children are the keyword arguments, in order.
            if a.positional.isEmpty, !a.keywords.isEmpty, a.keywords.values.allSatisfy({ if case .module = $0 { return true }; return false }),
               let order = a.keywordOrder {
                return NamedContainer(name: name, children: try order.map { ($0, try module(a.keywords[$0]!)) })
            }
            throw CaseFailure("unsupported module '\(name)'")
        }
    }

    static func module(_ value: PyValue) throws -> Module {
        guard case .module(let m) = value else { throw CaseFailure("expected a module, got \(value)") }
        return m
    }
}

extension CallArguments {
    /// Keyword names in the order they were written (set by the expression parser).
    var keywordOrder: [String]? { orderedKeywords.isEmpty ? Array(keywords.keys) : orderedKeywords }
}

/// Parses `Name(arg, key=value, …)` with nested calls, tuples, lists, numbers, strings, True/False/None.
struct ModuleExpression {
    private let characters: [Character]
    private var position = 0

    static func parse(_ text: String) throws -> Module {
        var parser = ModuleExpression(characters: Array(text))
        guard case .module(let m) = try parser.value() else { throw CaseFailure("'\(text)' is not a module constructor") }
        return m
    }

    private init(characters: [Character]) { self.characters = characters }

    private mutating func skipSpace() { while position < characters.count, characters[position] == " " { position += 1 } }
    private var current: Character? { position < characters.count ? characters[position] : nil }

    private mutating func value() throws -> PyValue {
        skipSpace()
        guard let c = current else { throw CaseFailure("unexpected end of expression") }
        if c == "(" || c == "[" {
            let close: Character = c == "(" ? ")" : "]"
            position += 1
            var items: [PyValue] = []
            skipSpace()
            while current != close {
                items.append(try value())
                skipSpace()
                if current == "," { position += 1; skipSpace() }
            }
            position += 1
            return .list(items)
        }
        if c == "'" || c == "\"" {
            position += 1
            var text = ""
            while let ch = current, ch != c { text.append(ch); position += 1 }
            position += 1
            return .string(text)
        }
        var word = ""
        while let ch = current, ch.isLetter || ch.isNumber || ch == "_" || ch == "." || ch == "-" || ch == "+" {
            word.append(ch)
            position += 1
        }
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default: break
        }
        if let i = Int(word) { return .int(i) }
        if let d = Double(word) { return .double(d) }
        guard current == "(" else { throw CaseFailure("unexpected '\(word)'") }
        position += 1
        var arguments = CallArguments()
        skipSpace()
        while current != ")" {
            skipSpace()
            let start = position
            var name = ""
            while let ch = current, ch.isLetter || ch.isNumber || ch == "_" { name.append(ch); position += 1 }
            skipSpace()
            if current == "=" && !name.isEmpty {
                position += 1
                arguments.keywords[name] = try value()
                arguments.orderedKeywords.append(name)
            } else {
                position = start
                arguments.positional.append(try value())
            }
            skipSpace()
            if current == "," { position += 1 }
            skipSpace()
        }
        position += 1
        return .module(try ModuleFactory.build(word, arguments))
    }
}

/// The notes' DynamicNet: the middle layer reused `repeats` times, its weights shared
/// (`h = input_linear(x).clamp(min=0); repeat: h = middle_linear(h).clamp(min=0); return output_linear(h)`).
final class DynamicNet: Module {
    let inputLinear: Module, middleLinear: Module, outputLinear: Module
    let repeats: Int

    init(_ container: NamedContainer, repeats: Int) throws {
        let children = Dictionary(container.namedChildren(), uniquingKeysWith: { a, _ in a })
        guard let i = children["input_linear"], let m = children["middle_linear"], let o = children["output_linear"] else {
            throw CaseFailure("DynamicNet needs input_linear, middle_linear and output_linear")
        }
        (inputLinear, middleLinear, outputLinear, self.repeats) = (i, m, o, repeats)
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        var h = inputLinear(x).clamp(min: 0)
        for _ in 0..<repeats { h = middleLinear(h).clamp(min: 0) }
        return outputLinear(h)
    }
}
