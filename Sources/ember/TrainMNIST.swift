// `ember train mnist`: the MNIST CNN trained with Adam, with a progress bar and the test accuracy after each
// epoch. After each epoch it writes the model, a resumable checkpoint, the training curves (SVG) and test
// digits with predictions (PNG); Ctrl-C stops after the current step and saves the same, and `--resume`
// continues a run exactly where it stopped.
import ArgumentParser
import CEmberKernels
import Ember
import EmberVision
import Foundation
import Synchronization

struct TrainMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Train the MNIST CNN (two convolution blocks and a linear layer) with Adam."
    )

    @Option(parsing: .unconditional, help: "Passes over the 60,000 training images.") var epochs = 1
    @Option(parsing: .unconditional, help: "Images per step.") var batchSize = 50
    @Option(parsing: .unconditional, help: "Adam's learning rate.") var lr = 1e-3
    @Option(parsing: .unconditional, help: "Threads loading batches ahead of the training loop (0: load on the loop's thread).")
    var workers = 1
    @Option(help: "cpu, cuda or cuda:N.") var device = "cpu"
    @Option(help: "Folder for the checkpoints, the plot and the predictions.") var out = "runs/mnist"
    @Option(help: "Folder holding MNIST/raw/ (the four IDX files, .gz or not).") var data = "Data"
    @Flag(help: "Download MNIST into --data when its files are missing.") var download = false
    @Option(parsing: .unconditional, help: "Random seed (initialisation and shuffling).") var seed = 1
    @Option(help: "Continue the run saved in this checkpoint (the checkpoint.pt an earlier run wrote).") var resume: String?
    @Option(help: "Also log to TensorBoard in this folder: the loss of every step, the test accuracy, the learning rate, weight histograms and the predictions of each epoch, and the run's hyperparameters.")
    var tensorboard: String?
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Processes training data-parallel (DistributedDataParallel over Open MPI, or NCCL with --device cuda, each rank on "
        + "the GPU of its local rank; started through mpirun); each takes --batch-size images per step, and rank 0 prints "
        + "and writes the results. Ctrl-C stops the processes without saving."))
    var nproc = 1

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize))") }
        guard lr.isFinite && lr > 0 else { throw ValidationError("--lr must be a positive, finite number (got \(lr))") }
        guard workers >= 0 else { throw ValidationError("--workers must not be negative (got \(workers))") }
        guard nproc >= 1 else { throw ValidationError("--nproc must be at least 1 (got \(nproc))") }
        if case .cuda = try parseDevice(device), let reason = Ember.cuda.unavailableReason {
            throw ValidationError("--device \(device): CUDA is not available (\(reason)); use --device cpu")
        }
        if let resume, !FileManager.default.fileExists(atPath: resume) {
            throw ValidationError("--resume \(resume): no such file")
        }
        try checkOutputFolder(out)
    }

    func run() throws {
        ember_line_buffer_stdout()
        let distributed = nproc > 1
        if distributed && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil {
            // Start the ranks: this command again, once per process, under mpirun.
            let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            let status = try Distributed.launch(processes: nproc, program: program, arguments: Array(CommandLine.arguments.dropFirst()))
            if status != 0 { throw ExitCode(status) }
            return
        }
        var device = try parseDevice(self.device)
        if distributed {
            // On GPUs, NCCL; each rank takes the GPU of its local rank unless --device names one.
            if case .cuda(var index) = device {
                if self.device == "cuda" { index = Distributed.localRank % Ember.cuda.deviceCount }
                device = .cuda(index)
                try Ember.cuda.setDevice(index)
            }
            try Distributed.initProcessGroup(backend: device == .cpu ? .mpi : .nccl)
            guard Distributed.worldSize == nproc else {
                throw ValidationError("--nproc \(nproc), but mpirun started \(Distributed.worldSize) processes")
            }
        }
        let isLeader = !distributed || Distributed.rank == 0
        Ember.manualSeed(seed)
        let trainSet: MNIST, testSet: MNIST
        do {
            trainSet = try MNIST(root: data, train: true, transform: ToTensor(), download: download)
            testSet = try MNIST(root: data, train: false, transform: ToTensor(), download: download)
        } catch let error as VisionError where error.kind == .missingFile {
            throw ValidationError("\(error.path ?? data) is missing: pass --download to fetch MNIST into \(data), or --data with the "
                                  + "folder that holds MNIST/raw")
        }
        guard batchSize <= trainSet.count else {
            throw ValidationError("--batch-size \(batchSize) is larger than the \(trainSet.count) training images")
        }
        if isLeader {
            print("MNIST: \(trainSet.count) training and \(testSet.count) test images from \(data)/MNIST/raw"
                  + (distributed ? ", \(nproc) processes" : ""))
        }

        let model = MNISTNet().to(device)
        let optimizer = Adam(model.parameters(), lr: lr)
        let lossFunction = CrossEntropyLoss()
        // Each rank trains on its share of every epoch; gradients are averaged across the ranks during backward.
        let sampler = distributed ? DistributedSampler(count: trainSet.count, seed: UInt64(seed)) : nil
        let trainer: Module = distributed ? try DistributedDataParallel(model) : model
        let loader = DataLoader(trainSet, batchSize: batchSize, shuffle: !distributed, sampler: sampler, numWorkers: workers)
        let testLoader = DataLoader(testSet, batchSize: 1000, numWorkers: workers)
        var progress = TrainingProgress()
        if let resume {
            progress = try TrainingProgress.restore(from: resume, model: model, optimizer: optimizer)
            if isLeader { print("resuming \(resume): \(progress.completedEpochs) epochs and \(progress.step) steps done") }
        }
        let interrupt = InterruptFlag(catching: !distributed)
        let board = try isLeader ? tensorboard.map { try SummaryWriter(logDir: $0) } : nil

        while progress.completedEpochs < epochs && !interrupt.isSet {
            let epoch = progress.completedEpochs + 1
            model.train()
            sampler?.setEpoch(epoch - 1)
            // The epoch's order is drawn at its start; a resumed epoch draws it again from the state saved then,
            // skips the batches already trained on, and goes on from the state saved at the stop.
            var batches: DataLoader<MNIST, (Tensor, Tensor)>.Iterator
            if !progress.epochStarted {
                progress.epochRandomState = Ember.getRngState()
                batches = loader.makeIterator()
                progress.epochStarted = true
            } else {
                let current = Ember.getRngState()
                Ember.setRngState(progress.epochRandomState)
                batches = loader.makeIterator()
                Ember.setRngState(current)
                for _ in 0..<progress.step { _ = batches.next() }
            }
            let label = "epoch \(epoch)/\(epochs)"
            let bar = isLeader ? ProgressBar(total: loader.count, label: label, unit: "img")
                : ProgressBar(total: loader.count, label: label, unit: "img", output: { _ in })
            bar.advance(by: progress.step, units: 0)
            var running = 0.0, seen = 0
            while !interrupt.isSet, let (images, labels) = batches.next() {
                let loss = lossFunction(trainer(images.to(device)), labels.to(device))
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                let value = loss.item()
                progress.losses.append(value)
                board?.addScalar("Loss/train", value, globalStep: progress.losses.count)
                progress.step += 1
                running += value
                seen += 1
                bar.advance(units: images.size(0), postfix: String(format: "loss %.4f", running / Double(seen)))
            }
            if interrupt.isSet { break }
            bar.finish(postfix: String(format: "loss %.4f", running / Double(max(seen, 1))))
            let imagesPerSecond = bar.rate * Double(nproc)
            progress.completedEpochs = epoch
            progress.stepsPerEpoch = progress.step
            progress.step = 0
            progress.epochStarted = false
            // Rank 0 alone evaluates and writes; the others go on and wait for it in the next step's all-reduce.
            guard isLeader else { continue }
            let (correct, total) = evaluate(model, testLoader, on: device)
            progress.accuracies.append(100 * Double(correct) / Double(total))
            print(String(format: "epoch %d: test accuracy %.2f%% (%d/%d), %.0f images/s",
                         epoch, progress.accuracies.last!, correct, total, imagesPerSecond))
            let grid = try writeResults(model: model, optimizer: optimizer, progress: progress, testSet: testSet, device: device)
            if let board {
                board.addScalar("Accuracy/test", progress.accuracies.last!, globalStep: epoch)
                board.addScalar("LearningRate", optimizer.paramGroups[0].lr, globalStep: epoch)
                for (name, parameter) in model.namedParameters() { board.addHistogram(name, parameter, globalStep: epoch) }
                try board.addImage("Predictions", grid, globalStep: epoch)
                try board.flush()
            }
        }
        if let board, let accuracy = progress.accuracies.last {
            try board.addHParams(["lr": .number(lr), "batch_size": .number(Double(batchSize)), "epochs": .number(Double(epochs)),
                                  "seed": .number(Double(seed))], ["hparam/accuracy": accuracy], runName: "hparams")
        }
        try board?.close()
        if distributed { try Distributed.destroyProcessGroup() }
        if interrupt.isSet {
            print("")
            try writeResults(model: model, optimizer: optimizer, progress: progress, testSet: testSet, device: device)
            print("stopped by Ctrl-C after \(progress.completedEpochs) epochs and \(progress.step) steps; continue with "
                  + "--resume \(out)/checkpoint.pt")
            throw ExitCode(130)
        }
    }

    /// Correct predictions over the test set, computed on `device`.
    func evaluate(_ model: MNISTNet, _ loader: DataLoader<MNIST, (Tensor, Tensor)>, on device: Device) -> (Int, Int) {
        model.eval()
        var correct = 0, total = 0
        noGrad {
            for (images, labels) in loader {
                let predicted = model(images.to(device)).argmax(dim: 1)
                correct += Int((predicted .== labels.to(device)).sum().item())
                total += labels.size(0)
            }
        }
        return (correct, total)
    }

    /// Writes the model's state dict (mnist_cnn.pt), the resumable checkpoint (checkpoint.pt), the training curves
    /// and a grid of test digits with predictions, each atomically; gives the grid.
    @discardableResult
    func writeResults(model: MNISTNet, optimizer: Adam, progress: TrainingProgress, testSet: MNIST, device: Device) throws -> Tensor {
        let checkpoint = "\(out)/mnist_cnn.pt", resumable = "\(out)/checkpoint.pt"
        try Ember.save(model.stateDict(), to: checkpoint)
        try Ember.save(progress.checkpoint(model: model, optimizer: optimizer), to: resumable)

        var lossPlot = LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "cross-entropy")
        let losses = progress.losses, stepsPerEpoch = max(progress.stepsPerEpoch, 1)
        let window = max(1, stepsPerEpoch / 20)
        let smoothed = stride(from: 0, to: losses.count, by: window).map { start in
            losses[start..<min(start + window, losses.count)].reduce(0, +) / Double(min(window, losses.count - start))
        }
        lossPlot.add("train loss (mean of \(window) steps)", smoothed,
                     xs: smoothed.indices.map { Double(($0 + 1) * window) / Double(stepsPerEpoch) })
        var accuracyPlot = LinePlot(title: "Test accuracy", xLabel: "epoch", yLabel: "%")
        accuracyPlot.add("test accuracy", progress.accuracies)
        let plot = "\(out)/training.svg"
        try LinePlot.writeSideBySide([lossPlot, accuracyPlot], to: plot)

        let grid = "\(out)/predictions.png"
        let count = min(32, testSet.count)
        let samples = (0..<count).map { testSet[$0] }
        let images = Tensor.stack(samples.map(\.0), dim: 0)
        model.eval()
        let predicted = noGrad { model(images.to(device)).argmax(dim: 1) }.toArray(as: Int.self)
        model.train()
        let labels = samples.map(\.1)
        let picture = labelledGrid(images, predictions: predicted, labels: labels, columns: 8)
        try writePNG(picture, to: grid)
        print("wrote \(checkpoint), \(resumable), \(plot) and \(grid)")
        return picture
    }
}

/// Stops before training when `--out` cannot hold the results: a path through or to a file, or a folder that
/// cannot be created or written.
func checkOutputFolder(_ out: String) throws {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) {
        guard isFolder.boolValue else { throw ValidationError("--out \(out) is a file, not a folder") }
    } else {
        var path = out.hasPrefix("/") ? "" : "."
        for component in out.split(separator: "/") {
            path += "/" + component
            guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
                throw ValidationError("--out \(out): cannot create \(path) (\(String(cString: strerror(errno))))")
            }
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--out \(out): \(path) is a file, not a folder")
            }
        }
    }
    guard access(out, W_OK | X_OK) == 0 else {
        throw ValidationError("--out \(out): cannot write into the folder (\(String(cString: strerror(errno))))")
    }
}

/// Set by the first Ctrl-C (SIGINT): the loop stops after its current step and saves. A second one ends the
/// program at once. Not `catching`, Ctrl-C ends the program as usual (the ranks of a distributed run, which
/// could not agree on the step to stop at).
final class InterruptFlag {
    private static let raised = Atomic<Bool>(false)
    init(catching: Bool = true) {
        guard catching else { return }
        signal(SIGINT) { _ in
            InterruptFlag.raised.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
    }
    var isSet: Bool { Self.raised.load(ordering: .relaxed) }
}

/// Where a run stands, and the resumable checkpoint that records it: the model, the optimizer, the epochs
/// and steps done, the random state (now and at the start of the epoch, whose order it draws), the curves.
struct TrainingProgress {
    var completedEpochs = 0
    /// Whether the next epoch has drawn its order (a stop inside an epoch, even before its first step).
    var epochStarted = false
    var step = 0
    var stepsPerEpoch = 0
    var losses: [Double] = []
    var accuracies: [Double] = []
    var epochRandomState = Ember.getRngState()

    func checkpoint(model: Module, optimizer: Optimizer) -> CheckpointValue {
        ["epoch": .int(completedEpochs), "epoch_started": .bool(epochStarted), "step": .int(step), "steps_per_epoch": .int(stepsPerEpoch),
         "model_state_dict": model.stateDict().checkpointValue, "optimizer_state_dict": optimizer.stateDict().checkpointValue,
         "rng_state": .tensor(Ember.getRngState()), "epoch_rng_state": .tensor(epochRandomState),
         "losses": .tensor(Tensor(losses)), "accuracies": .tensor(Tensor(accuracies))]
    }

    /// Loads a checkpoint `checkpoint` wrote into `model` and `optimizer`, restores the random state, and returns
    /// where the run stood.
    static func restore(from path: String, model: Module, optimizer: Optimizer) throws -> TrainingProgress {
        let saved: CheckpointValue = try Ember.load(path)
        guard let epoch = saved["epoch"]?.int, let started = saved["epoch_started"]?.int, let step = saved["step"]?.int, let stepsPerEpoch = saved["steps_per_epoch"]?.int,
              let random = saved["rng_state"]?.tensor, let epochRandom = saved["epoch_rng_state"]?.tensor,
              let losses = saved["losses"]?.tensor, let accuracies = saved["accuracies"]?.tensor,
              let optimizerState = saved["optimizer_state_dict"] else {
            throw ValidationError("--resume \(path): not a checkpoint of `ember train mnist` (it lacks the epoch, step, random "
                                  + "state, curves or optimizer state)")
        }
        try model.loadStateDict(saved["model_state_dict"])
        try optimizer.loadStateDict(try OptimizerStateDict(checkpointValue: optimizerState))
        Ember.setRngState(random)
        return TrainingProgress(completedEpochs: epoch, epochStarted: started != 0, step: step, stepsPerEpoch: stepsPerEpoch,
                                losses: losses.toArray(as: Double.self), accuracies: accuracies.toArray(as: Double.self),
                                epochRandomState: epochRandom)
    }
}
