// Unpacking the data sets' .tar.gz archives (ustar, regular files only).
import Foundation

enum TarArchive {
    /// Writes the regular files of a gzip-compressed tar archive under `folder`. Member names that
    /// are absolute or climb out with `..` are refused, as are sizes past the archive's end.
    static func extractGzip(_ path: String, into folder: String) throws {
        let bytes = try gunzip(readFileBytes(path), name: path)
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = field(header, 0, 100), prefix = field(header, 345, 155)
            let fullName = prefix.isEmpty ? name : prefix + "/" + name
            guard let size = Int(field(header, 124, 12).trimmingCharacters(in: .whitespaces), radix: 8), size >= 0 else {
                throw VisionError(.corrupt, "\(path): bad size field in the tar header of \(fullName)")
            }
            let type = header[header.startIndex + 156]
            let start = offset + 512
            guard start + size <= bytes.count else { throw VisionError(.truncated, "\(path): \(fullName) runs past the archive's end") }
            if type == UInt8(ascii: "0") || type == 0 {
                guard !fullName.hasPrefix("/"), !fullName.split(separator: "/").contains("..") else {
                    throw VisionError(.corrupt, "\(path): refusing the member \(fullName) (it would land outside \(folder))")
                }
                let target = (folder as NSString).appendingPathComponent(fullName)
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try writeFileBytes(Array(bytes[start..<(start + size)]), to: target)
            }
            offset = start + (size + 511) / 512 * 512
        }
    }

    private static func field(_ header: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> String {
        let raw = header[(header.startIndex + start)..<(header.startIndex + start + length)]
        return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
