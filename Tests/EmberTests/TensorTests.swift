// Tensor behaviour: storage sharing, dtypes and promotion, creation, conversion, indexing.
import Ember
import XCTest

final class TensorTests: XCTestCase {
    func testViewsShareStorageAndSeeInPlaceWrites() {
        let a = Tensor.arange(6.0).view(2, 3)
        let t = a.t(), row = a[1], column = a[.all, 2]
        a.add_(Tensor(Float(10)))
        XCTAssertTrue(t.storage === a.storage && row.storage === a.storage)
        assertClose(t, [10, 13, 11, 14, 12, 15])
        assertClose(row, [13, 14, 15])
        column.zero_()
        assertClose(a, [10, 11, 0, 13, 14, 0])
    }

    func testContiguousCopiesOnlyWhenNeeded() {
        let a = Tensor.randn(3, 4)
        XCTAssertTrue(a.contiguous() === a)
        let t = a.t()
        XCTAssertFalse(t.isContiguous)
        let c = t.contiguous()
        XCTAssertTrue(c.isContiguous)
        XCTAssertFalse(c.storage === a.storage)
        XCTAssertEqual(c.toArray(as: Float.self), t.toArray(as: Float.self))
    }

    func testTypePromotion() {
        let f32 = Tensor([Float(1), 2]), f64 = Tensor([1.0, 2.0]), i64 = Tensor([Int64(1), 2]), i32 = Tensor([Int32(1), 2])
        XCTAssertEqual((f64 + f32).dtype, .float64)
        XCTAssertEqual((i64 + f32).dtype, .float32)
        XCTAssertEqual((i64 + i32).dtype, .int64)
        XCTAssertEqual((i32 + 2).dtype, .int32)
        XCTAssertEqual((i32 + 2.5).dtype, .float32)
        XCTAssertEqual((f32 + Tensor(2.5)).dtype, .float32, "0-d tensors do not promote within a category")
        XCTAssertEqual((i64 / i64).dtype, .float32, "true division of integers gives the default float")
        XCTAssertEqual(i64.div(Tensor([Int64(-3), 2]), roundingMode: .floor).toArray(as: Int64.self), [-1, 1])
        XCTAssertEqual((i64 .< f32).dtype, .bool)
        XCTAssertEqual(Tensor([true, false]).sum().dtype, .int64)
    }

    func testSixteenBitFloatsComputeAndPrint() {
        let h = Tensor([Float(1.5), -2.25]).half()
        XCTAssertEqual(h.dtype, .float16)
        XCTAssertEqual((h * 2).toArray(as: Double.self), [3, -4.5])
        let b = Tensor([Float(1.5), 3]).to(.bfloat16)
        XCTAssertEqual((b + b).toArray(as: Float.self), [3, 6])
        XCTAssertEqual(b.description, "tensor([1.5000, 3.0000], dtype=bfloat16)")
    }

    func testCreationFromArraysAndFactories() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.size(0), 2)
        XCTAssertEqual(a.dim, 2)
        XCTAssertEqual(a.numel, 6)
        XCTAssertEqual(Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]).toArray(as: Float.self), a.toArray(as: Float.self))
        XCTAssertEqual(Tensor.eye(2, 3).toArray(as: Float.self), [1, 0, 0, 0, 1, 0])
        XCTAssertEqual(Tensor.arange(5, -3, step: -2).toArray(as: Int64.self), [5, 3, 1, -1])
        // Fractional steps give PyTorch 2.15's bits (its AVX2 kernel's lanes and fused multiply-adds), not start + i·step.
        let doubles = Tensor.arange(0, 40, step: 0.7, dtype: .float64).toArray(as: Double.self)
        XCTAssertEqual([13, 25, 39, 53, 57].map { doubles[$0] }, [9.099999999999998, 17.499999999999996, 27.3, 37.1, 39.9])
        XCTAssertNotEqual(doubles[39], 0.7 * 39)
        let shifted = Tensor.arange(0.3, 100, step: 0.13, dtype: .float64).toArray(as: Double.self)
        XCTAssertEqual(shifted.count, 767)
        XCTAssertEqual([5, 100, 500, 766].map { shifted[$0] }, [0.9500000000000001, 13.3, 65.3, 99.88000000000001])
        let floats = Tensor.arange(0, 40, step: 0.7, dtype: .float32).toArray(as: Float.self)
        XCTAssertEqual([9, 18, 31, 57].map { floats[$0] }, [6.299999713897705, 12.59999942779541, 21.69999885559082, 39.900001525878906])
        // linspace too: each half from its end with one fused multiply-add, in float32 for float32.
        let spaced = Tensor.linspace(-3, 7.5, steps: 1001).toArray(as: Float.self)
        XCTAssertEqual([60, 86, 103, 700, 999].map { spaced[$0] },
                       [-2.370000123977661, -2.0970001220703125, -1.9185000658035278, 4.349999904632568, 7.489500045776367])
        let spacedDoubles = Tensor.linspace(1.3, -2.9, steps: 77, dtype: .float64).toArray(as: Double.self)
        XCTAssertEqual([3, 40, 70].map { spacedDoubles[$0] }, [1.1342105263157896, -0.9105263157894734, -2.568421052631579])
        XCTAssertEqual(Tensor.full([2], 7.5).toArray(as: Double.self), [7.5, 7.5])
        XCTAssertEqual(Tensor.zeros(0, 3).numel, 0)
        XCTAssertEqual(Tensor(3.5).dim, 0)
    }

    func testConversionsAndZeroCopyAccess() {
        let a = Tensor([[1, 2], [3, 4]] as [[Float]])
        XCTAssertEqual(a.t().toArray(as: Float.self), [1, 3, 2, 4], "toArray is row-major for any layout")
        XCTAssertEqual(a.sum().item(), 10)
        XCTAssertEqual(a.to(.int64).dtype, .int64)
        XCTAssertEqual(Tensor([Float(-2.7), 2.7]).long().toArray(as: Int64.self), [-2, 2])
        let base = a.storage.pointer
        a.withUnsafeBufferPointer(as: Float.self) { buffer in
            XCTAssertEqual(UnsafeRawPointer(buffer.baseAddress!), UnsafeRawPointer(base))
        }
        a.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 9 }
        XCTAssertEqual(a[0, 0].item(), 9)
    }

    func testIndexingAndAssignment() {
        let a = Tensor.arange(12.0).view(3, 4)
        XCTAssertEqual(a[.all, 1].toArray(as: Float.self), [1, 5, 9])
        let i = 2
        XCTAssertEqual(a[i].toArray(as: Float.self), [8, 9, 10, 11])
        XCTAssertEqual(a[.ellipsis, .newAxis].shape, [3, 4, 1])
        XCTAssertEqual(a[.range(1...2), .range(0..<4, step: 3)].toArray(as: Float.self), [4, 7, 8, 11])
        XCTAssertEqual(a[Tensor([Int64(2), 0])].shape, [2, 4])
        a[a .< 2] = Tensor(0)
        XCTAssertEqual(a[0].toArray(as: Float.self), [0, 0, 2, 3])
        a[.all, 3] = Tensor([Float(-1), -2, -3])
        XCTAssertEqual(a[.all, 3].toArray(as: Float.self), [-1, -2, -3])
        XCTAssertEqual(a[-1, -1].item(), -3)
    }

    func testEmptyAndZeroDimensionalTensors() {
        let empty = Tensor.zeros(0, 4)
        XCTAssertEqual(empty.sum(dim: 0).toArray(as: Float.self), [0, 0, 0, 0])
        XCTAssertEqual((empty + 1).shape, [0, 4])
        let scalar = Tensor(Float(3))
        XCTAssertEqual((scalar * Tensor([Float(1), 2])).toArray(as: Float.self), [3, 6])
        XCTAssertEqual(scalar.softmax(dim: 0).item(), 1)
        XCTAssertEqual(scalar.sum(dim: -1).item(), 3)
    }

    func testNonContiguousInputsGiveTheSameResults() {
        Ember.manualSeed(3)
        let a = Tensor.randn(4, 5), b = Tensor.randn(5, 4)
        assertClose(a.t() + b, (a.t().contiguous() + b).toArray(as: Double.self))
        assertClose(a.t().exp(), a.t().contiguous().exp().toArray(as: Double.self))
        assertClose(a.t().sum(dim: 1), a.t().contiguous().sum(dim: 1).toArray(as: Double.self))
        assertClose(a.t().matmul(a), a.t().contiguous().matmul(a.contiguous()).toArray(as: Double.self), tolerance: 1e-4)
    }

    func testLargeTensorsUseTheParallelPathsCorrectly() {
        let n = 1 << 20
        let a = Tensor.ones([n]), b = Tensor.full([n], 2)
        XCTAssertEqual((a + b).sum().item(), Double(3 * n))
        XCTAssertEqual((a * b).mean().item(), 2)
        let wide = Tensor.ones([512, 1024])
        XCTAssertEqual(wide.sum(dim: 0).toArray(as: Float.self), [Float](repeating: 512, count: 1024))
        XCTAssertEqual(wide.t().sum(dim: 1).toArray(as: Float.self), [Float](repeating: 512, count: 1024))
    }

    func testMatmulOverEveryLayoutMatchesANaiveProduct() {
        Ember.manualSeed(11)
        let base = Tensor.randn([6, 6], dtype: .float64)
        func naive(_ a: Tensor, _ b: Tensor) -> [Double] {
            let x = a.toArray(as: Double.self), y = b.toArray(as: Double.self)
            let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
            return (0..<(m * n)).map { i in (0..<k).reduce(0.0) { $0 + x[i / n * k + $1] * y[$1 * n + i % n] } }
        }
        let layouts: [Tensor] = [base[.range(0..<1)], base.t()[.range(0..<1)], base[.all, .range(2..<3)],
                                 base.t()[.all, .range(0..<1)], base[.range(0..<6, step: 2)], base.t(),
                                 base[.range(1..<4), .range(0..<6, step: 3)]]
        for a in layouts {
            for b in [base, base.t(), base[.all, .range(0..<1)], base.t()[.all, .range(2..<3)]] {
                let left = a.shape[1] == b.shape[0] ? a : a.t()
                guard left.shape[1] == b.shape[0] else { continue }
                assertClose(left.mm(b), naive(left, b), tolerance: 1e-12)
            }
        }
    }

    func testPowerOfNegativeBasesFollowsC() {
        let x = Tensor([Float(-2), -0.5, 3])
        XCTAssertEqual(x.pow(5).toArray(as: Float.self), [-32, -0.03125, 243])
        XCTAssertEqual(x.pow(Tensor([Int64(2), 3, 1])).toArray(as: Float.self), [4, -0.125, 3])
        XCTAssertTrue(x.pow(0.5).toArray(as: Float.self)[0].isNaN)
    }

    func testMatmulAgainstHandComputedValues() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        XCTAssertEqual(a.t().matmul(a).toArray(as: Float.self), [17, 22, 27, 22, 29, 36, 27, 36, 45])
        XCTAssertEqual(matmul(a, Tensor([Float(1), 0, -1])).toArray(as: Float.self), [-2, -2])
        XCTAssertEqual(Tensor([[1, 2], [3, 4]] as [[Int64]]).mm(Tensor([[1, 0], [0, 1]] as [[Int64]])).toArray(as: Int64.self), [1, 2, 3, 4])
    }
}
