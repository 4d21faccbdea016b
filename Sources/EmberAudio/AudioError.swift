// The typed error of everything in EmberAudio that reads or writes files.

/// An audio file that could not be read or written.
public struct AudioError: Error, CustomStringConvertible, Equatable {
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

    public let kind: Kind
    public let message: String
    /// The file concerned.
    public let path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    public var description: String { path.map { "\(message) (\($0))" } ?? message }
}
