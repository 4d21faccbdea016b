// `ember train mnist`: the MNIST CNN trained with Adam, with a progress bar, the test accuracy after each
// epoch, and at the end a checkpoint, the training curves (SVG) and test digits with predictions (PNG).
import ArgumentParser
import Ember
import EmberVision
import Foundation

struct TrainMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Train the MNIST CNN (two convolution blocks and a linear layer) with Adam."
    )

    @Option(help: "Passes over the 60,000 training images.") var epochs = 1
    @Option(help: "Images per step.") var batchSize = 50
    @Option(help: "Adam's learning rate.") var lr = 1e-3
    @Option(help: "Threads loading batches ahead of the training loop (0: load on the loop's thread).") var workers = 1
    @Option(help: "cpu, cuda or cuda:N.") var device = "cpu"
    @Option(help: "Folder for the checkpoint, the plot and the predictions.") var out = "runs/mnist"
    @Option(help: "Folder holding MNIST/raw/ (the four IDX files, .gz or not).") var data = "Data"
    @Flag(help: "Download MNIST into --data when its files are missing.") var download = false
    @Option(help: "Random seed (initialisation and shuffling).") var seed = 1

    func validate() throws {
        guard epochs >= 1, batchSize >= 1, lr > 0, workers >= 0 else {
            throw ValidationError("--epochs and --batch-size must be at least 1, --lr positive, --workers not negative")
        }
        if case .cuda = try parseDevice(device) {
            throw ValidationError("--device \(device): CUDA is not available (this build of Ember has no CUDA backend); use --device cpu")
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        Ember.manualSeed(seed)
        let trainSet: MNIST, testSet: MNIST
        do {
            trainSet = try MNIST(root: data, train: true, transform: ToTensor(), download: download)
            testSet = try MNIST(root: data, train: false, transform: ToTensor(), download: download)
        } catch let error as VisionError where error.kind == .missingFile {
            throw ValidationError("\(error.message)\n(ember: --data names the folder that holds MNIST/raw; --download fetches the files)")
        }
        print("MNIST: \(trainSet.count) training and \(testSet.count) test images from \(data)/MNIST/raw")

        let model = MNISTNet()
        let optimizer = Adam(model.parameters(), lr: lr)
        let lossFunction = CrossEntropyLoss()
        let loader = DataLoader(trainSet, batchSize: batchSize, shuffle: true, numWorkers: workers)
        let testLoader = DataLoader(testSet, batchSize: 1000, numWorkers: workers)

        var losses: [Double] = [], accuracies: [Double] = [], stepsPerEpoch = loader.count
        for epoch in 1...epochs {
            model.train()
            let bar = ProgressBar(total: loader.count, label: "epoch \(epoch)/\(epochs)", unit: "img")
            var running = 0.0, seen = 0
            for (images, labels) in loader {
                let loss = lossFunction(model(images), labels)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                let value = loss.item()
                losses.append(value)
                running += value
                seen += 1
                bar.advance(units: images.size(0), postfix: String(format: "loss %.4f", running / Double(seen)))
            }
            bar.finish(postfix: String(format: "loss %.4f", running / Double(max(seen, 1))))
            let imagesPerSecond = bar.rate
            let (correct, total) = evaluate(model, testLoader)
            accuracies.append(100 * Double(correct) / Double(total))
            print(String(format: "epoch %d: test accuracy %.2f%% (%d/%d), %.0f images/s",
                         epoch, accuracies.last!, correct, total, imagesPerSecond))
            stepsPerEpoch = seen
        }
        try writeResults(model: model, testSet: testSet, losses: losses, accuracies: accuracies, stepsPerEpoch: stepsPerEpoch)
    }

    /// Correct predictions over the test set.
    func evaluate(_ model: MNISTNet, _ loader: DataLoader<MNIST, (Tensor, Tensor)>) -> (Int, Int) {
        model.eval()
        var correct = 0, total = 0
        noGrad {
            for (images, labels) in loader {
                let predicted = model(images).argmax(dim: 1)
                correct += Int((predicted .== labels).sum().item())
                total += labels.size(0)
            }
        }
        return (correct, total)
    }

    func writeResults(model: MNISTNet, testSet: MNIST, losses: [Double], accuracies: [Double], stepsPerEpoch: Int) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let checkpoint = "\(out)/mnist_cnn.pt"
        try Ember.save(model.stateDict(), to: checkpoint)

        var lossPlot = LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "cross-entropy")
        let window = max(1, stepsPerEpoch / 20)
        let smoothed = stride(from: 0, to: losses.count, by: window).map { start in
            losses[start..<min(start + window, losses.count)].reduce(0, +) / Double(min(window, losses.count - start))
        }
        lossPlot.add("train loss (mean of \(window) steps)", smoothed,
                     xs: smoothed.indices.map { Double(($0 + 1) * window) / Double(stepsPerEpoch) })
        var accuracyPlot = LinePlot(title: "Test accuracy", xLabel: "epoch", yLabel: "%")
        accuracyPlot.add("test accuracy", accuracies)
        let plot = "\(out)/training.svg"
        try LinePlot.writeSideBySide([lossPlot, accuracyPlot], to: plot)

        let grid = "\(out)/predictions.png"
        let count = 32
        let samples = (0..<count).map { testSet[$0] }
        let images = Tensor.stack(samples.map(\.0), dim: 0)
        let predicted = noGrad { model(images).argmax(dim: 1) }.toArray(as: Int.self)     // still in eval mode
        let labels = samples.map(\.1)
        try writePNG(labelledGrid(images, predictions: predicted, labels: labels, columns: 8), to: grid)
        print("wrote \(checkpoint), \(plot) and \(grid)")
    }
}
