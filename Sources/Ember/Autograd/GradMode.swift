// Whether operations record the autograd graph (`torch.no_grad`, `torch.enable_grad`).

/// Global switches of the autograd engine.
public enum GradMode {
    nonisolated(unsafe) static var isEnabledStorage = true

    /// Whether operations on tensors that require grad record a graph.
    public static var isEnabled: Bool { isEnabledStorage }
}

/// Turns recording on or off (`torch.set_grad_enabled`).
public func setGradEnabled(_ enabled: Bool) { GradMode.isEnabledStorage = enabled }

/// Runs `body` without recording the graph (`with torch.no_grad():`).
@discardableResult
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = GradMode.isEnabledStorage
    GradMode.isEnabledStorage = false
    defer { GradMode.isEnabledStorage = previous }
    return try body()
}

/// Runs `body` with recording on, even inside `noGrad` (`with torch.enable_grad():`).
@discardableResult
public func enableGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = GradMode.isEnabledStorage
    GradMode.isEnabledStorage = true
    defer { GradMode.isEnabledStorage = previous }
    return try body()
}
