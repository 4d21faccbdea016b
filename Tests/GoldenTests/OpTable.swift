// The op table: every public Ember op under its PyTorch name, with PyTorch's parameter names in order,
// so a golden op case (keyword arguments) and an expression (`x.sum(0)`, `softmax(x, dim=1)`, positional
// or keyword) reach the same entry. A new case for an op Ember has needs no harness change.
@testable import Ember

/// Arguments of a golden op call: named tensors and the other arguments by PyTorch's parameter names.
struct OpCall {
    let op: String
    let inputs: [String: Tensor]
    let args: JSON

    func tensor(_ name: String) throws -> Tensor {
        guard let t = inputs[name] else { throw CaseFailure("\(op): missing input '\(name)'") }
        return t
    }

    func input() throws -> Tensor { try tensor("input") }

    func arg(_ name: String) -> JSON? {
        guard let value = args[name], !value.isNull else { return nil }
        return value
    }

    func int(_ name: String) throws -> Int {
        guard let v = arg(name)?.int else { throw CaseFailure("\(op): missing int argument '\(name)'") }
        return v
    }

    func double(_ name: String) throws -> Double {
        guard let v = arg(name)?.double else { throw CaseFailure("\(op): missing number argument '\(name)'") }
        return v
    }

    func ints(_ name: String) throws -> [Int] {
        guard let v = arg(name)?.ints else { throw CaseFailure("\(op): missing list argument '\(name)'") }
        return v
    }

    func bool(_ name: String, _ fallback: Bool) -> Bool { arg(name)?.bool ?? fallback }

    /// A number given as a number argument or as a 0-d tensor; nil when absent.
    func number(_ name: String) throws -> Double? {
        if let t = inputs[name] { return t.item() }
        return arg(name)?.double
    }

    func dtype(_ name: String = "dtype") throws -> DType? {
        guard let text = arg(name)?.string else { return nil }
        guard let dtype = DType(name: text.replacingOccurrences(of: "torch.", with: "")) else {
            throw CaseFailure("\(op): unknown dtype \(text)")
        }
        return dtype
    }

    /// The dims of a reduction: an int or a list, nil when absent.
    var dims: [Int]? { arg("dim")?.ints }
    var keepdim: Bool { bool("keepdim", false) }

    /// The tensors `name.0`, `name.1`, … in order (a sequence argument such as `cat`'s `tensors`).
    func tensorList(_ name: String = "tensors") -> [Tensor] {
        let prefix = name + "."
        return inputs.keys.filter { $0.hasPrefix(prefix) }
            .sorted { Int($0.dropFirst(prefix.count))! < Int($1.dropFirst(prefix.count))! }
            .map { inputs[$0]! }
    }

    /// An operand given either as the input `name` or as a number argument of that name.
    func operand(_ name: String) throws -> Tensor {
        guard let t = inputs[name] ?? numberArgument(name) else { throw CaseFailure("\(op): missing operand '\(name)'") }
        return t
    }

    /// A number argument as a wrapped number tensor (PyTorch's `Scalar`), nil when absent.
    func numberArgument(_ name: String) -> Tensor? {
        switch arg(name) {
        case .int(let i)?: return i.wrappedTensor
        case .double(let d)?: return d.wrappedTensor
        case .bool(let b)?: return Tensor(b)
        default: return nil
        }
    }
}

/// One entry: PyTorch's parameter names in order (`*size` collects the remaining positional arguments)
/// and the call into Ember.
struct OpEntry {
    let parameters: [String]
    let body: (OpCall) throws -> [Tensor]
}

enum OpTable {
    /// How an op Ember does not have is reported.
    static let unsupportedPrefix = "unsupported op"

    typealias Register = (_ names: String, _ signature: String, _ body: @escaping (OpCall) throws -> [Tensor]) -> Void

    /// Every entry by name; `names` may list aliases (`clamp clip`).
    nonisolated(unsafe) static let entries: [String: OpEntry] = {   // immutable once built
        var table: [String: OpEntry] = [:]
        let register: Register = { names, signature, body in
            let entry = OpEntry(parameters: signature.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                                    .filter { !$0.isEmpty }, body: body)
            for name in names.split(separator: " ") {
                precondition(table[String(name)] == nil, "op table: \(name) registered twice")
                table[String(name)] = entry
            }
        }
        creationOps(register)
        shapeOps(register)
        indexingOps(register)
        pointwiseOps(register)
        reductionOps(register)
        linearAlgebraOps(register)
        NNOpTable.layerOps(register)
        NNOpTable.lossOps(register)
        return table
    }()

    /// Runs `call` and returns every output tensor in PyTorch's order.
    static func run(_ call: OpCall) throws -> [Tensor] {
        guard let entry = entries[call.op] else { throw CaseFailure("\(unsupportedPrefix) '\(call.op)'") }
        return try entry.body(call)
    }

    static func creationOps(_ add: Register) {
        add("zeros", "*size, dtype") { c in [Tensor.zeros(try c.ints("size"), dtype: try c.dtype() ?? .float32)] }
        add("ones", "*size, dtype") { c in [Tensor.ones(try c.ints("size"), dtype: try c.dtype() ?? .float32)] }
        add("empty", "*size, dtype") { c in [Tensor.empty(try c.ints("size"), dtype: try c.dtype() ?? .float32)] }
        add("rand", "*size, dtype") { c in [Tensor.rand(try c.ints("size"), dtype: try c.dtype() ?? .float32)] }
        add("randn", "*size, dtype") { c in [Tensor.randn(try c.ints("size"), dtype: try c.dtype() ?? .float32)] }
        add("randint", "low, high, size, dtype") { c in
            // randint(high, size) or randint(low, high, size), as Python binds them.
            if c.arg("size") == nil, let size = c.arg("high")?.array?.compactMap(\.int) {
                return [Tensor.randint(0, try c.int("low"), size, dtype: try c.dtype() ?? .int64)]
            }
            return [Tensor.randint(c.arg("low")?.int ?? 0, try c.int("high"), try c.ints("size"), dtype: try c.dtype() ?? .int64)]
        }
        add("randperm", "n, dtype") { c in [Tensor.randperm(try c.int("n"), dtype: try c.dtype() ?? .int64)] }
        add("full", "size, fill_value, dtype") { c in
            let inferred: DType = { if case .int? = c.arg("fill_value") { return .int64 }; return .float32 }()
            return [Tensor.full(try c.ints("size"), try c.double("fill_value"), dtype: try c.dtype() ?? inferred)]
        }
        add("zeros_like", "input, dtype") { c in [try c.input().zerosLike(dtype: try c.dtype())] }
        add("ones_like", "input, dtype") { c in [try c.input().onesLike(dtype: try c.dtype())] }
        add("empty_like", "input, dtype") { c in [try c.input().emptyLike(dtype: try c.dtype())] }
        add("rand_like", "input, dtype") { c in [try c.input().randLike(dtype: try c.dtype())] }
        add("randn_like", "input, dtype") { c in [try c.input().randnLike(dtype: try c.dtype())] }
        add("full_like", "input, fill_value, dtype") { c in [try c.input().fullLike(try c.double("fill_value"), dtype: try c.dtype())] }
        add("eye", "n, m, dtype") { c in [Tensor.eye(try c.int("n"), c.arg("m")?.int, dtype: try c.dtype() ?? .float32)] }
        add("arange", "start, end, step, dtype") { c in
            // arange(end) binds its one argument to `start`, as Python's overloads read it.
            let bounds = c.arg("end") == nil ? [JSON.int(0), c.arg("start") ?? .int(0)] : [c.arg("start") ?? .int(0), c.arg("end")!]
            let parts = bounds + [c.arg("step")].compactMap { $0 }
            let isFloat = parts.contains { if case .double = $0 { return true }; return false }
            let dtype = try c.dtype() ?? (isFloat ? .float32 : .int64)
            return [Tensor.arange(bounds[0].double ?? 0, bounds[1].double ?? 0, step: c.arg("step")?.double ?? 1, dtype: dtype)]
        }
        // start and end may be 0-d tensors (`linspace(tensor(0.), tensor(5.), 3)`).
        add("linspace", "start, end, steps, dtype") { c in
            [Tensor.linspace(try c.inputs["start"]?.item() ?? c.double("start"), try c.inputs["end"]?.item() ?? c.double("end"),
                             steps: try c.int("steps"), dtype: try c.dtype() ?? .float32)]
        }
        add("logspace", "start, end, steps, base, dtype") { c in
            [Tensor.logspace(try c.inputs["start"]?.item() ?? c.double("start"), try c.inputs["end"]?.item() ?? c.double("end"),
                             steps: try c.int("steps"), base: c.arg("base")?.double ?? 10, dtype: try c.dtype() ?? .float32)]
        }
        add("bernoulli", "input") { c in [try c.input().bernoulli()] }
        add("multinomial", "input, num_samples, replacement") { c in
            [try c.input().multinomial(try c.int("num_samples"), replacement: c.bool("replacement", false))]
        }
    }

    static func shapeOps(_ add: Register) {
        rearrangementOps(add)
        statisticsOps(add)
        add("view", "input, *size") { c in [try c.input().view(try c.ints("size"))] }
        add("reshape", "input, *shape") { c in [try c.input().reshape(try c.ints("shape"))] }
        add("flatten", "input, start_dim, end_dim") { c in
            [try c.input().flatten(startDim: c.arg("start_dim")?.int ?? 0, endDim: c.arg("end_dim")?.int ?? -1)]
        }
        add("transpose swapaxes swapdims", "input, dim0, dim1") { c in [try c.input().transpose(try c.int("dim0"), try c.int("dim1"))] }
        add("t", "input") { c in [try c.input().t()] }
        add("permute", "input, *dims") { c in [try c.input().permute(try c.ints("dims"))] }
        add("expand", "input, *size") { c in [try c.input().expand(try c.ints("size"))] }
        add("expand_as", "input, other") { c in [try c.input().expandAs(try c.tensor("other"))] }
        add("narrow", "input, dim, start, length") { c in
            if let start = c.inputs["start"] { return [try c.input().narrow(try c.int("dim"), start: start, length: try c.int("length"))] }
            return [try c.input().narrow(try c.int("dim"), start: try c.int("start"), length: try c.int("length"))]
        }
        add("select", "input, dim, index") { c in [try c.input().select(try c.int("dim"), try c.int("index"))] }
        add("squeeze", "input, dim") { c in
            let x = try c.input()
            if case .array? = c.arg("dim") { return [x.squeeze(dims: try c.ints("dim"))] }
            return [c.arg("dim")?.int.map { x.squeeze($0) } ?? x.squeeze()]
        }
        add("unsqueeze", "input, dim") { c in [try c.input().unsqueeze(try c.int("dim"))] }
        add("flip", "input, *dims") { c in [try c.input().flip(try c.ints("dims"))] }
        add("roll", "input, shifts, dims") { c in
            guard let dims = c.arg("dims")?.ints else { return [try c.input().roll(try c.int("shifts"))] }
            return [try c.input().roll(try c.ints("shifts"), dims: dims)]
        }
        add("repeat", "input, *repeats") { c in [try c.input().repeat(try c.ints("repeats"))] }
        add("tril", "input, diagonal") { c in [try c.input().tril(c.arg("diagonal")?.int ?? 0)] }
        add("triu", "input, diagonal") { c in [try c.input().triu(c.arg("diagonal")?.int ?? 0)] }
        add("cat concat concatenate", "tensors, dim") { c in [Tensor.cat(c.tensorList(), dim: c.arg("dim")?.int ?? 0)] }
        add("stack", "tensors, dim") { c in [Tensor.stack(c.tensorList(), dim: c.arg("dim")?.int ?? 0)] }
        add("split", "input, split_size_or_sections, dim") { c in
            let dim = c.arg("dim")?.int ?? 0
            if case .array(let sizes)? = c.arg("split_size_or_sections") {
                return try c.input().split(sizes: sizes.compactMap(\.int), dim: dim)
            }
            return try c.input().split(try c.int("split_size_or_sections"), dim: dim)
        }
        add("chunk", "input, chunks, dim") { c in try c.input().chunk(try c.int("chunks"), dim: c.arg("dim")?.int ?? 0) }
        add("clone", "input") { c in [try c.input().clone()] }
        add("contiguous", "input") { c in [try c.input().contiguous()] }
        add("detach", "input") { c in [try c.input().detach()] }
        add("to", "input, dtype") { c in
            guard let dtype = try c.dtype() else { throw CaseFailure("to: missing dtype") }
            return [try c.input().to(dtype)]
        }
        for (name, dtype) in [("float", DType.float32), ("double", .float64), ("half", .float16), ("bfloat16", .bfloat16),
                              ("long", .int64), ("int", .int32), ("bool", .bool)] {
            add(name, "input") { c in [try c.input().to(dtype)] }
        }
    }

    static func indexingOps(_ add: Register) {
        add("getitem", "input, key") { c in [try c.input()[indices: try IndexKey.decode(c.args["key"])]] }
        add("setitem", "input, key, value") { c in
            let result = try c.input().clone()
            result[indices: try IndexKey.decode(c.args["key"])] = try c.operand("value")
            return [result]
        }
        add("gather", "input, dim, index") { c in [try c.input().gather(try c.int("dim"), try c.tensor("index"))] }
        add("scatter_add", "input, dim, index, src") { c in
            [try c.input().scatterAdd(try c.int("dim"), try c.tensor("index"), try c.tensor("src"))]
        }
        add("scatter", "input, dim, index, src, value") { c in
            let index = try c.tensor("index")
            let source = try c.inputs["src"] ?? Tensor.full(index.shape, try c.double(c.arg("src") != nil ? "src" : "value"),
                                                             dtype: try c.input().dtype)
            return [try c.input().scatter(try c.int("dim"), index, source)]
        }
        add("index_select", "input, dim, index") { c in [try c.input().indexSelect(try c.int("dim"), try c.tensor("index"))] }
        add("masked_select", "input, mask") { c in [try c.input().maskedSelect(try c.tensor("mask"))] }
        add("masked_fill", "input, mask, value") { c in
            if let value = c.inputs["value"] { return [try c.input().maskedFill(try c.tensor("mask"), value)] }
            return [try c.input().maskedFill(try c.tensor("mask"), try c.double("value"))]
        }
        add("nonzero", "input, as_tuple") { c in try c.input().nonzero(asTuple: c.bool("as_tuple", false)) }
        add("where", "condition, input, other") { c in
            [Tensor.where(try c.tensor("condition"), try c.operand("input"), try c.operand("other"))]
        }
        add("sort", "input, dim, descending, stable") { c in
            let r = try c.input().sort(dim: c.arg("dim")?.int ?? -1, descending: c.bool("descending", false), stable: c.arg("stable")?.bool)
            return [r.values, r.indices]
        }
        add("topk", "input, k, dim, largest, sorted") { c in
            let r = try c.input().topk(try c.int("k"), dim: c.arg("dim")?.int ?? -1, largest: c.bool("largest", true),
                                       sorted: c.bool("sorted", true))
            return [r.values, r.indices]
        }
    }

    static func pointwiseOps(_ add: Register) {
        add("add", "input, other, alpha") { c in [try c.input().add(try c.operand("other"), alpha: c.arg("alpha")?.double ?? 1)] }
        add("sub subtract", "input, other, alpha") { c in
            [try c.input().sub(try c.operand("other"), alpha: c.arg("alpha")?.double ?? 1)]
        }
        add("mul multiply", "input, other") { c in [try c.input().mul(try c.operand("other"))] }
        add("div divide true_divide", "input, other, rounding_mode") { c in
            let mode = c.arg("rounding_mode")?.string.flatMap(Tensor.RoundingMode.init(rawValue:))
            return [try c.input().div(try c.operand("other"), roundingMode: mode)]
        }
        add("remainder", "input, other") { c in [try c.input().remainder(try c.operand("other"))] }
        add("pow", "input, exponent") { c in
            if let t = c.inputs["exponent"] { return [try c.input().pow(t)] }
            return [try c.input().pow(try c.double("exponent"))]
        }
        add("atan2 arctan2", "input, other") { c in [try c.input().atan2(try c.operand("other"))] }
        let binary: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("fmod", { $0.fmod($1) }), ("fmax", { $0.fmax($1) }), ("fmin", { $0.fmin($1) }), ("hypot", { $0.hypot($1) }),
            ("copysign", { $0.copysign($1) }), ("logaddexp", { $0.logaddexp($1) }), ("logaddexp2", { $0.logaddexp2($1) }),
            ("xlogy special_xlogy", { Tensor.xlogy($0, $1) }), ("float_power", { $0.floatPower($1) }),
            ("floor_divide", { $0.div($1, roundingMode: .floor) }), ("logical_xor", { $0.logicalXor($1) }),
            ("clamp_min", { $0.clampMin($1) }), ("clamp_max", { $0.clampMax($1) }), ("heaviside", { $0.heaviside($1) }),
        ]
        for (names, function) in binary {
            add(names, "input, other") { c in
                // PyTorch's names for the second operand vary (`exponent`, `values`, `min`, `max`).
                let other = try ["other", "exponent", "values", "min", "max"].lazy.compactMap { c.inputs[$0] ?? c.numberArgument($0) }.first
                    ?? { throw CaseFailure("\(c.op): missing second operand") }()
                return [function(try c.input(), other)]
            }
        }
        add("lerp", "input, end, weight") { c in [try c.input().lerp(try c.tensor("end"), try c.operand("weight"))] }
        add("addcmul", "input, tensor1, tensor2, value") { c in
            [try c.input().addcmul(try c.tensor("tensor1"), try c.tensor("tensor2"), value: c.arg("value")?.double ?? 1)]
        }
        add("addcdiv", "input, tensor1, tensor2, value") { c in
            [try c.input().addcdiv(try c.tensor("tensor1"), try c.tensor("tensor2"), value: c.arg("value")?.double ?? 1)]
        }
        add("rsub", "input, other, alpha") { c in [try c.input().rsub(try c.operand("other"), alpha: c.arg("alpha")?.double ?? 1)] }
        add("positive", "input") { c in [try c.input().positive()] }
        add("maximum", "input, other") { c in [try c.input().maximum(try c.operand("other"))] }
        add("minimum", "input, other") { c in [try c.input().minimum(try c.operand("other"))] }
        let comparisons: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("eq", { $0.eq($1) }), ("ne not_equal", { $0.ne($1) }), ("lt less", { $0.lt($1) }),
            ("le less_equal", { $0.le($1) }), ("gt greater", { $0.gt($1) }), ("ge greater_equal", { $0.ge($1) }),
            ("logical_and", { $0.logicalAnd($1) }), ("logical_or", { $0.logicalOr($1) }),
        ]
        for (names, compare) in comparisons {
            add(names, "input, other") { c in [compare(try c.input(), try c.operand("other"))] }
        }
        let unary: [(String, (Tensor) -> Tensor)] = [
            ("abs absolute", { $0.abs() }), ("neg negative", { $0.neg() }), ("sign", { $0.sign() }), ("floor", { $0.floor() }),
            ("ceil", { $0.ceil() }), ("trunc fix", { $0.trunc() }), ("exp", { $0.exp() }),
            ("expm1", { $0.expm1() }), ("log", { $0.log() }), ("log1p", { $0.log1p() }), ("sqrt", { $0.sqrt() }),
            ("rsqrt", { $0.rsqrt() }), ("sin", { $0.sin() }), ("cos", { $0.cos() }), ("tanh", { $0.tanh() }),
            ("sigmoid", { $0.sigmoid() }), ("reciprocal", { $0.reciprocal() }), ("square", { $0.square() }),
            ("relu", { $0.relu() }), ("silu", { $0.silu() }), ("erf", { $0.erf() }), ("logical_not", { $0.logicalNot() }),
            ("acos arccos", { $0.acos() }), ("asin arcsin", { $0.asin() }), ("atan arctan", { $0.atan() }),
            ("acosh arccosh", { $0.acosh() }), ("asinh arcsinh", { $0.asinh() }), ("atanh arctanh", { $0.atanh() }),
            ("cosh", { $0.cosh() }), ("sinh", { $0.sinh() }), ("tan", { $0.tan() }), ("log2", { $0.log2() }),
            ("log10", { $0.log10() }), ("relu6", { $0.relu6() }), ("hardswish", { $0.hardswish() }),
            ("hardsigmoid", { $0.hardsigmoid() }), ("mish", { $0.mish() }), ("logsigmoid", { $0.logSigmoid() }),
            ("selu", { $0.selu() }), ("softsign", { $0.softsign() }), ("tanhshrink", { $0.tanhshrink() }),
            ("exp2", { $0.exp2() }), ("erfc special_erfc", { $0.erfc() }), ("frac", { $0.frac() }), ("sinc", { $0.sinc() }),
            ("deg2rad", { $0.deg2rad() }), ("rad2deg", { $0.rad2deg() }), ("isnan", { $0.isnan() }), ("isinf", { $0.isinf() }),
            ("isposinf", { $0.isposinf() }), ("isneginf", { $0.isneginf() }), ("isfinite", { $0.isfinite() }),
            ("signbit", { $0.signbit() }),
        ]
        for (names, function) in unary {
            add(names, "input") { c in [function(try c.input())] }
        }
        add("round", "input, decimals") { c in
            let x = try c.input()
            return [c.arg("decimals")?.int.map { x.round(decimals: $0) } ?? x.round()]
        }
        add("hardtanh", "input, min_val, max_val") { c in
            [try c.input().hardtanh(minVal: c.arg("min_val")?.double ?? -1, maxVal: c.arg("max_val")?.double ?? 1)]
        }
        add("celu", "input, alpha") { c in [try c.input().celu(alpha: c.arg("alpha")?.double ?? 1)] }
        add("hardshrink", "input, lambd") { c in [try c.input().hardshrink(lambd: c.arg("lambd")?.double ?? 0.5)] }
        add("softshrink", "input, lambd") { c in [try c.input().softshrink(lambd: c.arg("lambd")?.double ?? 0.5)] }
        add("threshold", "input, threshold, value") { c in [try c.input().threshold(try c.double("threshold"), try c.double("value"))] }
        add("logit", "input, eps") { c in [try c.input().logit(eps: c.arg("eps")?.double)] }
        add("nan_to_num", "input, nan, posinf, neginf") { c in
            [try c.input().nanToNum(nan: c.arg("nan")?.double ?? 0, posinf: c.arg("posinf")?.double, neginf: c.arg("neginf")?.double)]
        }
        add("gelu", "input, approximate") { c in [try c.input().gelu(approximate: c.arg("approximate")?.string ?? "none")] }
        add("elu", "input, alpha") { c in [try c.input().elu(alpha: c.arg("alpha")?.double ?? 1)] }
        add("leaky_relu", "input, negative_slope") { c in
            [try c.input().leakyRelu(negativeSlope: c.arg("negative_slope")?.double ?? 0.01)]
        }
        add("softplus", "input, beta, threshold") { c in
            [try c.input().softplus(beta: c.arg("beta")?.double ?? 1, threshold: c.arg("threshold")?.double ?? 20)]
        }
        add("clamp clip", "input, min, max") { c in
            if c.inputs["min"] != nil || c.inputs["max"] != nil {
                return [try c.input().clamp(min: c.inputs["min"] ?? c.arg("min")?.double.map { $0.wrappedTensor },
                                            max: c.inputs["max"] ?? c.arg("max")?.double.map { $0.wrappedTensor })]
            }
            return [try c.input().clamp(min: c.arg("min")?.double, max: c.arg("max")?.double)]
        }
    }

    static func reductionOps(_ add: Register) {
        add("sum", "input, dim, keepdim, dtype") { c in
            if let d = c.dims { return [try c.input().sum(dims: d, keepdim: c.keepdim, dtype: try c.dtype())] }
            return [try c.input().sum(dtype: try c.dtype())]
        }
        add("mean", "input, dim, keepdim, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [c.dims.map { x.mean(dims: $0, keepdim: c.keepdim) } ?? x.mean()]
        }
        add("prod", "input, dim, keepdim, dtype") { c in
            if let d = c.arg("dim")?.int { return [try c.input().prod(dim: d, keepdim: c.keepdim)] }
            return [try c.input().prod()]
        }
        for name in ["max", "min"] {
            let isMax = name == "max"
            add(name, "input, dim, keepdim") { c in
                let x = try c.input()
                // torch.max(input, other) is the elementwise maximum.
                if let other = c.inputs["dim"] ?? c.inputs["other"] { return [isMax ? x.maximum(other) : x.minimum(other)] }
                if let d = c.arg("dim")?.int {
                    let r = isMax ? x.max(dim: d, keepdim: c.keepdim) : x.min(dim: d, keepdim: c.keepdim)
                    return [r.values, r.indices]
                }
                return [isMax ? x.max() : x.min()]
            }
        }
        add("amax", "input, dim, keepdim") { c in [try c.input().amax(dims: c.dims ?? [], keepdim: c.keepdim)] }
        add("amin", "input, dim, keepdim") { c in [try c.input().amin(dims: c.dims ?? [], keepdim: c.keepdim)] }
        add("argmax", "input, dim, keepdim") { c in [try c.input().argmax(dim: c.arg("dim")?.int, keepdim: c.keepdim)] }
        add("argmin", "input, dim, keepdim") { c in [try c.input().argmin(dim: c.arg("dim")?.int, keepdim: c.keepdim)] }
        add("all", "input, dim, keepdim") { c in
            if let d = c.dims { return [try c.input().all(dims: d, keepdim: c.keepdim)] }
            return [try c.input().all()]
        }
        add("any", "input, dim, keepdim") { c in
            if let d = c.dims { return [try c.input().any(dims: d, keepdim: c.keepdim)] }
            return [try c.input().any()]
        }
        for name in ["var", "std"] {
            add(name, "input, dim, unbiased, keepdim") { c in
                // std(input, unbiased) is the overload whose second argument is a bool.
                let dims = c.arg("dim")?.bool == nil ? c.dims : nil
                let unbiased = c.arg("unbiased")?.bool ?? c.arg("dim")?.bool ?? true
                let correction = c.arg("correction")?.double ?? (unbiased ? 1 : 0)
                let x = try c.input()
                return [name == "var" ? x.variance(dims: dims, correction: correction, keepdim: c.keepdim)
                                      : x.standardDeviation(dims: dims, correction: correction, keepdim: c.keepdim)]
            }
        }
        add("norm", "input, p, dim, keepdim") { c in
            // p = "fro" is the 2-norm of the flattened dims.
            [try c.input().norm(p: c.arg("p")?.string == "fro" ? 2 : c.arg("p")?.double ?? 2, dims: c.dims, keepdim: c.keepdim)]
        }
        add("vector_norm", "input, ord, dim, keepdim") { c in
            [try c.input().norm(p: c.arg("ord")?.double ?? 2, dims: c.dims, keepdim: c.keepdim)]
        }
        add("logsumexp", "input, dim, keepdim") { c in [try c.input().logsumexp(dims: c.dims ?? [], keepdim: c.keepdim)] }
        add("softmax", "input, dim, _stacklevel, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.softmax(dim: try c.int("dim"))]
        }
        add("log_softmax", "input, dim, _stacklevel, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.logSoftmax(dim: try c.int("dim"))]
        }
        add("cumsum", "input, dim, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.cumsum(dim: try c.int("dim"))]
        }
    }

    static func linearAlgebraOps(_ add: Register) {
        add("matmul", "input, other") { c in [try c.input().matmul(try c.tensor("other"))] }
        add("mm", "input, mat2") { c in [try c.input().mm(try c.tensor("mat2"))] }
        add("bmm", "input, mat2") { c in [try c.input().bmm(try c.tensor("mat2"))] }
        add("mv", "input, vec") { c in [try c.input().mv(try c.tensor("vec"))] }
        add("dot", "input, tensor") { c in [try c.input().dot(try c.tensor("tensor"))] }
        add("addmm", "input, mat1, mat2, beta, alpha") { c in
            [Tensor.addmm(try c.input(), try c.tensor("mat1"), try c.tensor("mat2"), beta: c.arg("beta")?.double ?? 1,
                          alpha: c.arg("alpha")?.double ?? 1)]
        }
    }
}

/// torch.nn.functional entries of the op table.
enum NNOpTable {
    /// One or two sizes; an empty list (`stride=()`) is the default.
    private static func pair(_ c: OpCall, _ name: String, _ fallback: IntPair? = nil) throws -> IntPair? {
        guard let v = c.arg(name), v.ints?.isEmpty != true else { return fallback }
        guard let values = v.ints else { throw CaseFailure("\(c.op): bad \(name)") }
        return IntPair(values)
    }

    /// One or three sizes; an empty list is the default.
    private static func triple(_ c: OpCall, _ name: String, _ fallback: Triple? = nil) throws -> Triple? {
        guard let v = c.arg(name), v.ints?.isEmpty != true else { return fallback }
        guard let values = v.ints, values.count == 1 || values.count == 3 else { throw CaseFailure("\(c.op): bad \(name)") }
        return Triple(values)
    }

    /// One size of a 1-d op, given as a number or a one-element list; an empty list is the default.
    private static func single(_ c: OpCall, _ name: String, _ fallback: Int? = nil) throws -> Int? {
        guard let v = c.arg(name), v.ints?.isEmpty != true else { return fallback }
        guard let values = v.ints, values.count == 1 else { throw CaseFailure("\(c.op): bad \(name)") }
        return values[0]
    }

    /// A size per spatial dimension: one number, or a list whose `None` entries keep the input's size.
    static func spatialSize(_ c: OpCall, _ name: String) throws -> SpatialSize? {
        switch c.arg(name) {
        case nil: return nil
        case .int(let n)?: return SpatialSize([n])
        case .array(let items)?: return SpatialSize(items.map(\.int))
        default: throw CaseFailure("\(c.op): bad \(name)")
        }
    }

    /// One scale factor; a list of equal factors is one factor.
    static func scaleFactor(_ c: OpCall) throws -> Double? {
        guard let value = c.arg("scale_factor") else { return nil }
        if let factor = value.double { return factor }
        guard let factors = value.array?.compactMap(\.double), let first = factors.first, factors.allSatisfy({ $0 == first }) else {
            throw CaseFailure("\(c.op): per-dimension scale factors are not supported")
        }
        return first
    }

    private static func reduction(_ c: OpCall) throws -> Reduction {
        let name = c.arg("reduction")?.string ?? "mean"
        guard let r = Reduction(rawValue: name) else { throw CaseFailure("unknown reduction \(name)") }
        return r
    }

    static func layerOps(_ add: OpTable.Register) {
        add("functional_unfold", "input, kernel_size, dilation, padding, stride") { c in
            [Tensor.unfold(try c.input(), kernelSize: try pair(c, "kernel_size")!, dilation: try pair(c, "dilation") ?? 1,
                           padding: try pair(c, "padding") ?? 0, stride: try pair(c, "stride") ?? 1)]
        }
        add("fold", "input, output_size, kernel_size, dilation, padding, stride") { c in
            [Tensor.fold(try c.input(), outputSize: try pair(c, "output_size")!, kernelSize: try pair(c, "kernel_size")!,
                         dilation: try pair(c, "dilation") ?? 1, padding: try pair(c, "padding") ?? 0, stride: try pair(c, "stride") ?? 1)]
        }
        add("linear", "input, weight, bias") { c in [F.linear(try c.input(), try c.tensor("weight"), c.inputs["bias"])] }
        add("conv1d", "input, weight, bias, stride, padding, dilation, groups") { c in
            let (stride, dilation) = (c.arg("stride")?.ints?.first ?? 1, c.arg("dilation")?.ints?.first ?? 1)
            if let text = c.arg("padding")?.string {
                return [F.conv1d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: stride,
                                 padding: ConvPadding(stringLiteral: text), dilation: dilation, groups: c.arg("groups")?.int ?? 1)]
            }
            return [F.conv1d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: stride,
                             padding: c.arg("padding")?.ints?.first ?? 0, dilation: dilation, groups: c.arg("groups")?.int ?? 1)]
        }
        add("conv2d", "input, weight, bias, stride, padding, dilation, groups") { c in
            let padding: ConvPadding
            if let text = c.arg("padding")?.string { padding = ConvPadding(stringLiteral: text) } else { padding = .explicit(try pair(c, "padding", 0)!) }
            return [F.conv2d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: try pair(c, "stride", 1)!, padding: padding,
                             dilation: try pair(c, "dilation", 1)!, groups: c.arg("groups")?.int ?? 1)]
        }
        add("conv_transpose2d", "input, weight, bias, stride, padding, output_padding, groups, dilation") { c in
            [F.convTranspose2d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: try pair(c, "stride", 1)!,
                               padding: try pair(c, "padding", 0)!, outputPadding: try pair(c, "output_padding", 0)!,
                               groups: c.arg("groups")?.int ?? 1, dilation: try pair(c, "dilation", 1)!)]
        }
        add("max_pool2d", "input, kernel_size, stride, padding, dilation, ceil_mode, return_indices") { c in
            let r = F.maxPool2dWithIndices(try c.input(), try pair(c, "kernel_size")!, stride: try pair(c, "stride"),
                                           padding: try pair(c, "padding", 0)!, dilation: try pair(c, "dilation", 1)!,
                                           ceilMode: c.bool("ceil_mode", false))
            return c.bool("return_indices", false) ? [r.output, r.indices] : [r.output]
        }
        add("avg_pool2d", "input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override") { c in
            [F.avgPool2d(try c.input(), try pair(c, "kernel_size")!, stride: try pair(c, "stride"), padding: try pair(c, "padding", 0)!,
                         ceilMode: c.bool("ceil_mode", false), countIncludePad: c.bool("count_include_pad", true),
                         divisorOverride: c.arg("divisor_override")?.int)]
        }
        add("adaptive_avg_pool2d", "input, output_size") { c in
            [Tensor.adaptiveAvgPool2d(try c.input(), try spatialSize(c, "output_size") ?? { throw CaseFailure("missing output_size") }())]
        }
        add("conv3d", "input, weight, bias, stride, padding, dilation, groups") { c in
            if let padding = c.arg("padding")?.string {
                return [Tensor.conv3d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: try triple(c, "stride", 1)!,
                                      padding: padding, dilation: try triple(c, "dilation", 1)!, groups: c.arg("groups")?.int ?? 1)]
            }
            return [Tensor.conv3d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: try triple(c, "stride", 1)!,
                                  padding: try triple(c, "padding", 0)!, dilation: try triple(c, "dilation", 1)!, groups: c.arg("groups")?.int ?? 1)]
        }
        add("conv_transpose1d", "input, weight, bias, stride, padding, output_padding, groups, dilation") { c in
            [Tensor.convTranspose1d(try c.input(), try c.tensor("weight"), c.inputs["bias"], stride: try single(c, "stride", 1)!,
                                    padding: try single(c, "padding", 0)!, outputPadding: try single(c, "output_padding", 0)!,
                                    groups: c.arg("groups")?.int ?? 1, dilation: try single(c, "dilation", 1)!)]
        }
        add("max_pool1d", "input, kernel_size, stride, padding, dilation, ceil_mode, return_indices") { c in
            let r = Tensor.maxPool1dWithIndices(try c.input(), kernelSize: try single(c, "kernel_size")!, stride: try single(c, "stride"),
                                                padding: try single(c, "padding", 0)!, dilation: try single(c, "dilation", 1)!,
                                                ceilMode: c.bool("ceil_mode", false))
            return c.bool("return_indices", false) ? [r.output, r.indices] : [r.output]
        }
        add("avg_pool1d", "input, kernel_size, stride, padding, ceil_mode, count_include_pad") { c in
            [Tensor.avgPool1d(try c.input(), kernelSize: try single(c, "kernel_size")!, stride: try single(c, "stride"),
                              padding: try single(c, "padding", 0)!, ceilMode: c.bool("ceil_mode", false),
                              countIncludePad: c.bool("count_include_pad", true))]
        }
        add("max_pool3d", "input, kernel_size, stride, padding, dilation, ceil_mode, return_indices") { c in
            let r = Tensor.maxPool3dWithIndices(try c.input(), kernelSize: try triple(c, "kernel_size")!, stride: try triple(c, "stride"),
                                                padding: try triple(c, "padding", 0)!, dilation: try triple(c, "dilation", 1)!,
                                                ceilMode: c.bool("ceil_mode", false))
            return c.bool("return_indices", false) ? [r.output, r.indices] : [r.output]
        }
        add("avg_pool3d", "input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override") { c in
            [Tensor.avgPool3d(try c.input(), kernelSize: try triple(c, "kernel_size")!, stride: try triple(c, "stride"),
                              padding: try triple(c, "padding", 0)!, ceilMode: c.bool("ceil_mode", false),
                              countIncludePad: c.bool("count_include_pad", true), divisorOverride: c.arg("divisor_override")?.int)]
        }
        add("batch_norm", "input, running_mean, running_var, weight, bias, training, momentum, eps") { c in
            [F.batchNorm(try c.input(), runningMean: c.inputs["running_mean"], runningVar: c.inputs["running_var"],
                         weight: c.inputs["weight"], bias: c.inputs["bias"], training: c.bool("training", false),
                         momentum: c.arg("momentum")?.double ?? 0.1, eps: c.arg("eps")?.double ?? 1e-5)]
        }
        add("layer_norm", "input, normalized_shape, weight, bias, eps") { c in
            [F.layerNorm(try c.input(), try c.ints("normalized_shape"), weight: c.inputs["weight"], bias: c.inputs["bias"],
                         eps: c.arg("eps")?.double ?? 1e-5)]
        }
        add("group_norm", "input, num_groups, weight, bias, eps") { c in
            [F.groupNorm(try c.input(), try c.int("num_groups"), weight: c.inputs["weight"], bias: c.inputs["bias"],
                         eps: c.arg("eps")?.double ?? 1e-5)]
        }
        add("embedding", "input, weight, padding_idx") { c in
            [F.embedding(try c.input(), try c.tensor("weight"), paddingIdx: c.arg("padding_idx")?.int)]
        }
        add("dropout", "input, p, training") { c in
            [F.dropout(try c.input(), p: c.arg("p")?.double ?? 0.5, training: c.bool("training", true))]
        }
        add("dropout2d", "input, p, training") { c in
            [F.dropout2d(try c.input(), p: c.arg("p")?.double ?? 0.5, training: c.bool("training", true))]
        }
        add("one_hot", "input, num_classes") { c in [F.oneHot(try c.input(), numClasses: c.arg("num_classes")?.int ?? -1)] }
        add("pad", "input, pad, mode, value") { c in
            let modeName = c.arg("mode")?.string ?? "constant"
            guard let mode = PaddingMode(rawValue: modeName) else { throw CaseFailure("pad: unknown mode \(modeName)") }
            return [F.pad(try c.input(), try c.ints("pad"), mode: mode, value: c.arg("value")?.double ?? 0)]
        }
        add("interpolate", "input, size, scale_factor, mode, align_corners, recompute_scale_factor") { c in
            [Tensor.interpolate(try c.input(), size: try spatialSize(c, "size"), scaleFactor: try scaleFactor(c),
                                mode: c.arg("mode")?.string ?? "nearest", alignCorners: c.bool("align_corners", false),
                                recomputeScaleFactor: c.bool("recompute_scale_factor", false))]
        }
        add("embedding_bag", "input, weight, offsets, max_norm, norm_type, scale_grad_by_freq, mode, sparse, per_sample_weights, include_last_offset, padding_idx") { c in
            guard c.arg("max_norm") == nil, !c.bool("scale_grad_by_freq", false) else { throw CaseFailure("embedding_bag: max_norm and scale_grad_by_freq are not supported") }
            let modeName = c.arg("mode")?.string ?? "mean"
            guard let mode = EmbeddingBagMode(rawValue: modeName) else { throw CaseFailure("embedding_bag: unknown mode \(modeName)") }
            return [Tensor.embeddingBag(try c.input(), try c.tensor("weight"), offsets: c.inputs["offsets"], mode: mode,
                                        perSampleWeights: c.inputs["per_sample_weights"], includeLastOffset: c.bool("include_last_offset", false),
                                        paddingIdx: c.arg("padding_idx")?.int)]
        }
        add("instance_norm", "input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps") { c in
            [F.instanceNorm(try c.input(), runningMean: c.inputs["running_mean"], runningVar: c.inputs["running_var"],
                            weight: c.inputs["weight"], bias: c.inputs["bias"], useInputStats: c.bool("use_input_stats", true),
                            momentum: c.arg("momentum")?.double ?? 0.1, eps: c.arg("eps")?.double ?? 1e-5)]
        }
        add("adaptive_avg_pool1d", "input, output_size") { c in
            guard let size = c.arg("output_size")?.ints?.first else { throw CaseFailure("missing output_size") }
            return [Tensor.adaptiveAvgPool1d(try c.input(), size)]
        }
        add("adaptive_avg_pool3d", "input, output_size") { c in
            [Tensor.adaptiveAvgPool3d(try c.input(), try spatialSize(c, "output_size") ?? { throw CaseFailure("missing output_size") }())]
        }
        add("scaled_dot_product_attention", "query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa") { c in
            guard (c.arg("dropout_p")?.double ?? 0) == 0 else { throw CaseFailure("scaled_dot_product_attention: dropout is random") }
            return [F.scaledDotProductAttention(try c.tensor("query"), try c.tensor("key"), try c.tensor("value"),
                                                attnMask: c.inputs["attn_mask"], isCausal: c.bool("is_causal", false),
                                                scale: c.arg("scale")?.double)]
        }
    }

    /// Losses, with PyTorch's positional order (the deprecated `size_average` and `reduce` keep their places).
    static func lossOps(_ add: OpTable.Register) {
        add("mse_loss", "input, target, size_average, reduce, reduction") { c in
            [F.mseLoss(try c.input(), try c.tensor("target"), reduction: try reduction(c))]
        }
        add("l1_loss", "input, target, size_average, reduce, reduction") { c in
            [F.l1Loss(try c.input(), try c.tensor("target"), reduction: try reduction(c))]
        }
        add("smooth_l1_loss", "input, target, size_average, reduce, reduction, beta") { c in
            [F.smoothL1Loss(try c.input(), try c.tensor("target"), reduction: try reduction(c), beta: c.arg("beta")?.double ?? 1)]
        }
        add("huber_loss", "input, target, reduction, delta") { c in
            [F.huberLoss(try c.input(), try c.tensor("target"), reduction: try reduction(c), delta: c.arg("delta")?.double ?? 1)]
        }
        add("cross_entropy", "input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing") { c in
            [F.crossEntropy(try c.input(), try c.tensor("target"), weight: c.inputs["weight"],
                            ignoreIndex: c.arg("ignore_index")?.int ?? -100, reduction: try reduction(c),
                            labelSmoothing: c.arg("label_smoothing")?.double ?? 0)]
        }
        add("nll_loss", "input, target, weight, size_average, ignore_index, reduce, reduction") { c in
            [F.nllLoss(try c.input(), try c.tensor("target"), weight: c.inputs["weight"],
                       ignoreIndex: c.arg("ignore_index")?.int ?? -100, reduction: try reduction(c))]
        }
        add("binary_cross_entropy", "input, target, weight, size_average, reduce, reduction") { c in
            [F.binaryCrossEntropy(try c.input(), try c.tensor("target"), weight: c.inputs["weight"], reduction: try reduction(c))]
        }
        add("binary_cross_entropy_with_logits", "input, target, weight, size_average, reduce, reduction, pos_weight") { c in
            [F.binaryCrossEntropyWithLogits(try c.input(), try c.tensor("target"), weight: c.inputs["weight"],
                                            posWeight: c.inputs["pos_weight"], reduction: try reduction(c))]
        }
        add("kl_div", "input, target, size_average, reduce, reduction, log_target") { c in
            [F.klDiv(try c.input(), try c.tensor("target"), reduction: try reduction(c), logTarget: c.bool("log_target", false))]
        }
    }
}

/// Decodes the golden encoding of a subscript key.
enum IndexKey {
    static func decode(_ json: JSON?) throws -> [TensorIndex] {
        guard let items = json?.array else { throw CaseFailure("missing index key") }
        return try items.map { item in
            switch item {
            case .int(let i): return .index(i)
            case .null: return .newAxis
            case .string("..."): return .ellipsis
            default:
                if let bounds = item["slice"]?.array {
                    return .slice(start: bounds[0].int, end: bounds[1].int, step: bounds[2].int ?? 1)
                }
                if let t = item["tensor"] { return .tensor(try GoldenTensor.decode(t)) }
                throw CaseFailure("unknown index \(item)")
            }
        }
    }
}

extension OpTable {
    /// Rearrangements, diagonals and index functions added from PyTorch's op list.
    static func rearrangementOps(_ add: Register) {
        add("unbind", "input, dim") { c in try c.input().unbind(c.arg("dim")?.int ?? 0) }
        add("movedim moveaxis", "input, source, destination") { c in
            [try c.input().movedim(try c.ints("source"), try c.ints("destination"))]
        }
        add("tile", "input, dims") { c in [try c.input().tile(try c.ints("dims"))] }
        add("ravel", "input") { c in [try c.input().ravel()] }
        // One tensor, or a list of them (`atleast_1d([a, b])`).
        add("atleast_1d", "input") { c in (c.inputs["input"].map { [$0] } ?? c.tensorList("input")).map { $0.atleast1d() } }
        add("atleast_2d", "input") { c in (c.inputs["input"].map { [$0] } ?? c.tensorList("input")).map { $0.atleast2d() } }
        add("atleast_3d", "input") { c in (c.inputs["input"].map { [$0] } ?? c.tensorList("input")).map { $0.atleast3d() } }
        add("unflatten", "input, dim, sizes") { c in [try c.input().unflatten(try c.int("dim"), try c.ints("sizes"))] }
        add("hstack", "tensors") { c in [Tensor.hstack(c.tensorList())] }
        add("vstack row_stack", "tensors") { c in [Tensor.vstack(c.tensorList())] }
        add("dstack", "tensors") { c in [Tensor.dstack(c.tensorList())] }
        add("column_stack", "tensors") { c in [Tensor.columnStack(c.tensorList())] }
        add("broadcast_tensors", "*tensors") { c in Tensor.broadcastTensors(c.tensorList()) }
        add("meshgrid", "*tensors, indexing") { c in Tensor.meshgrid(c.tensorList(), indexing: c.arg("indexing")?.string ?? "ij") }
        add("broadcast_to", "input, size") { c in [try c.input().broadcastTo(try c.ints("size"))] }
        add("tensor_split", "input, indices_or_sections, dim") { c in
            try splitBy(c, dim: c.arg("dim")?.int ?? 0) { x, n in x.tensorSplit(n, dim: c.arg("dim")?.int ?? 0) }
        }
        add("hsplit", "input, indices_or_sections") { c in
            try splitBy(c, dim: try c.input().dim == 1 ? 0 : 1) { x, n in x.hsplit(n) }
        }
        add("vsplit", "input, indices_or_sections") { c in try splitBy(c, dim: 0) { x, n in x.vsplit(n) } }
        add("dsplit", "input, indices_or_sections") { c in try splitBy(c, dim: 2) { x, n in x.dsplit(n) } }
        add("split_with_sizes", "input, split_sizes, dim") { c in
            try c.input().split(sizes: try c.ints("split_sizes"), dim: c.arg("dim")?.int ?? 0)
        }
        add("fliplr", "input") { c in [try c.input().fliplr()] }
        add("flipud", "input") { c in [try c.input().flipud()] }
        add("rot90", "input, k, dims") { c in [try c.input().rot90(c.arg("k")?.int ?? 1, dims: c.arg("dims")?.ints ?? [0, 1])] }
        add("repeat_interleave", "input, repeats, dim") { c in
            if let repeats = c.inputs["repeats"] { return [try c.input().repeatInterleave(repeats, dim: c.arg("dim")?.int)] }
            return [try c.input().repeatInterleave(try c.int("repeats"), dim: c.arg("dim")?.int)]
        }
        add("diagonal", "input, offset, dim1, dim2") { c in
            [try c.input().diagonal(offset: c.arg("offset")?.int ?? 0, dim1: c.arg("dim1")?.int ?? 0, dim2: c.arg("dim2")?.int ?? 1)]
        }
        add("diagonal_scatter", "input, src, offset, dim1, dim2") { c in
            [try c.input().diagonalScatter(try c.tensor("src"), offset: c.arg("offset")?.int ?? 0, dim1: c.arg("dim1")?.int ?? 0,
                                           dim2: c.arg("dim2")?.int ?? 1)]
        }
        add("select_scatter", "input, src, dim, index") { c in
            [try c.input().selectScatter(try c.tensor("src"), dim: try c.int("dim"), index: try c.int("index"))]
        }
        add("slice_scatter", "input, src, dim, start, end, step") { c in
            [try c.input().sliceScatter(try c.tensor("src"), dim: c.arg("dim")?.int ?? 0, start: c.arg("start")?.int,
                                        end: c.arg("end")?.int, step: c.arg("step")?.int ?? 1)]
        }
        add("diag_embed", "input, offset, dim1, dim2") { c in
            [try c.input().diagEmbed(offset: c.arg("offset")?.int ?? 0, dim1: c.arg("dim1")?.int ?? -2, dim2: c.arg("dim2")?.int ?? -1)]
        }
        add("diag", "input, diagonal") { c in [try c.input().diag(c.arg("diagonal")?.int ?? 0)] }
        add("diagflat", "input, offset") { c in [try c.input().diagflat(c.arg("offset")?.int ?? 0)] }
        add("trace", "input") { c in [try c.input().trace()] }
        add("outer ger", "input, vec2") { c in [try c.input().outer(try c.tensor("vec2"))] }
        add("inner", "input, other") { c in [try c.input().inner(try c.tensor("other"))] }
        add("take", "input, index") { c in [try c.input().take(try c.tensor("index"))] }
        add("take_along_dim", "input, indices, dim") { c in [try c.input().takeAlongDim(try c.tensor("indices"), dim: c.arg("dim")?.int)] }
        add("index_add", "input, dim, index, source, alpha") { c in
            [try c.input().indexAdd(try c.int("dim"), try c.tensor("index"), try c.tensor("source"), alpha: c.arg("alpha")?.double ?? 1)]
        }
        add("index_copy", "input, dim, index, source") { c in
            [try c.input().indexCopy(try c.int("dim"), try c.tensor("index"), try c.tensor("source"))]
        }
        add("index_fill", "input, dim, index, value") { c in
            if let value = c.inputs["value"] { return [try c.input().indexFill(try c.int("dim"), try c.tensor("index"), value)] }
            return [try c.input().indexFill(try c.int("dim"), try c.tensor("index"), try c.double("value"))]
        }
        add("as_strided", "input, size, stride, storage_offset") { c in
            [try c.input().asStrided(try c.ints("size"), try c.ints("stride"), storageOffset: c.arg("storage_offset")?.int)]
        }
        add("inv inverse", "input") { c in [try c.input().inverse()] }
        add("det", "input") { c in [try c.input().det()] }
        add("slogdet", "input") { c in let r = try c.input().slogdet(); return [r.sign, r.logabsdet] }
        add("logdet", "input") { c in [try c.input().logdet()] }
        add("solve", "input, other, left") { c in
            guard c.bool("left", true) else { throw CaseFailure("linalg.solve: left=False is not supported") }
            return [Tensor.solve(try c.input(), try c.tensor("other"))]
        }
        add("cholesky", "input, upper") { c in [try c.input().cholesky(upper: c.bool("upper", false))] }
        add("cholesky_ex", "input, upper, check_errors") { c in
            let r = try c.input().choleskyEx(upper: c.bool("upper", false))
            return [r.L, r.info]
        }
        add("linalg_qr", "input, mode") { c in
            guard let mode = QRMode(rawValue: c.arg("mode")?.string ?? "reduced") else { throw CaseFailure("linalg.qr: bad mode") }
            let r = try c.input().qr(mode: mode)
            return [r.Q, r.R]
        }
        add("linalg_svd", "input, full_matrices, driver") { c in
            let r = try c.input().svd(fullMatrices: c.bool("full_matrices", true))
            return [r.U, r.S, r.Vh]
        }
        add("svd", "input, some, compute_uv") { c in
            let r = try c.input().svd(some: c.bool("some", true), computeUV: c.bool("compute_uv", true))
            return [r.U, r.S, r.V]
        }
        add("svdvals", "input, driver") { c in [try c.input().svdvals()] }
        add("eigh", "input, UPLO") { c in
            let r = try c.input().eigh(upper: c.arg("UPLO")?.string == "U")
            return [r.eigenvalues, r.eigenvectors]
        }
        add("eigvalsh", "input, UPLO") { c in [try c.input().eigvalsh(upper: c.arg("UPLO")?.string == "U")] }
        add("solve_triangular", "input, B, upper, left, unitriangular") { c in
            [Tensor.solveTriangular(try c.input(), try c.tensor("B"), upper: c.bool("upper", false), left: c.bool("left", true),
                                    unitriangular: c.bool("unitriangular", false))]
        }
        add("triangular_solve", "input, A, upper, transpose, unitriangular") { c in
            let r = try c.input().triangularSolve(try c.tensor("A"), upper: c.bool("upper", true), transpose: c.bool("transpose", false),
                                                  unitriangular: c.bool("unitriangular", false))
            return [r.solution, r.clonedCoefficient]
        }
        add("cholesky_solve", "input, input2, upper") { c in [try c.input().choleskySolve(try c.tensor("input2"), upper: c.bool("upper", false))] }
        add("cholesky_inverse", "input, upper") { c in [try c.input().choleskyInverse(upper: c.bool("upper", false))] }
        add("inv_ex", "input, check_errors") { c in let r = try c.input().inverseEx(); return [r.inverse, r.info] }
        add("matrix_norm", "input, ord, dim, keepdim") { c in
            [try c.input().matrixNorm(ord: try matrixNormOrder(c.arg("ord")) ?? .fro, dims: c.dims ?? [-2, -1], keepdim: c.keepdim)]
        }
        add("cond", "input, p") { c in [try c.input().cond(p: try matrixNormOrder(c.arg("p")))] }
        add("matrix_rank", "input, atol, rtol, hermitian") { c in
            [try c.input().matrixRank(atol: try c.number("atol"), rtol: try c.number("rtol"), hermitian: c.bool("hermitian", false))]
        }
        add("pinv", "input, atol, rtol, hermitian") { c in
            [try c.input().pinv(atol: try c.number("atol"), rtol: try c.number("rtol"), hermitian: c.bool("hermitian", false))]
        }
        add("lstsq", "input, b, rcond, driver") { c in
            let r = Tensor.lstsq(try c.input(), try c.tensor("b"), rcond: try c.number("rcond"), driver: c.arg("driver")?.string)
            return [r.solution, r.residuals, r.rank, r.singularValues]
        }
        add("unfold", "input, dimension, size, step") { c in
            [try c.input().unfold(try c.int("dimension"), try c.int("size"), try c.int("step"))]
        }
        add("pinverse", "input, rcond") { c in [try c.input().pinverse(rcond: try c.number("rcond") ?? 1e-15)] }
        add("grid_sample", "input, grid, mode, padding_mode, align_corners") { c in
            [Tensor.gridSample(try c.input(), try c.tensor("grid"), mode: c.arg("mode")?.string ?? "bilinear",
                               paddingMode: c.arg("padding_mode")?.string ?? "zeros", alignCorners: c.bool("align_corners", false))]
        }
        add("affine_grid", "theta, size, align_corners") { c in
            [Tensor.affineGrid(try c.tensor("theta"), size: try c.ints("size"), alignCorners: c.bool("align_corners", false))]
        }
        add("view_as", "input, other") { c in [try c.input().viewAs(try c.tensor("other"))] }
        add("reshape_as", "input, other") { c in [try c.input().reshapeAs(try c.tensor("other"))] }
    }

    /// A matrix norm's `ord`: "fro", "nuc" or a number; nil when absent.
    private static func matrixNormOrder(_ value: JSON?) throws -> MatrixNormOrder? {
        switch value {
        case nil: return nil
        case .string("fro")?: return .fro
        case .string("nuc")?: return .nuc
        case let value?:
            guard let p = value.double else { throw CaseFailure("unknown matrix norm order \(value)") }
            return .p(p)
        }
    }

    /// `indices_or_sections`: a count of equal parts, or split points as a list or a tensor.
    private static func splitBy(_ c: OpCall, dim: Int, sections: (Tensor, Int) -> [Tensor]) throws -> [Tensor] {
        let x = try c.input()
        if let n = c.arg("indices_or_sections")?.int { return sections(x, n) }
        if let t = c.inputs["indices_or_sections"], t.dim == 0 { return sections(x, Int(t.item())) }   // a 0-d tensor counts
        let points = try c.inputs["indices_or_sections"].map { $0.toArray(as: Int64.self).map(Int.init) }
            ?? c.ints("indices_or_sections")
        return x.tensorSplit(indices: points, dim: dim)
    }
}

extension OpTable {
    /// Cumulative and order statistics.
    static func statisticsOps(_ add: Register) {
        add("cumprod", "input, dim, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.cumprod(dim: try c.int("dim"))]
        }
        add("logcumsumexp", "input, dim") { c in [try c.input().logcumsumexp(dim: try c.int("dim"))] }
        add("cummax", "input, dim") { c in let r = try c.input().cummax(dim: try c.int("dim")); return [r.values, r.indices] }
        add("cummin", "input, dim") { c in let r = try c.input().cummin(dim: try c.int("dim")); return [r.values, r.indices] }
        add("aminmax", "input, dim, keepdim") { c in
            let r = try c.input().aminmax(dim: c.arg("dim")?.int, keepdim: c.keepdim)
            return [r.min, r.max]
        }
        add("nansum", "input, dim, keepdim, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.nansum(dims: c.dims, keepdim: c.keepdim)]
        }
        add("nanmean", "input, dim, keepdim, dtype") { c in [try c.input().nanmean(dims: c.dims, keepdim: c.keepdim)] }
        add("std_mean", "input, dim, unbiased, keepdim, correction") { c in
            let r = try c.input().stdMean(dims: spreadDims(c), correction: correction(c), keepdim: c.keepdim)
            return [r.std, r.mean]
        }
        add("var_mean", "input, dim, unbiased, keepdim, correction") { c in
            let r = try c.input().varMean(dims: spreadDims(c), correction: correction(c), keepdim: c.keepdim)
            return [r.var, r.mean]
        }
        add("diff", "input, n, dim, prepend, append") { c in
            [try c.input().diff(n: c.arg("n")?.int ?? 1, dim: c.arg("dim")?.int ?? -1, prepend: c.inputs["prepend"], append: c.inputs["append"])]
        }
        add("kthvalue", "input, k, dim, keepdim") { c in
            let r = try c.input().kthvalue(try c.int("k"), dim: c.arg("dim")?.int ?? -1, keepdim: c.keepdim)
            return [r.values, r.indices]
        }
        add("median", "input, dim, keepdim") { c in
            guard let dim = c.arg("dim")?.int else { return [try c.input().median()] }
            let r = try c.input().median(dim: dim, keepdim: c.keepdim)
            return [r.values, r.indices]
        }
        add("nanmedian", "input, dim, keepdim") { c in
            guard let dim = c.arg("dim")?.int else { return [try c.input().nanmedian()] }
            let r = try c.input().nanmedian(dim: dim, keepdim: c.keepdim)
            return [r.values, r.indices]
        }
        add("mode", "input, dim, keepdim") { c in
            let r = try c.input().mode(dim: c.arg("dim")?.int ?? -1, keepdim: c.keepdim)
            return [r.values, r.indices]
        }
        add("msort", "input") { c in [try c.input().msort()] }
        add("argsort", "input, dim, descending, stable") { c in
            [try c.input().argsort(dim: c.arg("dim")?.int ?? -1, descending: c.bool("descending", false), stable: c.bool("stable", false))]
        }
        add("count_nonzero", "input, dim") { c in [try c.input().countNonzero(dims: c.dims)] }
        add("quantile", "input, q, dim, keepdim, interpolation") { c in
            let name = c.arg("interpolation")?.string ?? "linear"
            guard let interpolation = Tensor.QuantileInterpolation(rawValue: name) else {
                throw CaseFailure("quantile: unknown interpolation \(name)")
            }
            return [try c.input().quantile(try c.operand("q"), dim: c.arg("dim")?.int, keepdim: c.keepdim, interpolation: interpolation)]
        }
        let bitwise: [(String, (Tensor, Tensor) -> Tensor)] = [
            ("bitwise_and", { $0.bitwiseAnd($1) }), ("bitwise_or", { $0.bitwiseOr($1) }), ("bitwise_xor", { $0.bitwiseXor($1) }),
            ("bitwise_left_shift", { $0.bitwiseLeftShift($1) }), ("bitwise_right_shift", { $0.bitwiseRightShift($1) }),
        ]
        for (name, function) in bitwise {
            add(name, "input, other") { c in [function(try c.operand("input"), try c.operand("other"))] }
        }
        add("bitwise_not", "input") { c in [try c.input().bitwiseNot()] }
        add("isclose", "input, other, rtol, atol, equal_nan") { c in
            [try c.input().isclose(try c.operand("other"), rtol: c.arg("rtol")?.double ?? 1e-5, atol: c.arg("atol")?.double ?? 1e-8,
                                   equalNan: c.bool("equal_nan", false))]
        }
        add("allclose", "input, other, rtol, atol, equal_nan") { c in
            [number(Tensor(try c.input().allclose(try c.operand("other"), rtol: c.arg("rtol")?.double ?? 1e-5,
                                                  atol: c.arg("atol")?.double ?? 1e-8, equalNan: c.bool("equal_nan", false))))]
        }
        add("equal", "input, other") { c in [number(Tensor(try c.input().equal(try c.tensor("other"))))] }
        add("item", "input") { c in
            let x = try c.input()
            return [number(x.dtype.isFloatingPoint ? Tensor(x.item()) : (x.dtype == .bool ? Tensor(x.item() != 0) : Tensor(Int64(x.item()))))]
        }
        let fused: [(String, (Tensor, Tensor, Tensor, Double, Double) -> Tensor)] = [
            ("addmv", { $0.addmv($1, $2, beta: $3, alpha: $4) }), ("addr", { $0.addr($1, $2, beta: $3, alpha: $4) }),
            ("baddbmm", { $0.baddbmm($1, $2, beta: $3, alpha: $4) }), ("addbmm", { $0.addbmm($1, $2, beta: $3, alpha: $4) }),
        ]
        for (name, function) in fused {
            add(name, "input, a, b, beta, alpha") { c in
                // PyTorch names the factors mat/vec, vec1/vec2 or batch1/batch2; they come positionally or by name.
                let factors = try [["a", "mat", "vec1", "batch1"], ["b", "vec", "vec2", "batch2"]].map { names in
                    try names.lazy.compactMap { c.inputs[$0] }.first ?? { throw CaseFailure("\(name): missing factor") }()
                }
                return [function(try c.input(), factors[0], factors[1], c.arg("beta")?.double ?? 1, c.arg("alpha")?.double ?? 1)]
            }
        }
        add("vdot", "input, other") { c in [try c.input().vdot(try c.tensor("other"))] }
        add("tensordot", "input, other, dims") { c in
            if case .array(let pair)? = c.arg("dims"), pair.count == 2, let a = pair[0].ints, let b = pair[1].ints {
                return [try c.input().tensordot(try c.tensor("other"), dims: (a, b))]
            }
            return [try c.input().tensordot(try c.tensor("other"), dims: c.arg("dims")?.int ?? 2)]
        }
        add("matrix_power", "input, n") { c in [try c.input().matrixPower(try c.int("n"))] }
        add("vecdot", "input, other, dim") { c in [try c.input().vecdot(try c.tensor("other"), dim: c.arg("dim")?.int ?? -1)] }
        add("cross", "input, other, dim") { c in
            let x = try c.input()
            // torch.cross without dim takes the first dimension of size 3; linalg.cross takes the last.
            return [x.cross(try c.tensor("other"), dim: c.arg("dim")?.int ?? (x.shape.firstIndex(of: 3) ?? -1))]
        }
        add("multi_dot", "tensors") { c in [Tensor.multiDot(c.tensorList())] }
        add("einsum", "equation, *operands") { c in
            [Tensor.einsum(try c.arg("equation")?.string ?? { throw CaseFailure("einsum: missing equation") }(), c.tensorList("operands"))]
        }
        add("chain_matmul", "*matrices") { c in [Tensor.multiDot(c.tensorList("matrices"))] }
        add("cdist", "input, other, p, compute_mode") { c in [Tensor.cdist(try c.input(), try c.tensor("other"), p: c.arg("p")?.double ?? 2)] }
        add("pdist", "input, p") { c in [try c.input().pdist(p: c.arg("p")?.double ?? 2)] }
        add("dist", "input, other, p") { c in [try c.input().dist(try c.tensor("other"), p: c.arg("p")?.double ?? 2)] }
        add("pairwise_distance", "input, other, p, eps, keepdim") { c in
            [Tensor.pairwiseDistance(try c.input(), try c.tensor("other"), p: c.arg("p")?.double ?? 2, eps: c.arg("eps")?.double ?? 1e-6,
                                     keepdim: c.keepdim)]
        }
        add("cosine_similarity", "input, other, dim, eps") { c in
            [Tensor.cosineSimilarity(try c.input(), try c.tensor("other"), dim: c.arg("dim")?.int ?? 1, eps: c.arg("eps")?.double ?? 1e-8)]
        }
        add("normalize", "input, p, dim, eps") { c in
            [try c.input().normalize(p: c.arg("p")?.double ?? 2, dim: c.arg("dim")?.int ?? 1, eps: c.arg("eps")?.double ?? 1e-12)]
        }
        add("glu", "input, dim") { c in [try c.input().glu(dim: c.arg("dim")?.int ?? -1)] }
        add("prelu", "input, weight") { c in [try c.input().prelu(try c.tensor("weight"))] }
        add("softmin", "input, dim, _stacklevel, dtype") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [x.softmin(dim: try c.int("dim"))]
        }
        add("pixel_shuffle", "input, upscale_factor") { c in [try c.input().pixelShuffle(try c.int("upscale_factor"))] }
        add("pixel_unshuffle", "input, downscale_factor") { c in [try c.input().pixelUnshuffle(try c.int("downscale_factor"))] }
        add("channel_shuffle native_channel_shuffle", "input, groups") { c in [try c.input().channelShuffle(try c.int("groups"))] }
        lossOps(add)
        numericalOps(add)
        add("new_zeros", "input, size, dtype") { c in [try c.input().newZeros(try c.ints("size"), dtype: try c.dtype())] }
        add("new_ones", "input, size, dtype") { c in [try c.input().newOnes(try c.ints("size"), dtype: try c.dtype())] }
        add("new_full", "input, size, fill_value, dtype") { c in
            [try c.input().newFull(try c.ints("size"), try c.double("fill_value"), dtype: try c.dtype())]
        }
    }

    /// `correction`, or `unbiased` as PyTorch reads it (true: 1, false: 0), default 1. A bool in the place
    /// of `dim` is the `(input, unbiased)` overload.
    static func correction(_ c: OpCall) -> Double {
        if case .bool(let unbiased)? = c.arg("dim") { return unbiased ? 1 : 0 }
        return c.arg("correction")?.double ?? (c.arg("unbiased")?.bool).map { $0 ? 1 : 0 } ?? 1
    }

    /// The reduced dims of a `std`/`var` form (nil for the `(input, unbiased)` overload).
    static func spreadDims(_ c: OpCall) -> [Int]? {
        if case .bool? = c.arg("dim") { return nil }
        return c.dims
    }
}

extension OpTable {
    /// The margin, embedding and likelihood losses.
    static func lossOps(_ add: Register) {
        func reduction(_ c: OpCall) throws -> Reduction {
            guard let text = c.arg("reduction")?.string else { return .mean }
            guard let value = Reduction(rawValue: text) else { throw CaseFailure("\(c.op): unknown reduction \(text)") }
            return value
        }
        add("soft_margin_loss", "input, target, size_average, reduce, reduction") { c in
            [Tensor.softMarginLoss(try c.input(), try c.tensor("target"), reduction: try reduction(c))]
        }
        add("margin_ranking_loss", "input1, input2, target, margin, size_average, reduce, reduction") { c in
            [Tensor.marginRankingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                                      margin: c.arg("margin")?.double ?? 0, reduction: try reduction(c))]
        }
        add("hinge_embedding_loss", "input, target, margin, size_average, reduce, reduction") { c in
            [Tensor.hingeEmbeddingLoss(try c.input(), try c.tensor("target"), margin: c.arg("margin")?.double ?? 1, reduction: try reduction(c))]
        }
        add("cosine_embedding_loss", "input1, input2, target, margin, size_average, reduce, reduction") { c in
            [Tensor.cosineEmbeddingLoss(try c.tensor("input1"), try c.tensor("input2"), try c.tensor("target"),
                                        margin: c.arg("margin")?.double ?? 0, reduction: try reduction(c))]
        }
        add("gaussian_nll_loss", "input, target, var, full, eps, reduction") { c in
            [Tensor.gaussianNLLLoss(try c.input(), try c.tensor("target"), try c.operand("var"), full: c.bool("full", false),
                                    eps: c.arg("eps")?.double ?? 1e-6, reduction: try reduction(c))]
        }
        add("poisson_nll_loss", "input, target, log_input, full, size_average, eps, reduce, reduction") { c in
            [Tensor.poissonNLLLoss(try c.input(), try c.tensor("target"), logInput: c.bool("log_input", true), full: c.bool("full", false),
                                   eps: c.arg("eps")?.double ?? 1e-8, reduction: try reduction(c))]
        }
        add("triplet_margin_loss", "anchor, positive, negative, margin, p, eps, swap, size_average, reduce, reduction") { c in
            [Tensor.tripletMarginLoss(try c.tensor("anchor"), try c.tensor("positive"), try c.tensor("negative"),
                                      margin: c.arg("margin")?.double ?? 1, p: c.arg("p")?.double ?? 2, eps: c.arg("eps")?.double ?? 1e-6,
                                      swap: c.bool("swap", false), reduction: try reduction(c))]
        }
        add("multilabel_soft_margin_loss", "input, target, weight, size_average, reduce, reduction") { c in
            [Tensor.multilabelSoftMarginLoss(try c.input(), try c.tensor("target"), weight: c.inputs["weight"], reduction: try reduction(c))]
        }
        add("multi_margin_loss", "input, target, p, margin, weight, size_average, reduce, reduction") { c in
            [Tensor.multiMarginLoss(try c.input(), try c.tensor("target"), p: c.arg("p")?.int ?? 1, margin: c.arg("margin")?.double ?? 1,
                                    weight: c.inputs["weight"], reduction: try reduction(c))]
        }
    }
}

extension OpTable {
    /// Numerical helpers and the identities of complex functions on real tensors.
    static func numericalOps(_ add: Register) {
        add("conj conj_physical resolve_conj resolve_neg", "input") { c in [try c.input().conj()] }
        add("real", "input") { c in [try c.input().real] }
        add("angle", "input") { c in [try c.input().angle()] }
        add("isreal", "input") { c in [try c.input().isreal()] }
        add("fill", "input, value") { c in [try c.input().fill(try c.inputs["value"]?.item() ?? c.double("value"))] }
        add("sum_to_size", "input, *size") { c in [try c.input().sumToSize(try c.ints("size"))] }
        add("trapezoid trapz", "input, x, dx, dim") { c in
            let dim = c.arg("dim")?.int ?? -1
            if let x = c.inputs["x"] { return [try c.input().trapezoid(x: x, dim: dim)] }
            return [try c.input().trapezoid(dx: c.arg("dx")?.double ?? c.arg("x")?.double ?? 1, dim: dim)]
        }
        add("cumulative_trapezoid", "input, x, dx, dim") { c in
            let dim = c.arg("dim")?.int ?? -1
            if let x = c.inputs["x"] { return [try c.input().cumulativeTrapezoid(x: x, dim: dim)] }
            return [try c.input().cumulativeTrapezoid(dx: c.arg("dx")?.double ?? c.arg("x")?.double ?? 1, dim: dim)]
        }
        add("cov", "input, correction, fweights, aweights") { c in
            [try c.input().cov(correction: c.arg("correction")?.int ?? 1, fweights: c.inputs["fweights"], aweights: c.inputs["aweights"])]
        }
        add("corrcoef", "input") { c in [try c.input().corrcoef()] }
        add("renorm", "input, p, dim, maxnorm") { c in
            [try c.input().renorm(p: try c.double("p"), dim: try c.int("dim"), maxnorm: try c.double("maxnorm"))]
        }
        add("block_diag", "*tensors") { c in [Tensor.blockDiag(c.tensorList())] }
        add("cartesian_prod", "*tensors") { c in [Tensor.cartesianProd(c.tensorList())] }
        add("combinations", "input, r, with_replacement") { c in
            [try c.input().combinations(r: c.arg("r")?.int ?? 2, withReplacement: c.bool("with_replacement", false))]
        }
        add("argwhere", "input") { c in [try c.input().argwhere()] }
        add("isin", "elements, test_elements, assume_unique, invert") { c in
            [try c.operand("elements").isin(try c.operand("test_elements"), invert: c.bool("invert", false))]
        }
        add("ldexp", "input, other") { c in [try c.input().ldexp(try c.operand("other"))] }
        add("frexp", "input") { c in let r = try c.input().frexp(); return [r.mantissa, r.exponent] }
        add("nextafter", "input, other") { c in [try c.input().nextafter(try c.operand("other"))] }
        func reduction(_ c: OpCall) throws -> ScatterReduction {
            let name = try c.arg("reduce")?.string ?? { throw CaseFailure("\(c.op): missing reduce") }()
            guard let value = ScatterReduction(rawValue: name) else { throw CaseFailure("\(c.op): unknown reduce \(name)") }
            return value
        }
        add("scatter_reduce", "input, dim, index, src, reduce, include_self") { c in
            [try c.input().scatterReduce(try c.int("dim"), try c.tensor("index"), try c.tensor("src"), reduce: try reduction(c),
                                         includeSelf: c.bool("include_self", true))]
        }
        add("index_reduce", "input, dim, index, source, reduce, include_self") { c in
            [try c.input().indexReduce(try c.int("dim"), try c.tensor("index"), try c.tensor("source"), reduce: try reduction(c),
                                       includeSelf: c.bool("include_self", true))]
        }
        add("index_put", "input, indices, values, accumulate") { c in
            [try c.input().indexPut(c.tensorList("indices"), try c.tensor("values"), accumulate: c.bool("accumulate", false))]
        }
        add("put", "input, index, source, accumulate") { c in
            [try c.input().put(try c.tensor("index"), try c.tensor("source"), accumulate: c.bool("accumulate", false))]
        }
        add("searchsorted", "sorted_sequence, input, out_int32, right, side, sorter") { c in
            [Tensor.searchsorted(try c.tensor("sorted_sequence"), try c.operand("input"),
                                 right: c.bool("right", false) || c.arg("side")?.string == "right", outInt32: c.bool("out_int32", false))]
        }
        add("bucketize", "input, boundaries, out_int32, right") { c in
            [try c.operand("input").bucketize(try c.tensor("boundaries"), right: c.bool("right", false), outInt32: c.bool("out_int32", false))]
        }
        add("histc", "input, bins, min, max") { c in
            [try c.input().histc(bins: c.arg("bins")?.int ?? 100, min: c.arg("min")?.double ?? 0, max: c.arg("max")?.double ?? 0)]
        }
        add("bincount", "input, weights, minlength") { c in
            [try c.input().bincount(weights: c.inputs["weights"], minlength: c.arg("minlength")?.int ?? 0)]
        }
        add("unique", "input, sorted, return_inverse, return_counts, dim") { c in
            let r = try c.input().unique(returnInverse: c.bool("return_inverse", false), returnCounts: c.bool("return_counts", false))
            return [r.values] + [r.inverse, r.counts].compactMap { $0 }
        }
        add("unique_consecutive", "input, return_inverse, return_counts, dim") { c in
            let r = try c.input().uniqueConsecutive(returnInverse: c.bool("return_inverse", false), returnCounts: c.bool("return_counts", false))
            return [r.values] + [r.inverse, r.counts].compactMap { $0 }
        }
        let special: [(String, (Tensor) -> Tensor)] = [
            ("lgamma special_gammaln gammaln", { $0.lgamma() }), ("digamma special_digamma psi special_psi", { $0.digamma() }),
            ("erfinv special_erfinv", { $0.erfinv() }), ("erfcx", { $0.erfcx() }), ("ndtr", { $0.ndtr() }), ("log_ndtr", { $0.logNdtr() }),
            ("ndtri", { $0.ndtri() }), ("entr", { $0.entr() }), ("spherical_bessel_j0", { $0.sphericalBesselJ0() }),
        ]
        for (names, function) in special { add(names, "input") { c in [function(try c.input())] } }
        add("polygamma", "n, input") { c in [try c.input().polygamma(try c.int("n"))] }
        add("mvlgamma multigammaln", "input, p") { c in [try c.input().mvlgamma(p: try c.int("p"))] }
        add("xlog1py", "input, other") { c in [try c.operand("input").xlog1py(try c.operand("other"))] }
        add("zeta", "input, other") { c in [try c.operand("input").zeta(try c.operand("other"))] }
        let polynomials: [(String, OrthogonalPolynomial, Bool)] = [
            ("chebyshev_polynomial_t", .chebyshevT, false), ("chebyshev_polynomial_u", .chebyshevU, false),
            ("chebyshev_polynomial_v", .chebyshevV, false), ("chebyshev_polynomial_w", .chebyshevW, false),
            ("shifted_chebyshev_polynomial_t", .chebyshevT, true), ("shifted_chebyshev_polynomial_u", .chebyshevU, true),
            ("shifted_chebyshev_polynomial_v", .chebyshevV, true), ("shifted_chebyshev_polynomial_w", .chebyshevW, true),
            ("hermite_polynomial_h", .hermiteH, false), ("hermite_polynomial_he", .hermiteHe, false),
            ("laguerre_polynomial_l", .laguerreL, false), ("legendre_polynomial_p", .legendreP, false),
        ]
        for (name, kind, shifted) in polynomials {
            add(name, "input, n") { c in
                let x = try c.operand("input")
                return [(shifted ? 2 * x - 1 : x).orthogonalPolynomial(kind, try c.operand("n"))]
            }
        }
        maskedOps(add)
        add("masked_scatter", "input, mask, source") { c in [try c.input().maskedScatter(try c.tensor("mask"), try c.tensor("source"))] }
    }
}

extension OpTable {
    /// `torch.masked`: the same reductions over the unmasked elements.
    static func maskedOps(_ add: Register) {
        add("masked_sum", "input, dim, keepdim, dtype, mask") { c in
            [Masked.sum(try c.input(), dims: c.dims, keepdim: c.keepdim, dtype: try c.dtype(), mask: c.inputs["mask"])]
        }
        add("masked_prod", "input, dim, keepdim, dtype, mask") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [Masked.prod(x, dims: c.dims, keepdim: c.keepdim, mask: c.inputs["mask"])]
        }
        add("masked_amax", "input, dim, keepdim, dtype, mask") { c in
            [Masked.amax(try c.input(), dims: c.dims, keepdim: c.keepdim, mask: c.inputs["mask"])]
        }
        add("masked_amin", "input, dim, keepdim, dtype, mask") { c in
            [Masked.amin(try c.input(), dims: c.dims, keepdim: c.keepdim, mask: c.inputs["mask"])]
        }
        add("masked_argmax", "input, dim, keepdim, dtype, mask") { c in
            [Masked.argmax(try c.input(), dim: c.arg("dim")?.int, keepdim: c.keepdim, dtype: try c.dtype(), mask: c.inputs["mask"])]
        }
        add("masked_argmin", "input, dim, keepdim, dtype, mask") { c in
            [Masked.argmin(try c.input(), dim: c.arg("dim")?.int, keepdim: c.keepdim, dtype: try c.dtype(), mask: c.inputs["mask"])]
        }
        add("masked_mean", "input, dim, keepdim, dtype, mask") { c in
            [Masked.mean(try c.input(), dims: c.dims, keepdim: c.keepdim, dtype: try c.dtype(), mask: c.inputs["mask"])]
        }
        add("masked_cumsum", "input, dim, dtype, mask") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [Masked.cumsum(x, dim: try c.int("dim"), mask: c.inputs["mask"])]
        }
        add("masked_cumprod", "input, dim, dtype, mask") { c in
            let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
            return [Masked.cumprod(x, dim: try c.int("dim"), mask: c.inputs["mask"])]
        }
        add("masked_logsumexp", "input, dim, keepdim, dtype, mask") { c in
            [Masked.logsumexp(try c.input(), dims: c.dims, keepdim: c.keepdim, mask: c.inputs["mask"])]
        }
        add("masked_norm", "input, ord, dim, keepdim, dtype, mask") { c in
            [Masked.norm(try c.input(), ord: c.arg("ord")?.double ?? 2, dims: c.dims, keepdim: c.keepdim, mask: c.inputs["mask"])]
        }
        let normalisations: [(String, (Tensor, Int, Tensor?) -> Tensor)] = [
            ("masked_softmax", { Masked.softmax($0, dim: $1, mask: $2) }), ("masked_log_softmax", { Masked.logSoftmax($0, dim: $1, mask: $2) }),
            ("masked_softmin", { Masked.softmin($0, dim: $1, mask: $2) }),
        ]
        for (name, function) in normalisations {
            add(name, "input, dim, dtype, mask") { c in
                let x = try c.dtype().map { try c.input().to($0) } ?? c.input()
                return [function(x, try c.int("dim"), c.inputs["mask"])]
            }
        }
    }
}

/// A Swift value an op returns (`item`, `equal`, `allclose`: a Python number in PyTorch) as the tensor the harness
/// compares, marked as a number so that it belongs to no device.
func number(_ value: Tensor) -> Tensor {
    value.isWrappedNumber = true
    return value
}
