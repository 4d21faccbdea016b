// Runs a golden `op` case's function through Ember's public API: one entry per PyTorch function name.
import Ember

/// Arguments of a golden op call: named tensors and keyword arguments.
struct OpCall {
    let op: String
    let inputs: [String: Tensor]
    let args: JSON

    func tensor(_ name: String) throws -> Tensor {
        guard let t = inputs[name] else { throw CaseFailure("\(op): missing input '\(name)'") }
        return t
    }

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

    func dtype(_ name: String = "dtype") throws -> DType? {
        guard let text = arg(name)?.string else { return nil }
        guard let dtype = DType(name: text) else { throw CaseFailure("\(op): unknown dtype \(text)") }
        return dtype
    }

    /// The tensors `tensors.0`, `tensors.1`, … in order.
    var tensorList: [Tensor] {
        inputs.keys.filter { $0.hasPrefix("tensors.") }
            .sorted { Int($0.dropFirst(8))! < Int($1.dropFirst(8))! }
            .map { inputs[$0]! }
    }

    /// An operand given either as the input `name` or as a number argument of that name.
    func operand(_ name: String) throws -> Tensor {
        if let t = inputs[name] { return t }
        switch arg(name) {
        case .int(let i)?: return NumberOperand.tensor(i)
        case .double(let d)?: return NumberOperand.tensor(d)
        case .bool(let b)?: return Tensor(b)
        default: throw CaseFailure("\(op): missing operand '\(name)'")
        }
    }
}

/// Turns a JSON number into the tensor a Python number becomes in PyTorch's expressions.
enum NumberOperand {
    static func tensor(_ value: Int) -> Tensor { value.wrappedTensor }
    static func tensor(_ value: Double) -> Tensor { value.wrappedTensor }
}

enum OpTable {
    /// How an op Ember does not have yet is reported.
    static let unsupportedPrefix = "unsupported op"

    /// Runs `call` and returns every output tensor in PyTorch's order.
    static func run(_ call: OpCall) throws -> [Tensor] {
        let c = call
        func input() throws -> Tensor { try c.tensor("input") }
        func optionalDim() -> Int? { c.arg("dim")?.int }
        func dims() -> [Int]? { c.arg("dim")?.ints }
        let keepdim = c.arg("keepdim")?.bool ?? false

        switch c.op {
        // Creation
        case "zeros": return [Tensor.zeros(try c.ints("size"), dtype: try c.dtype() ?? .float32)]
        case "ones": return [Tensor.ones(try c.ints("size"), dtype: try c.dtype() ?? .float32)]
        case "full":
            let value = try c.double("fill_value")
            let inferred: DType = { if case .int? = c.arg("fill_value") { return .int64 }; return .float32 }()
            return [Tensor.full(try c.ints("size"), value, dtype: try c.dtype() ?? inferred)]
        case "zeros_like": return [try input().zerosLike(dtype: try c.dtype())]
        case "ones_like": return [try input().onesLike(dtype: try c.dtype())]
        case "full_like": return [try input().fullLike(try c.double("fill_value"), dtype: try c.dtype())]
        case "eye": return [Tensor.eye(try c.int("n"), c.arg("m")?.int, dtype: try c.dtype() ?? .float32)]
        case "arange":
            let parts = ["start", "end", "step"].compactMap { c.arg($0) }
            let isFloat = parts.contains { if case .double = $0 { return true }; return false }
            let dtype = try c.dtype() ?? (isFloat ? .float32 : .int64)
            return [Tensor.arange(c.arg("start")?.double ?? 0, try c.double("end"), step: c.arg("step")?.double ?? 1, dtype: dtype)]
        case "linspace":
            return [Tensor.linspace(try c.double("start"), try c.double("end"), steps: try c.int("steps"), dtype: try c.dtype() ?? .float32)]

        // Shape
        case "view": return [try input().view(try c.ints("size"))]
        case "reshape": return [try input().reshape(try c.ints("shape"))]
        case "flatten": return [try input().flatten(startDim: c.arg("start_dim")?.int ?? 0, endDim: c.arg("end_dim")?.int ?? -1)]
        case "transpose": return [try input().transpose(try c.int("dim0"), try c.int("dim1"))]
        case "t": return [try input().t()]
        case "permute": return [try input().permute(try c.ints("dims"))]
        case "expand": return [try input().expand(try c.ints("size"))]
        case "narrow": return [try input().narrow(try c.int("dim"), start: try c.int("start"), length: try c.int("length"))]
        case "squeeze":
            let x = try input()
            return [optionalDim().map { x.squeeze($0) } ?? x.squeeze()]
        case "unsqueeze": return [try input().unsqueeze(try c.int("dim"))]
        case "flip": return [try input().flip(try c.ints("dims"))]
        case "roll": return [try input().roll(try c.ints("shifts"), dims: try c.ints("dims"))]
        case "repeat": return [try input().repeat(try c.ints("repeats"))]
        case "tril": return [try input().tril(c.arg("diagonal")?.int ?? 0)]
        case "triu": return [try input().triu(c.arg("diagonal")?.int ?? 0)]
        case "cat": return [Tensor.cat(c.tensorList, dim: c.arg("dim")?.int ?? 0)]
        case "stack": return [Tensor.stack(c.tensorList, dim: c.arg("dim")?.int ?? 0)]
        case "split":
            let dim = c.arg("dim")?.int ?? 0
            if case .array(let sizes)? = c.arg("split_size_or_sections") {
                return try input().split(sizes: sizes.compactMap(\.int), dim: dim)
            }
            return try input().split(try c.int("split_size_or_sections"), dim: dim)
        case "chunk": return try input().chunk(try c.int("chunks"), dim: c.arg("dim")?.int ?? 0)
        case "clone": return [try input().clone()]
        case "contiguous": return [try input().contiguous()]
        case "to":
            guard let dtype = try c.dtype() else { throw CaseFailure("to: missing dtype") }
            return [try input().to(dtype)]

        // Indexing
        case "getitem": return [try input()[indices: try IndexKey.decode(c.args["key"])]]
        case "setitem":
            let result = try input().clone()
            let key = try IndexKey.decode(c.args["key"])
            let value = try c.operand("value")
            result[indices: key] = value
            return [result]
        case "gather": return [try input().gather(try c.int("dim"), try c.tensor("index"))]
        case "scatter_add": return [try input().scatterAdd(try c.int("dim"), try c.tensor("index"), try c.tensor("src"))]
        case "scatter": return [try input().scatter(try c.int("dim"), try c.tensor("index"), try c.tensor("src"))]
        case "index_select": return [try input().indexSelect(try c.int("dim"), try c.tensor("index"))]
        case "masked_select": return [try input().maskedSelect(try c.tensor("mask"))]
        case "masked_fill": return [try input().maskedFill(try c.tensor("mask"), try c.double("value"))]
        case "nonzero": return [try input().nonzero()]
        case "where": return [Tensor.where(try c.tensor("condition"), try c.operand("input"), try c.operand("other"))]
        case "sort":
            let r = try input().sort(dim: c.arg("dim")?.int ?? -1, descending: c.arg("descending")?.bool ?? false)
            return [r.values, r.indices]
        case "topk":
            let r = try input().topk(try c.int("k"), dim: c.arg("dim")?.int ?? -1, largest: c.arg("largest")?.bool ?? true)
            return [r.values, r.indices]

        // Pointwise
        case "add": return [try input().add(try c.operand("other"), alpha: c.arg("alpha")?.double ?? 1)]
        case "sub": return [try input().sub(try c.operand("other"), alpha: c.arg("alpha")?.double ?? 1)]
        case "mul": return [try input().mul(try c.operand("other"))]
        case "div":
            let mode = c.arg("rounding_mode")?.string.flatMap(Tensor.RoundingMode.init(rawValue:))
            return [try input().div(try c.operand("other"), roundingMode: mode)]
        case "pow":
            if let t = c.inputs["exponent"] { return [try input().pow(t)] }
            return [try input().pow(try c.double("exponent"))]
        case "maximum": return [try input().maximum(try c.operand("other"))]
        case "minimum": return [try input().minimum(try c.operand("other"))]
        case "eq": return [try input().eq(try c.operand("other"))]
        case "ne": return [try input().ne(try c.operand("other"))]
        case "lt": return [try input().lt(try c.operand("other"))]
        case "le": return [try input().le(try c.operand("other"))]
        case "gt": return [try input().gt(try c.operand("other"))]
        case "ge": return [try input().ge(try c.operand("other"))]
        case "abs": return [try input().abs()]
        case "neg": return [try input().neg()]
        case "sign": return [try input().sign()]
        case "floor": return [try input().floor()]
        case "ceil": return [try input().ceil()]
        case "round": return [try input().round()]
        case "exp": return [try input().exp()]
        case "expm1": return [try input().expm1()]
        case "log": return [try input().log()]
        case "log1p": return [try input().log1p()]
        case "sqrt": return [try input().sqrt()]
        case "rsqrt": return [try input().rsqrt()]
        case "sin": return [try input().sin()]
        case "cos": return [try input().cos()]
        case "tanh": return [try input().tanh()]
        case "sigmoid": return [try input().sigmoid()]
        case "reciprocal": return [try input().reciprocal()]
        case "square": return [try input().square()]
        case "relu": return [try input().relu()]
        case "gelu": return [try input().gelu(approximate: c.arg("approximate")?.string ?? "none")]
        case "silu": return [try input().silu()]
        case "elu": return [try input().elu(alpha: c.arg("alpha")?.double ?? 1)]
        case "leaky_relu": return [try input().leakyRelu(negativeSlope: c.arg("negative_slope")?.double ?? 0.01)]
        case "softplus":
            return [try input().softplus(beta: c.arg("beta")?.double ?? 1, threshold: c.arg("threshold")?.double ?? 20)]
        case "clamp": return [try input().clamp(min: c.arg("min")?.double, max: c.arg("max")?.double)]

        // Reductions
        case "sum":
            if let d = dims() { return [try input().sum(dims: d, keepdim: keepdim)] }
            return [try input().sum()]
        case "mean":
            if let d = dims() { return [try input().mean(dims: d, keepdim: keepdim)] }
            return [try input().mean()]
        case "prod":
            if let d = optionalDim() { return [try input().prod(dim: d, keepdim: keepdim)] }
            return [try input().prod()]
        case "max", "min":
            let isMax = c.op == "max"
            if let d = optionalDim() {
                let r = isMax ? try input().max(dim: d, keepdim: keepdim) : try input().min(dim: d, keepdim: keepdim)
                return [r.values, r.indices]
            }
            return [isMax ? try input().max() : try input().min()]
        case "amax": return [try input().amax(dims: dims() ?? [], keepdim: keepdim)]
        case "amin": return [try input().amin(dims: dims() ?? [], keepdim: keepdim)]
        case "argmax": return [try input().argmax(dim: optionalDim(), keepdim: keepdim)]
        case "argmin": return [try input().argmin(dim: optionalDim(), keepdim: keepdim)]
        case "all":
            if let d = optionalDim() { return [try input().all(dim: d, keepdim: keepdim)] }
            return [try input().all()]
        case "any":
            if let d = optionalDim() { return [try input().any(dim: d, keepdim: keepdim)] }
            return [try input().any()]
        case "var", "std":
            let correction = c.arg("correction")?.double ?? ((c.arg("unbiased")?.bool ?? true) ? 1 : 0)
            let x = try input()
            return [c.op == "var" ? x.variance(dims: dims(), correction: correction, keepdim: keepdim)
                                  : x.standardDeviation(dims: dims(), correction: correction, keepdim: keepdim)]
        case "norm": return [try input().norm(p: c.arg("p")?.double ?? 2, dims: dims(), keepdim: keepdim)]
        case "logsumexp": return [try input().logsumexp(dims: dims() ?? [], keepdim: keepdim)]
        case "softmax": return [try input().softmax(dim: try c.int("dim"))]
        case "log_softmax": return [try input().logSoftmax(dim: try c.int("dim"))]
        case "cumsum": return [try input().cumsum(dim: try c.int("dim"))]

        // Linear algebra
        case "matmul": return [try input().matmul(try c.tensor("other"))]
        case "mm": return [try input().mm(try c.tensor("mat2"))]
        case "bmm": return [try input().bmm(try c.tensor("mat2"))]
        case "mv": return [try input().mv(try c.tensor("vec"))]
        case "dot": return [try input().dot(try c.tensor("tensor"))]

        default:
            return try NNOpTable.run(c)
        }
    }
}

/// torch.nn.functional entries of the op table.
enum NNOpTable {
    static func run(_ c: OpCall) throws -> [Tensor] {
        func input() throws -> Tensor { try c.tensor("input") }
        func pair(_ name: String, _ fallback: IntPair? = nil) throws -> IntPair? {
            guard let v = c.arg(name) else { return fallback }
            guard let values = v.ints, !values.isEmpty else { throw CaseFailure("\(c.op): bad \(name)") }
            return IntPair(values)
        }
        func reduction() throws -> Reduction {
            let name = c.arg("reduction")?.string ?? "mean"
            guard let r = Reduction(rawValue: name) else { throw CaseFailure("unknown reduction \(name)") }
            return r
        }
        switch c.op {
        case "linear": return [F.linear(try input(), try c.tensor("weight"), c.inputs["bias"])]
        case "conv1d":
            return [F.conv1d(try input(), try c.tensor("weight"), c.inputs["bias"], stride: c.arg("stride")?.ints?.first ?? 1,
                             padding: c.arg("padding")?.ints?.first ?? 0, dilation: c.arg("dilation")?.ints?.first ?? 1,
                             groups: c.arg("groups")?.int ?? 1)]
        case "conv2d":
            let padding: ConvPadding
            if let text = c.arg("padding")?.string { padding = ConvPadding(stringLiteral: text) } else { padding = .explicit(try pair("padding", 0)!) }
            return [F.conv2d(try input(), try c.tensor("weight"), c.inputs["bias"], stride: try pair("stride", 1)!, padding: padding,
                             dilation: try pair("dilation", 1)!, groups: c.arg("groups")?.int ?? 1)]
        case "conv_transpose2d":
            return [F.convTranspose2d(try input(), try c.tensor("weight"), c.inputs["bias"], stride: try pair("stride", 1)!,
                                      padding: try pair("padding", 0)!, outputPadding: try pair("output_padding", 0)!,
                                      groups: c.arg("groups")?.int ?? 1, dilation: try pair("dilation", 1)!)]
        case "max_pool2d":
            let r = F.maxPool2dWithIndices(try input(), try pair("kernel_size")!, stride: try pair("stride"), padding: try pair("padding", 0)!,
                                           dilation: try pair("dilation", 1)!, ceilMode: c.arg("ceil_mode")?.bool ?? false)
            return c.arg("return_indices")?.bool == true ? [r.output, r.indices] : [r.output]
        case "avg_pool2d":
            return [F.avgPool2d(try input(), try pair("kernel_size")!, stride: try pair("stride"), padding: try pair("padding", 0)!,
                                ceilMode: c.arg("ceil_mode")?.bool ?? false, countIncludePad: c.arg("count_include_pad")?.bool ?? true,
                                divisorOverride: c.arg("divisor_override")?.int)]
        case "adaptive_avg_pool2d": return [F.adaptiveAvgPool2d(try input(), try pair("output_size")!)]
        case "batch_norm":
            return [F.batchNorm(try input(), runningMean: c.inputs["running_mean"], runningVar: c.inputs["running_var"],
                                weight: c.inputs["weight"], bias: c.inputs["bias"], training: c.arg("training")?.bool ?? false,
                                momentum: c.arg("momentum")?.double ?? 0.1, eps: c.arg("eps")?.double ?? 1e-5)]
        case "layer_norm":
            return [F.layerNorm(try input(), try c.ints("normalized_shape"), weight: c.inputs["weight"], bias: c.inputs["bias"],
                                eps: c.arg("eps")?.double ?? 1e-5)]
        case "group_norm":
            return [F.groupNorm(try input(), try c.int("num_groups"), weight: c.inputs["weight"], bias: c.inputs["bias"],
                                eps: c.arg("eps")?.double ?? 1e-5)]
        case "embedding": return [F.embedding(try input(), try c.tensor("weight"), paddingIdx: c.arg("padding_idx")?.int)]
        case "dropout": return [F.dropout(try input(), p: c.arg("p")?.double ?? 0.5, training: c.arg("training")?.bool ?? true)]
        case "one_hot": return [F.oneHot(try input(), numClasses: c.arg("num_classes")?.int ?? -1)]
        case "pad": return [F.pad(try input(), try c.ints("pad"), value: c.arg("value")?.double ?? 0)]
        case "interpolate":
            return [F.interpolate(try input(), size: try pair("size"), scaleFactor: c.arg("scale_factor")?.double,
                                  mode: c.arg("mode")?.string ?? "nearest", alignCorners: c.arg("align_corners")?.bool ?? false)]
        case "scaled_dot_product_attention":
            return [F.scaledDotProductAttention(try c.tensor("query"), try c.tensor("key"), try c.tensor("value"),
                                                attnMask: c.inputs["attn_mask"], isCausal: c.arg("is_causal")?.bool ?? false)]
        case "mse_loss": return [F.mseLoss(try input(), try c.tensor("target"), reduction: try reduction())]
        case "l1_loss": return [F.l1Loss(try input(), try c.tensor("target"), reduction: try reduction())]
        case "smooth_l1_loss":
            return [F.smoothL1Loss(try input(), try c.tensor("target"), reduction: try reduction(), beta: c.arg("beta")?.double ?? 1)]
        case "huber_loss":
            return [F.huberLoss(try input(), try c.tensor("target"), reduction: try reduction(), delta: c.arg("delta")?.double ?? 1)]
        case "cross_entropy":
            return [F.crossEntropy(try input(), try c.tensor("target"), weight: c.inputs["weight"],
                                   ignoreIndex: c.arg("ignore_index")?.int ?? -100, reduction: try reduction(),
                                   labelSmoothing: c.arg("label_smoothing")?.double ?? 0)]
        case "nll_loss":
            return [F.nllLoss(try input(), try c.tensor("target"), weight: c.inputs["weight"],
                              ignoreIndex: c.arg("ignore_index")?.int ?? -100, reduction: try reduction())]
        case "binary_cross_entropy":
            return [F.binaryCrossEntropy(try input(), try c.tensor("target"), weight: c.inputs["weight"], reduction: try reduction())]
        case "binary_cross_entropy_with_logits":
            return [F.binaryCrossEntropyWithLogits(try input(), try c.tensor("target"), weight: c.inputs["weight"],
                                                   posWeight: c.inputs["pos_weight"], reduction: try reduction())]
        case "kl_div":
            return [F.klDiv(try input(), try c.tensor("target"), reduction: try reduction(), logTarget: c.arg("log_target")?.bool ?? false)]
        default:
            throw CaseFailure("\(OpTable.unsupportedPrefix) '\(c.op)'")
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
