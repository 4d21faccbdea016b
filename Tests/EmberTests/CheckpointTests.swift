// Checkpoints against files written by real PyTorch (Tests/Golden/checkpoints and its manifest), round
// trips of everything Ember writes, and atomic writes.
import Ember
import EmberVision
import Foundation
import OrderedCollections
import XCTest

/// The golden checkpoint folder in the repository, and the shared one that also holds the large files.
enum CheckpointFiles {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden/checkpoints")
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/golden/checkpoints")

    /// Where `name` is, or nil (with a plain note) when neither folder has it.
    static func path(_ name: String) -> String? {
        for folder in [repository, shared] where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            return folder.appendingPathComponent(name).path
        }
        print("note: golden checkpoint \(name) is absent (looked in \(repository.path) and \(shared.path)); its checks are skipped")
        return nil
    }

    static var manifest: [String: Any] {
        let data = try! Data(contentsOf: repository.appendingPathComponent("manifest.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// The entry's input as a tensor and its expected output values.
    static func example(_ name: String) -> (input: Tensor, output: [Double]) {
        let entry = manifest[name] as! [String: Any]
        let input = entry["input"] as! [String: Any], output = entry["output"] as! [String: Any]
        return (Tensor((input["data"] as! [NSNumber]).map(\.floatValue), shape: input["shape"] as! [Int]),
                (output["data"] as! [NSNumber]).map(\.doubleValue))
    }
}

final class CheckpointTests: XCTestCase {
    let dtypes: [String: DType] = ["float32": .float32, "float64": .float64, "float16": .float16, "bfloat16": .bfloat16,
                                   "int64": .int64, "int32": .int32, "int8": .int8, "uint8": .uint8, "bool": .bool]

    /// The tensor at a manifest name: dotted paths into nested dictionaries (`state.0.step`, `weights.w`).
    func lookup(_ value: CheckpointValue, _ name: String) -> Tensor? {
        if let direct = value[name]?.tensor { return direct }
        if name.isEmpty { return value.tensor }
        var current = value
        for part in name.split(separator: ".").map(String.init) {
            guard case .dict(let pairs) = current,
                  let next = pairs.first(where: { $0.key.string == part || $0.key.int.map(String.init) == part })?.value else { return nil }
            current = next
        }
        return current.tensor
    }

    func check(_ tensor: Tensor, against expected: [String: Any], _ label: String) {
        XCTAssertEqual(tensor.dtype, dtypes[expected["dtype"] as! String], "\(label) dtype")
        XCTAssertEqual(tensor.shape, expected["shape"] as! [Int], "\(label) shape")
        XCTAssertEqual(tensor.strides, expected["strides"] as! [Int], "\(label) strides")
        XCTAssertEqual(tensor.storageOffset, expected["storage_offset"] as! Int, "\(label) offset")
        let values = tensor.toArray(as: Double.self)
        let sum = (expected["sum"] as! NSNumber).doubleValue
        XCTAssertEqual(values.reduce(0, +), sum, accuracy: 1e-4 * Swift.max(1, abs(sum)), "\(label) sum")
        // (Foundation's JSON reader can be an ulp off in the last digit, hence the tolerance.)
        func close(_ actual: [Double], _ wanted: [NSNumber]?, _ part: String) {
            guard let wanted else { return }
            XCTAssertEqual(actual.count, wanted.count, "\(label) \(part)")
            for (a, b) in zip(actual, wanted.map(\.doubleValue)) { XCTAssertEqual(a, b, accuracy: 1e-12 * Swift.max(1, abs(b)), "\(label) \(part)") }
        }
        close(Array(values.prefix((expected["head"] as? [NSNumber])?.count ?? 0)), expected["head"] as? [NSNumber], "head")
        close(Array(values.suffix((expected["tail"] as? [NSNumber])?.count ?? 0)), expected["tail"] as? [NSNumber], "tail")
    }

    func testEveryGoldenFileMatchesTheManifest() throws {
        for (file, entry) in CheckpointFiles.manifest {
            guard let path = CheckpointFiles.path(file) else { continue }
            let contents: CheckpointValue = try Ember.load(path)
            let tensors = (entry as! [String: Any])["tensors"] as! [String: [String: Any]]
            for (name, expected) in tensors {
                guard let tensor = lookup(contents, name) else { XCTFail("\(file): no tensor '\(name)'"); continue }
                check(tensor, against: expected, "\(file) \(name)")
            }
            for group in (entry as! [String: Any])["shared_storage"] as? [[String]] ?? [] {
                let storages = group.map { lookup(contents, $0)!.storage }
                XCTAssert(storages.allSatisfy { $0 === storages[0] }, "\(file): \(group) share one storage")
            }
        }
    }

    func testNestedCheckpointAndOptimizerState() throws {
        let nested: CheckpointValue = try Ember.load(try XCTUnwrap(CheckpointFiles.path("nested.pt")))
        XCTAssertEqual(nested["epoch"]?.int, 3)
        XCTAssertEqual(nested["lr"]?.double, 0.01)
        XCTAssertEqual(nested["name"]?.string, "run-a")
        XCTAssertEqual(nested["history"]?.elements?.compactMap(\.double), [1.5, 0.75])
        guard case .tuple(let flags)? = nested["flags"], case .bool(true) = flags[0], case .none = flags[1] else {
            return XCTFail("flags should be (True, None), got \(String(describing: nested["flags"]))")
        }
        let adam = try Ember.load(try XCTUnwrap(CheckpointFiles.path("adam_state.pt")), as: OptimizerStateDict.self)
        XCTAssertEqual(adam.groupParams, [[0, 1, 2, 3, 4, 5]])
        XCTAssertEqual(adam.paramGroups[0]["lr"], 0.001)
        XCTAssertEqual(adam.paramGroups[0]["beta1"], 0.9)
        XCTAssertEqual(adam.paramGroups[0]["beta2"], 0.999)
        XCTAssertEqual(adam.paramGroups[0]["amsgrad"], 0)
        XCTAssertEqual(adam.state[0]?["exp_avg"]?.shape, [16, 1, 5, 5])
        // It drives a real optimizer: the MNIST CNN's six parameters, as PyTorch saved them.
        let model = MNISTNet()
        let optimizer = Adam(model.parameters(), lr: 0.1)
        try optimizer.loadStateDict(adam)
        XCTAssertEqual(optimizer.paramGroups[0].lr, 0.001)
    }

    func testMNISTCheckpointsReproducePyTorchsOutput() throws {
        let (x, expected) = CheckpointFiles.example("mnist_cnn.pt")
        for file in ["mnist_cnn.pt", "mnist_cnn_legacy.pt"] {
            let model = MNISTNet()
            try model.loadStateDict(Ember.load(try XCTUnwrap(CheckpointFiles.path(file))))
            model.eval()
            let y = noGrad { model(x) }.toArray(as: Double.self)
            XCTAssertEqual(y.count, expected.count)
            for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-5, file) }
        }
    }

    // MARK: Round trips

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-checkpoints-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func assertSameTensor(_ a: Tensor, _ b: Tensor, _ label: String) {
        XCTAssertEqual(a.dtype, b.dtype, label)
        XCTAssertEqual(a.shape, b.shape, label)
        XCTAssertEqual(a.toArray(as: Double.self), b.toArray(as: Double.self), label)
    }

    /// Tensors of every dtype, an empty one, a 0-d one, and views of one storage.
    func sampleTensors() -> OrderedDictionary<String, Tensor> {
        Ember.manualSeed(3)
        let base = Tensor.arange(24, dtype: .float32).view(4, 6)
        return ["f32": Tensor.randn(3, 4), "f64": Tensor.randn([5], dtype: .float64), "f16": Tensor.randn(2, 3).to(.float16),
                "bf16": Tensor.randn(2, 3).to(.bfloat16), "i64": Tensor.randint(-50, 50, [7]), "i32": Tensor.randint(0, 9, [2, 2]).to(.int32),
                "i8": Tensor.randint(-100, 100, [5]).to(.int8), "u8": Tensor.randint(0, 255, [6]).to(.uint8),
                "b": Tensor([true, false, true, true]), "empty": Tensor.zeros(0, 3), "scalar": Tensor(Float(3.5)),
                "base": base, "view_t": base.t(), "view_slice": base[.slice(start: 1, end: 3, step: 1), .slice(start: 2, end: 5, step: 1)]]
    }

    func testPyTorchFormatRoundTripKeepsDtypesValuesAndSharedStorage() throws {
        let folder = try temporaryFolder(), path = folder.appendingPathComponent("sample.pt").path
        let tensors = sampleTensors()
        try Ember.save(tensors, to: path)
        let loaded: OrderedDictionary<String, Tensor> = try Ember.load(path)
        XCTAssertEqual(Array(loaded.keys), Array(tensors.keys))
        for (name, tensor) in tensors { assertSameTensor(loaded[name]!, tensor, name) }
        XCTAssert(loaded["view_t"]!.storage === loaded["base"]!.storage && loaded["view_slice"]!.storage === loaded["base"]!.storage)
        XCTAssertEqual(loaded["view_slice"]!.storageOffset, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["sample.pt"], "no temporary files left")
    }

    func testTrainingCheckpointRoundTrip() throws {
        let path = try temporaryFolder().appendingPathComponent("run.pth").path
        let model = MNISTNet()
        let optimizer = Adam(model.parameters(), lr: 1e-3)
        let lossFn = CrossEntropyLoss()
        let loss = lossFn(model(Tensor.randn(2, 1, 28, 28)), Tensor([Int64(1), 7]))
        loss.backward()
        optimizer.step()
        let checkpoint: CheckpointValue = ["epoch": 3, "lr": 0.5, "name": "run-a", "flags": .tuple([true, .none]),
                                           "history": [1.5, 0.75], "big": .int(1 << 40), "negative": -70000,
                                           "model": model.stateDict().checkpointValue, "optimizer": optimizer.stateDict().checkpointValue]
        try Ember.save(checkpoint, to: path)
        let loaded: CheckpointValue = try Ember.load(path)
        XCTAssertEqual(loaded["epoch"]?.int, 3)
        XCTAssertEqual(loaded["big"]?.int, 1 << 40)
        XCTAssertEqual(loaded["negative"]?.int, -70000)
        XCTAssertEqual(loaded["name"]?.string, "run-a")
        let restored = MNISTNet()
        try restored.loadStateDict(OrderedDictionary<String, Tensor>(checkpointValue: loaded["model"]!))
        for ((name, a), (_, b)) in zip(restored.stateDict(), model.stateDict()) { assertSameTensor(a, b, name) }
        let state = try OptimizerStateDict(checkpointValue: loaded["optimizer"]!)
        let other = Adam(restored.parameters(), lr: 1)
        try other.loadStateDict(state)
        XCTAssertEqual(other.paramGroups[0].lr, 1e-3)
        XCTAssertEqual(other.stateDict().state[0]?["exp_avg"]?.toArray(as: Float.self),
                       optimizer.stateDict().state[0]?["exp_avg"]?.toArray(as: Float.self))
    }

    func testSafeTensorsNpyAndNpzRoundTrips() throws {
        let folder = try temporaryFolder()
        var tensors = sampleTensors()
        tensors.removeValue(forKey: "view_t")  // written contiguous: compare values only
        let st = folder.appendingPathComponent("t.safetensors").path
        try SafeTensors.save(tensors, metadata: ["format": "pt"], to: st)
        let (loaded, metadata) = try SafeTensors.load(st)
        XCTAssertEqual(metadata, ["format": "pt"])
        for (name, tensor) in tensors { assertSameTensor(loaded[name]!, tensor, "safetensors \(name)") }
        let npz = folder.appendingPathComponent("t.npz").path
        try Ember.save(tensors, to: npz)
        let arrays: OrderedDictionary<String, Tensor> = try Ember.load(npz)
        for (name, tensor) in tensors { assertSameTensor(arrays[name]!, tensor, "npz \(name)") }
        for (name, tensor) in tensors {
            let npy = folder.appendingPathComponent("\(name).npy").path
            try Ember.save(tensor, to: npy)
            assertSameTensor(try Ember.load(npy, as: Tensor.self), tensor, "npy \(name)")
        }
    }

    func testFortranOrderNpy() throws {
        // np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)) saved by NumPy: column-major bytes.
        var header = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for v: Int32 in [0, 3, 1, 4, 2, 5] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let path = try temporaryFolder().appendingPathComponent("f.npy")
        try Data(bytes).write(to: path)
        let t = try Ember.load(path.path, as: Tensor.self)
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.toArray(as: Int32.self), [0, 1, 2, 3, 4, 5])
    }

    func testWritesAreAtomicAndErrorsAreTyped() throws {
        let folder = try temporaryFolder(), path = folder.appendingPathComponent("keep.npy").path
        try Ember.save(Tensor([Float(1), 2]), to: path)
        // A value the format cannot hold: the old file stays, no temporary file is left.
        let nested: CheckpointValue = ["a": 1]
        XCTAssertThrowsError(try Ember.save(nested, to: path)) { XCTAssertEqual(($0 as? CheckpointError)?.kind, .typeMismatch) }
        XCTAssertEqual(try Ember.load(path, as: Tensor.self).toArray(as: Float.self), [1, 2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["keep.npy"])
        XCTAssertThrowsError(try Ember.save(Tensor([Float(1)]), to: folder.appendingPathComponent("missing/dir/x.pt").path)) {
            XCTAssertEqual(($0 as? CheckpointError)?.kind, .io)
        }
        XCTAssertThrowsError(try Ember.load(folder.appendingPathComponent("absent.pt").path, as: Tensor.self)) {
            XCTAssertEqual(($0 as? CheckpointError)?.kind, .io)
            XCTAssert("\($0)".contains("absent.pt"))
        }
        // The file holds a tensor, not a state dict.
        XCTAssertThrowsError(try Ember.load(path, as: OrderedDictionary<String, Tensor>.self)) {
            XCTAssertEqual(($0 as? CheckpointError)?.kind, .typeMismatch)
        }
    }
}
