// The examples repository's VAE, line by line: an encoder giving mu and logvar, the reparameterisation with
// randnLike, a decoder with sigmoid, BCE summed plus the KL divergence, Adam; on the first 1,024 MNIST
// training digits shipped in Data/MNIST/raw. Its PyTorch twin is Examples/pytorch/vae.py; the same seed
// prints the same losses. Run it from the repository's root folder.
import Ember
import EmberVision

final class VAE: Module {
    let fc1 = Linear(784, 400)
    let fc21 = Linear(400, 20)
    let fc22 = Linear(400, 20)
    let fc3 = Linear(20, 400)
    let fc4 = Linear(400, 784)

    func encode(_ x: Tensor) -> (Tensor, Tensor) {
        let h1 = F.relu(fc1(x))
        return (fc21(h1), fc22(h1))
    }

    func reparameterize(_ mu: Tensor, _ logvar: Tensor) -> Tensor {
        let std = exp(0.5 * logvar)
        let eps = randnLike(std)
        return mu + eps * std
    }

    func decode(_ z: Tensor) -> Tensor {
        let h3 = F.relu(fc3(z))
        return sigmoid(fc4(h3))
    }

    func callAsFunction(_ x: Tensor) -> (Tensor, Tensor, Tensor) {
        let (mu, logvar) = encode(x.view(-1, 784))
        let z = reparameterize(mu, logvar)
        return (decode(z), mu, logvar)
    }
}

func lossFunction(_ reconX: Tensor, _ x: Tensor, _ mu: Tensor, _ logvar: Tensor) -> Tensor {
    let BCE = F.binaryCrossEntropy(reconX, x.view(-1, 784), reduction: .sum)
    let KLD = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum()
    return BCE + KLD
}

Ember.manualSeed(1)
let mnist = try MNIST(root: "Data", train: true)
let images = mnist.data[..<1024].view(1024, 1, 28, 28).float() / 255
let trainLoader = DataLoader(TensorDataset(images), batchSize: 128, shuffle: true)
let model = VAE()
let optimizer = Adam(model.parameters(), lr: 1e-3)

for epoch in 1...3 {
    model.train()
    var trainLoss = 0.0
    for data in trainLoader {
        optimizer.zeroGrad()
        let (reconBatch, mu, logvar) = model(data)
        let loss = lossFunction(reconBatch, data, mu, logvar)
        loss.backward()
        trainLoss += loss.item()
        optimizer.step()
    }
    print("epoch", epoch, "average loss", trainLoss / Double(trainLoader.dataset.count))
}

model.eval()
let sample = noGrad { model.decode(Tensor.randn(64, 20)) }
print("sample mean", sample.mean().item())
