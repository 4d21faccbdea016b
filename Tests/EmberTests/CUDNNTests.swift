// Loading cuDNN: a missing or old library is refused with a reason, and where the `nvidia-cudnn-cu13` wheel is
// installed (PyTorch's dependency; found through `EMBER_CUDA_PATH` or site-packages), its real library loads with
// every entry point Ember calls and its headers give the values Ember passes.
import CCUDA
@testable import Ember
import Foundation
import XCTest

final class CUDNNTests: XCTestCase {
    func testAMissingOrOldCUDNNIsRefusedWithTheReason() throws {
        let empty = try CUDATests.temporaryFolder(self)
        XCTAssertThrowsError(try CUDNN(searching: [empty])) { error in
            XCTAssertTrue("\(error)".contains("libcudnn.so.9"), "\(error)")
        }
        let folder = try CUDATests.temporaryFolder(self)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/FakeCUDA/fake_cudnn.c").path
        let compile = try runProcess("/usr/bin/env", ["cc", "-shared", "-fPIC", "-O1", "-DFAKE_CUDNN_VERSION=8907", "-o",
                                                      folder + "/libcudnn.so.9", source])
        XCTAssertEqual(compile.status, 0, compile.output)
        XCTAssertThrowsError(try CUDNN(searching: [folder])) { error in
            XCTAssertEqual("\(error)", "cudnnGetVersion failed: cuDNN version 8907 is older than the 9.0 Ember needs (status 0)")
        }
    }

    /// The real library resolves every entry point; without a GPU, making a handle fails with cuDNN's own words.
    func testTheRealLibraryLoadsWithEveryEntryPoint() throws {
        let cudnn = try CUDNN(searching: [try realCUDNN().folder])
        XCTAssertGreaterThanOrEqual(cudnn.version, 90000)
        try XCTSkipIf(Ember.cuda.isAvailable, "this machine has a GPU: a handle would be made")
        XCTAssertThrowsError(try CUDNNSession(cudnn, context: nil, ordinal: 0)) { error in
            guard case CUDAError.cudnn(let call, let status, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(call, "cudnnCreate")
            XCTAssertNotEqual(status, CUDNN_STATUS_SUCCESS)
            XCTAssertTrue(message.hasPrefix("CUDNN_STATUS_"), message)
        }
    }

    /// The data types, layout, mode, math types and determinism Ember passes or reads, and the layout of the
    /// algorithm-performance results, are those of cuDNN's own headers.
    func testTheValuesAndResultLayoutAreCUDNNsOwn() throws {
        let include = try realCUDNN().include
        let headers = try ["cudnn_graph_v9.h", "cudnn_ops_v9.h", "cudnn_cnn_v9.h"].map { try String(contentsOfFile: "\(include)/\($0)", encoding: .utf8) }
            .joined(separator: "\n")
        func value(_ name: String) -> Int32? {
            guard let match = headers.firstMatch(of: try! Regex("\\b\(name)\\s*=\\s*([0-9]+)")) else { return nil }
            return Int32(match.output[1].substring!)
        }
        let values: [(String, Int32)] = [("CUDNN_STATUS_SUCCESS", CUDNN_STATUS_SUCCESS), ("CUDNN_DATA_FLOAT", CUDNN_DATA_FLOAT),
                                         ("CUDNN_DATA_DOUBLE", CUDNN_DATA_DOUBLE), ("CUDNN_TENSOR_NCHW", CUDNN_TENSOR_NCHW),
                                         ("CUDNN_CROSS_CORRELATION", CUDNN_CROSS_CORRELATION), ("CUDNN_DEFAULT_MATH", CUDNN_DEFAULT_MATH),
                                         ("CUDNN_FMA_MATH", CUDNN_FMA_MATH), ("CUDNN_DETERMINISTIC", CUDNN_DETERMINISTIC)]
        for (name, ours) in values { XCTAssertEqual(value(name), ours, name) }

        // sizeof and offsetof of the three perf structs, by the C compiler over the real headers.
        let folder = try CUDATests.temporaryFolder(self)
        let program = """
            #include <stddef.h>
            #include <stdio.h>
            #include <cudnn.h>
            #define SHOW(T) printf("%zu %zu %zu %zu %zu\\n", sizeof(T), offsetof(T, status), offsetof(T, memory), offsetof(T, determinism), offsetof(T, mathType))
            int main(void) { SHOW(cudnnConvolutionFwdAlgoPerf_t); SHOW(cudnnConvolutionBwdDataAlgoPerf_t); SHOW(cudnnConvolutionBwdFilterAlgoPerf_t); return 0; }
            """
        try program.write(toFile: "\(folder)/layout.c", atomically: true, encoding: .utf8)
        let runtimeHeaders = CUDALibrarySearch.folders().compactMap { CUDALibrarySearch.includeFolder(besideLibraryAt: "\($0)/x") }
        let compile = try runProcess("/usr/bin/env", ["cc", "-w", "-I", include] + runtimeHeaders.flatMap { ["-I", $0] }
                                     + ["-o", "\(folder)/layout", "\(folder)/layout.c"])
        try XCTSkipIf(compile.status != 0, "cuDNN's headers need CUDA's (cuda_runtime_api.h): \(compile.output)")
        let run = try runProcess("\(folder)/layout", [])
        typealias Result = cudnnAlgorithmPerformance
        let ours = [MemoryLayout<Result>.size, MemoryLayout<Result>.offset(of: \.status)!, MemoryLayout<Result>.offset(of: \.memory)!,
                    MemoryLayout<Result>.offset(of: \.determinism)!, MemoryLayout<Result>.offset(of: \.mathType)!]
        let lines = run.output.split(separator: "\n").map { $0.split(separator: " ").compactMap { Int($0) } }
        XCTAssertEqual(lines, Array(repeating: ours, count: 3), run.output)
    }

    /// The folder of the wheel's `libcudnn.so.9` and its headers; skips when the wheel is not installed (it is
    /// PyTorch's, 850 MB, and the tests do not install it).
    private func realCUDNN() throws -> (folder: String, include: String) {
        for folder in CUDALibrarySearch.folders() where FileManager.default.fileExists(atPath: "\(folder)/libcudnn.so.9") {
            let include = ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("include")
            if FileManager.default.fileExists(atPath: "\(include)/cudnn_graph_v9.h") { return (folder, include) }
        }
        throw XCTSkip("the nvidia-cudnn-cu13 wheel is not installed here (pip install nvidia-cudnn-cu13, or set EMBER_CUDA_PATH)")
    }
}
