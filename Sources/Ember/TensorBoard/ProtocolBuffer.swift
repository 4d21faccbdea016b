// The protocol-buffer encoding of the few TensorBoard messages Ember writes, by hand: varints, fixed-width numbers
// and length-delimited fields are all they use.

/// Bytes of one protocol-buffer message, written field by field. As proto3 does, a scalar field holding its default
/// (0, an empty string or list) is left out; an embedded message is always written.
struct ProtocolBuffer {
    private(set) var bytes: [UInt8] = []

    /// An unsigned varint.
    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// An int32, int64 or enum field (negative values as ten-byte two's complement, as protobuf writes them).
    mutating func integer(_ field: Int, _ value: Int64) {
        guard value != 0 else { return }
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    /// A double field; `always` writes 0 too (a member of a oneof, which has presence).
    mutating func double(_ field: Int, _ value: Double, always: Bool = false) {
        guard always || value.bitPattern != 0 else { return }
        key(field, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A float field.
    mutating func float(_ field: Int, _ value: Float) {
        guard value.bitPattern != 0 else { return }
        key(field, 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bytes field; `always` writes an empty one too (a member of a oneof).
    mutating func data(_ field: Int, _ value: [UInt8], always: Bool = false) {
        guard always || !value.isEmpty else { return }
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field (UTF-8); `always` writes an empty one too (a member of a oneof).
    mutating func string(_ field: Int, _ value: String, always: Bool = false) { data(field, Array(value.utf8), always: always) }

    /// An embedded message field.
    mutating func message(_ field: Int, _ build: (inout ProtocolBuffer) -> Void) {
        var inner = ProtocolBuffer()
        build(&inner)
        key(field, 2)
        varint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }

    /// A packed repeated double field.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var packed: [UInt8] = []
        packed.reserveCapacity(8 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { packed.append(contentsOf: $0) } }
        data(field, packed)
    }
}
