// Checkpoint loading: a state dict with ResNet-18's 122 tensors (11.2M parameters, 44.8 MB), written
// by Ember in PyTorch's format, loaded back, against a plain read of the same file's bytes.
import Ember
import Foundation
import OrderedCollections

/// Random tensors with the names and shapes of torchvision's `resnet18(num_classes: 10).state_dict()`.
func resNet18StateDict() -> OrderedDictionary<String, Tensor> {
    var state = OrderedDictionary<String, Tensor>()
    func batchNorm(_ prefix: String, _ channels: Int) {
        for name in ["weight", "bias", "running_mean", "running_var"] { state["\(prefix).\(name)"] = Tensor.randn(channels) }
        state["\(prefix).num_batches_tracked"] = Tensor(Int64(0))
    }
    state["conv1.weight"] = Tensor.randn(64, 3, 7, 7)
    batchNorm("bn1", 64)
    var channels = 64
    for (layer, width) in [64, 128, 256, 512].enumerated() {
        for block in 0..<2 {
            let prefix = "layer\(layer + 1).\(block)", input = block == 0 ? channels : width
            state["\(prefix).conv1.weight"] = Tensor.randn(width, input, 3, 3)
            batchNorm("\(prefix).bn1", width)
            state["\(prefix).conv2.weight"] = Tensor.randn(width, width, 3, 3)
            batchNorm("\(prefix).bn2", width)
            if block == 0 && input != width {
                state["\(prefix).downsample.0.weight"] = Tensor.randn(width, input, 1, 1)
                batchNorm("\(prefix).downsample.1", width)
            }
        }
        channels = width
    }
    state["fc.weight"] = Tensor.randn(10, 512)
    state["fc.bias"] = Tensor.randn(10)
    return state
}

/// Reads a whole file with read(2) into `buffer` (at least the file's size), as a baseline for loading it.
func plainRead(_ path: String, into buffer: UnsafeMutableRawPointer) -> Int {
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    let size = Int(info.st_size)
    var done = 0
    while done < size {
        let count = read(fd, buffer + done, size - done)
        if count <= 0 { break }
        done += count
    }
    return done
}

func runCheckpointBenchmarks() {
    Ember.manualSeed(0)
    let state = resNet18StateDict()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ember-bench-resnet18.pt").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        try Ember.save(state, to: path)
        // Warm: tensors come from Ember's caching allocator and the read reuses one buffer, so neither
        // pays for fresh pages. Cold: the allocator's cache is emptied before each load and each read
        // gets fresh memory, as a program's first load does.
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        let warmLoad = measure(batchSeconds: 0.5, batches: 5) { blackHole(try! Ember.load(path, as: OrderedDictionary<String, Tensor>.self)) }
        let warmRead = measure(batchSeconds: 0.5, batches: 5) { blackHole(plainRead(path, into: buffer)) }
        let coldLoad = measure(batchSeconds: 0.5, batches: 5) {
            Ember.emptyCache()
            blackHole(try! Ember.load(path, as: OrderedDictionary<String, Tensor>.self))
        }
        let coldRead = measure(batchSeconds: 0.5, batches: 5) {
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            blackHole(plainRead(path, into: fresh))
            fresh.deallocate()
        }
        report("load ResNet-18 .pt (44.8 MB), warm", warmLoad * 1e3, "ms")
        report("plain read of the file, warm", warmRead * 1e3, "ms")
        report("load ResNet-18 .pt, cold memory", coldLoad * 1e3, "ms")
        report("plain read, cold memory", coldRead * 1e3, "ms")
        report("load / read, warm", warmLoad / warmRead, "ratio")
        report("load / read, cold memory", coldLoad / coldRead, "ratio")
    } catch {
        print("checkpoint benchmark failed: \(error)")
    }
}
