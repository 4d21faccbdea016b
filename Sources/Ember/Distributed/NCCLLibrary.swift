// NVIDIA's NCCL, opened at run time like the rest of CUDA: Ember links no NCCL and needs no NCCL headers.
import CCUDA
import Foundation

/// The NCCL entry points Ember calls, resolved from `libnccl.so.2` (the `nvidia-nccl-cu13` wheel's, PyTorch's, or the
/// system's), with the codes of its data types and reductions as `nccl.h` numbers them.
final class NCCLLibrary: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    let getErrorString: PFN_ncclGetErrorString
    /// `ncclGetLastError`, which says what failed in NCCL's own words (NCCL 2.13 on); nil before it.
    let getLastError: PFN_ncclGetLastError?
    let getUniqueId: PFN_ncclGetUniqueId
    let commInitRank: PFN_ncclCommInitRank
    let commDestroy: PFN_ncclCommDestroy
    let commAbort: PFN_ncclCommAbort
    let commGetAsyncError: PFN_ncclCommGetAsyncError
    let allReduce: PFN_ncclAllReduce
    let broadcast: PFN_ncclBroadcast
    let allGather: PFN_ncclAllGather
    let reduceScatter: PFN_ncclReduceScatter
    let send: PFN_ncclSend
    let recv: PFN_ncclRecv
    let groupStart: PFN_ncclGroupStart
    let groupEnd: PFN_ncclGroupEnd
    /// The library's version (2.21.5 is `[2, 21, 5]`).
    let version: [Int]

    /// The oldest NCCL Ember runs on: 2.10 brought the mean (`ncclAvg`) and bfloat16.
    static let minimumVersion = [2, 10, 0]

    /// Opens NCCL from `folders` (then the system's search) and resolves its entry points; throws when the library,
    /// an entry point, or a recent enough version is missing.
    init(searching folders: [String]) throws(DistributedError) {
        let library: SharedLibrary
        do {
            library = try SharedLibrary.open(["libnccl.so.2", "libnccl.so"], in: folders)
        } catch {
            throw .unavailable(backend: "NCCL", reason: "\(error) (pip install nvidia-nccl-cu13, or set EMBER_CUDA_PATH)")
        }
        func resolve<T>(_ symbol: String, _ type: T.Type) throws(DistributedError) -> T {
            do { return try library.function(symbol, as: type) } catch { throw .unavailable(backend: "NCCL", reason: error.description) }
        }
        self.library = library
        let getVersion = try resolve("ncclGetVersion", PFN_ncclGetVersion.self)
        var code: Int32 = 0
        guard getVersion(&code) == NCCL_SUCCESS else { throw .unavailable(backend: "NCCL", reason: "ncclGetVersion failed") }
        // NCCL_VERSION_CODE: X * 1000 + Y * 100 + Z before 2.9, X * 10000 + Y * 100 + Z from 2.9.
        let version = code >= 20900 ? [Int(code) / 10000, Int(code) % 10000 / 100, Int(code) % 100]
            : [Int(code) / 1000, Int(code) % 1000 / 100, Int(code) % 100]
        guard !version.lexicographicallyPrecedes(NCCLLibrary.minimumVersion) else {
            throw .unavailable(backend: "NCCL", reason: "\(library.name) is NCCL \(version.map(String.init).joined(separator: ".")); "
                               + "Ember needs 2.10 or later")
        }
        self.version = version
        getErrorString = try resolve("ncclGetErrorString", PFN_ncclGetErrorString.self)
        getLastError = try? library.function("ncclGetLastError", as: PFN_ncclGetLastError.self)
        getUniqueId = try resolve("ncclGetUniqueId", PFN_ncclGetUniqueId.self)
        commInitRank = try resolve("ncclCommInitRank", PFN_ncclCommInitRank.self)
        commDestroy = try resolve("ncclCommDestroy", PFN_ncclCommDestroy.self)
        commAbort = try resolve("ncclCommAbort", PFN_ncclCommAbort.self)
        commGetAsyncError = try resolve("ncclCommGetAsyncError", PFN_ncclCommGetAsyncError.self)
        allReduce = try resolve("ncclAllReduce", PFN_ncclAllReduce.self)
        broadcast = try resolve("ncclBroadcast", PFN_ncclBroadcast.self)
        allGather = try resolve("ncclAllGather", PFN_ncclAllGather.self)
        reduceScatter = try resolve("ncclReduceScatter", PFN_ncclReduceScatter.self)
        send = try resolve("ncclSend", PFN_ncclSend.self)
        recv = try resolve("ncclRecv", PFN_ncclRecv.self)
        groupStart = try resolve("ncclGroupStart", PFN_ncclGroupStart.self)
        groupEnd = try resolve("ncclGroupEnd", PFN_ncclGroupEnd.self)
    }

    /// NCCL, found through `EMBER_CUDA_PATH`, Python's site-packages and the system's search, or why it cannot be used;
    /// opened on first use.
    static let shared = Result { () throws(DistributedError) in try NCCLLibrary(searching: CUDALibrarySearch.folders()) }

    /// Throws NCCL's description of `result` (and of its last failure, when it says more) unless it is success.
    func check(_ result: ncclResult_t, _ call: String, _ communicator: ncclComm_t? = nil) throws(DistributedError) {
        guard result != NCCL_SUCCESS else { return }
        var message = getErrorString(result).map { String(cString: $0) } ?? "unknown NCCL error"
        if let detail = getLastError?(communicator).map({ String(cString: $0) }), !detail.isEmpty { message += ": \(detail)" }
        throw .nccl(call: call, code: result, message: message)
    }

    /// NCCL's code for `dtype` (`ncclDataType_t`): a bool is a byte, 0 or 1, reduced as `uint8`. Complex tensors
    /// reach NCCL as their real and imaginary parts.
    static func dataType(_ dtype: DType) -> Int32 {
        switch dtype {
        case .int8: return 0
        case .bool, .uint8: return 1
        case .int32: return 2
        case .int64: return 4
        case .float16: return 6
        case .float32, .complex64: return 7
        case .float64, .complex128: return 8
        case .bfloat16: return 9
        }
    }

    /// NCCL's code for `op` on `dtype` (`ncclRedOp_t`): bools take the sum and the maximum as *or*, the product and the
    /// minimum as *and*; the mean divides in NCCL (integers truncate).
    static func reduction(_ op: Distributed.ReduceOp, of dtype: DType) -> Int32 {
        switch op {
        case .sum: return dtype == .bool ? 2 : 0
        case .product: return dtype == .bool ? 3 : 1
        case .max: return 2
        case .min: return 3
        case .average: return 4
        }
    }
}
