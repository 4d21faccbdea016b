// 3 × 3 convolutions at stride 1 by Winograd's F(4×4, 3×3): the filters, the input tiles and the products each
// move into a transformed domain where a convolution is 36 GEMMs (one per transformed point) of a quarter of the
// direct method's multiply-adds. The output tiles are formed a block of tile rows at a time, so the transformed
// input and products of a block stay in cache between the transforms (`CEmberKernels/Winograd.c`) and the GEMMs.
// The forward pass, the input gradient and the weight gradient all take this path for float32.
import CEmberKernels

/// A float32, 3 × 3, stride-1, ungrouped convolution of a batch of [C, H, W] images into [K, outH, outW] ones,
/// by Winograd's F(4×4, 3×3).
///
/// Rounding differs from the direct method's: against a float64 convolution, the largest error of the output is
/// about 1e-5 of the output's largest magnitude at 64 to 512 channels, 12–25 times the direct method's
/// (`WinogradTests` holds the output and both gradients to 2e-5). An infinite input spreads NaN over the tiles that
/// read it, where the direct method gives infinities.
struct WinogradConvolution {
    let batch: Int, inChannels: Int, outChannels: Int
    let height: Int, width: Int, outH: Int, outW: Int
    let padTop: Int, padLeft: Int

    /// Tiles down and across one output plane.
    var tilesY: Int { (outH + 3) / 4 }
    var tilesX: Int { (outW + 3) / 4 }

    /// The forward convolution of `plan`, where Winograd applies and pays.
    init?(forward plan: ConvolutionPlan) {
        guard WinogradConvolution.applies(to: plan) else { return nil }
        self.init(batch: plan.batch, inChannels: plan.inChannels, outChannels: plan.outChannels, height: plan.height,
                  width: plan.width, outH: plan.outH, outW: plan.outW, padTop: plan.padding.first, padLeft: plan.padding.second)
        guard pays else { return nil }
    }

    /// The input gradient of `plan` as the forward convolution of the output gradient by the flipped, transposed
    /// filters (padding 2 − p on each side), where Winograd applies and pays.
    init?(inputGradientOf plan: ConvolutionPlan) {
        guard WinogradConvolution.applies(to: plan), plan.padding.first <= 2, plan.padding.second <= 2 else { return nil }
        self.init(batch: plan.batch, inChannels: plan.outChannels, outChannels: plan.inChannels, height: plan.outH,
                  width: plan.outW, outH: plan.height, outW: plan.width, padTop: 2 - plan.padding.first,
                  padLeft: 2 - plan.padding.second)
        guard pays else { return nil }
    }

    private init(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, outH: Int, outW: Int,
                 padTop: Int, padLeft: Int) {
        (self.batch, self.inChannels, self.outChannels) = (batch, inChannels, outChannels)
        (self.height, self.width, self.outH, self.outW, self.padTop, self.padLeft) = (height, width, outH, outW, padTop, padLeft)
    }

    private static func applies(to plan: ConvolutionPlan) -> Bool {
        !plan.transposed && plan.groups == 1 && plan.kernelH == 3 && plan.kernelW == 3 && plan.stride == IntPair(1, 1)
            && plan.dilation == IntPair(1, 1) && plan.outH > 0 && plan.outW > 0
    }

    /// Whether the transforms cost less than the multiply-adds they save: enough channels on both sides for the
    /// products to dominate, and at least 32 tiles, since the transformed filters (36 · C · K floats, 4 × the
    /// filters) are formed on every call. With fewer (ResNet-18's 256-channel 14 × 14 layer at batch 1, 16 tiles) the
    /// direct method was faster on the benchmark machine. The transformed filters must also fit in 64 MiB of scratch
    /// memory (up to 682 channels on each side).
    private var pays: Bool {
        inChannels >= 16 && outChannels >= 16 && batch * tilesY * tilesX >= 32 && 36 * inChannels * outChannels <= 1 << 24
    }

    /// Tile rows per block: about 96 tiles (at least one row), in a number of blocks that the threads share evenly
    /// when there are enough to share.
    private var rowsPerBlock: Int {
        let rows = batch * tilesY, threads = cpuThreadCount, target = Swift.max(1, 96 / tilesX)
        var blocks = (rows + target - 1) / target
        if blocks >= threads { blocks = (blocks + threads - 1) / threads * threads }
        return (rows + blocks - 1) / blocks
    }

    /// out = conv(x, w) + bias (or out += conv(x, w) when `accumulate`), where w's filter for output channel k and
    /// input channel c starts at `weights.pointer + k·weights.outStride + c·weights.inStride`, flipped when
    /// `weights.flip`; x is [batch, C, H, W] and out [batch, K, outH, outW], both contiguous.
    func run(_ x: UnsafePointer<Float>, weights: (pointer: UnsafePointer<Float>, outStride: Int, inStride: Int, flip: Bool),
             bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let (channels, kernels) = (inChannels, outChannels)
        withScratch(Float.self, 36 * kernels * channels) { u in
            parallelFor(kernels, grain: Swift.max(1, 4096 / channels)) { range in
                ember_winograd_weights_f32(weights.pointer, Int64(kernels), Int64(channels), Int64(weights.outStride),
                                           Int64(weights.inStride), weights.flip ? 1 : 0, Int64(range.lowerBound),
                                           Int64(range.upperBound), u)
            }
            let rows = batch * tilesY, blockRows = rowsPerBlock, blocks = (rows + blockRows - 1) / blockRows
            let scratchCount = 36 * blockRows * tilesX * (channels + kernels)
            let block = { (index: Int, scratch: UnsafeMutablePointer<Float>, parallel: Bool) in
                let tileRows = (index * blockRows)..<Swift.min(rows, (index + 1) * blockRows)
                self.compute(tileRows, u: UnsafePointer(u), x, bias, out, accumulate: accumulate, scratch: scratch, parallel: parallel)
            }
            if blocks >= cpuThreadCount {
                // Enough blocks to share: each thread transforms and multiplies whole blocks on its own.
                parallelFor(blocks, grain: 1) { range in
                    withScratch(Float.self, scratchCount) { scratch in
                        for index in range { block(index, scratch, false) }
                    }
                }
            } else {
                withScratch(Float.self, scratchCount) { scratch in
                    for index in 0..<blocks { block(index, scratch, true) }
                }
            }
        }
    }

    /// gw += ∂(Σ out·gradOut)/∂w for this forward convolution of x, with gw laid out as the filters [K, C, 3, 3]:
    /// dU[ξ] = Σ over tiles of (A·dy·Aᵀ)[ξ] ⊙ (Bᵀ·x·B)[ξ], as one GEMM per point and block of tile rows (blocks in
    /// order, so the sum is the same on every run), then gw += Gᵀ·dU·G.
    func weightGradient(_ x: UnsafePointer<Float>, gradOut: UnsafePointer<Float>, into gw: UnsafeMutablePointer<Float>) {
        let (channels, kernels, point) = (inChannels, outChannels, inChannels * outChannels)
        // About 256 tiles per block: each product sums over a block's tiles.
        let rows = batch * tilesY, blockRows = Swift.max(1, 256 / tilesX), blocks = (rows + blockRows - 1) / blockRows
        withScratch(Float.self, 36 * point + 36 * blockRows * tilesX * (channels + kernels)) { scratch in
            let du = scratch, v = scratch + 36 * point
            withUnsafePointer(to: geometry) { g in
                for index in 0..<blocks {
                    let rowBegin = index * blockRows, rowEnd = Swift.min(rows, rowBegin + blockRows)
                    let tiles = (rowEnd - rowBegin) * tilesX, z = v + 36 * channels * tiles
                    parallelFor(channels + kernels, grain: 1) { range in
                        let inputs = range.clamped(to: 0..<channels), gradients = range.clamped(to: channels..<(channels + kernels))
                        ember_winograd_input_f32(x, g, Int64(rowBegin), Int64(rowEnd), Int64(inputs.lowerBound), Int64(inputs.upperBound), v)
                        ember_winograd_output_gradient_f32(gradOut, g, Int64(rowBegin), Int64(rowEnd), Int64(gradients.lowerBound - channels),
                                                           Int64(gradients.upperBound - channels), z)
                    }
                    parallelFor(36, grain: 1) { range in
                        for point in range {
                            gemm(MatrixOperand(pointer: z + point * kernels * tiles, rowStride: tiles, columnStride: 1),
                                 MatrixOperand(pointer: v + point * channels * tiles, rowStride: 1, columnStride: tiles),
                                 du + point * kernels * channels, m: kernels, n: channels, k: tiles, accumulate: index > 0)
                        }
                    }
                }
            }
            parallelFor(kernels, grain: Swift.max(1, 4096 / channels)) { range in
                ember_winograd_filter_gradient_f32(du, Int64(kernels), Int64(channels), Int64(channels * 9), 9,
                                                   Int64(range.lowerBound), Int64(range.upperBound), gw)
            }
        }
    }

    /// The shapes as the transforms take them.
    private var geometry: ember_winograd_geometry {
        ember_winograd_geometry(channels: Int64(inChannels), height: Int64(height), width: Int64(width),
                                outChannels: Int64(outChannels), outH: Int64(outH), outW: Int64(outW),
                                padTop: Int64(padTop), padLeft: Int64(padLeft), tilesY: Int64(tilesY), tilesX: Int64(tilesX))
    }

    /// One block of tile rows: the input transform, the 36 products and the output transform, each split across
    /// threads when `parallel`.
    private func compute(_ tileRows: Range<Int>, u: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                         _ out: UnsafeMutablePointer<Float>, accumulate: Bool, scratch: UnsafeMutablePointer<Float>, parallel: Bool) {
        let (channels, kernels) = (inChannels, outChannels)
        let tiles = tileRows.count * tilesX
        let v = scratch, m = scratch + 36 * channels * tiles
        let (rowBegin, rowEnd) = (Int64(tileRows.lowerBound), Int64(tileRows.upperBound))
        let split = { (count: Int, body: (Range<Int>) -> Void) in
            if parallel { parallelFor(count, grain: 1, body) } else { body(0..<count) }
        }
        withUnsafePointer(to: geometry) { g in
            split(channels) { range in
                ember_winograd_input_f32(x, g, rowBegin, rowEnd, Int64(range.lowerBound), Int64(range.upperBound), v)
            }
            split(36) { range in
                for point in range {
                    gemm(MatrixOperand(pointer: u + point * kernels * channels, rowStride: channels, columnStride: 1),
                         MatrixOperand(pointer: v + point * channels * tiles, rowStride: tiles, columnStride: 1),
                         m + point * kernels * tiles, m: kernels, n: tiles, k: channels)
                }
            }
            split(kernels) { range in
                ember_winograd_output_f32(m, g, rowBegin, rowEnd, Int64(range.lowerBound), Int64(range.upperBound), bias,
                                          accumulate ? 1 : 0, out)
            }
        }
    }
}
