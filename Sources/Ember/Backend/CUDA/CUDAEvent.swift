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
/// Events are recorded on the current stream of their GPU unless a `CUDAStream` is given; `wait(_:)` makes a stream's
/// later work wait for one. Driver failures throw `CUDAError`.
public final class CUDAEvent: @unchecked Sendable {   // immutable: the driver's event handle
    /// The GPU whose stream the event is recorded in.
    public let device: Int
    /// Whether the event records times, for `elapsedTime(_:)`.
    public let enableTiming: Bool
    private let runtime: CUDARuntime
    private let driver: CUDADriver
    private let context: CUDAContext
    /// The driver's event.
    let handle: CUevent

    /// An event on GPU `device` (the current one by default); without `enableTiming` it is cheaper to record.
    public convenience init(enableTiming: Bool = false, device: Int? = nil) throws {
        try self.init(runtime: .shared, enableTiming: enableTiming, device: device)
    }

    init(runtime: CUDARuntime, enableTiming: Bool, device: Int?) throws {
        let ordinal = device ?? runtime.currentDevice
        (self.runtime, self.device, self.enableTiming) = (runtime, ordinal, enableTiming)
        driver = try runtime.driver(forGPU: ordinal)
        context = try runtime.allocator(ordinal).context
        context.makeCurrent()
        var made: CUevent?
        try driver.check(driver.eventCreate(&made, UInt32(enableTiming ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING)), "cuEventCreate")
        handle = made!
    }

    deinit {
        context.makeCurrent()
        _ = driver.eventDestroy(handle)
    }

    /// Marks the work queued so far on `stream` (by default the current stream of the event's GPU) (`record`).
    public func record(_ stream: CUDAStream? = nil) throws {
        let handle = stream.map { stream in
            precondition(stream.device == device, "CUDAEvent.record: the event is on cuda:\(device), the stream on cuda:\(stream.device)")
            return stream.handle
        } ?? CUDAStream.currentHandle(device)
        context.makeCurrent()
        try driver.check(driver.eventRecord(self.handle, handle), "cuEventRecord")
    }

    /// Makes the work queued from now on on `stream` (by default the current stream of the event's GPU) wait until
    /// the GPU has passed the event (`wait`).
    public func wait(_ stream: CUDAStream? = nil) throws {
        try (stream ?? runtime.currentStream(device)).waitEvent(self)
    }

    /// Whether the GPU has done the work the event marks (`query`); true for an event never recorded.
    public func query() throws -> Bool {
        context.makeCurrent()
        let status = driver.eventQuery(handle)
        if status == CUDA_ERROR_NOT_READY { return false }
        try driver.check(status, "cuEventQuery")
        return true
    }

    /// Waits until the GPU has done the work the event marks (`synchronize`).
    public func synchronize() throws {
        context.makeCurrent()
        try driver.check(driver.eventSynchronize(handle), "cuEventSynchronize")
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
        try driver.check(elapsed(&milliseconds, handle, end.handle), "cuEventElapsedTime")
        return Double(milliseconds)
    }
}
