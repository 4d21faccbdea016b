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
    private let driver: CUDADriver
    private let context: CUDAContext
    /// The driver's event.
    let handle: CUevent

    /// An event on GPU `device` (the current one by default); without `enableTiming` it is cheaper to record.
    public convenience init(enableTiming: Bool = false, device: Int? = nil) throws {
        try self.init(runtime: .shared, enableTiming: enableTiming, device: device)
    }

    convenience init(runtime: CUDARuntime, enableTiming: Bool, device: Int?) throws {
        let ordinal = device ?? runtime.currentDevice
        try self.init(driver: runtime.driver(forGPU: ordinal), context: runtime.allocator(ordinal).context, device: ordinal,
                      enableTiming: enableTiming)
    }

    /// An event of GPU `device`, whose primary context is `context`.
    init(driver: CUDADriver, context: CUDAContext, device: Int, enableTiming: Bool) throws(CUDAError) {
        (self.driver, self.context, self.device, self.enableTiming) = (driver, context, device, enableTiming)
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
        try record(onStream: streamHandle(stream, "record"))
    }

    /// Marks the work queued so far on the driver's stream `stream` (nil: the default stream).
    func record(onStream stream: CUstream?) throws(CUDAError) {
        context.makeCurrent()
        try driver.check(driver.eventRecord(handle, stream), "cuEventRecord")
    }

    /// Makes the work queued from now on on `stream` (by default the current stream of the event's GPU) wait until
    /// the GPU has passed the event (`wait`).
    public func wait(_ stream: CUDAStream? = nil) throws {
        let stream = streamHandle(stream, "wait")
        context.makeCurrent()
        try driver.check(driver.streamWaitEvent(stream, handle, 0), "cuStreamWaitEvent")
    }

    /// The driver's handle of `stream`, which must be on the event's GPU, or of the current stream there.
    private func streamHandle(_ stream: CUDAStream?, _ method: String) -> CUstream? {
        guard let stream else { return CUDAStream.currentHandle(device) }
        precondition(stream.device == device, "CUDAEvent.\(method): the event is on cuda:\(device), the stream on cuda:\(stream.device)")
        return stream.handle
    }

    /// Whether the GPU has done the work the event marks (`query`); true for an event never recorded.
    public func query() throws -> Bool {
        context.makeCurrent()
        return try driver.hasFinished(driver.eventQuery(handle), "cuEventQuery")
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

/// An event is the caching allocator's marker in a stream: a failure to query it counts as passed, as the GPU's work
/// is then over.
extension CUDAEvent: DeviceMarker {
    var hasPassed: Bool { (try? query()) ?? true }

    func waitUntilPassed() { try? synchronize() }
}
