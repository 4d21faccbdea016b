// The examples repository's time_sequence_prediction, line by line: two LSTMCells and a Linear layer in
// float64, trained with LBFGS on sine waves, then asked to continue them. Its PyTorch twin is
// Examples/pytorch/time_sequence_prediction.py; the same seed prints the same losses.
import Ember

final class Sequence: Module {
    let lstm1 = LSTMCell(1, 51)
    let lstm2 = LSTMCell(51, 51)
    let linear = Linear(51, 1)

    func callAsFunction(_ input: Tensor, future: Int = 0) -> Tensor {
        var outputs: [Tensor] = []
        var (hT, cT) = (Tensor.zeros([input.size(0), 51], dtype: .float64), Tensor.zeros([input.size(0), 51], dtype: .float64))
        var (hT2, cT2) = (Tensor.zeros([input.size(0), 51], dtype: .float64), Tensor.zeros([input.size(0), 51], dtype: .float64))
        var output = Tensor.zeros([input.size(0), 1], dtype: .float64)

        for inputT in input.split(1, dim: 1) {
            (hT, cT) = lstm1(inputT, (hT, cT))
            (hT2, cT2) = lstm2(hT, (hT2, cT2))
            output = linear(hT2)
            outputs += [output]
        }
        for _ in 0..<future {  // if we should predict the future
            (hT, cT) = lstm1(output, (hT, cT))
            (hT2, cT2) = lstm2(hT, (hT2, cT2))
            output = linear(hT2)
            outputs += [output]
        }
        return Tensor.cat(outputs, dim: 1)
    }
}

Ember.manualSeed(0)
let (T, L, N) = (20, 40, 12)
let x = Tensor.arange(L, dtype: .float64) + Tensor.randint(-4 * T, 4 * T, [N, 1]).double()
let data = sin(x / 1.0 / T)
let input = data[3..., ..<(-1)]
let target = data[3..., 1...]
let testInput = data[..<3, ..<(-1)]
let testTarget = data[..<3, 1...]
let seq = Sequence()
seq.double()
let criterion = MSELoss()
let optimizer = LBFGS(seq.parameters(), lr: 0.8, maxIter: 6)
for i in 0..<3 {
    print("STEP:", i)
    optimizer.step {
        optimizer.zeroGrad()
        let out = seq(input)
        let loss = criterion(out, target)
        print("loss:", loss.item())
        loss.backward()
        return loss
    }
    noGrad {
        let future = 10
        let pred = seq(testInput, future: future)
        let loss = criterion(pred[.all, ..<(-future)], testTarget)
        print("test loss:", loss.item())
    }
}
