// Evaluates the Python expressions of golden cases (`(x * y).sum() + softmax(x, dim=1)[0]`) with Ember's
// API: operators and subscripts directly, every method and function call through the op table, so an
// expression may use any op the table has, with positional or keyword arguments.
import Ember

/// A value of an expression: a tensor, a Python number, bool, string, None, or a list/tuple.
indirect enum ExpressionValue {
    case tensor(Tensor)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case none
    case list([ExpressionValue])

    func asTensor() throws -> Tensor {
        switch self {
        case .tensor(let t): return t
        case .int(let i): return i.wrappedTensor
        case .double(let d): return d.wrappedTensor
        case .bool(let b): return Tensor(b)
        default: throw CaseFailure("expected a tensor, got \(self)")
        }
    }

    /// The JSON form of a non-tensor argument, as golden op cases write it.
    func json() throws -> JSON {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .none: return .null
        case .list(let items): return .array(try items.map { try $0.json() })
        case .tensor: throw CaseFailure("a tensor where a plain argument was expected")
        }
    }
}

struct ExpressionEvaluator {
    private var tokens: [String] = []
    private var position = 0
    let variables: [String: Tensor]

    init(variables: [String: Tensor]) { self.variables = variables }

    /// Evaluates `text`; a tuple result gives all its tensors.
    mutating func evaluate(_ text: String) throws -> [Tensor] {
        tokens = try ExpressionEvaluator.tokenize(text)
        position = 0
        let value = try comparison()
        guard position == tokens.count else { throw CaseFailure("unparsed expression tail '\(tokens[position...].joined())'") }
        if case .list(let items) = value { return try items.map { try $0.asTensor() } }
        return [try value.asTensor()]
    }

    /// Python tokens: names, numbers (with exponents), quoted strings, and one- or two-character operators.
    static func tokenize(_ text: String) throws -> [String] {
        let characters = Array(text)
        var result: [String] = []
        var i = 0
        while i < characters.count {
            let ch = characters[i]
            if ch == " " { i += 1; continue }
            var j = i + 1
            if ch.isLetter || ch == "_" {
                while j < characters.count, characters[j].isLetter || characters[j].isNumber || characters[j] == "_" { j += 1 }
            } else if ch.isNumber || (ch == "." && i + 1 < characters.count && characters[i + 1].isNumber) {
                while j < characters.count {
                    let c = characters[j]
                    if c.isNumber || c == "." { j += 1 } else if c == "e" || c == "E" {
                        j += 1
                        if j < characters.count, characters[j] == "-" || characters[j] == "+" { j += 1 }
                    } else { break }
                }
            } else if ch == "'" || ch == "\"" {
                while j < characters.count, characters[j] != ch { j += 1 }
                guard j < characters.count else { throw CaseFailure("unterminated string in expression") }
                j += 1
            } else if j < characters.count, ["**", "//", "<=", ">=", "==", "!="].contains(String(characters[i...j])) {
                j += 1
            }
            result.append(String(characters[i..<j]))
            i = j
        }
        return result
    }

    private var peek: String? { position < tokens.count ? tokens[position] : nil }
    private mutating func take() -> String { defer { position += 1 }; return tokens[position] }
    private mutating func expect(_ token: String) throws {
        guard peek == token else { throw CaseFailure("expected '\(token)' in expression") }
        position += 1
    }

    private mutating func comparison() throws -> ExpressionValue {
        let left = try additive()
        guard let op = peek, ["<", ">", "<=", ">=", "==", "!="].contains(op) else { return left }
        position += 1
        let (a, b) = (try left.asTensor(), try additive().asTensor())
        switch op {
        case "<": return .tensor(a .< b)
        case ">": return .tensor(a .> b)
        case "<=": return .tensor(a .<= b)
        case ">=": return .tensor(a .>= b)
        case "==": return .tensor(a .== b)
        default: return .tensor(a .!= b)
        }
    }

    private mutating func additive() throws -> ExpressionValue {
        var left = try multiplicative()
        while let op = peek, op == "+" || op == "-" {
            position += 1
            let (a, b) = (try left.asTensor(), try multiplicative().asTensor())
            left = .tensor(op == "+" ? a + b : a - b)
        }
        return left
    }

    private mutating func multiplicative() throws -> ExpressionValue {
        var left = try unary()
        while let op = peek, ["*", "/", "//", "@", "%"].contains(op) {
            position += 1
            let (a, b) = (try left.asTensor(), try unary().asTensor())
            switch op {
            case "*": left = .tensor(a * b)
            case "/": left = .tensor(a / b)
            case "//": left = .tensor(a.div(b, roundingMode: .floor))
            case "%": left = .tensor(a.remainder(b))
            default: left = .tensor(a.matmul(b))
            }
        }
        return left
    }

    private mutating func unary() throws -> ExpressionValue {
        if peek == "-" {
            position += 1
            switch try unary() {
            case .int(let i): return .int(-i)
            case .double(let d): return .double(-d)
            case let value: return .tensor(-(try value.asTensor()))
            }
        }
        return try power()
    }

    /// `a ** b` binds tighter than unary minus on its left and is right-associative, as in Python.
    private mutating func power() throws -> ExpressionValue {
        let base = try postfix()
        guard peek == "**" else { return base }
        position += 1
        let exponent = try unary()
        if case .tensor(let t) = exponent { return .tensor(try base.asTensor().pow(t)) }
        guard let e = try? exponent.json().double else { throw CaseFailure("bad exponent") }
        return .tensor(try base.asTensor().pow(e))
    }

    private mutating func postfix() throws -> ExpressionValue {
        var value = try primary()
        while let next = peek {
            if next == "." {
                position += 1
                let name = take()
                if peek == "(" {
                    let (positional, keywords) = try arguments()
                    value = try ExpressionEvaluator.call(name, receiver: value, positional, keywords)
                } else {
                    value = try ExpressionEvaluator.attribute(name, of: value)
                }
            } else if next == "[" {
                position += 1
                value = try subscripted(value)
            } else {
                break
            }
        }
        return value
    }

    /// `x[...]`: an item of a tuple, or a tensor subscript with ints, slices, `...`, None and tensors.
    private mutating func subscripted(_ value: ExpressionValue) throws -> ExpressionValue {
        var key: [TensorIndex] = []
        var listIndex: Int?
        while peek != "]" {
            var bounds: [Int?] = [nil]
            var isSlice = false
            while let token = peek, token != ",", token != "]" {
                if token == ":" { position += 1; isSlice = true; bounds.append(nil); continue }
                if token == "..." || (token == "." && tokens.count > position + 2 && tokens[position + 1] == "." ) {
                    position += token == "..." ? 1 : 3
                    key.append(.ellipsis)
                    continue
                }
                switch try comparison() {
                case .int(let i): bounds[bounds.count - 1] = i
                case .none: key.append(.newAxis)
                case .tensor(let t): key.append(.tensor(t))
                default: throw CaseFailure("unsupported subscript")
                }
            }
            if isSlice {
                key.append(.slice(start: bounds[0], end: bounds.count > 1 ? bounds[1] : nil, step: (bounds.count > 2 ? bounds[2] : nil) ?? 1))
            } else if let i = bounds[0] {
                key.append(.index(i))
                listIndex = i
            }
            if peek == "," { position += 1 }
        }
        try expect("]")
        if case .list(let items) = value {
            guard key.count == 1, let i = listIndex, i >= -items.count, i < items.count else { throw CaseFailure("bad tuple index") }
            return items[i < 0 ? i + items.count : i]
        }
        return .tensor(try value.asTensor()[indices: key])
    }

    private mutating func arguments() throws -> ([ExpressionValue], [String: ExpressionValue]) {
        try expect("(")
        var positional: [ExpressionValue] = [], keywords: [String: ExpressionValue] = [:]
        while peek != ")" {
            if position + 1 < tokens.count, tokens[position + 1] == "=" {
                let key = take()
                position += 1
                keywords[key] = try comparison()
            } else {
                positional.append(try comparison())
            }
            if peek == "," { position += 1 }
        }
        try expect(")")
        return (positional, keywords)
    }

    /// A parenthesised expression or tuple, a list, a literal, a variable, or a call of a torch function.
    private mutating func primary() throws -> ExpressionValue {
        guard let token = peek else { throw CaseFailure("unexpected end of expression") }
        if token == "(" || token == "[" {
            position += 1
            let close = token == "(" ? ")" : "]"
            var items: [ExpressionValue] = []
            var sawComma = false
            while peek != close {
                items.append(try comparison())
                if peek == "," { position += 1; sawComma = true }
            }
            try expect(close)
            return token == "(" && items.count == 1 && !sawComma ? items[0] : .list(items)
        }
        position += 1
        if let i = Int(token) { return .int(i) }
        if let d = Double(token) { return .double(d) }
        if token.first == "'" || token.first == "\"" { return .string(String(token.dropFirst().dropLast())) }
        switch token {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default: break
        }
        if let t = variables[token] { return .tensor(t) }
        // torch.x, F.x, nn.functional.x, torch.linalg.x, torch.special.x: the module path names nothing Ember needs.
        var name = token
        // `torch.masked.sum` is the table's `masked_sum`: its own op, not `sum`.
        var namespace = ""
        while ["torch", "nn", "functional", "F", "linalg", "special", "masked"].contains(name), peek == "." {
            switch name {
            case "masked": namespace = "masked_"
            case "linalg": namespace = "linalg_"
            case "F", "functional": namespace = "functional_"
            default: break
            }
            position += 1
            name = take()
        }
        // `torch.linalg.svd` differs from `torch.svd`, `F.unfold` from `Tensor.unfold`: the table's `linalg_svd`,
        // `functional_unfold` where it has one.
        if namespace == "masked_" || OpTable.entries[namespace + name] != nil { name = namespace + name }
        if peek == "(" {
            let (positional, keywords) = try arguments()
            return try ExpressionEvaluator.call(name, receiver: nil, positional, keywords)
        }
        if DType(name: name) != nil || ["float", "double", "long", "int", "half", "bool"].contains(name) { return .string(name) }
        throw CaseFailure("unknown name '\(token)'")
    }

    /// Tensor attributes that are not calls (`x.T`, `x.shape`).
    static func attribute(_ name: String, of value: ExpressionValue) throws -> ExpressionValue {
        let x = try value.asTensor()
        switch name {
        case "T": return .tensor(x.T)
        case "mT": return .tensor(x.mT)
        case "H": return .tensor(x.H)
        case "mH": return .tensor(x.mH)
        case "data": return .tensor(x.detach())
        case "shape": return .list(x.shape.map { .int($0) })
        case "grad": return x.grad.map { .tensor($0) } ?? .none
        default: throw CaseFailure("unknown attribute '\(name)'")
        }
    }

    /// A method (`receiver` set) or function call: a few Python-level methods here, every op through the table.
    static func call(_ name: String, receiver: ExpressionValue?, _ positional: [ExpressionValue],
                     _ keywords: [String: ExpressionValue]) throws -> ExpressionValue {
        if receiver == nil, name == "float", positional.count == 1, case .string(let text) = positional[0] {
            guard let value = Double(text) else { throw CaseFailure("float('\(text)') is not a number") }
            return .double(value)   // float('inf'), float('nan')
        }
        if let receiver = receiver {
            let x = try receiver.asTensor()
            switch name {
            case "size":
                guard let d = positional.first ?? keywords["dim"] else { return .list(x.shape.map { .int($0) }) }
                guard case .int(let i) = d else { throw CaseFailure("size: bad dim") }
                return .int(x.size(i))
            case "dim", "ndimension": return .int(x.dim)
            case "numel": return .int(x.numel)
            case "item": return x.dtype.isFloatingPoint ? .double(x.item()) : .int(Int(x.item()))
            default: break
            }
        }
        let call = try bind(name, receiver: receiver, positional, keywords)
        let outputs = try OpTable.run(call)
        return outputs.count == 1 && !multipleOutputOps.contains(name) ? .tensor(outputs[0]) : .list(outputs.map { .tensor($0) })
    }

    /// Ops that return a tuple or list even when it holds one tensor.
    private static let multipleOutputOps: Set = ["split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit",
                                                 "split_with_sizes", "broadcast_tensors", "meshgrid"]

    /// Binds Python-style arguments to the entry's parameter names: a method's receiver is `input`, the
    /// positional arguments fill the other names in order, a `*name` parameter takes the rest.
    static func bind(_ op: String, receiver: ExpressionValue?, _ positional: [ExpressionValue],
                     _ keywords: [String: ExpressionValue]) throws -> OpCall {
        guard let entry = OpTable.entries[op] else { throw CaseFailure("unknown function '\(op)'") }
        var names = entry.parameters
        var bound: [(String, ExpressionValue)] = []
        if let receiver = receiver {
            let selfName = names.contains("input") ? "input" : names[0]
            bound.append((selfName, receiver))
            names.removeAll { $0 == selfName }
        }
        var rest = positional[...]
        for name in names where !rest.isEmpty {
            if name.hasPrefix("*") {
                let items = Array(rest)
                rest = []
                if items.count == 1, case .list = items[0] { bound.append((String(name.dropFirst()), items[0])) }
                else { bound.append((String(name.dropFirst()), .list(items))) }
                break
            }
            bound.append((name, rest.removeFirst()))
        }
        guard rest.isEmpty else { throw CaseFailure("\(op): too many positional arguments") }
        bound += keywords.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        var inputs: [String: Tensor] = [:]
        var args: [(String, JSON)] = []
        for (name, value) in bound {
            switch value {
            case .tensor(let t): inputs[name] = t
            case .list(let items) where items.contains(where: { if case .tensor = $0 { return true }; return false }):
                for (i, item) in items.enumerated() { inputs["\(name).\(i)"] = try item.asTensor() }
            default: args.append((name, try value.json()))
            }
        }
        return OpCall(op: op, inputs: inputs, args: .object(args))
    }
}
