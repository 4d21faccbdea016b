// Reading the golden tensor encoding and comparing Ember's results with PyTorch's.
@testable import Ember

/// Why a case did not pass.
struct CaseFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum GoldenTensor {
    /// The tensor on the cases' device.
    static func decode(_ json: JSON) throws -> Tensor {
        try decodeOnHost(json).to(GoldenDevice.current)
    }

    static func decodeOnHost(_ json: JSON) throws -> Tensor {
        guard let dtypeName = json["dtype"]?.string, let dtype = DType(name: dtypeName),
              let shape = json["shape"]?.array?.compactMap(\.int), let data = json["data"]?.array else {
            throw CaseFailure("malformed tensor \(json)")
        }
        switch dtype {
        case .bool: return Tensor(data.map { $0.bool ?? false }, shape: shape)
        case .int64, .int32, .uint8, .int8:
            return Tensor(data.map { Int64($0.int ?? 0) }, shape: shape).to(dtype)
        default:
            return Tensor(data.map { $0.double ?? .nan }, shape: shape).to(dtype)
        }
    }

    /// Checks shape, dtype and values within `atol + rtol * |expected|` (exact for integers and bools).
    static func compare(_ actual: Tensor, _ expectedJSON: JSON, rtol: Double, atol: Double, what: String,
                        device: Device? = GoldenDevice.current) throws {
        // A 0-d tensor standing for a Swift number (`item`, `equal`) is no device's.
        if let device, actual.device != device, !actual.isWrappedNumber { throw CaseFailure("\(what): on \(actual.device), expected \(device)") }
        let expected = try decodeOnHost(expectedJSON)
        guard actual.shape == expected.shape else {
            throw CaseFailure("\(what): shape \(actual.shape), expected \(expected.shape)")
        }
        guard actual.dtype == expected.dtype else {
            throw CaseFailure("\(what): dtype \(actual.dtype), expected \(expected.dtype)")
        }
        let a = actual.toArray(as: Double.self), e = expected.toArray(as: Double.self)
        let exact = !expected.dtype.isFloatingPoint
        let mismatches = (0..<e.count).filter { i in
            let x = a[i], y = e[i]
            if x.isNaN && y.isNaN { return false }
            if (x.isInfinite || y.isInfinite) && x == y { return false }
            return !(exact ? x == y : Swift.abs(x - y) <= atol + rtol * Swift.abs(y))
        }
        if let i = mismatches.first {
            throw CaseFailure("\(what): \(mismatches.count) of \(e.count) elements differ; element \(i) is \(a[i]), expected \(e[i])")
        }
    }
}
