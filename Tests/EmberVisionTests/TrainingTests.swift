import Ember
import EmberVision
import Foundation
import XCTest

final class TrainingTests: XCTestCase {
    /// The main job's loop, shortened: 60 Adam steps of the MNIST CNN on real digits must bring the
    /// loss from about ln 10 ≈ 2.3 to under 0.6, and the model must then classify unseen digits.
    func testShortMNISTRunReachesALossThreshold() throws {
        let root = DatasetTests.repository.appendingPathComponent("Data").path
        Ember.manualSeed(0)
        let train = Subset(try MNIST(root: root, train: true, transform: ToTensor()), indices: Array(0..<3000))
        let model = MNISTNet()
        let optimizer = Adam(model.parameters(), lr: 1e-3)
        let lossFunction = CrossEntropyLoss()
        var losses: [Double] = []
        for (images, labels) in DataLoader(train, batchSize: 50, shuffle: true, numWorkers: 1) {
            let loss = lossFunction(model(images), labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        }
        XCTAssertEqual(losses.count, 60)
        XCTAssertGreaterThan(losses[0], 2.0)
        let last = losses.suffix(10).reduce(0, +) / 10
        XCTAssertLessThan(last, 0.6, "mean loss of the last 10 steps")

        let test = try MNIST(root: root, train: false, transform: ToTensor())
        let images = Tensor.stack((0..<500).map { test[$0].0 })
        model.eval()
        let predicted = noGrad { model(images).argmax(dim: 1) }
        let accuracy = (predicted .== test.targets.narrow(0, start: 0, length: 500)).sum().item() / 500
        XCTAssertGreaterThan(accuracy, 0.8)
    }
}
