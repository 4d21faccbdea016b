// Fetching data set files: from the publishers' mirrors, resumable, checked against their MD5, written
// under a temporary name and renamed into place. Without a network the error says where to put the file.
import Ember
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A file a data set needs, with its published MD5 checksum.
public struct RemoteFile: Sendable {
    /// The file's name on the mirrors.
    public let name: String
    /// The published MD5 sum, in hex.
    public let md5: String
    /// A file on a data set's mirrors, with its published MD5 sum.
    public init(name: String, md5: String) { (self.name, self.md5) = (name, md5) }
}

enum Downloader {
    /// Makes sure `folder/file.name` exists with the right checksum, fetching it from the first mirror that
    /// answers (`mirror + file.name`). A partial download left by an earlier attempt is resumed.
    static func fetch(_ file: RemoteFile, mirrors: [String], into folder: String) throws {
        let target = (folder as NSString).appendingPathComponent(file.name)
        if let bytes = FileManager.default.contents(atPath: target), md5Hex([UInt8](bytes)) == file.md5 { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw VisionError(.io, "cannot create \(folder): \(error.localizedDescription)")
        }
        let partial = (folder as NSString).appendingPathComponent(".\(file.name).part")
        var failures: [String] = []
        for mirror in mirrors {
            let url = mirror + file.name
            do {
                try download(url, appendingTo: partial)
                let bytes = try readFileBytes(partial)
                guard md5Hex(bytes) == file.md5 else {
                    try? FileManager.default.removeItem(atPath: partial)
                    throw VisionError(.download, "checksum mismatch (MD5 \(md5Hex(bytes)), expected \(file.md5))")
                }
                guard rename(partial, target) == 0 else {
                    throw VisionError(.io, "cannot rename \(partial) to \(target): \(String(cString: strerror(errno)))")
                }
                return
            } catch {
                failures.append("\(url): \(Ember.reason(error))")
            }
        }
        throw VisionError(.download, """
            could not download \(file.name): \(failures.joined(separator: "; ")). \
            Without a network connection, copy \(file.name) (MD5 \(file.md5)) into \(folder) yourself.
            """)
    }

    /// Appends the bytes of `url` that `path` does not have yet (an HTTP range request when it has some).
    static func download(_ url: String, appendingTo path: String) throws {
        guard let source = URL(string: url) else { throw VisionError(.download, "not a URL") }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let output = FileHandle(forUpdatingAtPath: path) else { throw VisionError(.io, "cannot write \(path)") }
        defer { try? output.close() }
        let have = output.seekToEndOfFile()
        if source.isFileURL {
            try copyLocal(source.path, from: have, to: output)
            return
        }
        var request = URLRequest(url: source, timeoutInterval: 60)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        let receiver = StreamingReceiver(output: output, resumedAt: have)
        let session = URLSession(configuration: .ephemeral, delegate: receiver, delegateQueue: nil)
        session.dataTask(with: request).resume()
        receiver.finished.wait()
        session.finishTasksAndInvalidate()
        if let error = receiver.error { throw error }
    }

    private static func copyLocal(_ path: String, from offset: UInt64, to output: FileHandle) throws {
        guard let input = FileHandle(forReadingAtPath: path) else { throw VisionError(.missingFile, "\(path): no such file") }
        defer { try? input.close() }
        let size = input.seekToEndOfFile()
        if offset > size { output.truncateFile(atOffset: 0) }
        input.seek(toFileOffset: offset > size ? 0 : offset)
        while true {
            let chunk = input.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            output.write(chunk)
        }
    }
}

/// Writes a response body to a file as it arrives; a server that ignores the range restarts the file.
private final class StreamingReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let output: FileHandle
    let resumedAt: UInt64
    let finished = DispatchSemaphore(value: 0)
    var error: Error?

    init(output: FileHandle, resumedAt: UInt64) {
        self.output = output
        self.resumedAt = resumedAt
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 200
        switch status {
        case 206: completionHandler(.allow)
        case 416 where resumedAt > 0:
            completionHandler(.cancel)      // the partial file is already whole; its checksum decides
        case 200:
            if resumedAt > 0 { output.truncateFile(atOffset: 0) }
            completionHandler(.allow)
        default:
            error = VisionError(.download, "HTTP status \(status)")
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        output.write(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let status = (task.response as? HTTPURLResponse)?.statusCode
        if self.error == nil, let error, status != 416 { self.error = VisionError(.download, error.localizedDescription) }
        finished.signal()
    }
}
