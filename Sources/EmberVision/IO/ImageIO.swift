// Reading and writing images (`torchvision.io`): PNG through libpng, JPEG through libjpeg-turbo.
// Images are uint8 tensors of shape [C, H, W], as `torchvision.io.read_image` returns them.
import CEmberVision
import Ember
import Foundation

/// Reads a PNG or JPEG file into a uint8 tensor of shape [C, H, W] (`torchvision.io.read_image`):
/// 1 channel for gray images, 3 for colour, 4 for images with transparency.
public func readImage(_ path: String) throws -> Tensor {
    try decodeImage(readFileBytes(path), name: path)
}

/// Decodes PNG or JPEG bytes (told apart by their signature) into a uint8 [C, H, W] tensor.
public func decodeImage(_ bytes: [UInt8], name: String = "image") throws -> Tensor {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47]
    if bytes.starts(with: png) { return try decode(bytes, name: name, with: ember_png_decode) }
    if bytes.starts(with: [0xFF, 0xD8]) { return try decode(bytes, name: name, with: ember_jpeg_decode) }
    throw VisionError(.corrupt, "\(name): not a PNG or JPEG file (unknown signature)")
}

/// Encodes a uint8 image [C, H, W] (C = 1, 3 or 4) or [H, W] as PNG (`torchvision.io.encode_png`).
public func encodePNG(_ image: Tensor) throws -> [UInt8] {
    try encode(image, format: "PNG", channels: [1, 3, 4], with: ember_png_encode)
}

/// Encodes a uint8 image [C, H, W] (C = 1 or 3) or [H, W] as JPEG (`torchvision.io.encode_jpeg`).
public func encodeJPEG(_ image: Tensor, quality: Int = 75) throws -> [UInt8] {
    try encode(image, format: "JPEG", channels: [1, 3]) { pixels, width, height, channels, out, count, message, capacity in
        ember_jpeg_encode(pixels, width, height, channels, Int32(Swift.min(Swift.max(quality, 1), 100)), out, count, message, capacity)
    }
}

/// Writes a uint8 image as a PNG file (`torchvision.io.write_png`), atomically.
public func writePNG(_ image: Tensor, to path: String) throws {
    try writeFileBytes(encodePNG(image), to: path)
}

/// Writes a uint8 image as a JPEG file (`torchvision.io.write_jpeg`), atomically.
public func writeJPEG(_ image: Tensor, to path: String, quality: Int = 75) throws {
    try writeFileBytes(encodeJPEG(image, quality: quality), to: path)
}

// MARK: Bridging to the C codecs

typealias Decoder = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<EmberDecodedImage>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
typealias Encoder = (UnsafePointer<UInt8>?, Int32, Int32, Int32, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                     UnsafeMutablePointer<Int>?, UnsafeMutablePointer<CChar>?, Int) -> Int32

private func decode(_ bytes: [UInt8], name: String, with decoder: Decoder) throws -> Tensor {
    var image = EmberDecodedImage()
    var message = [CChar](repeating: 0, count: 256)
    let status = bytes.withUnsafeBufferPointer { decoder($0.baseAddress, $0.count, &image, &message, message.count) }
    guard status == 0, let pixels = image.pixels else {
        let text = String(nulTerminated: message)
        // libpng's and libjpeg's words for data that stops short (ours for libjpeg's warning)
        let truncated = ["beyond end of data", "ends early", "Premature end"].contains { text.contains($0) }
        throw VisionError(truncated ? .truncated : .corrupt, "\(name): cannot decode the image (\(text))")
    }
    defer { ember_image_free(pixels) }
    let (height, width, channels) = (Int(image.height), Int(image.width), Int(image.channels))
    let interleaved = Tensor.empty([height, width, channels], dtype: .uint8)
    interleaved.withUnsafeMutableBufferPointer(as: UInt8.self) { $0.baseAddress!.update(from: pixels, count: $0.count) }
    return interleaved.permute(2, 0, 1).contiguous()
}

private func encode(_ image: Tensor, format: String, channels allowed: [Int], with encoder: Encoder) throws -> [UInt8] {
    let chw = image.dim == 2 ? image.unsqueeze(0) : image
    guard chw.dim == 3, chw.dtype == .uint8, allowed.contains(chw.shape[0]), chw.shape[1] > 0, chw.shape[2] > 0 else {
        throw VisionError(.unsupported, "encoding \(format) needs a non-empty uint8 image [C, H, W] with C in \(allowed), got \(image.dtype) \(image.shape)")
    }
    let interleaved = chw.permute(1, 2, 0).contiguous()
    var out: UnsafeMutablePointer<UInt8>?
    var count = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = interleaved.withUnsafeBufferPointer(as: UInt8.self) { pixels in
        encoder(pixels.baseAddress!, Int32(chw.shape[2]), Int32(chw.shape[1]), Int32(chw.shape[0]), &out, &count, &message, message.count)
    }
    guard status == 0, let out else { throw VisionError(.corrupt, "cannot encode \(format): \(String(nulTerminated: message))") }
    defer { ember_image_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: count))
}

// MARK: Files

func readFileBytes(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw VisionError(.missingFile, "\(path): no such file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw VisionError(.io, "\(path): cannot be read") }
    return [UInt8](data)
}

func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
    do {
        try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(bytes).write(to: $0) }
    } catch {
        throw VisionError(.io, "\(path): cannot be written (\(Ember.reason(error)))")
    }
}

/// Inflates a gzip file's bytes.
func gunzip(_ bytes: [UInt8], name: String) throws -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>?
    var count = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = bytes.withUnsafeBufferPointer { ember_gunzip($0.baseAddress, $0.count, &out, &count, &message, message.count) }
    guard status == 0, let out else {
        let text = String(nulTerminated: message)
        throw VisionError(text.contains("truncated") ? .truncated : .corrupt, "\(name): \(text)")
    }
    defer { ember_image_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: count))
}
