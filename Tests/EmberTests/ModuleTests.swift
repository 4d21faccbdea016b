// Modules: discovery and naming, modes, freezing, state dicts and their errors.
import Ember
import XCTest

final class Net: Module {
    let conv1 = Conv2d(1, 6, kernelSize: 3)
    let conv2 = Conv2d(6, 16, kernelSize: 3)
    let fc1 = Linear(16 * 6 * 6, 120)
    let fc2 = Linear(120, 84)
    let fc3 = Linear(84, 10)
    override func forward(_ x: Tensor) -> Tensor {
        var x = F.maxPool2d(F.relu(conv1(x)), 2)
        x = F.maxPool2d(F.relu(conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return fc3(F.relu(fc2(F.relu(fc1(x)))))
    }
}

final class WithBlocks: Module {
    let blocks = [Linear(2, 2), Linear(2, 3)]
    let bn = BatchNorm1d(3)
    @Parameter var scale = Tensor.ones([1])
}

final class ModuleTests: XCTestCase {
    func testTheSpecNetNamesAndShapes() {
        let net = Net()
        XCTAssertEqual(net.namedParameters().map(\.0), ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                                        "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
        XCTAssertEqual(net(Tensor.randn(2, 1, 32, 32)).shape, [2, 10])
        XCTAssertTrue(net.description.hasPrefix("Net(\n  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))\n"))
    }

    func testArraysBuffersAndParameterWrappersAreDiscovered() {
        let m = WithBlocks()
        XCTAssertEqual(Array(m.stateDict().keys), ["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
                                                  "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        XCTAssertEqual(m.parameters().count, 7)
        XCTAssertEqual(m.buffers().count, 3)
        XCTAssertEqual(m.modules().count, 4)
    }

    func testTrainEvalAndFreezing() {
        let model = Sequential(Linear(3, 3), Dropout(0.5), Linear(3, 1))
        model.eval()
        XCTAssertTrue(model.modules().allSatisfy { !$0.isTraining })
        let x = Tensor.ones(4, 3)
        XCTAssertEqual(model(x).toArray(as: Float.self), model(x).toArray(as: Float.self), "dropout is off in eval mode")
        (model[0] as! Linear).requiresGrad_(false)
        model(x).sum().backward()
        XCTAssertNil((model[0] as! Linear).weight.grad)
        XCTAssertNotNil((model[2] as! Linear).weight.grad)
        model.zeroGrad()
        XCTAssertNil((model[2] as! Linear).weight.grad)
    }

    func testStateDictRoundTripAndErrors() throws {
        let a = Sequential(Linear(4, 3), ReLU(), Linear(3, 2)), b = Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
        try b.loadStateDict(a.stateDict())
        let x = Tensor.randn(5, 4)
        XCTAssertEqual(a(x).toArray(as: Float.self), b(x).toArray(as: Float.self))
        var state = a.stateDict()
        state.removeValue(forKey: "2.bias")
        state["extra"] = Tensor.zeros(1)
        state["0.weight"] = Tensor.zeros(2, 2)
        XCTAssertThrowsError(try b.loadStateDict(state)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("Missing key(s) in state_dict: \"2.bias\""), text)
            XCTAssertTrue(text.contains("Unexpected key(s) in state_dict: \"extra\""), text)
            XCTAssertTrue(text.contains("size mismatch for 0.weight: copying a param with shape [2, 2]"), text)
        }
        XCTAssertEqual(b(x).toArray(as: Float.self), a(x).toArray(as: Float.self), "a refused state dict changes nothing")
        var partial = a.stateDict()
        partial.removeValue(forKey: "2.bias")
        partial["0.weight"] = Tensor.zeros(2, 2)
        XCTAssertThrowsError(try b.loadStateDict(partial, strict: false), "shape mismatches throw even when not strict")
    }

    func testResultBuilderSequentialAndContainers() {
        let model = Sequential {
            Linear(2, 4)
            Tanh()
            Linear(4, 1)
        }
        XCTAssertEqual(model.count, 3)
        XCTAssertEqual(model(Tensor.zeros(3, 2)).shape, [3, 1])
        let dict = ModuleDict(["encoder": Linear(2, 2), "head": Linear(2, 1)])
        XCTAssertEqual(dict.namedParameters().map(\.0), ["encoder.weight", "encoder.bias", "head.weight", "head.bias"])
        XCTAssertEqual(ModuleList([ReLU(), Identity()]).description, "ModuleList(\n  (0): ReLU()\n  (1): Identity()\n)")
    }

    func testTrainingStepReducesTheLoss() {
        Ember.manualSeed(0)
        let x = Tensor.randn(64, 10), y = x.sum(dim: 1, keepdim: true)
        let model = Sequential(Linear(10, 16), ReLU(), Linear(16, 1))
        let optimizer = Adam(model.parameters(), lr: 1e-2)
        let lossFn = MSELoss()
        let first = lossFn(model(x), y).item()
        for _ in 0..<100 {
            let loss = lossFn(model(x), y)
            optimizer.zeroGrad(); loss.backward(); optimizer.step()
        }
        XCTAssertLessThan(lossFn(model(x), y).item(), first / 10)
    }

    func testSchedulerAndClipping() {
        let w = Tensor.ones([2]).requiresGrad_()
        let optimizer = SGD([w], lr: 0.1)
        let scheduler = StepLR(optimizer, stepSize: 30, gamma: 0.1)
        for _ in 0..<30 { optimizer.step(); scheduler.step() }
        XCTAssertEqual(optimizer.paramGroups[0].lr, 0.01, accuracy: 1e-12)
        w.grad = Tensor([Float(3), 4])
        XCTAssertEqual(clipGradNorm_([w], maxNorm: 1).item(), 5, accuracy: 1e-5)
        XCTAssertEqual(w.grad!.norm().item(), 1, accuracy: 1e-4)
        let state = optimizer.stateDict()
        XCTAssertEqual(state.paramGroups[0]["lr"]!, 0.01, accuracy: 1e-12)
    }
}

final class InitTests: XCTestCase {
    func testSparseMatchesPyTorch() {
        // torch.manual_seed(3); torch.nn.init.sparse_(torch.empty(5, 4), 0.4)
        Ember.manualSeed(3)
        let t = Init.sparse_(Tensor.empty(5, 4), sparsity: 0.4)
        let expected: [Float] = [-0.0007664429140277207, 0, 0, 0.0007152773323468864, 0, 0.005221869796514511, -0.001668091514147818,
                                 0.0005303340149112046, 0.004046071320772171, 0.006112996023148298, 0.007603903766721487, 0, 0, 0,
                                 0.024363970384001732, -0.0014680817257612944, 0.004851140081882477, 0.0020523436833173037, 0, 0]
        XCTAssertEqual(t.toArray(as: Float.self).count, expected.count)
        for (got, want) in zip(t.toArray(as: Float.self), expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
    }
}
