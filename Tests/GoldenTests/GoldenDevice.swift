// The device the golden cases run on: the CPU; with EMBER_GOLDEN_DEVICE=test a second device whose memory the op
// layer may not read (the CPU kernels run on it only through its own backend), so a case passes there only when
// every op, module and optimizer it uses goes through the backend seam; with EMBER_GOLDEN_DEVICE=cuda the first GPU.
import Foundation
import Ember

enum GoldenDevice {
    static let variable = "EMBER_GOLDEN_DEVICE"

    /// The device of this process's cases.
    static let current: Device = {
        switch ProcessInfo.processInfo.environment[variable] {
        case "test": return EmulatedDevice.register(.privateUse(0)).device
        case "cuda":
            precondition(Ember.cuda.isAvailable, "golden cases on CUDA: \(Ember.cuda.unavailableReason ?? "no GPU")")
            return .cuda(0)
        default: return .cpu
        }
    }()
}
