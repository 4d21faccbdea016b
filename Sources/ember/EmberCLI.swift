// `ember`: the command-line program. `ember train mnist` trains the MNIST CNN end to end; `ember launch` runs a
// program on several processes; `ember info` describes the build and the machine; `ember inspect` lists a
// checkpoint's tensors and `ember convert` writes its state dict in another format.
import ArgumentParser
import Ember

@main
struct EmberCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ember",
        abstract: "PyTorch, native in Swift: train and inspect models from the command line.",
        version: Ember.version,
        subcommands: [Train.self, Launch.self, Info.self, Inspect.self, Convert.self]
    )
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on a data set.",
        subcommands: [TrainMNIST.self]
    )

    /// `ember train` alone names nothing to train: an error, not help and success.
    func run() throws {
        throw ValidationError("name what to train: ember train mnist")
    }
}

/// Parses `--device`: `cpu`, `cuda` or `cuda:N`.
func parseDevice(_ text: String) throws -> Device {
    switch text {
    case "cpu": return .cpu
    case "cuda": return .cuda(0)
    default:
        if text.hasPrefix("cuda:"), let index = Int(text.dropFirst(5)), index >= 0 { return .cuda(index) }
        throw ValidationError("--device must be cpu, cuda or cuda:N (got \(text))")
    }
}
