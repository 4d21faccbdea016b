// The activation modules added beyond ReLU/GELU/SiLU: printing as PyTorch prints them, the same values as
// their functions, in-place forms. (Values and gradients are checked against PyTorch by the OpInfo cases.)
import Ember
import XCTest

final class ActivationTests: XCTestCase {
    let x = Tensor([-4, -3, -0.5, 0, 0.5, 3, 4] as [Double])

    func testModulesPrintAsPyTorch() {
        XCTAssertEqual(ReLU6().description, "ReLU6()")
        XCTAssertEqual(ReLU6(inplace: true).description, "ReLU6(inplace=True)")
        XCTAssertEqual(Hardtanh(minVal: -2, maxVal: 2).description, "Hardtanh(min_val=-2.0, max_val=2.0)")
        XCTAssertEqual(CELU(alpha: 2).description, "CELU(alpha=2.0)")
        XCTAssertEqual(Softshrink(lambd: 0.3).description, "Softshrink(0.3)")
        XCTAssertEqual(Threshold(0.1, 20).description, "Threshold(threshold=0.1, value=20.0)")
        XCTAssertEqual(Hardswish().description, "Hardswish()")
        XCTAssertEqual(Sequential(Mish(), SELU(), LogSigmoid()).description,
                       "Sequential(\n  (0): Mish()\n  (1): SELU()\n  (2): LogSigmoid()\n)")
    }

    func testModulesComputeTheirFunctions() {
        let pairs: [(Module, (Tensor) -> Tensor)] = [
            (ReLU6(), { $0.relu6() }), (Hardswish(), { $0.hardswish() }), (Hardsigmoid(), { $0.hardsigmoid() }),
            (Mish(), { $0.mish() }), (SELU(), { $0.selu() }), (CELU(alpha: 0.5), { $0.celu(alpha: 0.5) }),
            (Softsign(), { $0.softsign() }), (Tanhshrink(), { $0.tanhshrink() }), (Hardshrink(), { $0.hardshrink() }),
            (Softshrink(), { $0.softshrink() }), (Threshold(0.5, -1), { $0.threshold(0.5, -1) }), (LogSigmoid(), { $0.logSigmoid() }),
        ]
        for (module, function) in pairs {
            XCTAssertEqual(module(x).toArray(as: Double.self), function(x).toArray(as: Double.self), "\(module)")
        }
        XCTAssertEqual(x.relu6().toArray(as: Double.self), [0, 0, 0, 0, 0.5, 3, 4])
        XCTAssertEqual(x.hardshrink(lambd: 0.5).toArray(as: Double.self), [-4, -3, 0, 0, 0, 3, 4])
    }

    func testInplaceActivationsOverwriteTheirInput() {
        let y = x.clone()
        _ = ReLU6(inplace: true)(y)
        XCTAssertEqual(y.toArray(as: Double.self), x.relu6().toArray(as: Double.self))
    }

    func testPredicatesOfSpecialValues() {
        let v = Tensor([Double.nan, .infinity, -.infinity, -0.0, 1])
        XCTAssertEqual(v.isnan().toArray(as: Bool.self), [true, false, false, false, false])
        XCTAssertEqual(v.isinf().toArray(as: Bool.self), [false, true, true, false, false])
        XCTAssertEqual(v.isfinite().toArray(as: Bool.self), [false, false, false, true, true])
        XCTAssertEqual(v.signbit().toArray(as: Bool.self), [false, false, true, true, false])
        XCTAssertEqual(v.nanToNum().toArray(as: Double.self), [0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0, 1])
        XCTAssertEqual(Tensor([1, 2] as [Int64]).isfinite().toArray(as: Bool.self), [true, true])
    }
}
