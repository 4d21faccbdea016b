// Whether operations record the autograd graph (`torch.no_grad`, `torch.enable_grad`). The switch is
// per thread, as in PyTorch: DataLoader workers collating under `noGrad` never affect the training loop.
import Foundation

/// Global switches of the autograd engine.
public enum GradMode {
    /// A thread-specific slot: empty means enabled (the default of every thread), set means disabled.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether operations on tensors that require grad record a graph on this thread.
    public static var isEnabled: Bool { isEnabledStorage }

    static var isEnabledStorage: Bool {
        @inline(__always) get { pthread_getspecific(key) == nil }
        set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
    }
}

/// Turns recording on or off for this thread (`torch.set_grad_enabled`).
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
