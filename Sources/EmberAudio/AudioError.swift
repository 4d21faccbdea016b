// The typed error of everything in EmberAudio that reads or writes files.

/// An audio file that could not be read or written.
public struct AudioError: Error, CustomStringConvertible, Equatable {
    /// What kind of failure.
    public enum Kind: Equatable, Sendable {
        /// The file is not there.
        case missingFile
        /// Reading or writing failed at the operating-system level.
        case io
        /// The file ends before its headers say it should.
        case truncated
        /// The file is not in the format it claims (wrong magic, inconsistent or absurd header values).
        case corrupt
        /// The file or tensor is valid but outside what EmberAudio handles (another codec, a dtype WAV cannot hold).
        case unsupported
    }

    /// What kind of failure.
    public let kind: Kind
    /// What went wrong, in a sentence.
    public let message: String
    /// The file concerned.
    public let path: String?

    /// An error of `kind`, with a message and the file it concerns.
    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    /// What went wrong, and the file.
    public var description: String { path.map { "\(message) (\($0))" } ?? message }
}
