// The window functions of `torch.*_window`, computed with the same tensor ops in the same dtype as PyTorch, so
// that the values match. A periodic window of n points is the first n points of the symmetric one of n + 1.
import Foundation

extension Tensor {
    /// The Hann window 0.5 - 0.5·cos(2πk/(N-1)) (`torch.hann_window`).
    public static func hannWindow(_ windowLength: Int, periodic: Bool = true, dtype: DType = defaultFloatDType,
                                  device: Device = .cpu) -> Tensor {
        hammingWindow(windowLength, periodic: periodic, alpha: 0.5, beta: 0.5, dtype: dtype, device: device)
    }

    /// The generalised Hamming window α - β·cos(2πk/(N-1)) (`torch.hamming_window`).
    public static func hammingWindow(_ windowLength: Int, periodic: Bool = true, alpha: Double = 0.54, beta: Double = 0.46,
                                     dtype: DType = defaultFloatDType, device: Device = .cpu) -> Tensor {
        window("hamming_window", windowLength, periodic, dtype, device) { k, n in
            (k * (2 * Double.pi / Double(n - 1))).cos() * -beta + alpha
        }
    }

    /// The Blackman window 0.42 - 0.5·cos(2πk/(N-1)) + 0.08·cos(4πk/(N-1)) (`torch.blackman_window`).
    public static func blackmanWindow(_ windowLength: Int, periodic: Bool = true, dtype: DType = defaultFloatDType,
                                      device: Device = .cpu) -> Tensor {
        window("blackman_window", windowLength, periodic, dtype, device) { k, n in
            let angle = k * (Double.pi / Double(n - 1))
            return (angle * 4).cos() * 0.08 - (angle * 2).cos() * 0.5 + 0.42
        }
    }

    /// The triangular Bartlett window 1 - |2k/(N-1) - 1| (`torch.bartlett_window`).
    public static func bartlettWindow(_ windowLength: Int, periodic: Bool = true, dtype: DType = defaultFloatDType,
                                      device: Device = .cpu) -> Tensor {
        window("bartlett_window", windowLength, periodic, dtype, device) { k, n in
            let rising = k * (2 / Double(n - 1))
            let firstHalf = (n - 1) / 2 + 1
            rising.narrow(0, start: firstHalf, length: n - firstHalf).mul_(Tensor(-1.0)).add_(Tensor(2.0))
            return rising
        }
    }

    /// The Kaiser window I₀(β·√(1 - ((k - α)/α)²)) / I₀(β) with α = (N-1)/2 (`torch.kaiser_window`).
    public static func kaiserWindow(_ windowLength: Int, periodic: Bool = true, beta: Double = 12, dtype: DType = defaultFloatDType,
                                    device: Device = .cpu) -> Tensor {
        window("kaiser_window", windowLength, periodic, dtype, device) { k, n in
            let alpha = Double(n - 1) / 2
            return ((1 - ((k - alpha) / alpha).pow(2)).sqrt() * beta).i0() / Special.besselI0(beta)
        }
    }

    /// The shared shape of the windows: `values(k, N)` over k = arange(N) in `dtype`, N one more when periodic.
    private static func window(_ op: String, _ windowLength: Int, _ periodic: Bool, _ dtype: DType, _ device: Device,
                               _ values: (Tensor, Int) -> Tensor) -> Tensor {
        check(windowLength >= 0, op, "requires non-negative window_length, got window_length=\(windowLength)", file: #fileID, line: #line)
        check(dtype.isFloatingPoint, op, "expects floating point dtypes, got: \(dtype)", file: #fileID, line: #line)
        if windowLength <= 1 { return Tensor.ones([windowLength], dtype: dtype).placed(on: device) }
        let n = periodic ? windowLength + 1 : windowLength
        let window = noGrad { values(Tensor.arange(Double(0), Double(n), dtype: dtype), n) }
        return (periodic ? window.narrow(0, start: 0, length: windowLength).contiguous() : window).placed(on: device)
    }
}
