// The two-layer network of "Learning PyTorch with Examples", four ways: tensors with a hand-written
// backward pass, autograd, a custom autograd function, and nn + optim (Adam). Prints the loss every
// 100 steps, as the notes do; the same seed gives PyTorch's numbers.
import Ember

Ember.manualSeed(0)
let (n, inputSize, hiddenSize, outputSize) = (64, 1000, 100, 10)
let x = Tensor.randn(n, inputSize), y = Tensor.randn(n, outputSize)
let learningRate = 1e-6

// 1. Tensors and a hand-written backward pass.
do {
    let w1 = Tensor.randn(inputSize, hiddenSize), w2 = Tensor.randn(hiddenSize, outputSize)
    for t in 0..<500 {
        let h = x.mm(w1), hRelu = h.clamp(min: 0), yPred = hRelu.mm(w2)
        let loss = (yPred - y).pow(2).sum().item()
        if t % 100 == 99 { print("tensors", t, loss) }
        let gradYPred = 2.0 * (yPred - y)
        let gradW2 = hRelu.t().mm(gradYPred)
        let gradH = gradYPred.mm(w2.t()).clone()
        gradH[h .< 0] = Tensor(0)
        let gradW1 = x.t().mm(gradH)
        w1 -= learningRate * gradW1
        w2 -= learningRate * gradW2
    }
}

// 2. Autograd.
do {
    let w1 = Tensor.randn(inputSize, hiddenSize, requiresGrad: true), w2 = Tensor.randn(hiddenSize, outputSize, requiresGrad: true)
    for t in 0..<500 {
        let loss = (x.mm(w1).clamp(min: 0).mm(w2) - y).pow(2).sum()
        if t % 100 == 99 { print("autograd", t, loss.item()) }
        loss.backward()
        noGrad {
            w1 -= learningRate * w1.grad!
            w2 -= learningRate * w2.grad!
            w1.grad!.zero_()
            w2.grad!.zero_()
        }
    }
}

// 3. A custom autograd function.
enum MyReLU: Function {
    static func forward(_ ctx: FunctionContext, _ input: Tensor) -> Tensor {
        ctx.saveForBackward(input)
        return input.clamp(min: 0)
    }
    static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> Tensor {
        let input = ctx.savedTensors[0]
        let gradInput = gradOutput.clone()
        gradInput[input .< 0] = Tensor(0)
        return gradInput
    }
}

do {
    let w1 = Tensor.randn(inputSize, hiddenSize, requiresGrad: true), w2 = Tensor.randn(hiddenSize, outputSize, requiresGrad: true)
    for t in 0..<500 {
        let loss = (MyReLU.apply(x.mm(w1)).mm(w2) - y).pow(2).sum()
        if t % 100 == 99 { print("function", t, loss.item()) }
        loss.backward()
        noGrad {
            w1 -= learningRate * w1.grad!
            w2 -= learningRate * w2.grad!
            w1.grad!.zero_()
            w2.grad!.zero_()
        }
    }
}

// 4. nn and optim.
do {
    let model = Sequential(Linear(inputSize, hiddenSize), ReLU(), Linear(hiddenSize, outputSize))
    let lossFn = MSELoss(reduction: .sum)
    let optimizer = Adam(model.parameters(), lr: 1e-4)
    for t in 0..<500 {
        let loss = lossFn(model(x), y)
        if t % 100 == 99 { print("nn", t, loss.item()) }
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
}
