// Where a tensor's memory lives.

/// A compute device (`torch.device`). The CPU is the default everywhere.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)
    /// A device of a backend registered from outside Ember (PyTorch's `privateuseone`), such as the tests'.
    case privateUse(Int)

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let index): return "cuda:\(index)"
        case .privateUse(let index): return "privateuseone:\(index)"
        }
    }
}
