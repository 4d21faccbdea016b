// The CUDA driver API, resolved from libcuda.so.1 at run time.
import CCUDA

/// The entry points of the CUDA driver Ember calls, resolved once from `libcuda.so.1`; a missing one makes the
/// driver unusable (the reason names it).
final class CUDADriver: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    let getErrorString: PFN_cuGetErrorString
    let getErrorName: PFN_cuGetErrorName
    let driverGetVersion: PFN_cuDriverGetVersion
    let deviceGetCount: PFN_cuDeviceGetCount
    let deviceGet: PFN_cuDeviceGet
    let deviceGetName: PFN_cuDeviceGetName
    let deviceGetAttribute: PFN_cuDeviceGetAttribute
    let deviceTotalMem: PFN_cuDeviceTotalMem
    let devicePrimaryCtxRetain: PFN_cuDevicePrimaryCtxRetain
    let ctxSetCurrent: PFN_cuCtxSetCurrent
    let ctxSynchronize: PFN_cuCtxSynchronize
    let memAlloc: PFN_cuMemAlloc
    let memFree: PFN_cuMemFree
    let memGetInfo: PFN_cuMemGetInfo
    let memHostAlloc: PFN_cuMemHostAlloc
    let memFreeHost: PFN_cuMemFreeHost
    let memcpyHtoDAsync: PFN_cuMemcpyHtoDAsync
    let memcpyDtoHAsync: PFN_cuMemcpyDtoHAsync
    let moduleLoadData: PFN_cuModuleLoadData
    let moduleGetFunction: PFN_cuModuleGetFunction
    let launchKernel: PFN_cuLaunchKernel
    let ctxGetStreamPriorityRange: PFN_cuCtxGetStreamPriorityRange
    let streamCreateWithPriority: PFN_cuStreamCreateWithPriority
    let streamSynchronize: PFN_cuStreamSynchronize
    let streamQuery: PFN_cuStreamQuery
    let streamWaitEvent: PFN_cuStreamWaitEvent
    let eventCreate: PFN_cuEventCreate
    let eventRecord: PFN_cuEventRecord
    let eventQuery: PFN_cuEventQuery
    let eventDestroy: PFN_cuEventDestroy
    let eventSynchronize: PFN_cuEventSynchronize
    /// `cuEventElapsedTime_v2` (CUDA 12.8 on), else the first version; nil when the driver has neither.
    let eventElapsedTime: PFN_cuEventElapsedTime?

    /// Opens the driver from `folders` (then the system's search), resolves its entry points and initialises it.
    init(searching folders: [String]) throws(CUDAError) {
        let library = try SharedLibrary.openCUDA(["libcuda.so.1", "libcuda.so"], in: folders)
        self.library = library
        getErrorString = try library.entryPoint("cuGetErrorString")
        getErrorName = try library.entryPoint("cuGetErrorName")
        driverGetVersion = try library.entryPoint("cuDriverGetVersion")
        deviceGetCount = try library.entryPoint("cuDeviceGetCount")
        deviceGet = try library.entryPoint("cuDeviceGet")
        deviceGetName = try library.entryPoint("cuDeviceGetName")
        deviceGetAttribute = try library.entryPoint("cuDeviceGetAttribute")
        deviceTotalMem = try library.entryPoint("cuDeviceTotalMem_v2")
        devicePrimaryCtxRetain = try library.entryPoint("cuDevicePrimaryCtxRetain")
        ctxSetCurrent = try library.entryPoint("cuCtxSetCurrent")
        ctxSynchronize = try library.entryPoint("cuCtxSynchronize")
        memAlloc = try library.entryPoint("cuMemAlloc_v2")
        memFree = try library.entryPoint("cuMemFree_v2")
        memGetInfo = try library.entryPoint("cuMemGetInfo_v2")
        memHostAlloc = try library.entryPoint("cuMemHostAlloc")
        memFreeHost = try library.entryPoint("cuMemFreeHost")
        memcpyHtoDAsync = try library.entryPoint("cuMemcpyHtoDAsync_v2")
        memcpyDtoHAsync = try library.entryPoint("cuMemcpyDtoHAsync_v2")
        moduleLoadData = try library.entryPoint("cuModuleLoadData")
        moduleGetFunction = try library.entryPoint("cuModuleGetFunction")
        launchKernel = try library.entryPoint("cuLaunchKernel")
        ctxGetStreamPriorityRange = try library.entryPoint("cuCtxGetStreamPriorityRange")
        streamCreateWithPriority = try library.entryPoint("cuStreamCreateWithPriority")
        streamSynchronize = try library.entryPoint("cuStreamSynchronize")
        streamQuery = try library.entryPoint("cuStreamQuery")
        streamWaitEvent = try library.entryPoint("cuStreamWaitEvent")
        eventCreate = try library.entryPoint("cuEventCreate")
        eventRecord = try library.entryPoint("cuEventRecord")
        eventQuery = try library.entryPoint("cuEventQuery")
        eventDestroy = try library.entryPoint("cuEventDestroy_v2")
        eventSynchronize = try library.entryPoint("cuEventSynchronize")
        eventElapsedTime = ["cuEventElapsedTime_v2", "cuEventElapsedTime"].lazy
            .compactMap { try? library.function($0, as: PFN_cuEventElapsedTime.self) }.first
        let initialise: PFN_cuInit = try library.entryPoint("cuInit")
        try check(initialise(0), "cuInit")
    }

    /// Throws the driver's own description of `result` unless it is success.
    func check(_ result: CUresult, _ call: String) throws(CUDAError) {
        guard result != CUDA_SUCCESS else { return }
        var name: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?
        _ = getErrorName(result, &name)
        _ = getErrorString(result, &text)
        throw .driver(call: call, code: result, name: name.map { String(cString: $0) } ?? "CUDA_ERROR_UNKNOWN",
                      message: text.map { String(cString: $0) } ?? "unknown error")
    }

    /// Whether a query's `status` says the GPU has done the work: false for `CUDA_ERROR_NOT_READY`, true for success,
    /// and any other status thrown.
    func hasFinished(_ status: CUresult, _ call: String) throws(CUDAError) -> Bool {
        if status == CUDA_ERROR_NOT_READY { return false }
        try check(status, call)
        return true
    }

    /// The driver's CUDA version as major.minor (13000 is 13.0).
    func version() throws(CUDAError) -> (major: Int, minor: Int) {
        var version: Int32 = 0
        try check(driverGetVersion(&version), "cuDriverGetVersion")
        return (Int(version) / 1000, Int(version) % 1000 / 10)
    }

    /// The number of CUDA devices the driver sees.
    func deviceCount() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try check(deviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// What the driver says of device `ordinal`: its name, compute capability, multiprocessors and memory.
    func properties(ofDevice ordinal: Int) throws(CUDAError) -> CUDADeviceProperties {
        var device: CUdevice = 0
        try check(deviceGet(&device, Int32(ordinal)), "cuDeviceGet")
        var name = [CChar](repeating: 0, count: 256)
        try check(deviceGetName(&name, Int32(name.count), device), "cuDeviceGetName")
        func attribute(_ code: Int32) throws(CUDAError) -> Int {
            var value: Int32 = 0
            try check(deviceGetAttribute(&value, code, device), "cuDeviceGetAttribute")
            return Int(value)
        }
        var bytes = 0
        try check(deviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2")
        return CUDADeviceProperties(
            name: String(nulTerminated: name),
            major: try attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
            minor: try attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
            multiProcessorCount: try attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            totalMemory: bytes)
    }
}

/// One GPU as the driver describes it (`torch.cuda.get_device_properties`).
public struct CUDADeviceProperties: Equatable, Sendable {
    /// The product name ("NVIDIA H200").
    public let name: String
    /// The compute capability's major version (9 for Hopper).
    public let major: Int
    /// The compute capability's minor version.
    public let minor: Int
    /// The number of streaming multiprocessors.
    public let multiProcessorCount: Int
    /// The device's memory in bytes.
    public let totalMemory: Int
}
