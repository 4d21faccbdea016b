// TensorBoard's event files: TFRecord records of serialized `Event` messages, appended to a file named as
// PyTorch's SummaryWriter names it.
import CEmberKernels
import Foundation

/// What goes wrong writing TensorBoard logs: a folder or file that cannot be created or written.
public struct SummaryWriterError: Error, CustomStringConvertible {
    /// What went wrong, in a sentence.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One event file: `events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix>` (n counts the files this process made),
/// starting with the `brain.Event:2` version event. Each record is the event's length (uint64, little-endian), the
/// masked CRC-32C of those eight bytes, the event and its masked CRC-32C; records wait in memory until `flush`.
final class EventFile {
    let path: String
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private(set) var queued = 0
    private static let counter = NSLock()
    nonisolated(unsafe) private static var made = 0

    init(folder: String, suffix: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SummaryWriterError("cannot create the log folder \(folder): \(Ember.reason(error))")
        }
        EventFile.counter.lock()
        let index = EventFile.made
        EventFile.made += 1
        EventFile.counter.unlock()
        let name = String(format: "events.out.tfevents.%010d.%@.%d.%d", Int(Date().timeIntervalSince1970), ProcessInfo.processInfo.hostName,
                          Int(getpid()), index) + suffix
        path = (folder as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw SummaryWriterError("cannot create the event file \(path)")
        }
        self.handle = handle
        append(EventFile.event(wallTime: Date().timeIntervalSince1970, step: nil) { $0.string(3, "brain.Event:2") })
        try flush()
    }

    /// A serialized `Event`: wall time (1), step (2), and what `body` adds (the file version (3) or a summary (5)).
    static func event(wallTime: Double, step: Int?, _ body: (inout ProtocolBuffer) -> Void) -> [UInt8] {
        var event = ProtocolBuffer()
        event.double(1, wallTime)
        event.integer(2, Int64(step ?? 0))
        body(&event)
        return event.bytes
    }

    /// Queues one serialized event as a record.
    func append(_ event: [UInt8]) {
        var length = UInt64(event.count).littleEndian
        let header = withUnsafeBytes(of: &length) { Array($0) }
        pending += header
        append(maskedCRC: header)
        pending += event
        append(maskedCRC: event)
        queued += 1
    }

    /// TFRecord's masked CRC-32C, little-endian.
    private func append(maskedCRC bytes: [UInt8]) {
        let crc = bytes.withUnsafeBytes { ember_crc32c(0, $0.baseAddress, $0.count) }
        let masked = ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
        withUnsafeBytes(of: masked.littleEndian) { pending.append(contentsOf: $0) }
    }

    /// Writes the queued records to the file and to disk.
    func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
            try handle.synchronize()
        } catch {
            throw SummaryWriterError("cannot write the event file \(path): \(Ember.reason(error))")
        }
        pending.removeAll(keepingCapacity: true)
        queued = 0
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        try? handle.close()
    }
}
