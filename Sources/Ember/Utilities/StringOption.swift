// Options that PyTorch programs spell as strings: an enum with PyTorch's strings as raw values conforms to
// `StringOption`, and a ported line keeps its literal (`mode: "reflect"` is `mode: .reflect`).

/// An enum of named options whose raw values are PyTorch's strings; a string literal names a case.
public protocol StringOption: RawRepresentable, ExpressibleByStringLiteral where RawValue == String, StringLiteralType == String {}

extension StringOption {
    /// The case named `value`; an unknown name stops with the names there are.
    public init(stringLiteral value: String) {
        guard let option = Self(rawValue: value) else {
            preconditionFailure("\(Self.self): unknown option \"\(value)\"")
        }
        self = option
    }
}
