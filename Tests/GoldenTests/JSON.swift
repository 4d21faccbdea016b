// A small JSON reader that keeps what the golden cases need and Foundation loses: whether a number
// was written as an integer (`3`) or a float (`3.0`), and the order of object keys.

indirect enum JSON: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func == (lhs: JSON, rhs: JSON) -> Bool { "\(lhs)" == "\(rhs)" }

    subscript(key: String) -> JSON? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var objectPairs: [(String, JSON)]? { if case .object(let o) = self { return o }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var isNull: Bool { if case .null = self { return true }; return false }

    var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return s == "nan" ? .nan : s == "inf" ? .infinity : s == "-inf" ? -.infinity : nil
        default: return nil
        }
    }

    var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded(): return Int(d)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// An int, or the ints of a list (PyTorch accepts both for sizes and dims).
    var ints: [Int]? {
        if let i = int, case .int = self { return [i] }
        return array?.compactMap(\.int)
    }
}

struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0

    static func parse(_ text: [UInt8]) throws -> JSON {
        var parser = JSONParser(bytes: text)
        let value = try parser.value()
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private mutating func skipSpace() {
        while position < bytes.count, [32, 9, 10, 13].contains(bytes[position]) { position += 1 }
    }

    private mutating func value() throws -> JSON {
        skipSpace()
        guard position < bytes.count else { throw Failure(description: "unexpected end of JSON") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var pairs: [(String, JSON)] = []
            skipSpace()
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard case .string(let key) = try value() else { throw Failure(description: "expected a key at \(position)") }
                skipSpace()
                guard bytes[position] == UInt8(ascii: ":") else { throw Failure(description: "expected ':' at \(position)") }
                position += 1
                pairs.append((key, try value()))
                skipSpace()
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                throw Failure(description: "expected ',' or '}' at \(position)")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSON] = []
            skipSpace()
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try value())
                skipSpace()
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw Failure(description: "expected ',' or ']' at \(position)")
            }
        case UInt8(ascii: "\""):
            position += 1
            var scalars: [UInt8] = []
            while bytes[position] != UInt8(ascii: "\"") {
                if bytes[position] == UInt8(ascii: "\\") {
                    position += 1
                    switch bytes[position] {
                    case UInt8(ascii: "n"): scalars.append(10)
                    case UInt8(ascii: "t"): scalars.append(9)
                    case UInt8(ascii: "u"):
                        let hex = String(decoding: bytes[(position + 1)...(position + 4)], as: UTF8.self)
                        scalars += Array(String(Character(Unicode.Scalar(UInt32(hex, radix: 16)!)!)).utf8)
                        position += 4
                    default: scalars.append(bytes[position])
                    }
                } else {
                    scalars.append(bytes[position])
                }
                position += 1
            }
            position += 1
            return .string(String(decoding: scalars, as: UTF8.self))
        case UInt8(ascii: "t"): position += 4; return .bool(true)
        case UInt8(ascii: "f"): position += 5; return .bool(false)
        case UInt8(ascii: "n"): position += 4; return .null
        default:
            let start = position
            var isFloat = false
            while position < bytes.count, let c = Optional(bytes[position]),
                  (c >= 48 && c <= 57) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                    || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isFloat = true }
                position += 1
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if !isFloat, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw Failure(description: "bad number '\(text)' at \(start)") }
            return .double(d)
        }
    }
}
