// grid_sample and affine_grid: identity grids reproduce the input, hand-checked coordinates, and gradients
// for the input and the grid against finite differences in every mode and padding, 2-d and 3-d.
import Ember
import XCTest

final class GridSamplingTests: XCTestCase {
    func testAffineGridOfTheIdentitySpansPixelCentres() {
        let identity = Tensor([[[1, 0, 0], [0, 1, 0]]] as [[[Double]]])
        let grid = F.affineGrid(identity, size: [1, 1, 2, 3])
        XCTAssertEqual(grid.shape, [1, 2, 3, 2])
        // x runs along the width (-2/3, 0, 2/3), y along the height (-1/2, 1/2).
        assertClose(grid, [-2.0 / 3, -0.5, 0, -0.5, 2.0 / 3, -0.5, -2.0 / 3, 0.5, 0, 0.5, 2.0 / 3, 0.5])
        let corners = F.affineGrid(identity, size: [1, 1, 2, 3], alignCorners: true)
        assertClose(corners, [-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1])
    }

    func testSamplingAnIdentityGridGivesTheInputBack() {
        Ember.manualSeed(7)
        let input = Tensor.randn([2, 3, 4, 5], dtype: .float64)
        for alignCorners in [false, true] {
            let grid = F.affineGrid(Tensor([[[1, 0, 0], [0, 1, 0]]] as [[[Double]]]).expand([2, 2, 3]), size: [2, 3, 4, 5],
                                    alignCorners: alignCorners)
            for mode in ["bilinear", "nearest", "bicubic"] {
                assertClose(F.gridSample(input, grid, mode: mode, alignCorners: alignCorners), input.toArray(as: Double.self), tolerance: 1e-12)
            }
        }
        let volume = Tensor.randn([1, 2, 3, 4, 5], dtype: .float64)
        let grid = F.affineGrid(Tensor([[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]] as [[[Double]]]), size: [1, 2, 3, 4, 5])
        assertClose(F.gridSample(volume, grid), volume.toArray(as: Double.self), tolerance: 1e-12)
    }

    func testPaddingModesOutsideTheInput() {
        let input = Tensor([1, 2, 3, 4] as [Double], shape: [1, 1, 2, 2])
        // x = 2 is pixel 2.5, a pixel beyond the right edge (1.5) when corners are not aligned; y = -0.5 is row 0.
        let grid = Tensor([2.0, -0.5], shape: [1, 1, 1, 2])
        assertClose(F.gridSample(input, grid, paddingMode: "zeros"), [0])
        assertClose(F.gridSample(input, grid, paddingMode: "border"), [2])
        // Reflection about the edge at 1.5 maps 2.5 back to 0.5: half of pixels 0 and 1.
        assertClose(F.gridSample(input, grid, paddingMode: "reflection"), [1.5])
    }

    func testGradientsAgreeWithFiniteDifferences() {
        Ember.manualSeed(8)
        let input = Tensor.randn([2, 2, 4, 5], dtype: .float64)
        let grid = Tensor.rand([2, 3, 3, 2], dtype: .float64) * 2.4 - 1.2
        let volume = Tensor.randn([1, 2, 3, 4, 3], dtype: .float64)
        let volumeGrid = Tensor.rand([1, 2, 2, 2, 3], dtype: .float64) * 2.4 - 1.2
        for mode in ["bilinear", "nearest", "bicubic"] {
            for padding in ["zeros", "border", "reflection"] {
                for alignCorners in [false, true] {
                    let label = "\(mode) \(padding) \(alignCorners)"
                    gradcheck("grid_sample 2-d \(label)", [input, grid]) {
                        F.gridSample($0[0], $0[1], mode: mode, paddingMode: padding, alignCorners: alignCorners)
                    }
                    gradcheck("grid_sample 3-d \(label)", [volume, volumeGrid]) {
                        F.gridSample($0[0], $0[1], mode: mode, paddingMode: padding, alignCorners: alignCorners)
                    }
                }
            }
        }
        let theta = Tensor.randn([2, 2, 3], dtype: .float64)
        gradcheck("affine_grid", [theta]) { F.affineGrid($0[0], size: [2, 1, 3, 4]) }
    }
}
