// A custom module (TwoLayerNet) trained with SGD, and a random FakeDataset read through a shuffling DataLoader.
import Ember

final class TwoLayerNet: Module {
    let linear1: Linear, linear2: Linear

    init(_ inputSize: Int, _ hiddenSize: Int, _ outputSize: Int) {
        linear1 = Linear(inputSize, hiddenSize)
        linear2 = Linear(hiddenSize, outputSize)
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor { linear2(linear1(x).clamp(min: 0)) }
}

Ember.manualSeed(1)
let x = Tensor.randn(64, 1000), y = Tensor.randn(64, 10)
let model = TwoLayerNet(1000, 100, 10)
print(model)
let criterion = MSELoss(reduction: .sum)
let optimizer = SGD(model.parameters(), lr: 1e-4)
for t in 0..<500 {
    let loss = criterion(model(x), y)
    if t % 100 == 99 { print("custom", t, loss.item()) }
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
}

/// Random features with random binary labels.
struct FakeDataset: Dataset {
    let x: Tensor, y: Tensor
    init(size: Int, features: Int) {
        x = Tensor.randn(size, features)
        y = Tensor.randint(0, 2, [size])
    }
    var count: Int { x.size(0) }
    subscript(index: Int) -> (Tensor, Tensor) { (x[index], y[index]) }
}

let loader = DataLoader(FakeDataset(size: 10, features: 3), batchSize: 4, shuffle: true)
print(loader.count)
for epoch in 0..<2 {
    for (i, (inputs, labels)) in loader.enumerated() {
        print(epoch, i, inputs.shape, labels.toArray(as: Int64.self))
    }
}
