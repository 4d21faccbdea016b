// Where a tensor's memory lives.

/// A compute device (`torch.device`). The CPU is the default everywhere.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// The host's memory and Ember's CPU kernels.
    case cpu
    /// The NVIDIA GPU of that index.
    case cuda(Int)
    /// A device of a backend registered from outside Ember (PyTorch's `privateuseone`), such as the tests'.
    case privateUse(Int)

    /// PyTorch's spelling: `cpu`, `cuda:0`, `privateuseone:0`.
    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let index): return "cuda:\(index)"
        case .privateUse(let index): return "privateuseone:\(index)"
        }
    }
}
