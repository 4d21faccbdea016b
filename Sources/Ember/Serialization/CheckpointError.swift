// Why a checkpoint could not be read or written: every failure of a file, never a crash.

/// An error reading or writing a checkpoint (`Ember.save`, `Ember.load`), naming the file and the cause.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, by kind; `message` has the details.
    public enum Kind: Equatable, Sendable {
        /// The file could not be opened, read, written or renamed.
        case io
        /// The file ends before the data it declares.
        case truncated
        /// The bytes do not form a valid file of the format (bad magic, sizes, offsets, checksums…).
        case corrupt
        /// A pickle names a global outside the allow-list (`os.system`, arbitrary classes…).
        case forbiddenGlobal
        /// A pickle opcode the restricted unpickler does not run.
        case forbiddenOpcode
        /// Valid for the format but not something Ember reads or writes (a dtype, a byte order…).
        case unsupported
        /// The file holds a different kind of value than the one asked for.
        case typeMismatch
    }

    /// What kind of failure.
    public let kind: Kind
    /// What went wrong, in a sentence.
    public let message: String
    /// The file, when known.
    public internal(set) var path: String?

    init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    /// The file (when known) and what is wrong with it.
    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
