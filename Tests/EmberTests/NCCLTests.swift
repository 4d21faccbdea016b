// NCCL without a GPU: loading it and its failures through fake libraries built for the tests
// (Fixtures/FakeCUDA/fake_nccl.c), and the real library of the nvidia-nccl-cu13 wheel as far as a machine without a
// GPU lets it go. The collectives themselves run in DistributedTests, on fake GPUs in real MPI jobs.
import CCUDA
@testable import Ember
import Foundation
import XCTest

final class NCCLTests: XCTestCase {
    func testTheFakeLibraryLoadsWithItsVersion() throws {
        XCTAssertEqual(try NCCLLibrary(searching: [fakeNCCL()]).version, [2, 21, 5])
    }

    /// In a process of its own: once any test has loaded NCCL, the system's search finds it by name.
    func testAMissingLibraryIsUnavailableSayingWhereItLookedAndHowToInstallIt() throws {
        let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let folder = try CUDATests.temporaryFolder(self)
        let run = try runProcess(program, ["EmberTests.NCCLTests/testMissingLibraryWorker"],
                                 environment: ["EMBER_NCCL_WORKER": folder, "EMBER_CUDA_PATH": folder, "HOME": folder])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("NCCL was missing as expected"), run.output)
    }

    /// Runs for `testAMissingLibraryIsUnavailableSayingWhereItLookedAndHowToInstallIt`, searching an empty folder.
    func testMissingLibraryWorker() throws {
        guard let folder = ProcessInfo.processInfo.environment["EMBER_NCCL_WORKER"] else {
            throw XCTSkip("runs only in the process another test starts")
        }
        try XCTSkipIf(dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL) != nil, "the system's search finds an NCCL on this machine")
        XCTAssertFalse(Distributed.isNCCLAvailable)
        XCTAssertThrowsError(try NCCLLibrary(searching: [folder])) { error in
            guard case DistributedError.unavailable(let backend, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(backend, "NCCL")
            XCTAssertTrue(reason.hasPrefix("libnccl.so.2 could not be loaded (searched \(folder)"), reason)
            XCTAssertTrue(reason.hasSuffix("(pip install nvidia-nccl-cu13, or set EMBER_CUDA_PATH)"), reason)
        }
        XCTAssertThrowsError(try Distributed.initProcessGroup(backend: .nccl)) { error in
            XCTAssertTrue("\(error)".hasPrefix("NCCL is not available: libnccl.so.2 could not be loaded"), "\(error)")
        }
        print("NCCL was missing as expected")
    }

    func testALibraryWithoutAnEntryPointIsUnavailableNamingIt() throws {
        XCTAssertThrowsError(try NCCLLibrary(searching: [fakeNCCL(["-DFAKE_NCCL_OMIT_SEND"])])) { error in
            XCTAssertEqual(error as? DistributedError, .unavailable(backend: "NCCL", reason: "libnccl.so.2 has no entry point ncclSend "
                                                                    + "(a library older than Ember needs)"))
        }
    }

    /// NCCL numbers its versions X·1000 + Y·100 + Z before 2.9 and X·10000 + Y·100 + Z since; 2.10 brought the mean.
    func testAnNCCLOlderThan2_10IsRefusedWithItsVersion() throws {
        for (code, text) in [(2708, "2.7.8"), (20903, "2.9.3")] {
            XCTAssertThrowsError(try NCCLLibrary(searching: [fakeNCCL(["-DFAKE_NCCL_VERSION=\(code)"])])) { error in
                XCTAssertEqual("\(error)", "NCCL is not available: libnccl.so.2 is NCCL \(text); Ember needs 2.10 or later")
            }
        }
        XCTAssertEqual(try NCCLLibrary(searching: [fakeNCCL(["-DFAKE_NCCL_VERSION=21003"])]).version, [2, 10, 3])
    }

    func testAnNCCLFailureIsReportedInNCCLsOwnWords() throws {
        let nccl = try NCCLLibrary(searching: [fakeNCCL(["-DFAKE_NCCL_INIT_ERROR=1"])])
        var communicator: ncclComm_t?
        var id = ncclUniqueId()
        try nccl.check(nccl.getUniqueId(&id), "ncclGetUniqueId")
        XCTAssertThrowsError(try nccl.check(nccl.commInitRank(&communicator, 1, id, 0), "ncclCommInitRank")) { error in
            XCTAssertEqual("\(error)", "ncclCommInitRank failed: unhandled cuda error (run with NCCL_DEBUG=INFO for details): Cuda "
                           + "failure 'no CUDA-capable device is detected' (NCCL error 1)")
        }
    }

    /// The codes Ember passes for each dtype and reduction are those of the real `nccl.h`.
    func testTheDataTypeAndReductionCodesAreNCCLsOwn() throws {
        let header = try String(contentsOfFile: try realNCCL().header, encoding: .utf8)
        func code(_ name: String) -> Int32? {
            guard let match = header.firstMatch(of: try! Regex("\\b\(name)\\s*=\\s*([0-9]+)")) else { return nil }
            return Int32(match.output[1].substring!)
        }
        let types: [DType: String] = [.int8: "ncclInt8", .uint8: "ncclUint8", .bool: "ncclUint8", .int32: "ncclInt32",
                                      .int64: "ncclInt64", .float16: "ncclFloat16", .bfloat16: "ncclBfloat16", .float32: "ncclFloat32",
                                      .float64: "ncclFloat64", .complex64: "ncclFloat32", .complex128: "ncclFloat64"]
        for (dtype, name) in types { XCTAssertEqual(NCCLLibrary.dataType(dtype), code(name), "\(dtype)") }
        let reductions: [(Distributed.ReduceOp, DType, String)] = [
            (.sum, .float32, "ncclSum"), (.product, .int64, "ncclProd"), (.max, .float32, "ncclMax"), (.min, .int32, "ncclMin"),
            (.average, .float32, "ncclAvg"), (.sum, .bool, "ncclMax"), (.product, .bool, "ncclMin"), (.max, .bool, "ncclMax"),
        ]
        for (op, dtype, name) in reductions { XCTAssertEqual(NCCLLibrary.reduction(op, of: dtype), code(name), "\(op) \(dtype)") }
    }

    /// The wheel's library loads and resolves every entry point; it makes a unique id, and without a GPU
    /// `ncclCommInitRank` fails with NCCL's own explanation rather than crashing.
    func testTheRealLibraryLoadsAndSaysWhyItCannotStartWithoutAGPU() throws {
        let nccl = try NCCLLibrary(searching: [try realNCCL().folder])
        XCTAssertFalse(nccl.version.lexicographicallyPrecedes(NCCLLibrary.minimumVersion), "\(nccl.version)")
        var id = ncclUniqueId()
        try nccl.check(nccl.getUniqueId(&id), "ncclGetUniqueId")
        XCTAssertTrue(withUnsafeBytes(of: &id) { $0.contains { $0 != 0 } }, "an empty unique id")
        try XCTSkipIf(Ember.cuda.isAvailable, "this machine has a GPU: ncclCommInitRank would succeed")
        var communicator: ncclComm_t?
        XCTAssertThrowsError(try nccl.check(nccl.commInitRank(&communicator, 1, id, 0), "ncclCommInitRank")) { error in
            guard case DistributedError.nccl(let call, let code, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(call, "ncclCommInitRank")
            XCTAssertEqual(code, 1)
            XCTAssertTrue(message.hasPrefix("unhandled cuda error"), message)
        }
    }

    // MARK: Support

    /// A folder holding `libnccl.so.2` built from Fixtures/FakeCUDA/fake_nccl.c with `flags`, removed after the test.
    private func fakeNCCL(_ flags: [String] = []) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/FakeCUDA/fake_nccl.c").path
        let folder = try CUDATests.temporaryFolder(self)
        let compile = try runProcess("/usr/bin/env", ["cc", "-shared", "-fPIC", "-O1", "-o", folder + "/libnccl.so.2", source] + flags)
        XCTAssertEqual(compile.status, 0, "cc could not build the fake NCCL: \(compile.output)")
        return folder
    }

    /// The folder of the wheel's `libnccl.so.2` (through `EMBER_CUDA_PATH` or site-packages) and its `nccl.h`; skips
    /// when absent, unless `EMBER_REQUIRE_NVRTC` is set (`make test`), which requires the CUDA wheels.
    private func realNCCL() throws -> (folder: String, header: String) {
        for folder in CUDALibrarySearch.folders() where folder.hasSuffix("nvidia/nccl/lib") {
            let header = ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("include/nccl.h")
            if FileManager.default.fileExists(atPath: "\(folder)/libnccl.so.2") && FileManager.default.fileExists(atPath: header) {
                return (folder, header)
            }
        }
        if ProcessInfo.processInfo.environment["EMBER_REQUIRE_NVRTC"] != nil {
            XCTFail("EMBER_REQUIRE_NVRTC is set, but the nvidia-nccl-cu13 wheel was not found")
        }
        throw XCTSkip("the nvidia-nccl-cu13 wheel is not installed (make cuda-tools installs it)")
    }
}
