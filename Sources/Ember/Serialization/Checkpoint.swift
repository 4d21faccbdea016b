// `Ember.save` and `Ember.load`: the file format follows the extension, and a write never leaves a
// half-written file behind.
import CEmberKernels
import Foundation

/// The file formats `Ember.save` and `Ember.load` read and write.
public enum CheckpointFormat: Sendable {
    /// `torch.save`'s zip format (reading also the legacy pre-1.6 format): `.pt`, `.pth`, `.bin`.
    case pytorch
    /// Hugging Face's safetensors: `.safetensors`.
    case safetensors
    /// One NumPy array: `.npy`.
    case npy
    /// A zip of NumPy arrays: `.npz`.
    case npz

    /// The format a path's extension names (anything else is PyTorch's, as `torch.save` accepts any name).
    public init(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "safetensors": self = .safetensors
        case "npy": self = .npy
        case "npz": self = .npz
        default: self = .pytorch
        }
    }
}

extension Ember {
    /// Writes `value` to `path` (`torch.save`): a tensor, a state dict, an optimizer state dict or a
    /// nested `CheckpointValue`. The format follows the extension unless `format` is given. The file is
    /// written under a temporary name in the same folder and renamed into place.
    ///
    /// - Throws: `CheckpointError` when the file cannot be written or the format cannot hold the value.
    public static func save<T: CheckpointConvertible>(_ value: T, to path: String, format: CheckpointFormat? = nil) throws {
        let url = URL(fileURLWithPath: path)
        let contents = value.checkpointValue
        try writeAtomically(to: url) { temporary in
            switch format ?? CheckpointFormat(path: path) {
            case .pytorch: try PyTorchFormat.write(contents, to: temporary, archiveName: url.deletingPathExtension().lastPathComponent)
            case .safetensors: try SafeTensors.write(try SafeTensors.tensors(of: contents), metadata: [:], to: temporary)
            case .npy:
                guard let tensor = contents.tensor else {
                    throw CheckpointError(.typeMismatch, "an .npy file holds one tensor, not a \(contents.kindName)")
                }
                try NumPyFormat.writeArray(tensor, to: temporary)
            case .npz: try NumPyFormat.writeArchive(try SafeTensors.tensors(of: contents), to: temporary)
            }
        }
    }

    /// Reads a checkpoint (`torch.load(path, weights_only=True)`) as `T`: a `Tensor`, a state dict
    /// (`OrderedDictionary<String, Tensor>`), an `OptimizerStateDict` or the whole `CheckpointValue`.
    /// Only tensors and plain values are read; nothing in the file is ever executed. Tensors load onto the
    /// CPU, or onto `mapLocation` (`map_location`); a tensor saved from another device was written from a host copy.
    ///
    /// - Throws: `CheckpointError` for a missing, truncated or corrupt file, a disallowed pickle global or
    ///   opcode, or contents that are not a `T`.
    public static func load<T: CheckpointConvertible>(_ path: String, as type: T.Type = T.self,
                                                      format: CheckpointFormat? = nil, mapLocation: Device? = nil) throws -> T {
        let url = URL(fileURLWithPath: path)
        if let reason = unreadableReason(path) { throw CheckpointError(.io, reason, path: path) }
        do {
            let contents: CheckpointValue
            switch format ?? CheckpointFormat(path: path) {
            case .pytorch: contents = try PyTorchFormat.read(url)
            case .safetensors:
                contents = .dict(try SafeTensors.read(url).tensors.map { (key: .string($0.key), value: .tensor($0.value)) })
            case .npy: contents = .tensor(try NumPyFormat.readArray(url))
            case .npz: contents = .dict(try NumPyFormat.readArchive(url).map { (key: .string($0.key), value: .tensor($0.value)) })
            }
            return try T(checkpointValue: mapLocation.map { contents.moved(to: $0) } ?? contents)
        } catch var error as CheckpointError {
            error.path = error.path ?? path
            throw error
        } catch {
            throw CheckpointError(.io, Ember.reason(error), path: path)
        }
    }

    /// Reads a whole checkpoint as `torch.load` returns it, when nothing asks for a narrower type:
    /// `try Ember.load("run.pt")["model"]`.
    public static func load(_ path: String, format: CheckpointFormat? = nil, mapLocation: Device? = nil) throws -> CheckpointValue {
        try load(path, as: CheckpointValue.self, format: format, mapLocation: mapLocation)
    }

    /// Runs `write` on a temporary file next to `url`, then renames it over `url`, flushing the file to disk
    /// before the rename and the folder after it; on any failure the temporary file is removed and `url` is
    /// untouched. A SIGINT or SIGTERM that ends the process removes the temporary file too (a program that
    /// handles those signals itself lets the write finish), and each write first removes the temporary files
    /// of earlier writes to `url` whose process is gone (killed with SIGKILL, or by a power cut).
    public static func writeAtomically(to url: URL, _ write: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        removeStaleTemporaries(of: url)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let slot = ember_temporary_watch(temporary.path)
        defer { ember_temporary_forget(slot) }
        do {
            try write(temporary)
            try flush(temporary, "the written file")
            guard rename(temporary.path, url.path) == 0 else {
                throw CheckpointError(.io, "cannot rename the finished file into place (\(String(cString: strerror(errno))))")
            }
            try flush(folder, "the folder")
        } catch var error as CheckpointError {
            try? FileManager.default.removeItem(at: temporary)
            error.path = error.path ?? url.path
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CheckpointError(.io, Ember.reason(error), path: url.path)
        }
    }

    /// Writes what the system holds of a file or folder to the disk (`fsync`); a file system that cannot
    /// sync a folder (EINVAL) is left as it is.
    private static func flush(_ url: URL, _ what: String) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw CheckpointError(.io, "cannot open \(what) to flush it (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw CheckpointError(.io, "cannot flush \(what) to disk (\(String(cString: strerror(errno))))")
        }
    }

    /// Removes `.<name>.<pid>.<n>.tmp` files next to `url` whose writing process no longer runs.
    private static func removeStaleTemporaries(of url: URL) {
        let folder = url.deletingLastPathComponent(), prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let parts = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard parts.count == 2, let pid = pid_t(parts[0]), UInt32(parts[1]) != nil else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }
}
