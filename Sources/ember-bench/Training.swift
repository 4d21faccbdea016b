// Training workloads: the notes' models, timed per step, as Benchmarks/pytorch/bench.py times PyTorch.
import Ember
import EmberVision

/// The 60-minute blitz CIFAR-10 network.
final class CIFARNet: Module {
    let conv1 = Conv2d(3, 6, kernelSize: 5)
    let pool = MaxPool2d(2, stride: 2)
    let conv2 = Conv2d(6, 16, kernelSize: 5)
    let fc1 = Linear(16 * 5 * 5, 120)
    let fc2 = Linear(120, 84)
    let fc3 = Linear(84, 10)
    override func forward(_ x: Tensor) -> Tensor {
        var x = pool(F.relu(conv1(x)))
        x = pool(F.relu(conv2(x)))
        x = x.flatten(startDim: 1)
        return fc3(F.relu(fc2(F.relu(fc1(x)))))
    }
}

/// One optimizer step of `model` on (x, y): zeroGrad, forward, loss, backward, step.
func trainingStep(_ model: Module, _ optimizer: Optimizer, _ loss: (Tensor, Tensor) -> Tensor, _ x: Tensor, _ y: Tensor) {
    optimizer.zeroGrad()
    let l = loss(model(x), y)
    l.backward()
    optimizer.step()
}

struct InMemoryImages: Dataset {
    let images: Tensor, labels: Tensor
    var count: Int { images.size(0) }
    subscript(index: Int) -> (Tensor, Tensor) { (images[index], labels[index]) }
}

func runTrainingBenchmarks() {
    Ember.manualSeed(0)
    do {
        let model = Linear(1, 1), optimizer = SGD(model.parameters(), lr: 0.01), lossFn = MSELoss()
        let x = Tensor.randn(1, 1), y = Tensor.randn(1, 1)
        report("train step Linear(1,1)", measure { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) } * 1e6, "us")
    }
    do {
        let x = Tensor.randn(64, 1000), y = Tensor.randn(64, 10)
        let seconds = measure(batchSeconds: 0.5, batches: 3) {
            let model = Sequential(Linear(1000, 100), ReLU(), Linear(100, 10))
            let optimizer = Adam(model.parameters(), lr: 1e-4), lossFn = MSELoss(reduction: .sum)
            for _ in 0..<500 { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) }
        }
        report("two-layer net 500 Adam steps", seconds * 1e3, "ms")
    }
    do {
        let model = CIFARNet(), optimizer = SGD(model.parameters(), lr: 0.001, momentum: 0.9), lossFn = CrossEntropyLoss()
        let x = Tensor.randn(4, 3, 32, 32), y = Tensor.randint(0, 10, [4])
        report("CIFAR Net steps (batch 4)", 1 / measure { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) }, "steps/s")
    }
    let mnistStep: Double
    do {
        let model = MNISTNet(), optimizer = Adam(model.parameters(), lr: 1e-3), lossFn = CrossEntropyLoss()
        let x = Tensor.randn(50, 1, 28, 28), y = Tensor.randint(0, 10, [50])
        mnistStep = measure(batchSeconds: 0.5, batches: 5) { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) }
        report("MNIST CNN training (batch 50)", 50 / mnistStep, "images/s")
    }
    do {
        let data = InMemoryImages(images: Tensor.randn(60_000, 1, 28, 28), labels: Tensor.randint(0, 10, [60_000]))
        let loader = DataLoader(data, batchSize: 50, shuffle: true)
        let epoch = measure(batchSeconds: 1, batches: 3) { for batch in loader { blackHole(batch) } }
        let perBatch = epoch / Double(loader.count)
        report("DataLoader batch of 50 (60k, shuffled)", perBatch * 1e6, "us")
        report("DataLoader speed / MNIST step", mnistStep / perBatch, "x")
    }
}
