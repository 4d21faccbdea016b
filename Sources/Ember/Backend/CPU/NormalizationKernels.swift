// Batch normalisation in whole passes over float32 [N, C, inner] tensors, channels split across threads: the
// statistics in two passes (mean, then squares around it), the affine map in one, and backward in two (the
// channel sums, then the input gradient), where composing tensor ops takes a dozen passes and copies.
import CEmberKernels

/// The layout the normalisation kernels take: a contiguous [batch, channels, inner] tensor.
struct ChannelShape {
    let batch: Int, channels: Int, inner: Int
    /// Values per channel.
    var perChannel: Int { batch * inner }
}

/// The pointer to the float32 elements of `operand`.
private func floats(_ operand: KernelOperand) -> UnsafeMutablePointer<Float> { operand.pointer(as: Float.self) }

/// Runs `body(c, plane)` for each channel on the pool, `plane(n)` giving the offset of image n's plane of it.
private func forEachChannel(_ shape: ChannelShape, _ body: (Int, (Int) -> Int) -> Void) {
    parallelFor(shape.channels, grain: Swift.max(1, pointwiseGrain / Swift.max(shape.perChannel, 1))) { range in
        for c in range { body(c) { n in (n * shape.channels + c) * shape.inner } }
    }
}

extension CPUBackend {
    func channelStatistics(_ x: KernelOperand, _ shape: ChannelShape, mean: KernelOperand, variance: KernelOperand) -> Bool {
        guard x.dtype == .float32 else { return false }
        let xp = floats(x), meanP = floats(mean), varianceP = floats(variance)
        let count = Double(shape.perChannel)
        forEachChannel(shape) { c, plane in
            var sum = 0.0
            for n in 0..<shape.batch { sum += ember_sum_f32(xp + plane(n), shape.inner) }
            let center = Float(sum / count)
            var squares = 0.0
            for n in 0..<shape.batch { squares += ember_centered_square_sum_f32(xp + plane(n), shape.inner, center) }
            (meanP[c], varianceP[c]) = (center, Float(squares / count))
        }
        return true
    }

    func channelAffine(_ x: KernelOperand, _ shape: ChannelShape, scale: KernelOperand, shift: KernelOperand,
                       into out: KernelOperand) -> Bool {
        guard x.dtype == .float32 else { return false }
        let xp = floats(x), op = floats(out), scaleP = floats(scale), shiftP = floats(shift)
        forEachChannel(shape) { c, plane in
            for n in 0..<shape.batch {
                ember_scale_shift_f32(xp + plane(n), scaleP[c], shiftP[c], op + plane(n), shape.inner)
            }
        }
        return true
    }

    func batchNormBackward(_ shape: ChannelShape, gradOutput: KernelOperand, input: KernelOperand, mean: KernelOperand,
                           invStd: KernelOperand, weight: KernelOperand?, sums: KernelOperand, centredSums: KernelOperand,
                           gradInput: KernelOperand?) -> Bool {
        guard input.dtype == .float32 else { return false }
        let gp = floats(gradOutput), xp = floats(input), meanP = floats(mean), invStdP = floats(invStd)
        let weightP = weight.map(floats), sumsP = floats(sums), centredP = floats(centredSums), dxP = gradInput.map(floats)
        let count = Float(shape.perChannel)
        forEachChannel(shape) { c, plane in
            var sum = 0.0, centred = 0.0
            for n in 0..<shape.batch {
                centred += ember_centered_dot_f32(gp + plane(n), xp + plane(n), shape.inner, meanP[c], &sum)
            }
            (sumsP[c], centredP[c]) = (Float(sum), Float(centred))
            guard let dxP else { return }
            // PyTorch's: dx = (g − Σg/M − (x − mean)·Σg(x − mean)·invStd²/M) · invStd · γ.
            let invStd = invStdP[c], k = Float(centred) * invStd * invStd / count
            let factor = invStd * (weightP?[c] ?? 1)
            for n in 0..<shape.batch {
                ember_batch_norm_input_gradient_f32(gp + plane(n), xp + plane(n), shape.inner, meanP[c],
                                                    Float(sum) / count, k, factor, dxP + plane(n))
            }
        }
        return true
    }
}
