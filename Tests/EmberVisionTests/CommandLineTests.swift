import Ember
import EmberVision
import Foundation
import OrderedCollections
import XCTest

/// Runs the built `ember` program, as a user would.
final class CommandLineTests: XCTestCase {
    /// The `ember` executable next to the test bundle in the build folder.
    static let program = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("ember")

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.program
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.program.path), "ember not built at \(Self.program.path)")
    }

    func testInfoAndBadArguments() throws {
        let info = try run(["info"])
        XCTAssertEqual(info.status, 0)
        XCTAssertTrue(info.output.contains("Ember \(Ember.version)"))
        XCTAssertTrue(info.output.contains("BLAS: OpenBLAS"), info.output)
        XCTAssertTrue(info.output.contains("cpu"))
        let cuda = try run(["train", "mnist", "--device", "cuda"])
        XCTAssertNotEqual(cuda.status, 0)
        XCTAssertTrue(cuda.output.contains("CUDA is not available"), cuda.output)
        let missing = try run(["train", "mnist", "--data", "/nonexistent-ember-data"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("--download"), missing.output)
        XCTAssertNotEqual(try run(["train", "mnist", "--epochs", "0"]).status, 0)
    }

    /// `ember train mnist` end to end on a small MNIST-layout folder (real digits, cut down so a debug
    /// build trains in seconds): progress, accuracy, and the three files it promises.
    func testTrainMNISTWritesCheckpointPlotAndPredictions() throws {
        let folder = try smallMNIST()
        let out = folder + "/run"
        let result = try run(["train", "mnist", "--data", folder, "--out", out, "--epochs", "2", "--workers", "0",
                              "--tensorboard", folder + "/board"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("epoch 2/2 100%"), result.output)
        XCTAssertTrue(result.output.contains("img/s"))
        XCTAssertTrue(result.output.contains("epoch 2: test accuracy"), result.output)
        let state: OrderedDictionary<String, Tensor> = try Ember.load(out + "/mnist_cnn.pt")
        XCTAssertEqual(Array(state.keys), ["conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias", "out.weight", "out.bias"])
        // TensorBoard: the version event, the loss of each of the 2 × 6 steps, and per epoch the accuracy, the learning
        // rate, a histogram per parameter and the predictions; the hyperparameters in a run folder of their own.
        let boards = try FileManager.default.contentsOfDirectory(atPath: folder + "/board").sorted()
        XCTAssertEqual(boards.count, 2)
        XCTAssertEqual(boards.last, "hparams")
        let events = try SummaryWriterTests.events(folder + "/board/" + boards[0])
        let tags = events.dropFirst().compactMap { $0.message(5)?.message(1)?.string(1) }
        XCTAssertEqual(events.count, 1 + 12 + 2 * 9)
        XCTAssertEqual(tags.filter { $0 == "Loss/train" }.count, 12)
        XCTAssertEqual(Set(tags.filter { $0 != "Loss/train" }), Set(["Accuracy/test", "LearningRate", "Predictions"] + state.keys))
        let svg = try String(contentsOfFile: out + "/training.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("Training loss") && svg.contains("Test accuracy"))
        let grid = try readImage(out + "/predictions.png")
        XCTAssertEqual(grid.shape[0], 3)
        XCTAssertGreaterThan(grid.shape[1], 4 * 28)
    }

    /// `--nproc 2`: two ranks under mpirun train data-parallel; rank 0 alone prints the accuracy and writes the files.
    func testTrainMNISTOnTwoProcesses() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun"), "Open MPI's mpirun is not installed")
        let folder = try smallMNIST()
        let out = folder + "/run"
        let result = try run(["train", "mnist", "--data", folder, "--out", out, "--epochs", "2", "--workers", "0", "--batch-size", "25",
                              "--nproc", "2"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("300 training and 100 test images from \(folder)/MNIST/raw, 2 processes"), result.output)
        XCTAssertEqual(result.output.components(separatedBy: "epoch 2: test accuracy").count, 2, result.output)
        XCTAssertTrue(result.output.contains("epoch 2/2 100%"), result.output)
        let state: OrderedDictionary<String, Tensor> = try Ember.load(out + "/mnist_cnn.pt")
        XCTAssertEqual(Array(state.keys), ["conv1.0.weight", "conv1.0.bias", "conv2.0.weight", "conv2.0.bias", "out.weight", "out.bias"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/predictions.png"))
    }

    /// `ember launch` starts the processes with their ranks, and fails when one of them fails.
    func testLaunchRunsAProgramOnEachRank() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun"), "Open MPI's mpirun is not installed")
        let ranks = try run(["launch", "-n", "3", "/bin/sh", "-c",
                             "echo rank $RANK of $WORLD_SIZE, local $LOCAL_RANK of $LOCAL_WORLD_SIZE, threads $OMP_NUM_THREADS"])
        XCTAssertEqual(ranks.status, 0, ranks.output)
        let threads = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] ?? "\(max(1, ProcessInfo.processInfo.activeProcessorCount / 3))"
        for rank in 0..<3 {
            XCTAssertTrue(ranks.output.contains("rank \(rank) of 3, local \(rank) of 3, threads \(threads)"), ranks.output)
        }
        let failing = try run(["launch", "--nproc", "2", "/bin/sh", "-c", "exit $((RANK + 3))"])
        XCTAssertNotEqual(failing.status, 0, failing.output)
        XCTAssertNotEqual(try run(["launch", "-n", "0", "/bin/true"]).status, 0)
    }

    /// Two runs with the same seed and thread count write the same bytes, though the convolution's weight
    /// gradient is summed on two threads (50 images of the MNIST CNN's first layer are enough to split).
    func testTrainMNISTWithTheSameSeedWritesTheSameBytes() throws {
        let folder = try smallMNIST()
        var outputs: [[Data]] = []
        for run in 0..<2 {
            let out = "\(folder)/run\(run)"
            let result = try self.run(["train", "mnist", "--data", folder, "--out", out, "--workers", "1", "--seed", "7"])
            XCTAssertEqual(result.status, 0, result.output)
            outputs.append(try ["mnist_cnn.pt", "training.svg", "predictions.png"].map { try Data(contentsOf: URL(fileURLWithPath: "\(out)/\($0)")) })
        }
        XCTAssertEqual(outputs[0][0], outputs[1][0], "the checkpoints differ")
        XCTAssertEqual(outputs[0][1], outputs[1][1], "the training curves differ")
        XCTAssertEqual(outputs[0][2], outputs[1][2], "the predictions differ")
    }

    /// Arguments that cannot train are refused before any training, each message naming the option and value.
    func testTrainRefusesWhatCannotTrainBeforeTraining() throws {
        let folder = try smallMNIST()
        let alone = try run(["train"])
        XCTAssertNotEqual(alone.status, 0, "`ember train` without a model is an error")
        XCTAssertTrue(alone.output.contains("ember train mnist"), alone.output)
        let file = folder + "/a-file"
        try Data().write(to: URL(fileURLWithPath: file))
        for (arguments, message) in [(["--batch-size", "-5"], "--batch-size must be at least 1 (got -5)"),
                                     (["--lr", "inf"], "--lr must be a positive, finite number (got inf)"),
                                     (["--epochs", "0"], "--epochs must be at least 1 (got 0)"),
                                     (["--workers", "-1"], "--workers must not be negative (got -1)"),
                                     (["--batch-size", "301"], "--batch-size 301 is larger than the 300 training images"),
                                     (["--out", file], "--out \(file) is a file, not a folder"),
                                     (["--out", file + "/sub"], "\(file) is a file, not a folder"),
                                     (["--resume", folder + "/none.pt"], "--resume \(folder)/none.pt: no such file")] {
            let result = try run(["train", "mnist", "--data", folder, "--out", folder + "/run"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.output.contains(message), "\(arguments): \(result.output)")
            XCTAssertFalse(result.output.contains("epoch 1/"), "\(arguments) trained before failing")
        }
        if geteuid() != 0 {   // root writes anywhere
            let locked = folder + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
            chmod(locked, 0o555)
            let result = try run(["train", "mnist", "--data", folder, "--out", locked])
            XCTAssertTrue(result.output.contains("cannot write into the folder"), result.output)
        }
        let missing = try run(["train", "mnist", "--data", folder + "/nothing", "--out", folder + "/run"])
        XCTAssertTrue(missing.output.contains("--download") && !missing.output.contains("download: true"), missing.output)
    }

    /// Ctrl-C stops after the current step and saves; `--resume` continues as if nothing had stopped: the same
    /// bytes as an uninterrupted run.
    func testCtrlCSavesAndResumeContinuesTheRunExactly() throws {
        let folder = try smallMNIST()
        let common = ["train", "mnist", "--data", folder, "--workers", "1", "--seed", "5", "--epochs", "4"]
        XCTAssertEqual(try run(common + ["--out", folder + "/straight"]).status, 0)

        let process = Process()
        process.executableURL = Self.program
        process.arguments = common + ["--out", folder + "/stopped"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        var output = Data()
        while !String(decoding: output, as: UTF8.self).contains("wrote") {   // the first epoch's files
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        kill(process.processIdentifier, SIGINT)
        output += pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 130, text)
        XCTAssertTrue(text.contains("stopped by Ctrl-C") && text.contains("--resume \(folder)/stopped/checkpoint.pt"), text)

        let resumed = try run(common + ["--out", folder + "/stopped", "--resume", folder + "/stopped/checkpoint.pt"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        for file in ["mnist_cnn.pt", "training.svg", "predictions.png"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/straight/\(file)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(folder)/stopped/\(file)")), "\(file) differs after resuming")
        }
    }

    /// The checkpoints PyTorch wrote, in the repository's golden copy.
    static let goldenCheckpoints = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden/checkpoints").path

    /// `ember inspect` lists every tensor of each format PyTorch wrote, with its shape, dtype and size, and the plain
    /// values of a nested checkpoint under dotted keys.
    func testInspectListsKeysShapesDtypesAndSizes() throws {
        let cnn = try run(["inspect", Self.goldenCheckpoints + "/mnist_cnn.pt"])
        XCTAssertEqual(cnn.status, 0, cnn.output)
        let lines = cnn.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(lines, ["key shape dtype bytes", "conv1.0.weight [16, 1, 5, 5] float32 1600", "conv1.0.bias [16] float32 64",
                               "conv2.0.weight [32, 16, 5, 5] float32 51200", "conv2.0.bias [32] float32 128",
                               "out.weight [10, 1568] float32 62720", "out.bias [10] float32 40", "6 tensors, 115752 bytes (113.0 KiB)"])
        let nested = try run(["inspect", Self.goldenCheckpoints + "/nested.pt"])
        XCTAssertEqual(nested.status, 0, nested.output)
        XCTAssertTrue(nested.output.contains("weights.w") && nested.output.contains("\"run-a\""), nested.output)
        let mixed = try run(["inspect", Self.goldenCheckpoints + "/mixed.safetensors"])
        XCTAssertTrue(mixed.output.contains("bfloat16") && mixed.output.contains("int64"), mixed.output)
        let missing = try run(["inspect", "/nonexistent-ember-checkpoint.pt"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("no such file"), missing.output)
    }

    /// `ember convert` moves a state dict between .pt, .safetensors and .npz with the same keys and values, casts only
    /// the floating-point tensors with --dtype, takes a nested dictionary with --key, and refuses what it cannot
    /// write without leaving a file.
    func testConvertMovesStateDictsBetweenFormats() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-convert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original: OrderedDictionary<String, Tensor> = try Ember.load(Self.goldenCheckpoints + "/mnist_cnn.pt")
        var previous = Self.goldenCheckpoints + "/mnist_cnn.pt"
        for name in ["cnn.safetensors", "cnn.npz", "cnn.pt"] {
            let result = try run(["convert", previous, folder + "/" + name])
            XCTAssertEqual(result.status, 0, result.output)
            let converted: OrderedDictionary<String, Tensor> = try Ember.load(folder + "/" + name)
            XCTAssertEqual(Array(converted.keys), Array(original.keys), name)
            for (key, tensor) in original {
                XCTAssertEqual(converted[key]!.toArray(as: Float.self), tensor.toArray(as: Float.self), "\(name) \(key)")
            }
            previous = folder + "/" + name
        }
        let half = try run(["convert", Self.goldenCheckpoints + "/mixed.safetensors", folder + "/half.safetensors", "--dtype", "float16"])
        XCTAssertEqual(half.status, 0, half.output)
        let mixed: OrderedDictionary<String, Tensor> = try Ember.load(Self.goldenCheckpoints + "/mixed.safetensors")
        let halved: OrderedDictionary<String, Tensor> = try Ember.load(folder + "/half.safetensors")
        for (key, tensor) in mixed {
            let want = tensor.dtype.isFloatingPoint ? tensor.to(.float16) : tensor
            XCTAssertEqual(halved[key]!.dtype, want.dtype, key)
            XCTAssertEqual(halved[key]!.toArray(as: Double.self), want.toArray(as: Double.self), key)
        }
        let picked = try run(["convert", Self.goldenCheckpoints + "/nested.pt", folder + "/weights.npz", "--key", "weights"])
        XCTAssertEqual(picked.status, 0, picked.output)
        let weights: OrderedDictionary<String, Tensor> = try Ember.load(folder + "/weights.npz")
        XCTAssertEqual(Array(weights.keys), ["w"])
        let moments = try run(["convert", Self.goldenCheckpoints + "/adam_state.pt", folder + "/moments.safetensors", "--key", "state.0"])
        XCTAssertEqual(moments.status, 0, moments.output)
        let state: OrderedDictionary<String, Tensor> = try Ember.load(folder + "/moments.safetensors")
        XCTAssertEqual(Array(state.keys), ["step", "exp_avg", "exp_avg_sq"])   // under the optimizer state's int key 0
        for (arguments, message) in [(["nested.pt", "whole.pt"], "--key"), (["nested.pt", "bad.pt", "--key", "nope"], "no key nope"),
                                     (["mnist_cnn.pt", "int.pt", "--dtype", "int32"], "floating-point dtype")] {
            let refused = try run(["convert", Self.goldenCheckpoints + "/" + arguments[0], folder + "/" + arguments[1]] + arguments[2...])
            XCTAssertNotEqual(refused.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(refused.output.contains(message), refused.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + arguments[1]))
        }
    }

    /// A small MNIST-layout folder of real digits (300 training and 100 test images) in a temporary folder.
    func smallMNIST() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-cli-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let real = DatasetTests.repository.appendingPathComponent("Data").path
        for (train, count) in [(true, 300), (false, 100)] {
            let set = try MNIST(root: real, train: train)
            let prefix = train ? "train" : "t10k"
            try writeIDX(set.data.narrow(0, start: 0, length: count), to: "\(folder)/MNIST/raw/\(prefix)-images-idx3-ubyte")
            try writeIDX(set.targets.narrow(0, start: 0, length: count).to(.uint8), to: "\(folder)/MNIST/raw/\(prefix)-labels-idx1-ubyte")
        }
        return folder
    }

    func writeIDX(_ tensor: Tensor, to path: String) throws {
        let header: [UInt8] = [0, 0, 8, UInt8(tensor.dim)] + tensor.shape.flatMap { n in (0..<4).map { UInt8((n >> (8 * (3 - $0))) & 255) } }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(header + tensor.toArray(as: UInt8.self)).write(to: URL(fileURLWithPath: path))
    }
}
