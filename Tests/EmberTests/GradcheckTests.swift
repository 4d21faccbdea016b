// Every differentiable op of the tensor and math suites, checked against finite differences in float64.
import Ember
import XCTest

final class GradcheckTests: XCTestCase {
    override func setUp() { Ember.manualSeed(7) }

    private var x: Tensor { Tensor.randn([3, 4], dtype: .float64) }
    private var positive: Tensor { Tensor.rand([3, 4], dtype: .float64) + 0.5 }

    func testUnaryMath() {
        let cases: [(String, Tensor, (Tensor) -> Tensor)] = [
            ("exp", x, { $0.exp() }), ("expm1", x, { $0.expm1() }), ("log", positive, { $0.log() }),
            ("log1p", positive, { $0.log1p() }), ("sqrt", positive, { $0.sqrt() }), ("rsqrt", positive, { $0.rsqrt() }),
            ("sin", x, { $0.sin() }), ("cos", x, { $0.cos() }), ("tanh", x, { $0.tanh() }),
            ("sigmoid", x, { $0.sigmoid() }), ("reciprocal", positive, { $0.reciprocal() }), ("neg", x, { $0.neg() }),
            ("abs", x, { $0.abs() }), ("relu", x, { $0.relu() }), ("gelu", x, { $0.gelu() }),
            ("gelu tanh", x, { $0.gelu(approximate: "tanh") }), ("silu", x, { $0.silu() }), ("elu", x, { $0.elu(alpha: 1.3) }),
            ("leakyRelu", x, { $0.leakyRelu(negativeSlope: 0.1) }), ("softplus", x, { $0.softplus(beta: 2, threshold: 3) }),
            ("erf", x, { $0.erf() }), ("pow 2.5", positive, { $0.pow(2.5) }), ("pow -1.5", positive, { $0.pow(-1.5) }),
            ("square", x, { $0.square() }), ("clamp", x, { $0.clamp(min: -0.5, max: 0.5) }),
        ]
        for (name, input, f) in cases { gradcheck(name, [input]) { f($0[0]) } }
    }

    func testBinaryWithBroadcasting() {
        let a = Tensor.randn([2, 3, 4], dtype: .float64), b = Tensor.rand([3, 1], dtype: .float64) + 0.5
        gradcheck("add", [a, b]) { $0[0].add($0[1], alpha: 2.5) }
        gradcheck("sub", [a, b]) { $0[0].sub($0[1], alpha: 0.5) }
        gradcheck("mul", [a, b]) { $0[0] * $0[1] }
        gradcheck("div", [a, b]) { $0[0] / $0[1] }
        gradcheck("pow tensor", [b + 1, a.abs() + 0.1]) { $0[0].pow($0[1]) }
        gradcheck("maximum", [a, b]) { $0[0].maximum($0[1]) }
        gradcheck("minimum", [a, b]) { $0[0].minimum($0[1]) }
        gradcheck("where", [a, b]) { Tensor.where($0[0] .> 0, $0[0], $0[1]) }
        gradcheck("scalar ops", [a]) { 2 * $0[0] - 0.5 / ($0[0] * $0[0] + 1) + Float(3) * $0[0] }
    }

    func testReductions() {
        let a = Tensor.randn([2, 3, 4], dtype: .float64)
        gradcheck("sum", [a]) { $0[0].sum() }
        gradcheck("sum dims", [a]) { $0[0].sum(dims: [0, 2], keepdim: true) }
        gradcheck("mean", [a]) { $0[0].mean(dim: 1) }
        gradcheck("prod", [a]) { $0[0].prod(dim: 2) }
        gradcheck("prod all", [a]) { $0[0].prod() }
        gradcheck("max dim", [a]) { $0[0].max(dim: 1).values }
        gradcheck("min all", [a]) { $0[0].min() }
        gradcheck("amax", [a]) { $0[0].amax(dims: [1, 2]) }
        gradcheck("var", [a]) { $0[0].variance(dims: [1], correction: 1) }
        gradcheck("std", [a]) { $0[0].standardDeviation(dims: [0, 2], correction: 0, keepdim: true) }
        gradcheck("norm 2", [a]) { $0[0].norm(p: 2, dims: [2]) }
        gradcheck("norm 1", [a]) { $0[0].norm(p: 1) }
        gradcheck("norm 3", [a]) { $0[0].norm(p: 3, dims: [1]) }
        gradcheck("logsumexp", [a]) { $0[0].logsumexp(dims: [1]) }
        gradcheck("softmax", [a]) { $0[0].softmax(dim: 1) }
        gradcheck("logSoftmax", [a]) { $0[0].logSoftmax(dim: -1) }
        gradcheck("cumsum", [a]) { $0[0].cumsum(dim: 1) }
    }

    func testLinearAlgebra() {
        let m = Tensor.randn([3, 4], dtype: .float64), n = Tensor.randn([4, 2], dtype: .float64)
        gradcheck("mm", [m, n]) { $0[0].mm($0[1]) }
        gradcheck("matmul 3d·2d", [Tensor.randn([2, 3, 4], dtype: .float64), n]) { $0[0].matmul($0[1]) }
        gradcheck("matmul 2d·4d", [m, Tensor.randn([2, 1, 4, 3], dtype: .float64)]) { $0[0].matmul($0[1]) }
        gradcheck("bmm", [Tensor.randn([2, 3, 4], dtype: .float64), Tensor.randn([2, 4, 5], dtype: .float64)]) { $0[0].bmm($0[1]) }
        gradcheck("mv", [m, Tensor.randn([4], dtype: .float64)]) { $0[0].mv($0[1]) }
        gradcheck("dot", [Tensor.randn([4], dtype: .float64), Tensor.randn([4], dtype: .float64)]) { $0[0].dot($0[1]) }
        gradcheck("transposed mm", [m, Tensor.randn([2, 4], dtype: .float64)]) { $0[0].mm($0[1].t()) }
    }

    func testShapeAndIndexing() {
        let a = Tensor.randn([2, 3, 4], dtype: .float64)
        gradcheck("view", [a]) { $0[0].view(6, 4) }
        gradcheck("permute reshape", [a]) { $0[0].permute(2, 0, 1).reshape(-1, 2) }
        gradcheck("expand", [Tensor.randn([3, 1], dtype: .float64)]) { $0[0].expand(2, 3, 4) }
        gradcheck("narrow", [a]) { $0[0].narrow(2, start: 1, length: 2) }
        gradcheck("cat", [a, a]) { Tensor.cat([$0[0], $0[1] * 2], dim: 1) }
        gradcheck("stack", [a, a]) { Tensor.stack([$0[0], $0[1]], dim: -1) }
        gradcheck("split", [a]) { $0[0].split(sizes: [1, 3], dim: 2)[1] }
        gradcheck("flip", [a]) { $0[0].flip([0, 2]) }
        gradcheck("roll", [a]) { $0[0].roll([2], dims: [2]) }
        gradcheck("repeat", [Tensor.randn([2, 3], dtype: .float64)]) { $0[0].repeat(2, 1, 3) }
        gradcheck("tril", [Tensor.randn([3, 4], dtype: .float64)]) { $0[0].tril(-1) }
        gradcheck("getitem", [a]) { $0[0][.all, 1, .range(0..<4, step: 2)] }
        gradcheck("index tensor", [a]) { $0[0][Tensor([Int64(0), 1, 0])] }
        gradcheck("mask", [a]) { $0[0][$0[0] .> 0] }
        let index = Tensor([[Int64(0), 2], [1, 0]] as [[Int64]])
        gradcheck("gather", [Tensor.randn([2, 3], dtype: .float64)]) { $0[0].gather(1, index) }
        gradcheck("indexSelect", [a]) { $0[0].indexSelect(1, Tensor([Int64(2), 0])) }
        gradcheck("sort", [a]) { $0[0].sort(dim: 1).values }
        gradcheck("topk", [a]) { $0[0].topk(2, dim: 2).values }
        gradcheck("setitem", [a, Tensor.randn([2, 4], dtype: .float64)]) { inputs in
            let c = inputs[0].clone()
            c[.all, 1] = inputs[1]
            return c
        }
    }
}
