// Every golden case on the CUDA backend without a GPU: GoldenTests' `testGoldenSuitesOnCUDA` in a child process whose
// `cuda:0` is the fake GPU (Fixtures/FakeCUDA: the driver running every generated kernel compiled for the host, the
// fake cuBLAS, cuFFT and cuDNN), through the loading, NVRTC compilation, kernel cache, caching allocator and launches
// a GPU gets. On a machine with a GPU, the same test runs on it directly.
@testable import Ember
import Foundation
import XCTest

final class FakeGPUGoldenTests: XCTestCase {
    func testGoldenSuitesPassOnTheFakeGPU() throws {
        let environment = try CUDABackendTests.fakeGPUChildEnvironment()
        let kernelLog = try CUDATests.temporaryFolder(self) + "/kernels"
        let run = try runProcess("/proc/self/exe", ["GoldenTests.GoldenTests/testGoldenSuitesOnCUDA"],
                                 environment: environment.merging(["FAKE_CUDA_KERNEL_LOG": kernelLog]) { $1 })
        let lines = run.output.split(separator: "\n")
        let suites = lines.filter { $0.hasPrefix("golden ") && $0.contains("on the cuda device") }
        suites.forEach { print($0) }
        XCTAssertEqual(run.status, 0, "the golden cases failed on the fake GPU:\n"
                       + lines.filter { $0.contains("FAIL") || $0.contains("error") }.prefix(40).joined(separator: "\n"))
        XCTAssertFalse(suites.isEmpty, "no golden suite ran on the fake GPU:\n\(run.output.suffix(2_000))")

        // The cases ran on the GPU's kernels, not on host copies: every float32 family launched kernels, but for
        // im2col/col2im, which convolutions need only without cuDNN (the fake GPU has the fake one).
        let launched = Set(try String(contentsOfFile: kernelLog, encoding: .utf8).split(separator: "\n").map(String.init))
        let modules = CUDAKernelSources.all
        for module in modules where module.name.hasSuffix("_float32") && module.name != "convolution_float32" {
            XCTAssertFalse(launched.isDisjoint(with: module.kernels), "no golden case launched a kernel of \(module.name)")
        }
        print("the golden cases launched \(launched.count) of the \(modules.map(\.kernels.count).reduce(0, +)) kernels")
    }
}
