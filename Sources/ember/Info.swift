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
        let cuda = Ember.cuda
        for index in 0..<cuda.deviceCount {
            guard let gpu = try? cuda.deviceProperties(index) else { continue }
            print("  cuda:\(index): \(gpu.name), compute capability \(gpu.major).\(gpu.minor), "
                  + "\(gpu.multiProcessorCount) multiprocessors, \(gpu.totalMemory >> 20) MiB")
        }
        if let reason = cuda.unavailableReason { print("  cuda: not available: \(reason)") }
        if cuda.isAvailable, let reason = cuda.cublasUnavailableReason {
            print("  cuBLAS: not available, matrix products run on the host: \(reason)")
        }
        if cuda.isAvailable, let reason = cuda.cufftUnavailableReason {
            print("  cuFFT: not available, Fourier transforms run on the host: \(reason)")
        }
        if cuda.isAvailable, let reason = cuda.cudnnUnavailableReason {
            print("  cuDNN: not available, convolutions run as im2col and cuBLAS products: \(reason)")
        }
        if let version = cuda.driverVersion { print("CUDA driver: \(version)") }
        if let version = cuda.cudnnVersion { print("cuDNN: \(version / 10000).\(version % 10000 / 100).\(version % 100)") }
    }
}
