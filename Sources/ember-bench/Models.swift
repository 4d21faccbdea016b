// Larger models, timed per step as Benchmarks/pytorch/bench.py times PyTorch: a recurrent layer, a transformer
// encoder layer, ResNet-18 in evaluation and training, and ResNet-18's 3 × 3 convolutions on their own.
import Ember
import EmberVision

func runModelBenchmarks() {
    Ember.manualSeed(0)
    if wanted("models-lstm") {
        let lstm = LSTM(128, 256), x = Tensor.randn(35, 20, 128)
        report("LSTM(128,256) seq 35 batch 20 fwd+bwd", measure(batchSeconds: 0.5) { lstm(x).output.sum().backward() } * 1e3, "ms")
    }
    if wanted("models-transformer") {
        let layer = TransformerEncoderLayer(256, 4, 1024, 0), x = Tensor.randn(64, 32, 256)
        report("TransformerEncoderLayer(256,4,1024) fwd+bwd", measure(batchSeconds: 0.5) { layer(x).sum().backward() } * 1e3, "ms")
    }
    if wanted("models-resnet-eval") {
        let model = resnet18()
        model.eval()
        let x = Tensor.randn(1, 3, 224, 224)
        let seconds = noGrad { measure(batchSeconds: 0.5) { blackHole(model(x)) } }
        report("resnet18 eval batch 1", seconds * 1e3, "ms")
    }
    if wanted("models-resnet-train") {
        let model = resnet18(), optimizer = SGD(model.parameters(), lr: 0.01, momentum: 0.9), lossFn = CrossEntropyLoss()
        let x = Tensor.randn(16, 3, 224, 224), y = Tensor.randint(0, 1000, [16])
        let seconds = measure(batchSeconds: 2, batches: 5) { trainingStep(model, optimizer, lossFn.callAsFunction, x, y) }
        report("resnet18 train step batch 16", seconds * 1e3, "ms")
    }
    if wanted("models-conv") {
        // One 3 × 3 convolution of each ResNet-18 stage: forward at batch 1, forward and backward at batch 16.
        for (channels, size) in [(64, 56), (128, 28), (256, 14), (512, 7)] {
            let conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false)
            let single = Tensor.randn(1, channels, size, size), batch = Tensor.randn(16, channels, size, size).requiresGrad_()
            let forward = noGrad { measure(batchSeconds: 0.3) { blackHole(conv(single)) } }
            report("conv3x3 \(channels)ch \(size)px eval batch 1", forward * 1e3, "ms")
            report("conv3x3 \(channels)ch \(size)px fwd+bwd batch 16", measure(batchSeconds: 0.5, batches: 5) { conv(batch).sum().backward() } * 1e3, "ms")
        }
    }
}
