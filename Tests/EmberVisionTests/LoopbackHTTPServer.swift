import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 for download tests: serves `files` by path, honours
/// `Range: bytes=N-` with 206 (416 past the end) unless `ignoresRanges`, answers 404 otherwise, and logs each request's
/// range header.
final class LoopbackHTTPServer: @unchecked Sendable {
    let files: [String: [UInt8]]
    let ignoresRanges: Bool
    private(set) var port: UInt16 = 0
    private var listener: Int32 = -1
    private let lock = NSLock()
    private var rangesSeen: [String?] = []

    init(files: [String: [UInt8]], ignoresRanges: Bool = false) throws {
        self.files = files
        self.ignoresRanges = ignoresRanges
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    /// The `Range` header of every request so far (nil where there was none).
    var ranges: [String?] { lock.lock(); defer { lock.unlock() }; return rangesSeen }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            var request = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let count = recv(connection, &buffer, buffer.count, 0)
                if count <= 0 { break }
                request += buffer[0..<count]
            }
            let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
            let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let range = lines.first { $0.lowercased().hasPrefix("range:") }?.split(separator: "=").last.map(String.init)
            lock.lock(); rangesSeen.append(range); lock.unlock()
            var response: [UInt8]
            if let body = files[path], !ignoresRanges, let start = range.flatMap({ Int($0.dropLast()) }), start >= body.count {
                response = Array("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            } else if let body = files[path] {
                let start = ignoresRanges ? 0 : min(range.flatMap { Int($0.dropLast()) } ?? 0, body.count)
                let status = start > 0 ? "206 Partial Content" : "200 OK"
                response = Array("HTTP/1.1 \(status)\r\nContent-Length: \(body.count - start)\r\nConnection: close\r\n\r\n".utf8) + body[start...]
            } else {
                response = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            }
            var sent = 0
            while sent < response.count {
                let count = response[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { break }
                sent += count
            }
            close(connection)
        }
    }
}
