// The expression evaluator reaches every op of the table with Python's positional and keyword forms.
import Ember
import XCTest

final class ExpressionTests: XCTestCase {
    private let x = Tensor([[1, -2, 3], [4, 5, -6]] as [[Float]])
    private let w = Tensor([0.5, 1.5, -1] as [Float])

    private func evaluate(_ text: String) throws -> [Tensor] {
        var evaluator = ExpressionEvaluator(variables: ["x": x, "w": w])
        return try evaluator.evaluate(text)
    }

    private func assertEvaluates(_ text: String, to expected: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let got = try evaluate(text)
            XCTAssertEqual(got.count, 1, text, file: file, line: line)
            XCTAssertEqual(got[0].shape, expected.shape, text, file: file, line: line)
            XCTAssertEqual(got[0].dtype, expected.dtype, text, file: file, line: line)
            XCTAssertEqual(got[0].toArray(as: Double.self), expected.toArray(as: Double.self), text, file: file, line: line)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
        }
    }

    func testPositionalDimsReachTheReductions() {
        assertEvaluates("x.sum(0)", to: x.sum(dim: 0))
        assertEvaluates("x.sum(1, True)", to: x.sum(dim: 1, keepdim: true))
        assertEvaluates("x.mean(1)", to: x.mean(dim: 1))
        assertEvaluates("x.std()", to: x.std())
        assertEvaluates("x.std(0, False)", to: x.std(dim: 0, unbiased: false))
        assertEvaluates("x.var(unbiased=False)", to: x.var(unbiased: false))
        assertEvaluates("x.norm(2, 1)", to: x.norm(p: 2, dim: 1))
        assertEvaluates("x.argmax(1)", to: x.argmax(dim: 1))
        assertEvaluates("x.max(1)[0]", to: x.max(dim: 1).values)
        assertEvaluates("torch.max(x, w)", to: x.maximum(w))
    }

    func testFunctionsOfTorchAndFunctional() {
        assertEvaluates("softmax(x, dim=1)", to: x.softmax(dim: 1))
        assertEvaluates("F.log_softmax(x, 1)", to: x.logSoftmax(dim: 1))
        assertEvaluates("torch.sqrt(x.abs())", to: x.abs().sqrt())
        assertEvaluates("torch.cat([x, x], 1)", to: Tensor.cat([x, x], dim: 1))
        assertEvaluates("torch.stack((w, w))", to: Tensor.stack([w, w]))
        assertEvaluates("torch.where(x > 0, x, 0.5)", to: Tensor.where(x .> 0, x, Tensor(0.5)))
        assertEvaluates("F.leaky_relu(x, 0.2)", to: x.leakyRelu(negativeSlope: 0.2))
        assertEvaluates("torch.arange(0, 6, 2)", to: Tensor.arange(0, 6, step: 2))
        assertEvaluates("torch.arange(4)", to: Tensor.arange(4))
        assertEvaluates("torch.zeros(2, 3)", to: Tensor.zeros(2, 3))
        assertEvaluates("torch.linalg.vector_norm(x, 1)", to: x.norm(p: 1))
    }

    func testShapeMethodsTakeVarargsOrOneList() {
        assertEvaluates("x.flatten()", to: x.flatten())
        assertEvaluates("x.view(3, 2)", to: x.view(3, 2))
        assertEvaluates("x.view((3, 2))", to: x.view(3, 2))
        assertEvaluates("x.reshape(-1)", to: x.reshape([-1]))
        assertEvaluates("x.permute(1, 0)", to: x.permute(1, 0))
        assertEvaluates("x.narrow(1, 0, 2)", to: x.narrow(1, start: 0, length: 2))
        assertEvaluates("x.topk(2, 1, True)[1]", to: x.topk(2, dim: 1, largest: true).indices)
        assertEvaluates("x.to(torch.float64)", to: x.double())
        assertEvaluates("x.long()", to: x.long())
        assertEvaluates("x.T", to: x.t())
    }

    func testOperatorsAndSubscripts() {
        assertEvaluates("x ** 2 - -w", to: x.pow(2) + w)
        assertEvaluates("-x ** 2", to: -(x.pow(2)))
        assertEvaluates("x @ w", to: x.matmul(w))
        assertEvaluates("x[:, 1]", to: x[.all, 1])
        assertEvaluates("x[1, ::2]", to: x[1, .slice(start: nil, end: nil, step: 2)])
        assertEvaluates("x[..., None]", to: x.unsqueeze(-1))
        assertEvaluates("x[x > 0]", to: x[x .> 0])
        assertEvaluates("x[0] * 1e-1", to: x[0] * 0.1)
    }

    func testTuplesAndUnknownNamesAreReported() throws {
        XCTAssertEqual(try evaluate("x.max(1)").count, 2)
        XCTAssertEqual(try evaluate("x.split(1)").count, 2)
        XCTAssertThrowsError(try evaluate("frobnicate(x)"))
        XCTAssertThrowsError(try evaluate("x.sum(0, True, None, 4)"))
    }
}
