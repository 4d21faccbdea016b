// Printing and random streams as a PyTorch user sees them.
import Ember
import XCTest

final class PrintingAndRandomTests: XCTestCase {
    func testSeed42Rand() {
        Ember.manualSeed(42)
        XCTAssertEqual(Tensor.rand(3).description, "tensor([0.8823, 0.9150, 0.3829])")
    }

    func testReseedingRepeatsTheStream() {
        Ember.manualSeed(5)
        let a = Tensor.randn(20), p = Tensor.randperm(10)
        Ember.manualSeed(5)
        XCTAssertEqual(Tensor.randn(20).toArray(as: Float.self), a.toArray(as: Float.self))
        XCTAssertEqual(Tensor.randperm(10).toArray(as: Int64.self), p.toArray(as: Int64.self))
    }

    func testDistributionsHaveTheRightMoments() {
        Ember.manualSeed(1)
        let n = Tensor.empty([100_000]).normal_(mean: 2, std: 3)
        XCTAssertEqual(n.mean().item(), 2, accuracy: 0.05)
        XCTAssertEqual(n.std().item(), 3, accuracy: 0.05)
        let u = Tensor.empty([100_000]).uniform_(from: -1, to: 3)
        XCTAssertEqual(u.mean().item(), 1, accuracy: 0.02)
        XCTAssertGreaterThanOrEqual(u.min().item(), -1)
        XCTAssertLessThan(u.max().item(), 3)
        let r = Tensor.randint(-3, 7, [10_000])
        XCTAssertEqual(r.min().item(), -3)
        XCTAssertEqual(r.max().item(), 6)
        XCTAssertEqual(Tensor.randperm(50).sort().values.toArray(as: Int64.self), (0..<50).map(Int64.init))
    }

    func testSizePrintsAsTorchSize() {
        XCTAssertEqual(Tensor.zeros(2, 3).size().description, "Size([2, 3])")
        XCTAssertTrue(Tensor.zeros(2, 3).size() == [2, 3])
    }

    func testSummarisedPrinting() {
        XCTAssertEqual((Tensor.ones(2000) * 5).description, "tensor([5., 5., 5.,  ..., 5., 5., 5.])")
        XCTAssertEqual(Tensor.arange(2000.0).description,
                       "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])")
    }
}
