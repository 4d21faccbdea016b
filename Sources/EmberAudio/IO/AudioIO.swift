// Loading and saving WAV files as tensors (`torchaudio.load`, `torchaudio.save`, `torchaudio.info`).
import Ember
import Foundation

/// The header of the WAV file at `path` (`torchaudio.info`).
public func info(_ path: String) throws -> AudioMetadata {
    try withWAVFile(path) { _, layout in layout.metadata }
}

/// The samples of the WAV file at `path` and its sample rate (`torchaudio.load`): [channels, frames] (or [frames,
/// channels] when `channelsFirst` is false), `numFrames` frames (all when -1) from `frameOffset`. With `normalize`,
/// float32 in [-1, 1] (integers divided by 2^(bits-1), 8-bit ones offset by 128 first); without, the stored type:
/// uint8 for 8 bits, int32 for 16, 24 (shifted into the top bits, as torchaudio gives them) and 32 bits (Ember has
/// no int16), float32 or float64 for floating-point files.
public func load(_ path: String, frameOffset: Int = 0, numFrames: Int = -1, normalize: Bool = true,
                 channelsFirst: Bool = true) throws -> (Tensor, Int) {
    guard frameOffset >= 0 else { throw AudioError(.unsupported, "frameOffset must be non-negative, got \(frameOffset)", path: path) }
    guard numFrames >= -1 else { throw AudioError(.unsupported, "numFrames must be -1 (all) or non-negative, got \(numFrames)", path: path) }
    return try withWAVFile(path) { file, layout in
        let metadata = layout.metadata
        let start = Swift.min(frameOffset, metadata.numFrames)
        let count = numFrames == -1 ? metadata.numFrames - start : Swift.min(numFrames, metadata.numFrames - start)
        try file.seek(toOffset: UInt64(layout.dataOffset + start * layout.frameSize))
        let data = count == 0 ? Data() : (try file.read(upToCount: count * layout.frameSize) ?? Data())
        guard data.count == count * layout.frameSize else {
            throw AudioError(.truncated, "the file ended while reading its samples", path: path)
        }
        let frames = decodeSamples(data, metadata, normalize: normalize).view(count, metadata.numChannels)
        return (channelsFirst ? frames.t().contiguous() : frames, metadata.sampleRate)
    }
}

/// Writes `tensor` ([channels, frames], or [frames, channels] when `channelsFirst` is false) to `path` as a WAV
/// file at `sampleRate` (`torchaudio.save`), atomically. Floating-point samples are taken to lie in [-1, 1]: for
/// integer encodings they are scaled by 2^(bits-1), rounded and clipped; integer tensors are written as raw
/// sample values, clipped to the encoding's range. The default encoding is 32-bit float for floating-point
/// tensors, 8-bit unsigned for uint8 and 32-bit signed for other integers.
public func save(_ path: String, _ tensor: Tensor, sampleRate: Int, channelsFirst: Bool = true, encoding: AudioEncoding? = nil,
                 bitsPerSample: Int? = nil) throws {
    guard tensor.dim == 2 else {
        throw AudioError(.unsupported, "expected a 2-D tensor [channels, frames], got shape \(tensor.shape)", path: path)
    }
    guard sampleRate > 0 && sampleRate <= WAVLayout.maximumSampleRate else {
        throw AudioError(.unsupported, "sample rate \(sampleRate) is outside 1…\(WAVLayout.maximumSampleRate)", path: path)
    }
    let isFloat = tensor.dtype.isFloatingPoint
    let encoding = encoding ?? (isFloat ? .pcmFloat : (tensor.dtype == .uint8 ? .pcmUnsigned : .pcmSigned))
    let bits = bitsPerSample ?? [.pcmFloat: 32, .pcmUnsigned: 8, .pcmSigned: 32][encoding]!
    let supported: [AudioEncoding: [Int]] = [.pcmFloat: [32, 64], .pcmUnsigned: [8], .pcmSigned: [16, 24, 32]]
    guard supported[encoding]!.contains(bits) else {
        throw AudioError(.unsupported, "\(encoding.rawValue) with \(bits) bits is not a WAV encoding; use "
                         + "\(supported[encoding]!.map(String.init).joined(separator: " or ")) bits", path: path)
    }
    guard isFloat || encoding != .pcmFloat else {
        throw AudioError(.unsupported, "integer samples (\(tensor.dtype)) cannot be saved as floating point; convert them first",
                         path: path)
    }
    let frames = (channelsFirst ? tensor.t() : tensor).contiguous()
    guard frames.size(1) > 0 && frames.size(1) <= 65_535 else {
        throw AudioError(.unsupported, "a WAV file holds 1 to 65535 channels, not \(frames.size(1))", path: path)
    }
    let metadata = AudioMetadata(sampleRate: sampleRate, numFrames: frames.size(0), numChannels: frames.size(1), bitsPerSample: bits,
                                 encoding: encoding)
    let bytes = try WAVLayout.fileBytes(metadata, frameBytes: encodeSamples(frames, metadata))
    do {
        try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(bytes).write(to: $0) }
    } catch {
        throw AudioError(.io, "cannot write the file: \(error)", path: path)
    }
}

/// Opens `path`, reads its WAV layout and runs `body`, turning every failure into an `AudioError` for `path`.
private func withWAVFile<R>(_ path: String, _ body: (FileHandle, WAVLayout) throws -> R) throws -> R {
    guard FileManager.default.fileExists(atPath: path) else { throw AudioError(.missingFile, "no such file", path: path) }
    do {
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? file.close() }
        let size = Int(try file.seekToEnd())
        return try body(file, try WAVLayout.read(file, size: size))
    } catch let error as AudioError {
        throw AudioError(error.kind, error.message, path: path)
    } catch {
        throw AudioError(.io, "cannot read the file: \(error)", path: path)
    }
}

/// The interleaved samples in `data` as a flat tensor, converted as `load` describes.
private func decodeSamples(_ data: Data, _ metadata: AudioMetadata, normalize: Bool) -> Tensor {
    let count = data.count / (metadata.bitsPerSample / 8)
    return data.withUnsafeBytes { raw -> Tensor in
        func integers(_ sample: (Int) -> Int32, scale: Float) -> Tensor {
            normalize ? Tensor((0..<count).map { Float(sample($0)) * scale }, shape: [count])
                      : Tensor((0..<count).map(sample), shape: [count])
        }
        switch (metadata.encoding, metadata.bitsPerSample) {
        case (.pcmUnsigned, _):
            let bytes = raw.bindMemory(to: UInt8.self)
            return normalize ? Tensor((0..<count).map { (Float(bytes[$0]) - 128) / 128 }, shape: [count])
                             : Tensor(Array(bytes), shape: [count])
        case (.pcmSigned, 16):
            return integers({ Int32(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }, scale: 1 / 32_768)
        case (.pcmSigned, 24):
            return integers({ i in
                let b = (UInt32(raw[3 * i]) << 8) | (UInt32(raw[3 * i + 1]) << 16) | (UInt32(raw[3 * i + 2]) << 24)
                return Int32(bitPattern: b)
            }, scale: 1 / 2_147_483_648)
        case (.pcmSigned, _):
            return integers({ Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }, scale: 1 / 2_147_483_648)
        case (_, 32):
            return Tensor((0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) },
                          shape: [count])
        default:
            let values = (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
            return normalize ? Tensor(values.map { Float($0) }, shape: [count]) : Tensor(values, shape: [count])
        }
    }
}

/// The little-endian bytes of the [frames, channels] samples in `frames`, converted as `save` describes.
private func encodeSamples(_ frames: Tensor, _ metadata: AudioMetadata) -> [UInt8] {
    let bits = metadata.bitsPerSample
    var bytes: [UInt8] = []
    bytes.reserveCapacity(frames.numel * bits / 8)
    if metadata.encoding == .pcmFloat {
        if bits == 32 {
            for value in frames.toArray(as: Float.self) { appendLittleEndian(&bytes, Int(value.bitPattern), 4) }
        } else {
            for value in frames.toArray(as: Double.self) { appendLittleEndian(&bytes, Int(Int64(bitPattern: value.bitPattern)), 8) }
        }
        return bytes
    }
    let isUnsigned = metadata.encoding == .pcmUnsigned
    let full = Double(1 << (bits - 1))
    let (low, high) = isUnsigned ? (0.0, 2 * full - 1) : (-full, full - 1)
    let values: [Double]
    if frames.dtype.isFloatingPoint {
        values = frames.toArray(as: Double.self).map { ($0 * full).rounded(.toNearestOrEven) + (isUnsigned ? full : 0) }
    } else {
        values = frames.toArray(as: Double.self)
    }
    for value in values {
        let clipped = value.isNaN ? (isUnsigned ? full : 0) : Swift.min(Swift.max(value, low), high)
        appendLittleEndian(&bytes, Int(clipped), bits / 8)
    }
    return bytes
}
