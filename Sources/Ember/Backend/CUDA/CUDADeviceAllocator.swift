// One GPU's memory as Ember's tensors see it: the caching allocator over the driver's segments, and copies.
import CCUDA
import Foundation

/// The driver's memory of one GPU, in whole segments (`cuMemAlloc`), for the caching allocator.
final class CUDADriverMemory: DeviceMemory {
    private let driver: CUDADriver
    private let context: CUDAContext
    private let ordinal: Int

    init(driver: CUDADriver, context: CUDAContext, ordinal: Int) { (self.driver, self.context, self.ordinal) = (driver, context, ordinal) }

    func allocateSegment(_ byteCount: Int) -> UInt64? {
        var address: CUdeviceptr = 0
        context.makeCurrent()
        return driver.memAlloc(&address, byteCount) == CUDA_SUCCESS ? address : nil
    }

    func freeSegment(_ address: UInt64) {
        context.makeCurrent()
        _ = driver.memFree(address)
    }

    var memoryInfo: (free: Int, total: Int) {
        var free = 0, total = 0
        context.makeCurrent()
        _ = driver.memGetInfo(&free, &total)
        return (free, total)
    }

    /// An event recorded on `stream`; a driver failure stops with its message (memory could be reused too early).
    func mark(_ stream: Int) -> DeviceMarker {
        do throws(CUDAError) {
            let event = try CUDAEvent(driver: driver, context: context, device: ordinal, enableTiming: false)
            try event.record(onStream: CUstream(bitPattern: stream))
            return event
        } catch {
            fail("cuda:\(ordinal)", "the caching allocator could not mark a stream: \(error)")
        }
    }
}

/// A GPU's primary context (the one the driver shares with every library in the process), made current on the
/// calling thread before each driver call that needs it.
final class CUDAContext: @unchecked Sendable {   // immutable: the driver and a context handle
    private let driver: CUDADriver
    private let context: CUcontext

    /// Retains device `ordinal`'s primary context.
    init(driver: CUDADriver, ordinal: Int) throws(CUDAError) {
        var device: CUdevice = 0
        try driver.check(driver.deviceGet(&device, Int32(ordinal)), "cuDeviceGet")
        var context: CUcontext?
        try driver.check(driver.devicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        guard let context else { throw .driver(call: "cuDevicePrimaryCtxRetain", code: 0, name: "CUDA_ERROR_UNKNOWN", message: "no context") }
        (self.driver, self.context) = (driver, context)
    }

    func makeCurrent() { _ = driver.ctxSetCurrent(context) }
}

/// Tensors' memory on one GPU: blocks of the device's caching allocator for the calling thread's current stream,
/// and copies queued on that stream, which the host then waits for. A driver failure while copying stops with the
/// driver's message (the tensor's bytes would be wrong otherwise).
final class CUDADeviceAllocator: DeviceAllocator, @unchecked Sendable {   // cache and lastFailure guarded by lock
    let ordinal: Int
    /// The GPU's primary context.
    let context: CUDAContext
    private let driver: CUDADriver
    private let cache: CachingAllocator
    private let lock = NSLock()
    /// Why the last allocation failed, in PyTorch's words, for the op that asked.
    private(set) var lastFailure: CUDAMemoryError?

    init(driver: CUDADriver, ordinal: Int) throws(CUDAError) {
        let context = try CUDAContext(driver: driver, ordinal: ordinal)
        (self.driver, self.ordinal, self.context) = (driver, ordinal, context)
        cache = CachingAllocator(memory: CUDADriverMemory(driver: driver, context: context, ordinal: ordinal), device: ordinal)
    }

    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        lock.lock(); defer { lock.unlock() }
        do {
            let stream = Int(bitPattern: CUDAStream.currentHandle(ordinal))
            return UnsafeMutableRawPointer(bitPattern: UInt(try cache.allocate(byteCount, stream: stream)))
        } catch {
            lastFailure = error
            return nil
        }
    }

    func free(_ address: UnsafeMutableRawPointer, byteCount: Int) {
        lock.lock(); defer { lock.unlock() }
        cache.free(UInt64(UInt(bitPattern: address)))
    }

    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int) {
        context.makeCurrent()
        let stream = CUDAStream.currentHandle(ordinal)
        stopOnFailure(driver.memcpyHtoDAsync(deviceAddress(address), source, byteCount, stream), "cuMemcpyHtoDAsync_v2")
        stopOnFailure(driver.streamSynchronize(stream), "cuStreamSynchronize")
    }

    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        context.makeCurrent()
        let stream = CUDAStream.currentHandle(ordinal)
        stopOnFailure(driver.memcpyDtoHAsync(destination, deviceAddress(address), byteCount, stream), "cuMemcpyDtoHAsync_v2")
        stopOnFailure(driver.streamSynchronize(stream), "cuStreamSynchronize")
    }

    /// Queues a copy from pinned host memory (inside the pinned `block`) on the current stream without waiting for it;
    /// `pinned` frees the block only once the copy is done.
    func copyFromPinnedHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int,
                            block: UnsafeMutableRawPointer, pinned: PinnedHostAllocator) {
        context.makeCurrent()
        let stream = CUDAStream.currentHandle(ordinal)
        stopOnFailure(driver.memcpyHtoDAsync(deviceAddress(address), source, byteCount, stream), "cuMemcpyHtoDAsync_v2")
        do throws(CUDAError) {
            let copied = try CUDAEvent(driver: driver, context: context, device: ordinal, enableTiming: false)
            try copied.record(onStream: stream)
            pinned.recordRead(of: block, until: copied)
        } catch {
            fail("cuda:\(ordinal)", error.description)
        }
    }

    /// Notes that `stream` (nil: the default one) uses the block at `address` (`Tensor.record_stream`).
    func recordStream(_ address: UnsafeRawPointer, stream: CUstream?) {
        lock.lock(); defer { lock.unlock() }
        cache.recordStream(deviceAddress(address), stream: Int(bitPattern: stream))
    }

    /// Memory statistics and the cache, under the allocator's lock.
    func withCache<R>(_ body: (CachingAllocator) -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body(cache)
    }

    private func deviceAddress(_ address: UnsafeRawPointer) -> CUdeviceptr { CUdeviceptr(UInt(bitPattern: address)) }

    private func stopOnFailure(_ result: CUresult, _ call: String) {
        do { try driver.check(result, call) } catch { fail("cuda:\(ordinal)", error.description) }
    }
}
