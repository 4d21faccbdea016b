// The typed error of everything in EmberVision that reads files or the network.

/// A data set, image file or download that could not be used.
public struct VisionError: Error, CustomStringConvertible, Equatable {
    /// What kind of failure.
    public enum Kind: Equatable, Sendable {
        /// A file or folder is not there.
        case missingFile
        /// Reading or writing failed at the operating-system level.
        case io
        /// A file ends before its header says it should.
        case truncated
        /// A file is not in the format it claims (wrong magic number, inconsistent sizes, undecodable data).
        case corrupt
        /// The input is valid but outside what EmberVision handles.
        case unsupported
        /// A download failed: no network, an HTTP error, or a checksum that does not match.
        case download
    }

    /// What kind of failure.
    public let kind: Kind
    /// What went wrong, in a sentence.
    public let message: String
    /// The file or folder concerned, when one is (the missing file of a `.missingFile` error).
    public let path: String?

    /// An error of `kind`, with a message and the file it concerns.
    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    /// What went wrong.
    public var description: String { message }
}
