// NVRTC, CUDA's run-time compiler: CUDA C source in, a CUBIN for one GPU architecture out. It needs no GPU.
import CCUDA
import Foundation

/// The NVRTC library, loaded from the CUDA search folders, compiling Ember's generated kernel sources.
final class NVRTC: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    /// Where `cuda_fp16.h` and `cuda_bf16.h` are (the `nvidia-cuda-runtime` wheel's `include`), if found.
    let includeFolder: String?
    private let getErrorString: PFN_nvrtcGetErrorString
    private let createProgram: PFN_nvrtcCreateProgram
    private let destroyProgram: PFN_nvrtcDestroyProgram
    private let compileProgram: PFN_nvrtcCompileProgram
    private let getProgramLogSize: PFN_nvrtcGetProgramLogSize
    private let getProgramLog: PFN_nvrtcGetProgramLog
    private let getCUBINSize: PFN_nvrtcGetCUBINSize
    private let getCUBIN: PFN_nvrtcGetCUBIN
    private let getPTXSize: PFN_nvrtcGetPTXSize
    private let getPTX: PFN_nvrtcGetPTX
    /// NVRTC's version (13.0 for the pinned wheel).
    let version: (major: Int, minor: Int)

    /// Opens NVRTC from `folders` (then the system's search) and resolves its entry points.
    init(searching folders: [String]) throws(CUDAError) {
        let library = try SharedLibrary.openCUDA(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"], in: folders)
        self.library = library
        includeFolder = CUDALibrarySearch.includeFolder(besideLibraryAt: library.path)
        getErrorString = try library.entryPoint("nvrtcGetErrorString")
        createProgram = try library.entryPoint("nvrtcCreateProgram")
        destroyProgram = try library.entryPoint("nvrtcDestroyProgram")
        compileProgram = try library.entryPoint("nvrtcCompileProgram")
        getProgramLogSize = try library.entryPoint("nvrtcGetProgramLogSize")
        getProgramLog = try library.entryPoint("nvrtcGetProgramLog")
        getCUBINSize = try library.entryPoint("nvrtcGetCUBINSize")
        getCUBIN = try library.entryPoint("nvrtcGetCUBIN")
        getPTXSize = try library.entryPoint("nvrtcGetPTXSize")
        getPTX = try library.entryPoint("nvrtcGetPTX")
        var major: Int32 = 0, minor: Int32 = 0
        let getVersion: PFN_nvrtcVersion = try library.entryPoint("nvrtcVersion")
        _ = getVersion(&major, &minor)
        version = (Int(major), Int(minor))
        // NVRTC opens its builtins library by bare name, which finds a pip wheel's copy only once it is loaded.
        let folder = (library.path as NSString).deletingLastPathComponent
        if !folder.isEmpty { _ = try? SharedLibrary.open(["libnvrtc-builtins.so.\(major).\(minor)"], in: [folder]) }
    }

    /// What compiling one source gives: the machine code (CUBIN) or PTX, and the compiler's log (warnings).
    struct Output {
        /// The CUBIN image for `architecture`, or the PTX text (NUL-terminated) for `compute_*`.
        let image: [UInt8]
        /// What the compiler printed; empty for a clean compile.
        let log: String
    }

    /// Compiles `source` (named `name` in messages) for `architecture`: `sm_90` gives a CUBIN, `compute_90` PTX.
    func compile(_ source: String, name: String, architecture: String) throws(CUDAError) -> Output {
        var program: nvrtcProgram?
        try check(createProgram(&program, source, name, 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = destroyProgram(&program) }
        var options = ["--gpu-architecture=\(architecture)", "--std=c++17", "--device-as-default-execution-space"]
        if let includeFolder { options.append("--include-path=\(includeFolder)") }
        let status = withCStrings(options) { compileProgram(program, Int32(options.count), $0) }
        var logSize = 0
        _ = getProgramLogSize(program, &logSize)
        var logBytes = [CChar](repeating: 0, count: max(logSize, 1))
        _ = getProgramLog(program, &logBytes)
        let log = String(nulTerminated: logBytes).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == NVRTC_SUCCESS else { throw .compilation(kernel: name, log: log) }
        let isCUBIN = architecture.hasPrefix("sm_")
        var size = 0
        try check(isCUBIN ? getCUBINSize(program, &size) : getPTXSize(program, &size), isCUBIN ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize")
        var image = [UInt8](repeating: 0, count: size)
        try image.withUnsafeMutableBufferPointer { (buffer) throws(CUDAError) in
            let bytes = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            try check(isCUBIN ? getCUBIN(program, bytes) : getPTX(program, bytes), isCUBIN ? "nvrtcGetCUBIN" : "nvrtcGetPTX")
        }
        return Output(image: image, log: log)
    }

    private func check(_ result: nvrtcResult, _ call: String) throws(CUDAError) {
        guard result != NVRTC_SUCCESS else { return }
        throw .nvrtc(call: call, code: result, message: getErrorString(result).map { String(cString: $0) } ?? "unknown error")
    }
}

/// Calls `body` with the strings as a C array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress!) }
}
