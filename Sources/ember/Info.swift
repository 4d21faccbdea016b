// `ember info`: version, BLAS and its threading, devices.
import ArgumentParser
import Ember
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show Ember's version, the BLAS in use and the devices.")

    func run() {
        print("Ember \(Ember.version)")
        print("BLAS: \(blasDescription)")
        print("CPU threads: \(Ember.numThreads) (of \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("Devices:")
        print("  cpu")
        print("  cuda: not available (this build of Ember has no CUDA backend)")
    }
}
