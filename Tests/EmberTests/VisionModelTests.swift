import Ember
import EmberVision
import Foundation
import OrderedCollections
import XCTest

final class VisionModelTests: XCTestCase {
    /// One ResNet-18 for all tests (building one draws 11 million random numbers: seconds in a debug build).
    nonisolated(unsafe) static let resnet = resnet18(numClasses: 10)   // only read by these tests

    func parameterCount(_ model: Module) -> Int { model.parameters().reduce(0) { $0 + $1.numel } }

    func testResNet18HasTorchvisionsParametersAndShape() {
        let model = Self.resnet
        XCTAssertEqual(parameterCount(model), 11_181_642)
        model.eval()
        let y = noGrad { model(Tensor.randn(2, 3, 64, 64)) }
        XCTAssertEqual(y.shape, [2, 10])
        XCTAssertTrue(y.toArray(as: Float.self).allSatisfy(\.isFinite))
    }

    func testResNetStateDictKeysAndShapesAreTorchvisions() {
        let entry = CheckpointFiles.manifest["resnet18.pth"] as! [String: Any]
        let tensors = entry["tensors"] as! [String: [String: Any]]
        let state = Self.resnet.stateDict()
        XCTAssertEqual(Set(state.keys), Set(tensors.keys))
        for (key, tensor) in state { XCTAssertEqual(tensor.shape, tensors[key]?["shape"] as? [Int], key) }
        XCTAssertEqual(Array(state.keys.prefix(7)), ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                                     "bn1.running_var", "bn1.num_batches_tracked", "layer1.0.conv1.weight"])
        XCTAssertTrue(state.keys.contains("layer2.0.downsample.1.running_var"))
        XCTAssertFalse(state.keys.contains("layer1.0.downsample.0.weight"))
    }

    func testResNet34And50CountTorchvisionsParameters() {
        XCTAssertEqual(parameterCount(resnet34(numClasses: 10)), 21_289_802)
        let fifty = resnet50(numClasses: 10)
        XCTAssertEqual(parameterCount(fifty), 23_528_522)
        XCTAssertEqual(fifty.stateDict()["layer1.0.conv3.weight"]?.shape, [256, 64, 1, 1])
    }

    func testTorchvisionResNet18CheckpointReproducesItsOutput() throws {
        guard let path = CheckpointFiles.path("resnet18.pth") else { return }
        let model = Self.resnet
        try model.loadStateDict(Ember.load(path))
        model.eval()
        let (x, expected) = CheckpointFiles.example("resnet18.pth")
        let y = noGrad { model(x) }.toArray(as: Double.self)
        XCTAssertEqual(y.count, expected.count)
        for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testVGGLayoutIsTorchvisions() {
        let features = VGG.makeLayers(VGG.configurations["A"]!)
        XCTAssertEqual(features.layers.count, 21)   // 8 convolutions, 8 ReLUs, 5 poolings
        let cifar = VGG.cifar("D", numClasses: 10)
        let keys = Array(cifar.stateDict().keys)
        XCTAssertEqual(keys.first, "features.0.weight")
        XCTAssertTrue(keys.contains("features.1.running_mean"))   // batch norm after each convolution
        XCTAssertEqual(keys.suffix(2), ["classifier.0.weight", "classifier.0.bias"])
        XCTAssertEqual(parameterCount(cifar), 14_728_266)
        cifar.eval()
        XCTAssertEqual(noGrad { cifar(Tensor.randn(2, 3, 32, 32)) }.shape, [2, 10])
        let lenet = LeNet()
        XCTAssertEqual(parameterCount(lenet), 61_706)
        XCTAssertEqual(lenet(Tensor.randn(3, 1, 28, 28)).shape, [3, 10])
    }
}
