// Evaluates the Python expressions of golden cases (`(x * y).sum() + x.exp().mean()`) with Ember's API.
import Ember

/// A value of an expression: a tensor or a Python number.
enum ExpressionValue {
    case tensor(Tensor)
    case int(Int)
    case double(Double)

    var asTensor: Tensor {
        switch self {
        case .tensor(let t): return t
        case .int(let i): return i.wrappedTensor
        case .double(let d): return d.wrappedTensor
        }
    }
}

struct ExpressionEvaluator {
    private var tokens: [String] = []
    private var position = 0
    let variables: [String: Tensor]

    init(variables: [String: Tensor]) { self.variables = variables }

    mutating func evaluate(_ text: String) throws -> Tensor {
        tokens = ExpressionEvaluator.tokenize(text)
        position = 0
        let value = try additive()
        guard position == tokens.count else { throw CaseFailure("unparsed expression tail '\(tokens[position...].joined())'") }
        return value.asTensor
    }

    static func tokenize(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() { if !current.isEmpty { result.append(current); current = "" } }
        for ch in text {
            if ch.isLetter || ch.isNumber || ch == "_" || (ch == "." && !current.isEmpty && current.allSatisfy { $0.isNumber }) {
                current.append(ch)
            } else {
                flush()
                if ch != " " { result.append(String(ch)) }
            }
        }
        flush()
        return result
    }

    private var peek: String? { position < tokens.count ? tokens[position] : nil }
    private mutating func take() -> String { defer { position += 1 }; return tokens[position] }
    private mutating func expect(_ token: String) throws {
        guard peek == token else { throw CaseFailure("expected '\(token)' in expression") }
        position += 1
    }

    private mutating func additive() throws -> ExpressionValue {
        var left = try multiplicative()
        while let op = peek, op == "+" || op == "-" {
            position += 1
            let right = try multiplicative()
            left = .tensor(op == "+" ? left.asTensor + right.asTensor : left.asTensor - right.asTensor)
        }
        return left
    }

    private mutating func multiplicative() throws -> ExpressionValue {
        var left = try unary()
        while let op = peek, op == "*" || op == "/" {
            position += 1
            let right = try unary()
            left = .tensor(op == "*" ? left.asTensor * right.asTensor : left.asTensor / right.asTensor)
        }
        return left
    }

    private mutating func unary() throws -> ExpressionValue {
        if peek == "-" {
            position += 1
            switch try unary() {
            case .int(let i): return .int(-i)
            case .double(let d): return .double(-d)
            case .tensor(let t): return .tensor(-t)
            }
        }
        return try postfix()
    }

    private mutating func postfix() throws -> ExpressionValue {
        var value = try primary()
        while let next = peek {
            if next == "." {
                position += 1
                let name = take()
                let (positional, keywords) = try arguments()
                value = .tensor(try ExpressionEvaluator.method(name, value.asTensor, positional, keywords))
            } else if next == "[" {
                position += 1
                guard case .int(let i) = try additive() else { throw CaseFailure("only integer indexing in expressions") }
                try expect("]")
                value = .tensor(value.asTensor[i])
            } else {
                break
            }
        }
        return value
    }

    private mutating func arguments() throws -> ([ExpressionValue], [String: ExpressionValue]) {
        try expect("(")
        var positional: [ExpressionValue] = [], keywords: [String: ExpressionValue] = [:]
        while peek != ")" {
            if position + 1 < tokens.count, tokens[position + 1] == "=" {
                let key = take()
                position += 1
                keywords[key] = try additive()
            } else {
                positional.append(try additive())
            }
            if peek == "," { position += 1 }
        }
        try expect(")")
        return (positional, keywords)
    }

    private mutating func primary() throws -> ExpressionValue {
        guard let token = peek else { throw CaseFailure("unexpected end of expression") }
        if token == "(" {
            position += 1
            let value = try additive()
            try expect(")")
            return value
        }
        position += 1
        if let i = Int(token) { return .int(i) }
        if let d = Double(token) { return .double(d) }
        if let t = variables[token] { return .tensor(t) }
        if peek == "(" {
            let (positional, _) = try arguments()
            guard let argument = positional.first?.asTensor else { throw CaseFailure("\(token)() needs an argument") }
            switch token {
            case "cos": return .tensor(cos(argument))
            case "sin": return .tensor(sin(argument))
            case "exp": return .tensor(exp(argument))
            case "log": return .tensor(log(argument))
            case "sqrt": return .tensor(sqrt(argument))
            case "tanh": return .tensor(tanh(argument))
            case "sigmoid": return .tensor(sigmoid(argument))
            case "relu": return .tensor(relu(argument))
            default: throw CaseFailure("unknown function '\(token)'")
            }
        }
        throw CaseFailure("unknown name '\(token)'")
    }

    private static func ints(_ values: [ExpressionValue]) throws -> [Int] {
        try values.map { if case .int(let i) = $0 { return i }; throw CaseFailure("expected integers") }
    }

    private static func number(_ value: ExpressionValue?) -> Double? {
        switch value {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    /// Tensor methods with PyTorch's names and argument conventions.
    static func method(_ name: String, _ x: Tensor, _ args: [ExpressionValue], _ keywords: [String: ExpressionValue]) throws -> Tensor {
        switch name {
        case "t": return x.t()
        case "sum": return x.sum()
        case "mean": return x.mean()
        case "max": return x.max()
        case "min": return x.min()
        case "exp": return x.exp()
        case "log": return x.log()
        case "abs": return x.abs()
        case "relu": return x.relu()
        case "view": return x.view(try ints(args))
        case "reshape": return x.reshape(try ints(args))
        case "permute": return x.permute(try ints(args))
        case "unsqueeze": return x.unsqueeze(try ints(args)[0])
        case "squeeze": return args.isEmpty ? x.squeeze() : x.squeeze(try ints(args)[0])
        case "transpose": let d = try ints(args); return x.transpose(d[0], d[1])
        case "pow": return x.pow(number(args.first) ?? 1)
        case "mm": return x.mm(args[0].asTensor)
        case "matmul": return x.matmul(args[0].asTensor)
        case "clamp": return x.clamp(min: number(keywords["min"] ?? args.first), max: number(keywords["max"] ?? (args.count > 1 ? args[1] : nil)))
        default: throw CaseFailure("unknown method '\(name)'")
        }
    }
}
