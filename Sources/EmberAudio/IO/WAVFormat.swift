// The RIFF/WAVE container: its chunks walked and checked against the file's real size, and written back.
// Nothing is trusted: every size a header claims is checked against the bytes that exist before it is used.
import Foundation

/// How the samples of an audio file are stored (`AudioMetaData.encoding`), named as torchaudio names them.
public enum AudioEncoding: String, Sendable {
    /// Signed integers (16, 24 and 32 bits).
    case pcmSigned = "PCM_S"
    /// Unsigned integers offset by half their range (8 bits).
    case pcmUnsigned = "PCM_U"
    /// IEEE floating point (32 and 64 bits).
    case pcmFloat = "PCM_F"
}

/// What `info` reads from an audio file's header (`torchaudio.info`'s `AudioMetaData`).
public struct AudioMetadata: Equatable, Sendable, CustomStringConvertible {
    /// Frames per second.
    public let sampleRate: Int
    /// Frames (one sample per channel) in the file.
    public let numFrames: Int
    /// Channels per frame.
    public let numChannels: Int
    /// Bits per sample as stored.
    public let bitsPerSample: Int
    /// How samples are stored (`PCM_S`, `PCM_U`, `PCM_F`).
    public let encoding: AudioEncoding

    /// The metadata of a file, as `torchaudio.info` returns it.
    public init(sampleRate: Int, numFrames: Int, numChannels: Int, bitsPerSample: Int, encoding: AudioEncoding) {
        (self.sampleRate, self.numFrames, self.numChannels) = (sampleRate, numFrames, numChannels)
        (self.bitsPerSample, self.encoding) = (bitsPerSample, encoding)
    }

    /// torchaudio's spelling of the format: `AudioMetaData(sample_rate=…, …)`.
    public var description: String {
        "AudioMetaData(sample_rate=\(sampleRate), num_frames=\(numFrames), num_channels=\(numChannels), "
            + "bits_per_sample=\(bitsPerSample), encoding=\(encoding.rawValue))"
    }
}

/// A WAV file's format and where its samples are.
struct WAVLayout {
    let metadata: AudioMetadata
    /// The byte offset of the first frame.
    let dataOffset: Int
    /// Bytes per frame.
    var frameSize: Int { metadata.numChannels * metadata.bitsPerSample / 8 }

    /// The highest sample rate accepted; more is taken for a corrupt header.
    static let maximumSampleRate = 1 << 24

    /// Reads the layout of the WAV file open in `file` (`size` bytes long).
    static func read(_ file: FileHandle, size: Int) throws -> WAVLayout {
        func bytes(at offset: Int, _ count: Int, _ what: String) throws -> [UInt8] {
            guard offset + count <= size else {
                throw AudioError(.truncated, "the file ends inside \(what) (\(size) bytes, \(what) needs \(offset + count))")
            }
            try file.seek(toOffset: UInt64(offset))
            let data = try file.read(upToCount: count) ?? Data()
            guard data.count == count else { throw AudioError(.truncated, "the file ends inside \(what)") }
            return [UInt8](data)
        }
        let riff = try bytes(at: 0, 12, "the RIFF header")
        guard riff[0..<4] == Array("RIFF".utf8)[...], riff[8..<12] == Array("WAVE".utf8)[...] else {
            throw AudioError(.corrupt, "not a WAV file: it does not start with RIFF….WAVE")
        }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        while offset + 8 <= size {
            let header = try bytes(at: offset, 8, "a chunk header")
            let id = String(decoding: header[0..<4], as: UTF8.self), length = Int(littleEndian32(header, 4))
            let body = offset + 8
            if id == "fmt " {
                guard length >= 16 else { throw AudioError(.corrupt, "the fmt chunk is \(length) bytes; it needs at least 16") }
                let fmt = try bytes(at: body, Swift.min(length, 40), "the fmt chunk")
                var tag = Int(littleEndian16(fmt, 0))
                if tag == 0xFFFE {
                    guard fmt.count >= 26 else { throw AudioError(.corrupt, "the extensible fmt chunk is \(length) bytes; it needs 40") }
                    tag = Int(littleEndian16(fmt, 24))  // the first two bytes of the sub-format GUID
                }
                format = (tag, Int(littleEndian16(fmt, 2)), Int(littleEndian32(fmt, 4)), Int(littleEndian16(fmt, 12)),
                          Int(littleEndian16(fmt, 14)))
            } else if id == "data" {
                guard let format else { throw AudioError(.corrupt, "the data chunk comes before any fmt chunk") }
                let metadata = try checked(format, dataBytes: length)
                guard body + length <= size else {
                    throw AudioError(.truncated, "the data chunk claims \(length) bytes but the file holds \(size - body) after its header")
                }
                return WAVLayout(metadata: metadata, dataOffset: body)
            }
            guard body + length <= size else {
                throw AudioError(.truncated, "the \(id.debugDescription) chunk claims \(length) bytes past the end of the file")
            }
            offset = body + length + (length & 1)  // chunks are padded to an even size
        }
        throw AudioError(format == nil ? .corrupt : .truncated, "the file has no \(format == nil ? "fmt" : "data") chunk")
    }

    /// The metadata a fmt chunk describes for `dataBytes` of samples (whole frames; a partial last one is dropped),
    /// or the reason it is unusable.
    private static func checked(_ format: (tag: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int),
                                dataBytes: Int) throws -> AudioMetadata {
        guard format.channels > 0 else { throw AudioError(.corrupt, "the fmt chunk says the file has 0 channels") }
        guard format.rate > 0 && format.rate <= maximumSampleRate else {
            throw AudioError(.corrupt, "the fmt chunk gives an impossible sample rate of \(format.rate) Hz")
        }
        let encoding: AudioEncoding
        switch (format.tag, format.bits) {
        case (1, 8): encoding = .pcmUnsigned
        case (1, 16), (1, 24), (1, 32): encoding = .pcmSigned
        case (3, 32), (3, 64): encoding = .pcmFloat
        case (1, _), (3, _):
            throw AudioError(.unsupported, "\(format.bits)-bit \(format.tag == 1 ? "integer" : "floating-point") samples are not supported")
        default:
            throw AudioError(.unsupported, "WAV format tag \(format.tag) (a compressed codec) is not supported; only PCM and IEEE float are")
        }
        guard format.blockAlign == format.channels * format.bits / 8 else {
            throw AudioError(.corrupt, "the fmt chunk's block align \(format.blockAlign) does not match \(format.channels) channels "
                             + "of \(format.bits) bits")
        }
        return AudioMetadata(sampleRate: format.rate, numFrames: dataBytes / format.blockAlign, numChannels: format.channels,
                             bitsPerSample: format.bits, encoding: encoding)
    }

    /// The bytes of a WAV file holding `frameBytes` of samples in the format `metadata` describes: plain PCM or
    /// IEEE-float headers for one or two channels, WAVE_FORMAT_EXTENSIBLE for more (as the format requires).
    static func fileBytes(_ metadata: AudioMetadata, frameBytes: [UInt8]) throws -> [UInt8] {
        let isFloat = metadata.encoding == .pcmFloat, extensible = metadata.numChannels > 2
        let tag = isFloat ? 3 : 1
        var fmt: [UInt8] = []
        appendLittleEndian(&fmt, extensible ? 0xFFFE : tag, 2)
        appendLittleEndian(&fmt, metadata.numChannels, 2)
        appendLittleEndian(&fmt, metadata.sampleRate, 4)
        let frameSize = metadata.numChannels * metadata.bitsPerSample / 8
        appendLittleEndian(&fmt, metadata.sampleRate * frameSize, 4)
        appendLittleEndian(&fmt, frameSize, 2)
        appendLittleEndian(&fmt, metadata.bitsPerSample, 2)
        if extensible {
            appendLittleEndian(&fmt, 22, 2)
            appendLittleEndian(&fmt, metadata.bitsPerSample, 2)  // valid bits
            appendLittleEndian(&fmt, 0, 4)  // no speaker positions
            appendLittleEndian(&fmt, tag, 2)
            fmt += [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]  // KSDATAFORMAT GUID tail
        } else if isFloat {
            appendLittleEndian(&fmt, 0, 2)
        }
        var chunks: [UInt8] = Array("WAVE".utf8)
        func chunk(_ id: String, _ body: [UInt8]) {
            chunks += Array(id.utf8)
            appendLittleEndian(&chunks, body.count, 4)
            chunks += body
            if body.count & 1 == 1 { chunks.append(0) }
        }
        chunk("fmt ", fmt)
        if isFloat || extensible {
            var fact: [UInt8] = []
            appendLittleEndian(&fact, frameBytes.count / Swift.max(frameSize, 1), 4)
            chunk("fact", fact)
        }
        chunk("data", frameBytes)
        guard chunks.count < Int(UInt32.max) - 8 else {
            throw AudioError(.unsupported, "\(frameBytes.count) bytes of samples do not fit a WAV file's 4 GiB limit")
        }
        var file: [UInt8] = Array("RIFF".utf8)
        appendLittleEndian(&file, chunks.count, 4)
        return file + chunks
    }
}

func littleEndian16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
}

func appendLittleEndian(_ bytes: inout [UInt8], _ value: Int, _ count: Int) {
    for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
}
