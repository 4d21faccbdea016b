// ember-bench: Ember's hot paths, timed. `--tsv` prints `name<TAB>value<TAB>unit` for the comparison script.
import CBLAS
import Ember
import Foundation

let tsv = CommandLine.arguments.contains("--tsv")
let only = CommandLine.arguments.drop(while: { $0 != "--only" }).dropFirst().first

func report(_ name: String, _ value: Double, _ unit: String) {
    if tsv {
        print("\(name)\t\(value)\t\(unit)")
    } else {
        print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%12.3f  %@", value, unit))
    }
    fflush(nil)
}

/// Whether `--only` selects `group`: a prefix of it ("models" runs every "models-…"), or nothing given.
func wanted(_ group: String) -> Bool { only.map { group.hasPrefix($0) } ?? true }

if !tsv { print("Ember \(Ember.version), \(Ember.numThreads) threads") }

// MARK: Overhead of one small op

if wanted("overhead") {
    let a = Tensor([Float(1)]), b = Tensor([Float(2)])
    report("overhead add 1-element", measure { blackHole(a + b) } * 1e6, "us")
    let w = Tensor([Float(1)]).requiresGrad_()
    report("overhead add+backward 1-element", measure {
        let y = w + b
        y.backward()
    } * 1e6, "us")
}

// MARK: Matrix multiply

if wanted("matmul") {
    for n in [256, 512, 1024, 2048] {
        Ember.manualSeed(0)
        let a = Tensor.randn(n, n), b = Tensor.randn(n, n)
        let flops = 2.0 * Double(n * n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        defer { c.deallocate() }
        // Ember and OpenBLAS alternate, best of three rounds each, so machine noise hits both alike.
        var ember = Double.infinity, direct = Double.infinity
        for _ in 0..<3 {
            ember = min(ember, measure(batchSeconds: 0.2, batches: 5) { blackHole(a.matmul(b)) })
            // OpenBLAS with its own threads on all cores, as an application calling it directly would use it.
            _ = a.matmul(b)
            setOpenBLASThreads(Ember.numThreads)
            defer { setOpenBLASThreads(1) }
            direct = min(direct, a.withUnsafeBufferPointer(as: Float.self) { pa in
                b.withUnsafeBufferPointer(as: Float.self) { pb in
                    measure(batchSeconds: 0.2, batches: 5) {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                                    pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, c, Int32(n))
                    }
                }
            })
        }
        report("matmul \(n) ember", flops / ember / 1e9, "GFLOP/s")
        report("matmul \(n) openblas", flops / direct / 1e9, "GFLOP/s")
    }
}

// MARK: Memory-bound kernels

/// The machine's bandwidth for c = a + b over float32 arrays, with plain loops on every core.
func streamBandwidth(_ n: Int) -> Double {
    // Each thread writes its own part of c.
    nonisolated(unsafe) let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
    nonisolated(unsafe) let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    a.initialize(repeating: 1, count: n); b.initialize(repeating: 2, count: n); c.initialize(repeating: 0, count: n)
    let threads = Ember.numThreads
    let seconds = measure(batchSeconds: 0.3, batches: 5) {
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let chunk = (n + threads - 1) / threads, start = t * chunk, end = min(n, start + chunk)
            for i in start..<end { c[i] = a[i] + b[i] }
        }
    }
    return Double(3 * 4 * n) / seconds / 1e9
}

if wanted("elementwise") {
    for (label, n) in [("16M", 16 << 20), ("1M", 1 << 20)] {
        let a = Tensor.ones([n]), b = Tensor.full([n], 2.0)
        let bytes3 = Double(3 * 4 * n), bytes1 = Double(4 * n)
        if label == "16M" { report("stream bandwidth 16M", streamBandwidth(n), "GB/s") }
        let add = measure(batchSeconds: 0.3, batches: 5) { blackHole(a + b) }
        report("add \(label)", label == "16M" ? bytes3 / add / 1e9 : add * 1e6, label == "16M" ? "GB/s" : "us")
        let mul = measure(batchSeconds: 0.3, batches: 5) { blackHole(a * b) }
        report("mul \(label)", label == "16M" ? bytes3 / mul / 1e9 : mul * 1e6, label == "16M" ? "GB/s" : "us")
        let sum = measure(batchSeconds: 0.3, batches: 5) { blackHole(a.sum()) }
        report("sum \(label)", label == "16M" ? bytes1 / sum / 1e9 : sum * 1e6, label == "16M" ? "GB/s" : "us")
    }
}

// MARK: Training

if wanted("training") { runTrainingBenchmarks() }

// MARK: Larger models

runModelBenchmarks()

// MARK: Fourier transforms

if wanted("spectral") { runSpectralBenchmarks() }

// MARK: Checkpoints

if wanted("checkpoint") { runCheckpointBenchmarks() }

// MARK: GPU

if wanted("gpu") { runGPUBenchmarks() }
