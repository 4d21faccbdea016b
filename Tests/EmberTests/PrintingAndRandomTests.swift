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

    /// The generator's state has PyTorch's layout: these fields are what `torch.get_rng_state()` holds after
    /// the same calls in PyTorch 2.15 (seed, draws left, next word, first word, cached normal).
    func testGeneratorStateHasPyTorchsLayoutAndRestoresTheStream() {
        func fields(_ state: Tensor) -> (UInt64, Int32, Int32, UInt64, UInt64, Int32, Double) {
            let bytes = state.toArray(as: UInt8.self)
            func read<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
                bytes[offset..<(offset + MemoryLayout<T>.size)].reversed().reduce(T.zero) { ($0 << 8) | T($1) }
            }
            return (read(0, UInt64.self), read(8, Int32.self), read(12, Int32.self), read(16, UInt64.self), read(24, UInt64.self),
                    read(5040, Int32.self), Double(bitPattern: read(5024, UInt64.self)))
        }
        Ember.manualSeed(3)
        XCTAssertEqual(Ember.getRngState().shape, [5056])
        XCTAssertEqual(fields(Ember.getRngState()).1, 1)
        _ = Tensor.rand(5)
        let afterRand = fields(Ember.getRngState())
        XCTAssertTrue(afterRand.0 == 3 && afterRand.1 == 620 && afterRand.2 == 1 && afterRand.3 == 5 && afterRand.4 == 2266350226
                      && afterRand.5 == 0, "\(afterRand)")
        Ember.manualSeed(3)
        _ = Tensor.randn([1], dtype: .float64)
        let afterNormal = fields(Ember.getRngState())
        XCTAssertTrue(afterNormal.1 == 621 && afterNormal.3 == 4 && afterNormal.5 == 1, "\(afterNormal)")
        XCTAssertEqual(afterNormal.6, 0.17483339327910358, accuracy: 1e-15)

        // Restoring a state repeats the draws that followed it, the cached normal included.
        let saved = Ember.getRngState()
        let next = Tensor.randn([7], dtype: .float64).toArray(as: Double.self)
        _ = Tensor.rand(100)
        Ember.setRngState(saved)
        XCTAssertEqual(Tensor.randn([7], dtype: .float64).toArray(as: Double.self), next)
    }
}
