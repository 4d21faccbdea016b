// Open MPI, opened at run time: Ember links no MPI library and needs no MPI headers, so it builds everywhere and
// says why distributed training is unavailable where Open MPI is not installed.
import Foundation

/// An MPI handle (`MPI_Comm`, `MPI_Datatype`, `MPI_Op`, `MPI_Errhandler`, `MPI_Request`): a pointer in Open MPI.
typealias MPIHandle = UnsafeMutableRawPointer

/// The MPI entry points and Open MPI's predefined handles Ember uses, resolved from `libmpi.so.40` (Open MPI 3 to 5).
/// In C the predefined handles are macros taking the address of a library object (`MPI_COMM_WORLD` is
/// `&ompi_mpi_comm_world`), which Swift cannot import; here they are those objects' addresses.
final class MPILibrary: @unchecked Sendable {   // immutable after init: entry points and handle addresses
    typealias InitThread = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32,
                                           UnsafeMutablePointer<Int32>) -> Int32
    typealias Flag = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias Finalize = @convention(c) () -> Int32
    typealias CommQuery = @convention(c) (MPIHandle, UnsafeMutablePointer<Int32>) -> Int32
    typealias CommDup = @convention(c) (MPIHandle, UnsafeMutablePointer<MPIHandle?>) -> Int32
    typealias CommFree = @convention(c) (UnsafeMutablePointer<MPIHandle?>) -> Int32
    typealias SetErrorHandler = @convention(c) (MPIHandle, MPIHandle) -> Int32
    typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32
    typealias Abort = @convention(c) (MPIHandle, Int32) -> Int32
    typealias Request = UnsafeMutablePointer<MPIHandle?>
    /// `MPI_Iallreduce`, and `MPI_Ireduce_scatter_block` (whose count is each rank's share).
    typealias Reduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, MPIHandle, MPIHandle, MPIHandle,
                                       Request) -> Int32
    typealias Broadcast = @convention(c) (UnsafeMutableRawPointer?, Int32, MPIHandle, Int32, MPIHandle, Request) -> Int32
    typealias AllGather = @convention(c) (UnsafeRawPointer?, Int32, MPIHandle, UnsafeMutableRawPointer?, Int32, MPIHandle,
                                          MPIHandle, Request) -> Int32
    /// `MPI_Igather` and `MPI_Iscatter`.
    typealias Rooted = @convention(c) (UnsafeRawPointer?, Int32, MPIHandle, UnsafeMutableRawPointer?, Int32, MPIHandle, Int32,
                                       MPIHandle, Request) -> Int32
    typealias Barrier = @convention(c) (MPIHandle, Request) -> Int32
    typealias Test = @convention(c) (Request, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32

    let library: SharedLibrary
    let initThread: InitThread
    let initialized: Flag
    let finalized: Flag
    let finalize: Finalize
    let commRank: CommQuery
    let commSize: CommQuery
    let commDup: CommDup
    let commFree: CommFree
    let setErrorHandler: SetErrorHandler
    let errorString: ErrorString
    let abort: Abort
    let allReduce: Reduce
    let reduceScatterBlock: Reduce
    let broadcast: Broadcast
    let allGather: AllGather
    let gather: Rooted
    let scatter: Rooted
    let barrier: Barrier
    let test: Test

    /// `MPI_COMM_WORLD` and `MPI_ERRORS_RETURN`.
    let commWorld: MPIHandle
    let errorsReturn: MPIHandle
    /// `MPI_BYTE`, `MPI_UINT8_T`, `MPI_INT8_T`, `MPI_INT32_T`, `MPI_INT64_T`, `MPI_FLOAT`, `MPI_DOUBLE`.
    let byte: MPIHandle, uint8: MPIHandle, int8: MPIHandle, int32: MPIHandle, int64: MPIHandle, float: MPIHandle, double: MPIHandle
    /// `MPI_SUM`, `MPI_PROD`, `MPI_MIN`, `MPI_MAX`.
    let sum: MPIHandle, product: MPIHandle, min: MPIHandle, max: MPIHandle

    /// `MPI_THREAD_MULTIPLE`.
    static let threadMultiple: Int32 = 3
    /// `MPI_IN_PLACE` in Open MPI.
    nonisolated(unsafe) static let inPlace = UnsafeMutableRawPointer(bitPattern: 1)!

    /// Opens Open MPI (globally: its components resolve symbols of `libmpi`) and resolves what Ember calls.
    init() throws(SharedLibraryError) {
        let library = try SharedLibrary.open(["libmpi.so.40"], in: [], global: true)
        func resolve<T>(_ symbol: String, _ type: T.Type) throws(SharedLibraryError) -> T { try library.function(symbol, as: type) }
        func handle(_ symbol: String) throws(SharedLibraryError) -> MPIHandle { try library.address(of: symbol) }
        self.library = library
        initThread = try resolve("MPI_Init_thread", InitThread.self)
        initialized = try resolve("MPI_Initialized", Flag.self)
        finalized = try resolve("MPI_Finalized", Flag.self)
        finalize = try resolve("MPI_Finalize", Finalize.self)
        commRank = try resolve("MPI_Comm_rank", CommQuery.self)
        commSize = try resolve("MPI_Comm_size", CommQuery.self)
        commDup = try resolve("MPI_Comm_dup", CommDup.self)
        commFree = try resolve("MPI_Comm_free", CommFree.self)
        setErrorHandler = try resolve("MPI_Comm_set_errhandler", SetErrorHandler.self)
        errorString = try resolve("MPI_Error_string", ErrorString.self)
        abort = try resolve("MPI_Abort", Abort.self)
        allReduce = try resolve("MPI_Iallreduce", Reduce.self)
        reduceScatterBlock = try resolve("MPI_Ireduce_scatter_block", Reduce.self)
        broadcast = try resolve("MPI_Ibcast", Broadcast.self)
        allGather = try resolve("MPI_Iallgather", AllGather.self)
        gather = try resolve("MPI_Igather", Rooted.self)
        scatter = try resolve("MPI_Iscatter", Rooted.self)
        barrier = try resolve("MPI_Ibarrier", Barrier.self)
        test = try resolve("MPI_Test", Test.self)
        commWorld = try handle("ompi_mpi_comm_world")
        errorsReturn = try handle("ompi_mpi_errors_return")
        (byte, uint8, int8) = (try handle("ompi_mpi_byte"), try handle("ompi_mpi_uint8_t"), try handle("ompi_mpi_int8_t"))
        (int32, int64) = (try handle("ompi_mpi_int32_t"), try handle("ompi_mpi_int64_t"))
        (float, double) = (try handle("ompi_mpi_float"), try handle("ompi_mpi_double"))
        (sum, product) = (try handle("ompi_mpi_op_sum"), try handle("ompi_mpi_op_prod"))
        (min, max) = (try handle("ompi_mpi_op_min"), try handle("ompi_mpi_op_max"))
    }

    /// Open MPI, or why it cannot be used; opened on first use.
    static let shared = Result { () throws(SharedLibraryError) in try MPILibrary() }

    /// Throws MPI's own description of `code` unless it is `MPI_SUCCESS`.
    func check(_ code: Int32, _ call: String) throws(DistributedError) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        var length: Int32 = 0
        let message = errorString(code, &text, &length) == 0 ? String(nulTerminated: text) : "MPI error \(code)"
        throw .mpi(call: call, code: code, message: message)
    }
}
