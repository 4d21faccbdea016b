// `torch.cuda.Stream`: a queue of work on one GPU, and each thread's current stream per GPU, where Ember queues the
// kernels, copies, matrix products, Fourier transforms and collectives of its ops.
import CCUDA
import Foundation

/// A queue of work on one GPU (`torch.cuda.Stream`). Work on one stream runs in the order it was queued; work on
/// different streams may overlap. Each GPU has a default stream (the driver's legacy stream,
/// `Ember.cuda.defaultStream()`), current on every thread until `Ember.cuda.stream(_:_:)` or `setStream(_:)` makes
/// another current; Ember queues each op's kernels, copies, cuBLAS and cuFFT calls and NCCL collectives on the current
/// stream of the op's GPU on the calling thread:
///
/// ```swift
/// let side = try CUDAStream()
/// try side.waitStream(try Ember.cuda.currentStream())   // x and w were made on the default stream
/// let y = Ember.cuda.stream(side) { x.matmul(w) }
/// try Ember.cuda.currentStream().waitStream(side)       // before the default stream uses y
/// ```
///
/// As in PyTorch, the streams you make never wait for the default stream or for each other by themselves: order
/// work across streams with `waitStream(_:)`, `waitEvent(_:)` or `CUDAEvent`. A tensor's memory belongs to the stream
/// that was current when it was made; when another stream also uses it, call `Tensor.recordStream(_:)`, so that the
/// memory is not handed to a new tensor before that stream is done with it. Reading a tensor on the host (`item()`,
/// `toArray`, `cpu()`) waits for the current stream. Lower `priority` numbers are higher priorities (0 is the
/// default; the driver's range is -5...0 on recent GPUs, and values outside it are clamped). Driver failures throw
/// `CUDAError`.
public final class CUDAStream: Hashable, CustomStringConvertible, @unchecked Sendable {   // immutable
    /// The GPU whose work the stream queues.
    public let device: Int
    /// The stream's priority as the driver keeps it (lower is higher).
    public let priority: Int
    /// The driver's stream; nil for the legacy default stream.
    let handle: CUstream?
    private let runtime: CUDARuntime
    private let driver: CUDADriver
    private let context: CUDAContext

    /// A new stream on GPU `device` (the current one by default) with `priority` (`torch.cuda.Stream`).
    public convenience init(device: Int? = nil, priority: Int = 0) throws {
        try self.init(runtime: .shared, device: device, priority: priority)
    }

    init(runtime: CUDARuntime, device: Int?, priority: Int) throws {
        let ordinal = device ?? runtime.currentDevice
        let driver = try runtime.driver(forGPU: ordinal), context = try runtime.allocator(ordinal).context
        context.makeCurrent()
        var least: Int32 = 0, greatest: Int32 = 0
        try driver.check(driver.ctxGetStreamPriorityRange(&least, &greatest), "cuCtxGetStreamPriorityRange")
        let priority = min(max(priority, Int(greatest)), Int(least))
        var handle = runtime.idleStream(ordinal, priority: priority)
        if handle == nil {
            try driver.check(driver.streamCreateWithPriority(&handle, UInt32(CU_STREAM_NON_BLOCKING), Int32(priority)),
                             "cuStreamCreateWithPriority")
        }
        (self.runtime, self.device, self.priority, self.handle) = (runtime, ordinal, priority, handle)
        (self.driver, self.context) = (driver, context)
    }

    /// GPU `ordinal`'s default stream.
    init(defaultOf ordinal: Int, runtime: CUDARuntime) throws {
        (self.runtime, device, priority, handle) = (runtime, ordinal, 0, nil)
        driver = try runtime.driver(forGPU: ordinal)
        context = try runtime.allocator(ordinal).context
    }

    /// A stream is never destroyed (work may still be queued on it, and freed memory may belong to it): the next
    /// stream made with its device and priority takes it, as PyTorch keeps a pool of streams.
    deinit {
        if let handle { runtime.keepIdleStream(handle, device, priority: priority) }
    }

    /// Whether two streams are the same queue.
    public static func == (lhs: CUDAStream, rhs: CUDAStream) -> Bool { lhs.device == rhs.device && lhs.handle == rhs.handle }

    /// Hashes the GPU and the driver's stream, which `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(device)
        hasher.combine(handle)
    }

    /// `<CUDAStream device=cuda:0 default>`, or the driver's handle for others, as PyTorch prints streams.
    public var description: String {
        "<CUDAStream device=cuda:\(device) \(handle.map { "cuda_stream=\(UInt(bitPattern: Int(bitPattern: $0)))" } ?? "default")>"
    }

    /// Waits until the GPU has done all the work queued on the stream (`synchronize`).
    public func synchronize() throws {
        context.makeCurrent()
        try driver.check(driver.streamSynchronize(handle), "cuStreamSynchronize")
    }

    /// Whether the GPU has done all the work queued on the stream (`query`).
    public func query() throws -> Bool {
        context.makeCurrent()
        return try driver.hasFinished(driver.streamQuery(handle), "cuStreamQuery")
    }

    /// Makes the work queued on the stream from now on wait until the GPU has passed `event` (`wait_event`).
    public func waitEvent(_ event: CUDAEvent) throws { try event.wait(self) }

    /// Makes the work queued on the stream from now on wait for the work queued on `other` so far (`wait_stream`).
    public func waitStream(_ other: CUDAStream) throws {
        try waitEvent(other.recordEvent())
    }

    /// Records `event` (a new one by default) on the stream and returns it (`record_event`).
    @discardableResult
    public func recordEvent(_ event: CUDAEvent? = nil) throws -> CUDAEvent {
        let event = try event ?? CUDAEvent(runtime: runtime, enableTiming: false, device: device)
        try event.record(self)
        return event
    }
}

extension CUDAStream {
    /// One thread's current streams, by GPU; a GPU absent from it uses its default stream.
    private final class ThreadStreams { var byDevice: [Int: CUDAStream] = [:] }

    /// The slot holding a thread's `ThreadStreams` (retained; released when the thread ends).
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { slot in Unmanaged<ThreadStreams>.fromOpaque(slot!).release() }
        return key
    }()

    /// The stream this thread made current for GPU `ordinal`, or nil when that is the default stream.
    static func current(_ ordinal: Int) -> CUDAStream? {
        guard let slot = pthread_getspecific(key) else { return nil }
        return Unmanaged<ThreadStreams>.fromOpaque(slot).takeUnretainedValue().byDevice[ordinal]
    }

    /// The driver's handle of this thread's current stream for GPU `ordinal` (nil: the default stream).
    static func currentHandle(_ ordinal: Int) -> CUstream? { current(ordinal)?.handle }

    /// Makes `stream` (nil: the default stream) this thread's current stream for GPU `ordinal`.
    static func setCurrent(_ stream: CUDAStream?, of ordinal: Int) {
        let streams: ThreadStreams
        if let slot = pthread_getspecific(key) {
            streams = Unmanaged<ThreadStreams>.fromOpaque(slot).takeUnretainedValue()
        } else {
            streams = ThreadStreams()
            pthread_setspecific(key, Unmanaged.passRetained(streams).toOpaque())
        }
        streams.byDevice[ordinal] = stream?.handle == nil ? nil : stream
    }
}

/// A library's handles on one GPU, one per stream (cuBLAS and cuDNN handles keep workspace that streams running at once
/// must not share), each made by `make` on the first use from its stream. Not thread-safe: its owner locks.
struct StreamHandles<Handle> {
    private let ordinal: Int
    private let make: (CUstream?) throws(CUDAError) -> Handle
    private var handles: [Int: Handle] = [:]

    /// The handles of GPU `ordinal`; the default stream's is made at once, so a library that cannot make one (no GPU)
    /// is found here.
    init(ordinal: Int, make: @escaping (CUstream?) throws(CUDAError) -> Handle) throws(CUDAError) {
        (self.ordinal, self.make) = (ordinal, make)
        handles[0] = try make(nil)
    }

    /// The handle of the calling thread's current stream.
    mutating func current() throws(CUDAError) -> Handle {
        let stream = CUDAStream.currentHandle(ordinal), key = Int(bitPattern: stream)
        if let handle = handles[key] { return handle }
        let handle = try make(stream)
        handles[key] = handle
        return handle
    }
}

extension CUDARuntime {
    /// This thread's current stream on GPU `device` (the current GPU by default) (`torch.cuda.current_stream`).
    public func currentStream(_ device: Int? = nil) throws -> CUDAStream {
        let ordinal = device ?? currentDevice
        return try CUDAStream.current(ordinal) ?? defaultStream(ordinal)
    }

    /// GPU `device`'s default stream (the current GPU's by default) (`torch.cuda.default_stream`).
    public func defaultStream(_ device: Int? = nil) throws -> CUDAStream {
        try CUDAStream(defaultOf: device ?? currentDevice, runtime: self)
    }

    /// Makes `stream` this thread's current stream for its GPU (`torch.cuda.set_stream`).
    public func setStream(_ stream: CUDAStream) { CUDAStream.setCurrent(stream, of: stream.device) }

    /// Runs `body` with `stream` as this thread's current stream for its GPU, then restores the previous one
    /// (`with torch.cuda.stream(s):`).
    @discardableResult
    public func stream<R>(_ stream: CUDAStream, _ body: () throws -> R) rethrows -> R {
        let previous = CUDAStream.current(stream.device)
        CUDAStream.setCurrent(stream, of: stream.device)
        defer { CUDAStream.setCurrent(previous, of: stream.device) }
        return try body()
    }
}

extension Tensor {
    /// Notes that the work queued on `stream` uses this tensor's memory (`Tensor.record_stream`): when the tensor is
    /// freed, its memory goes to new tensors only after `stream` has done the work queued on it by then. Needed when a
    /// tensor made on one stream is used on another.
    public func recordStream(_ stream: CUDAStream, file: StaticString = #fileID, line: UInt = #line) {
        guard let allocator = storage.backend.allocator as? CUDADeviceAllocator, allocator.ordinal == stream.device else {
            fail("recordStream", "the tensor is on \(device), the stream on cuda:\(stream.device)", file: file, line: line)
        }
        allocator.recordStream(storage.pointer, stream: stream.handle)
    }
}
