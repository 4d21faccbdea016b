// `torch.cuda.Event`: a marker in a GPU's stream of work, to wait for it or to time the work between two.
import CCUDA

/// A point in a GPU's stream of work (`torch.cuda.Event`): `record()` marks the work queued so far, `query()` says
/// whether the GPU has passed it, `synchronize()` waits until it has, and `elapsedTime(_:)` gives the milliseconds
/// between two recorded events made with `enableTiming`, the way PyTorch programs time GPU work:
///
/// ```swift
/// let start = try CUDAEvent(enableTiming: true), end = try CUDAEvent(enableTiming: true)
/// try start.record()
/// let y = model(x)
/// try end.record()
/// try end.synchronize()
/// print(try start.elapsedTime(end), "ms")
/// ```
///
/// Ember queues its work on each GPU's default stream, which is where events are recorded. Driver failures throw
/// `CUDAError`.
public final class CUDAEvent: @unchecked Sendable {   // immutable: the driver's event handle
    /// The GPU whose stream the event is recorded in.
    public let device: Int
    /// Whether the event records times, for `elapsedTime(_:)`.
    public let enableTiming: Bool
    private let driver: CUDADriver
    private let context: CUDAContext
    private let event: CUevent

    /// An event on GPU `device` (the current one by default); without `enableTiming` it is cheaper to record.
    public convenience init(enableTiming: Bool = false, device: Int? = nil) throws {
        try self.init(runtime: .shared, enableTiming: enableTiming, device: device)
    }

    init(runtime: CUDARuntime, enableTiming: Bool, device: Int?) throws {
        let ordinal = device ?? runtime.currentDevice
        (self.device, self.enableTiming) = (ordinal, enableTiming)
        driver = try runtime.driver(forGPU: ordinal)
        context = try runtime.allocator(ordinal).context
        context.makeCurrent()
        var made: CUevent?
        try driver.check(driver.eventCreate(&made, UInt32(enableTiming ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING)), "cuEventCreate")
        event = made!
    }

    deinit {
        context.makeCurrent()
        _ = driver.eventDestroy(event)
    }

    /// Marks the work queued on the GPU so far (`record`).
    public func record() throws {
        context.makeCurrent()
        try driver.check(driver.eventRecord(event, nil), "cuEventRecord")
    }

    /// Whether the GPU has done the work the event marks (`query`); true for an event never recorded.
    public func query() throws -> Bool {
        context.makeCurrent()
        let status = driver.eventQuery(event)
        if status == CUDA_ERROR_NOT_READY { return false }
        try driver.check(status, "cuEventQuery")
        return true
    }

    /// Waits until the GPU has done the work the event marks (`synchronize`).
    public func synchronize() throws {
        context.makeCurrent()
        try driver.check(driver.eventSynchronize(event), "cuEventSynchronize")
    }

    /// The milliseconds between this event and the later `end` (`elapsed_time`); both must have been recorded, with
    /// `enableTiming`, and `end` passed.
    public func elapsedTime(_ end: CUDAEvent) throws -> Double {
        guard let elapsed = driver.eventElapsedTime else {
            throw CUDAError.driver(call: "cuEventElapsedTime", code: 500, name: "CUDA_ERROR_NOT_FOUND",
                                   message: "the driver has no cuEventElapsedTime")
        }
        context.makeCurrent()
        var milliseconds: Float = 0
        try driver.check(elapsed(&milliseconds, event, end.event), "cuEventElapsedTime")
        return Double(milliseconds)
    }
}
