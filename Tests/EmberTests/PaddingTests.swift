// The padding modes read the positions of PyTorch's definition, computed as runs rather than element by element.
@testable import Ember
import XCTest

final class PaddingTests: XCTestCase {
    /// The runs each padding mode reads are the positions PyTorch's definition gives, element by element, for
    /// padding and cropping (negative amounts) on either side, down to a dimension of one.
    func testPaddingRunsReadPyTorchsPositions() {
        for mode in [PaddingMode.reflect, .replicate, .circular] {
            for n in 1...6 {
                for before in -n...n {
                    for after in -n...n where n + before + after >= 0 {
                        if mode == .reflect && (before >= n || after >= n) { continue }
                        let expected = (0..<(n + before + after)).map { j -> Int64 in
                            let i = j - before
                            switch mode {
                            case .reflect: return Int64(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i))
                            case .replicate: return Int64(Swift.min(Swift.max(i, 0), n - 1))
                            default: return Int64(((i % n) + n) % n)
                            }
                        }
                        let runs = PaddingRun.runs(size: n, before: before, after: after, mode: mode)
                        XCTAssertEqual(runs.flatMap(\.positions), expected, "\(mode) n=\(n) pad (\(before), \(after))")
                    }
                }
            }
        }
        // Through the op: a reflected signal, as F.pad gives it.
        let x = Tensor([Float(1), 2, 3, 4])
        XCTAssertEqual(F.pad(x.view(1, 4), [2, 3], mode: .reflect).toArray(as: Float.self), [3, 2, 1, 2, 3, 4, 3, 2, 1])
    }
}
