// Programmer errors stop with a message naming the op, the shapes and the caller's file and line.
// Each failing expression runs in a child process (this test binary, told which probe to run).
import Ember
import Foundation
import XCTest

/// Failing expressions, each written on the line its entry records.
enum ErrorProbes {
    nonisolated(unsafe) static let all: [String: (line: UInt, run: () -> Void)] = [   // immutable
        "broadcast": (#line, { _ = Tensor.zeros(2, 3).add(Tensor.zeros(4)) }),
        "dtype": (#line, { _ = Tensor.zeros(2, 3).mm(Tensor.zeros([3, 2], dtype: .float64)) }),
        "matmulShapes": (#line, { _ = Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)) }),
        "index": (#line, { _ = Tensor.zeros(2, 3)[5] }),
        "dim": (#line, { _ = Tensor.zeros(2, 3).sum(dim: 3) }),
        "view": (#line, { _ = Tensor.zeros(2, 3).t().view(6) }),
        "item": (#line, { _ = Tensor.zeros(2, 3).item() }),
        "device": (#line, { _ = Tensor.zeros(2).to(.cuda(0)) }),
        "backwardTwice": (#line, { let y = (Tensor.ones(2).requiresGrad_() * 2).exp().sum(); y.backward(); y.backward() }),
        "inPlaceSaved": (#line, { let y = Tensor.ones(2).requiresGrad_() * 1; let z = (y * y).sum(); y.add_(Tensor(Float(1))); z.backward() }),
        "leafInPlace": (#line, { let x = Tensor.ones(2).requiresGrad_(); x.add_(Tensor(Float(1))) }),
        "noGradFn": (#line, { Tensor.ones(2).sum().backward() }),
        "layerChannels": (#line, { _ = Conv2d(3, 4, kernelSize: 3)(Tensor.zeros(1, 2, 8, 8)) }),
        "layerRank": (#line, { _ = BatchNorm2d(3)(Tensor.zeros(2, 3)) }),
        "classIndex": (#line, { _ = F.crossEntropy(Tensor.zeros(2, 3), Tensor([Int64(0), 7])) }),
        "optimizerLeaf": (#line, { _ = SGD([Tensor.ones(2)], lr: 0.1) }),
        "optimizerEmpty": (#line, { _ = Adam([Tensor](), lr: 0.1) }),
        "negativeSize": (#line, { _ = Tensor.zeros(-1) }),
        "sizeOverflow": (#line, { _ = Tensor.zeros(1 << 32, 1 << 32) }),
        "outOfMemory": (#line, { _ = Tensor.zeros(1 << 40) }),
        "batchSizeZero": (#line, { _ = DataLoader(TensorDataset(Tensor.zeros(4, 2)), batchSize: 0) }),
        "negativeWorkers": (#line, { _ = DataLoader(TensorDataset(Tensor.zeros(4, 2)), batchSize: 2, numWorkers: -1) }),
        "linearModule": (#line, { _ = Linear(3, 2)(Tensor.zeros(4, 5)) }),
        "lossModule": (#line, { _ = CrossEntropyLoss()(Tensor.zeros(2, 3), Tensor([Int64(0), 7])) }),
        "rowIndex": (#line, { _ = Tensor.zeros(2, 3)[0, 9] }),
        "mixedDevices": (#line, { _ = Tensor.ones(2).add(Tensor.ones(2, device: TestDevice.device)) }),
        "hostPointerOnDevice": (#line, { Tensor.ones(2, device: TestDevice.device).withUnsafeMutableBufferPointer(as: Float.self) { _ in } }),
        "cudaWithoutBackend": (#line, { _ = Tensor.ones(2).cuda() }),
        "callbackOutsideBackward": (#line, { Autograd.queueCallback {} }),
        "hookWithoutGrad": (#line, { Tensor.ones(2).registerHook { $0 } }),
        "recurrentDevices": (#line, { _ = LSTM(3, 4)(Tensor.zeros(2, 1, 3), (Tensor.zeros([1, 1, 4], device: TestDevice.device), Tensor.zeros(1, 1, 4))) }),
        "emptySequence": (#line, { _ = GRU(3, 4)(Tensor.zeros(0, 2, 3)) }),
        "oddComplexStrides": (#line, { _ = Tensor.zeros(3, 3)[0..., 0..<2].viewAsComplex() }),
        "complexBackward": (#line, { (Tensor.ones([2], dtype: .complex64).requiresGrad_() * 2).sum().backward() }),
        "complexOrder": (#line, { _ = Tensor.ones([2], dtype: .complex64).lt(Tensor.zeros(2)) }),
        "complexRFFT": (#line, { _ = FFT.rfft(Tensor.ones([4], dtype: .complex64)) }),
    ]
}

final class ErrorMessageTests: XCTestCase {
    /// In a child process started by `expectStop`, runs the probe named by EMBER_ERROR_PROBE.
    func testProbeRunner() {
        XCTAssertFalse(ErrorProbes.all.isEmpty)
        guard let name = ProcessInfo.processInfo.environment["EMBER_ERROR_PROBE"], let probe = ErrorProbes.all[name] else { return }
        probe.run()
        XCTFail("probe \(name) did not stop")
    }

    private func expectStop(_ probe: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["EmberTests.ErrorMessageTests/testProbeRunner"]
        // Without the backtracer, the message alone must name the caller (a backtrace would name it anyway).
        process.environment = ProcessInfo.processInfo.environment.merging(["EMBER_ERROR_PROBE": probe,
                                                                           "SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0, "\(probe) should stop the program", file: file, line: line)
        let location = "ErrorMessageTests.swift:\(ErrorProbes.all[probe]!.line)"
        for fragment in fragments + [location, "Fatal error"] where !output.contains(fragment) {
            XCTFail("\(probe): message lacks '\(fragment)':\n\(output.suffix(600))", file: file, line: line)
        }
    }

    func testBroadcastMismatchNamesOpAndShapes() throws {
        try expectStop("broadcast", ["add:", "The size of tensor a (3) must match the size of tensor b (4)", "[2, 3]", "[4]"])
    }
    func testDTypeMismatch() throws { try expectStop("dtype", ["mm:", "float32 != float64"]) }
    func testMatmulShapes() throws { try expectStop("matmulShapes", ["matmul:", "[2, 3]", "[4, 5]"]) }
    func testIndexOutOfRange() throws { try expectStop("index", ["index:", "index 5 is out of bounds for dimension 0 with size 2", "[2, 3]"]) }
    func testDimensionOutOfRange() throws { try expectStop("dim", ["sum:", "Dimension out of range (expected to be in range of [-2, 1], but got 3)"]) }
    func testViewOnIncompatibleStrides() throws { try expectStop("view", ["view:", "view size is not compatible", "[3, 2]"]) }
    func testItemOnManyElements() throws { try expectStop("item", ["item:", "a Tensor with 6 elements cannot be converted to Scalar", "[2, 3]"]) }
    func testUnavailableDevice() throws { try expectStop("device", ["to:", "cuda:0"]) }
    func testBackwardTwiceWithoutRetainGraph() throws {
        try expectStop("backwardTwice", ["ExpBackward0:", "Trying to backward through the graph a second time"])
    }
    func testInPlaceChangeOfASavedTensor() throws {
        try expectStop("inPlaceSaved", ["modified by an inplace operation", "is at version 1; expected version 0"])
    }
    func testInPlaceOnALeafThatRequiresGrad() throws {
        try expectStop("leafInPlace", ["add_:", "a leaf Variable that requires grad is being used in an in-place operation"])
    }
    func testLayerGivenTheWrongChannelCount() throws { try expectStop("layerChannels", ["Conv2d:", "expected input [N, 3, H, W]", "[1, 2, 8, 8]"]) }
    func testLayerGivenTheWrongRank() throws { try expectStop("layerRank", ["BatchNorm2d:", "expected 4D input (got 2D input"]) }
    func testClassIndexOutOfRange() throws { try expectStop("classIndex", ["nll_loss:", "Target 7 is out of bounds"]) }
    func testOptimizerGivenATensorWithoutGrad() throws { try expectStop("optimizerLeaf", ["SGD:", "does not require grad"]) }
    func testBackwardWithoutGraph() throws {
        try expectStop("noGradFn", ["backward:", "does not require grad and does not have a grad_fn"])
    }

    func testImpossibleShapesNameTheShapeAndTheCaller() throws {
        try expectStop("negativeSize", ["zeros:", "Trying to create tensor with negative dimension -1: [-1]"])
        try expectStop("sizeOverflow", ["zeros:", "Storage size calculation overflowed with sizes=[4294967296, 4294967296]"])
        try expectStop("outOfMemory", ["zeros:", "not enough memory: you tried to allocate 4398046511104 bytes", "[1099511627776]"])
    }
    func testLoaderAndOptimizerArgumentsAreChecked() throws {
        try expectStop("optimizerEmpty", ["Adam:", "optimizer got an empty parameter list"])
        try expectStop("batchSizeZero", ["BatchSampler:", "batch_size should be a positive integer value, but got batch_size=0"])
        try expectStop("negativeWorkers", ["DataLoader:", "num_workers option should be non-negative"])
    }
    func testErrorsInsideModulesAndSubscriptsNameTheCallersLine() throws {
        try expectStop("linearModule", ["[4, 5]"])
        try expectStop("lossModule", ["Target 7 is out of bounds"])
        try expectStop("rowIndex", ["index 9 is out of bounds for dimension 1 with size 3"])
    }
    func testMixingDevicesStopsWithPyTorchsMessage() throws {
        try expectStop("mixedDevices", ["add:", "Expected all tensors to be on the same device, but found at least two devices, cpu and privateuseone:0!"])
        try expectStop("hostPointerOnDevice", ["withUnsafeMutableBufferPointer:", "privateuseone:0", "the CPU cannot read"])
        try expectStop("recurrentDevices", ["LSTM:", "Expected all tensors to be on the same device"])
    }
    func testEmptySequenceStopsWithPyTorchsMessage() throws {
        try expectStop("emptySequence", ["GRU:", "Expected sequence length to be larger than 0 in RNN"])
    }

    func testComplexMisuseStopsWithPyTorchsMessages() throws {
        try expectStop("oddComplexStrides", ["view_as_complex:", "Tensor must have a stride divisible by 2 for all but last dimension"])
        try expectStop("complexBackward", ["backward:", "grad can be implicitly created only for real scalar outputs"])
        try expectStop("complexOrder", ["lt:", "not implemented for complex tensors (complex64)"])
        try expectStop("complexRFFT", ["fft_rfft:", "rfft expects a real input tensor, but got complex64"])
    }

    func testHooksAndCallbacksMisusedStopWithPyTorchsMessages() throws {
        try expectStop("callbackOutsideBackward", ["queue_callback:", "Final callbacks can only be installed during backward pass."])
        try expectStop("hookWithoutGrad", ["register_hook:", "cannot register a hook on a tensor that doesn't require gradient"])
    }

    func testMovingToAnUnavailableGPUStopsWithTheReason() throws {
        try XCTSkipIf(Ember.cuda.isAvailable, "a GPU is usable here")
        try expectStop("cudaWithoutBackend", ["to:", "device cuda:0 is not available: \(Ember.cuda.unavailableReason ?? "")"])
    }
}
