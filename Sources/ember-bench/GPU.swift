// The CUDA workloads, timed as Benchmarks/pytorch/bench.py times PyTorch on the same GPU: a 4096² float32 matrix
// product (cuBLAS, TF32 off as in PyTorch), and the MNIST CNN's and ResNet-18's training steps at batch 64 on cuda:0.
// Every timed call ends by waiting for the GPU, so the times are the GPU's, not the launches'.
import Ember
import EmberVision

func runGPUBenchmarks() {
    guard Ember.cuda.isAvailable else {
        if !tsv { print("gpu: skipped, \(Ember.cuda.unavailableReason ?? "CUDA is not available")") }
        return
    }
    let gpu = Device.cuda(0)
    /// `body`, then a wait for the GPU.
    func onGPU(_ body: @escaping () -> Void) -> () -> Void {
        return {
            body()
            do { try Ember.cuda.synchronize() } catch { fatalError("the GPU failed: \(error)") }
        }
    }
    Ember.manualSeed(0)
    do {
        let n = 4096, a = Tensor.randn(n, n).to(gpu), b = Tensor.randn(n, n).to(gpu)
        let seconds = measure(batchSeconds: 0.5, batches: 5, onGPU { blackHole(a.matmul(b)) })
        report("gpu matmul 4096 float32", 2 * Double(n * n * n) / seconds / 1e12, "TFLOP/s")
    }
    do {
        let model = MNISTNet().to(gpu), optimizer = Adam(model.parameters(), lr: 1e-3), lossFn = CrossEntropyLoss()
        let x = Tensor.randn(64, 1, 28, 28).to(gpu), y = Tensor.randint(0, 10, [64]).to(gpu)
        let seconds = measure(batchSeconds: 0.5, batches: 5, onGPU { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) })
        report("gpu MNIST CNN train step batch 64", 64 / seconds, "images/s")
    }
    do {
        let model = resnet18().to(gpu), optimizer = SGD(model.parameters(), lr: 0.01, momentum: 0.9), lossFn = CrossEntropyLoss()
        let x = Tensor.randn(64, 3, 224, 224).to(gpu), y = Tensor.randint(0, 1000, [64]).to(gpu)
        let seconds = measure(batchSeconds: 1, batches: 5, onGPU { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) })
        report("gpu resnet18 train step batch 64", 64 / seconds, "images/s")
    }
}
