// The device seam, on an emulated device (`EmulatedDevice`: host memory the op layer reaches only through the
// device's backend, every byte counted) serving `privateuseone:0`: tensors move to it and back through its
// allocator, factories and `*Like` forms make tensors on it, modules move in place, a model trains there exactly
// as on the CPU, printing names it, and mixing it with the CPU stops with PyTorch's message.
@testable import Ember
import EmberVision
import Foundation
import OrderedCollections
import XCTest

/// The emulated device of this test process (`privateuseone:0`).
enum TestDevice {
    static let emulation = EmulatedDevice.register(.privateUse(0))
    static var device: Device { emulation.device }
}

final class DeviceTests: XCTestCase {
    let device = TestDevice.device

    func testTensorsMoveThroughTheDevicesAllocatorAndBack() {
        let backend = TestDevice.emulation
        let before = backend.liveBytes
        do {
            let x = Tensor([1.5, -2, 3.25] as [Double])
            let moved = x.to(device)
            XCTAssertEqual(moved.device, device)
            XCTAssertEqual(backend.liveBytes - before, 24)
            XCTAssertTrue(moved.to(device) === moved, "a tensor already there is returned as it is")
            let back = moved.cpu()
            XCTAssertEqual(back.device, .cpu)
            XCTAssertEqual(back.toArray(as: Double.self), [1.5, -2, 3.25])
            XCTAssertEqual(moved.toArray(as: Double.self), [1.5, -2, 3.25], "reading values copies to the host")
            XCTAssertEqual(moved[1].item(), -2)
            // A non-contiguous view on the device comes back with its own layout's values.
            let matrix = Tensor.arange(6, dtype: .float32).reshape([2, 3]).to(device)
            XCTAssertEqual(matrix.t().cpu().toArray(as: Float.self), [0, 3, 1, 4, 2, 5])
        }
        XCTAssertEqual(backend.liveBytes, before, "freed through the device's allocator")
    }

    func testFactoriesAndLikeFormsMakeTensorsOnTheDevice() {
        Ember.manualSeed(4)
        let hostValues = Tensor.randn([5]).toArray(as: Float.self)
        Ember.manualSeed(4)
        let onDevice = Tensor.randn([5], device: device)
        XCTAssertEqual(onDevice.device, device)
        XCTAssertEqual(onDevice.toArray(as: Float.self), hostValues, "one random stream for every device")
        XCTAssertEqual(Tensor.zeros([2, 2], device: device).toArray(as: Float.self), [0, 0, 0, 0])
        XCTAssertEqual(Tensor.ones([3], dtype: .int64, device: device).toArray(as: Int.self), [1, 1, 1])
        XCTAssertEqual(Tensor.full([2], 7, device: device).toArray(as: Float.self), [7, 7])
        XCTAssertEqual(Tensor.empty([4], device: device).shape, [4])
        XCTAssertEqual(Tensor.rand([4], device: device).device, device)
        XCTAssertEqual(onDevice.zerosLike().device, device)
        XCTAssertEqual(onDevice.onesLike().device, device)
        XCTAssertEqual(onDevice.fullLike(2).device, device)
        XCTAssertEqual(onDevice.randnLike().device, device)
    }

    func testMovesAreDifferentiable() {
        let x = Tensor([1.0, 2.0]).requiresGrad_()
        let onDevice = x.to(device)
        XCTAssertEqual(onDevice.gradFn?.name, "ToCopyBackward0")
        XCTAssertTrue(onDevice.requiresGrad)
        let back = onDevice.cpu()
        (back * Tensor([3.0, 4.0])).sum().backward()
        XCTAssertEqual(x.grad?.toArray(as: Double.self), [3, 4])
        XCTAssertEqual(x.grad?.device, .cpu)
    }

    func testPrintingNamesTheDeviceWherePyTorchDoes() {
        XCTAssertEqual(Tensor([1.0, 2.0] as [Float]).to(device).description, "tensor([1., 2.], device='privateuseone:0')")
        XCTAssertEqual(Tensor([1.0] as [Double]).to(device).description, "tensor([1.], device='privateuseone:0', dtype=float64)")
        XCTAssertEqual(Tensor.zeros([0, 3], device: device).description, "tensor([], device='privateuseone:0', size=(0, 3))")
        XCTAssertEqual(Tensor([1.0] as [Float]).requiresGrad_().to(device).description,
                       "tensor([1.], device='privateuseone:0', grad_fn=<ToCopyBackward0>)")
    }

    func testModuleToMovesParametersBuffersAndGradientsInPlace() {
        let model = Sequential(Linear(3, 2), BatchNorm1d(2))
        let optimizer = SGD(model.parameters(), lr: 0.1)
        let weight = model.parameters()[0]
        (model(Tensor.randn([4, 3])).sum()).backward()
        model.to(device)
        XCTAssertTrue(model.parameters()[0] === weight, "the same Parameter object, so the optimizer still holds it")
        XCTAssertTrue(optimizer.paramGroups[0].params[0] === weight)
        XCTAssertTrue((model.parameters() + model.buffers()).allSatisfy { $0.device == device })
        XCTAssertEqual(weight.grad?.device, device)
        XCTAssertTrue(weight.requiresGrad && weight.isLeaf)
        model.to(.cpu)
        XCTAssertEqual(weight.device, .cpu)
    }

    func testTensorsOnTheDeviceSaveThroughTheHost() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-device-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = Tensor.arange(6, dtype: .float32).reshape([2, 3]).to(device)
        // torch.save's format: written from a host copy (views of one device storage share it), loaded onto the CPU
        // or, with mapLocation, onto the device.
        let state: OrderedDictionary<String, Tensor> = ["w": weights, "row": weights[1], "t": weights.t()]
        let path = folder.appendingPathComponent("state.pt").path
        try Ember.save(state, to: path)
        let onHost: OrderedDictionary<String, Tensor> = try Ember.load(path)
        XCTAssertEqual(onHost["w"]?.device, .cpu)
        XCTAssertEqual(onHost["row"]?.toArray(as: Float.self), [3, 4, 5])
        XCTAssertTrue(onHost["w"]!.storage === onHost["t"]!.storage, "views of one storage still share it")
        let mapped: OrderedDictionary<String, Tensor> = try Ember.load(path, mapLocation: device)
        XCTAssertEqual(mapped["t"]?.device, device)
        XCTAssertEqual(mapped["t"]?.toArray(as: Float.self), [0, 3, 1, 4, 2, 5])
        for name in ["w.safetensors", "w.npy"] {
            let path = folder.appendingPathComponent(name).path
            try Ember.save(name.hasSuffix(".npy") ? weights.checkpointValue : ["w": weights.checkpointValue], to: path)
            let loaded: CheckpointValue = try Ember.load(path)
            XCTAssertEqual((loaded.tensor ?? loaded["w"]?.tensor)?.toArray(as: Float.self), [0, 1, 2, 3, 4, 5])
        }
    }

    func testAnUnservedDeviceIsRefusedByName() {
        // The mixing of devices and the refusal of unserved ones stop the program: ErrorMessageTests runs them.
        XCTAssertNil(Backends.backend(for: .cuda(5)))
        XCTAssertNotNil(Backends.backend(for: .cpu))
    }

    func testTrainingOnTheDeviceMatchesTheCPUAndKeepsTheDataThere() {
        // The MNIST CNN trains three Adam steps from the same weights and batches on each device.
        let allocator = TestDevice.emulation
        func train(on device: Device) -> (losses: [Float], parameters: [[Float]], bytesToHost: Int) {
            Ember.manualSeed(7)
            let model = MNISTNet().to(device)
            let optimizer = Adam(model.parameters(), lr: 1e-3)
            let batches = (0..<3).map { _ in (Tensor.randn([4, 1, 28, 28]), Tensor.randint(0, 10, [4])) }
            let before = allocator.bytesToHost
            var losses: [Tensor] = []
            for (x, y) in batches {
                optimizer.zeroGrad()
                let loss = F.crossEntropy(model(x.to(device)), y.to(device))
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            }
            let bytesToHost = allocator.bytesToHost - before
            XCTAssertTrue(model.parameters().allSatisfy { $0.device == device && $0.grad?.device == device })
            return (losses.map { Float($0.item()) }, model.parameters().map { $0.toArray(as: Float.self) }, bytesToHost)
        }
        let host = train(on: .cpu), moved = train(on: device)
        XCTAssertEqual(moved.losses, host.losses, "the same kernels on the same values")
        XCTAssertEqual(moved.parameters, host.parameters)
        // Only the class-range check of the labels reads numbers back (their smallest and largest): no tensor's data.
        XCTAssertEqual(moved.bytesToHost, 3 * 16, "bytes copied to the host in three steps")
    }

    func testTheDataLoaderCollatesOnTheDevice() {
        let features = Tensor.arange(12, dtype: .float32).reshape([6, 2]).to(device)
        let labels = Tensor.arange(6).to(device)
        let batches = Array(DataLoader(TensorDataset(features, labels), batchSize: 4))
        XCTAssertEqual(batches.map { $0.0.device }, [device, device])
        XCTAssertEqual(batches[1].0.toArray(as: Float.self), [8, 9, 10, 11])
        XCTAssertEqual(batches[0].1.toArray(as: Int.self), [0, 1, 2, 3])
    }

    func testAnOpOnTheDeviceNeverReadsItsMemoryAsTheHost() {
        // The test device's memory is host memory, but the op layer may reach it only through the device's backend:
        // asking a device tensor for a host pointer stops (ErrorMessageTests runs that), so every golden case that
        // passes on this device (GoldenTests) ran through the seam. Here: the allocator saw every byte come and go.
        let before = TestDevice.emulation.liveBytes
        do {
            let x = Tensor.randn([3, 4], device: device).requiresGrad_()
            let y = (x.matmul(x.t()).softmax(dim: 1) * 2).sum()
            y.backward()
            XCTAssertEqual(x.grad?.device, device)
        }
        XCTAssertEqual(TestDevice.emulation.liveBytes, before, "every device tensor freed through its allocator")
    }
}
