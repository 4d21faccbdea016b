// Gradient hooks (`register_hook`, `register_post_accumulate_grad_hook`) and end-of-backward callbacks
// (`queue_callback`): what distributed training overlaps its communication with.
import Foundation
import Synchronization

/// Numbers hooks, so a handle removes its own hook and no other.
private let nextHookID = Atomic<Int>(0)
private func newHookID() -> Int { nextHookID.add(1, ordering: .relaxed).newValue }

/// Unregisters a hook (`torch.utils.hooks.RemovableHandle`).
public final class RemovableHandle {
    private var removal: (() -> Void)?
    init(_ removal: @escaping () -> Void) { self.removal = removal }
    /// Removes the hook; a second call does nothing.
    public func remove() {
        removal?()
        removal = nil
    }
}

/// Hooks of one kind in registration order, each removable by the handle `add` returns.
final class HookList<Hook> {
    private(set) var hooks: [(id: Int, hook: Hook)] = []

    /// Adds `hook` and returns the handle that removes it.
    func add(_ hook: Hook) -> RemovableHandle {
        let id = newHookID()
        hooks.append((id, hook))
        return RemovableHandle { [weak self] in self?.hooks.removeAll { $0.id == id } }
    }
}

/// Hooks on one gradient; each may return a gradient to use instead.
typealias GradientHooks = HookList<(Tensor) -> Tensor?>

extension HookList where Hook == (Tensor) -> Tensor? {
    /// `gradient` after every hook.
    func apply(_ gradient: Tensor) -> Tensor { hooks.reduce(gradient) { $1.hook($0) ?? $0 } }
}

/// A leaf's hooks: on its gradient before it is accumulated, and on itself after.
final class LeafHooks {
    let gradient = GradientHooks()
    let afterAccumulation = HookList<(Tensor) -> Void>()
}

extension Tensor {
    /// Calls `hook` with this tensor's gradient each time one is computed, before it is accumulated into `.grad` or
    /// passed on; a returned tensor replaces the gradient (`register_hook`).
    @discardableResult
    public func registerHook(file: StaticString = #fileID, line: UInt = #line,
                             _ hook: @escaping (Tensor) -> Tensor?) -> RemovableHandle {
        check(requiresGrad, "register_hook", "cannot register a hook on a tensor that doesn't require gradient",
              file: file, line: line)
        if let node = gradFn {
            let hooks = node.tensorPreHooks[outputNumber] ?? GradientHooks()
            node.tensorPreHooks[outputNumber] = hooks
            return hooks.add(hook)
        }
        return leafHooks.gradient.add(hook)
    }

    /// Calls `hook` with this leaf after its `.grad` has been accumulated by `backward()`
    /// (`register_post_accumulate_grad_hook`).
    @discardableResult
    public func registerPostAccumulateGradHook(file: StaticString = #fileID, line: UInt = #line,
                                               _ hook: @escaping (Tensor) -> Void) -> RemovableHandle {
        check(isLeaf && requiresGrad, "register_post_accumulate_grad_hook",
              "post accumulate grad hooks can only be registered on leaf tensors that require grad", file: file, line: line)
        return leafHooks.afterAccumulation.add(hook)
    }

    private var leafHooks: LeafHooks {
        if let hooks { return hooks }
        let made = LeafHooks()
        hooks = made
        return made
    }
}

extension Autograd {
    /// Runs `callback` once the backward pass now running on this thread has finished
    /// (`Variable._execution_engine.queue_callback`); stops when none is running.
    public static func queueCallback(file: StaticString = #fileID, line: UInt = #line, _ callback: @escaping () -> Void) {
        guard BackwardCallbacks.forThisThread.queue(callback) else {
            fail("queue_callback", "Final callbacks can only be installed during backward pass.", file: file, line: line)
        }
    }
}

/// The callbacks queued during the backward passes running on one thread (a callback's own backward nests).
final class BackwardCallbacks {
    private var depth = 0
    private var pending: [(depth: Int, callback: () -> Void)] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { $0.map { Unmanaged<BackwardCallbacks>.fromOpaque($0).release() } }
        return key
    }()

    /// This thread's, made on first use.
    static var forThisThread: BackwardCallbacks {
        if let stored = pthread_getspecific(key) { return Unmanaged<BackwardCallbacks>.fromOpaque(stored).takeUnretainedValue() }
        let callbacks = BackwardCallbacks()
        pthread_setspecific(key, Unmanaged.passRetained(callbacks).toOpaque())
        return callbacks
    }

    /// A backward pass starts.
    func begin() { depth += 1 }

    /// The innermost backward pass has finished: runs what it queued, in order (those may queue more).
    func end() {
        while let index = pending.firstIndex(where: { $0.depth == depth }) { pending.remove(at: index).callback() }
        depth -= 1
    }

    /// Queues `callback` for the innermost backward pass; false when none is running.
    func queue(_ callback: @escaping () -> Void) -> Bool {
        guard depth > 0 else { return false }
        pending.append((depth, callback))
        return true
    }
}
