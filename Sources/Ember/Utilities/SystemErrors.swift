// System errors as short sentences: what a message shows instead of a Foundation error's dump.
import Foundation

extension Ember {
    /// The reason a file operation failed, in the system's words ("No such file or directory", "Permission
    /// denied", "No space left on device", "Read-only file system"), or the error's own description.
    public static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        guard nsError.domain == NSCocoaErrorDomain else { return "\(error)" }
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission, .fileWriteNoPermission: return String(cString: strerror(EACCES))
        case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
        case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
        case .fileWriteFileExists: return String(cString: strerror(EEXIST))
        default: return nsError.localizedDescription
        }
    }

    /// Why `path` cannot be opened for reading, told apart: missing, a folder, or present but unreadable; nil when
    /// it can be read.
    static func unreadableReason(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return "no such file" }
        if isFolder.boolValue { return "this is a folder, not a file" }
        guard access(path, R_OK) == 0 else { return "the file exists but cannot be read (\(String(cString: strerror(errno))))" }
        return nil
    }
}
