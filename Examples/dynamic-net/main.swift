// DynamicNet from the notes: a graph built anew each step, reusing the middle layer a random number of
// times (weight sharing), then the sin-curve fit: a third-degree polynomial trained with SGD and momentum.
import Ember

final class DynamicNet: Module {
    let inputLinear: Linear, middleLinear: Linear, outputLinear: Linear

    init(_ inputSize: Int, _ hiddenSize: Int, _ outputSize: Int) {
        inputLinear = Linear(inputSize, hiddenSize)
        middleLinear = Linear(hiddenSize, hiddenSize)
        outputLinear = Linear(hiddenSize, outputSize)
        super.init()
    }

    func forward(_ x: Tensor, repeats: Int) -> Tensor {
        var h = inputLinear(x).clamp(min: 0)
        for _ in 0..<repeats { h = middleLinear(h).clamp(min: 0) }
        return outputLinear(h)
    }
}

Ember.manualSeed(0)
let x = Tensor.randn(64, 1000), y = Tensor.randn(64, 10)
let model = DynamicNet(1000, 100, 10)
let criterion = MSELoss(reduction: .sum)
let optimizer = SGD(model.parameters(), lr: 1e-4, momentum: 0.9)
for t in 0..<500 {
    let repeats = Int(Tensor.randint(0, 4, [1]).item())
    let loss = criterion(model.forward(x, repeats: repeats), y)
    if t % 100 == 99 { print("dynamic", t, loss.item()) }
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
}

// sin(x) on [-π, π] fitted by y = a + b x + c x² + d x³.
let xs = Tensor.linspace(-Double.pi, Double.pi, steps: 2000)
let ys = xs.sin()
let powers = xs.unsqueeze(-1).pow(Tensor([Int64(1), 2, 3]))
let polynomial = Sequential(Linear(3, 1), Flatten(startDim: 0, endDim: 1))
let lossFn = MSELoss(reduction: .sum)
let sgd = SGD(polynomial.parameters(), lr: 1e-6, momentum: 0.9)
for t in 0..<2000 {
    let loss = lossFn(polynomial(powers), ys)
    if t % 100 == 99 { print("sin", t, loss.item()) }
    sgd.zeroGrad()
    loss.backward()
    sgd.step()
}
let linear = polynomial[0] as! Linear
let weights = linear.weight.toArray(as: Float.self).map(Double.init)
print("Result: y = \(linear.bias!.item()) + \(weights[0]) x + \(weights[1]) x^2 + \(weights[2]) x^3")
