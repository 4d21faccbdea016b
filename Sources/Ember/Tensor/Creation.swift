// Making tensors: from Swift values and arrays, and the factory functions (zeros, ones, arange…).
import RealModule

/// Swift's `Int` is a 64-bit integer scalar.
extension Int: TensorScalar {
    /// int64.
    public static var dtype: DType { .int64 }
    @inline(__always) public init(fromDouble value: Double) { self = Int(saturatingInt64(value)) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Int(value) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value as an Int64.
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

extension Tensor {
    /// A tensor holding a copy of `values` (row-major) with the given shape (`torch.tensor(values).view(shape)`).
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int], file: StaticString = #fileID, line: UInt = #line) {
        check(Layout.count(shape) == values.count && shape.allSatisfy { $0 >= 0 }, "Tensor",
              "shape \(shapeText(shape)) is invalid for input of size \(values.count)", file: file, line: line)
        self.init(uninitializedShape: shape, dtype: T.dtype)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                storage.pointer.copyMemory(from: base, byteCount: values.count * dtype.itemSize)
            }
        }
    }

    /// A 1-d tensor of `values` (`torch.tensor([…])`).
    public convenience init<T: TensorScalar>(_ values: [T]) { self.init(values, shape: [values.count]) }

    /// A 2-d tensor from rows of equal length.
    public convenience init<T: TensorScalar>(_ rows: [[T]], file: StaticString = #fileID, line: UInt = #line) {
        let width = rows.first?.count ?? 0
        check(rows.allSatisfy { $0.count == width }, "Tensor", "rows have different lengths", file: file, line: line)
        self.init(rows.flatMap { $0 }, shape: [rows.count, width])
    }

    /// A 3-d tensor from nested arrays of equal lengths.
    public convenience init<T: TensorScalar>(_ planes: [[[T]]], file: StaticString = #fileID, line: UInt = #line) {
        let rows = planes.first?.count ?? 0, width = planes.first?.first?.count ?? 0
        check(planes.allSatisfy { $0.count == rows && $0.allSatisfy { $0.count == width } }, "Tensor",
              "nested arrays have different lengths", file: file, line: line)
        self.init(planes.flatMap { $0.flatMap { $0 } }, shape: [planes.count, rows, width])
    }

    /// A 0-d tensor holding one value (`torch.tensor(3.5)`); Double gives float64 as in NumPy, so use
    /// `Tensor(Float(x))` for float32. Integer literals give int64, `true`/`false` bool.
    public convenience init<T: TensorScalar>(_ value: T) { self.init([value], shape: []) }

    /// Sets every element of this tensor's view to `value` (no autograd, no version bump).
    func fillStorage(_ value: Double) {
        if isComplex { fillComplex(value) } else { backend.fill(borrowedOperand, with: value) }
    }

    /// A new contiguous tensor of a shape a user asked for: a negative size, a byte count that overflows, or
    /// more memory than the system gives stop with PyTorch's message, naming `op`, the shape and the caller.
    convenience init(requestedShape shape: [Int], dtype: DType, device: Device = .cpu, zeroed: Bool, op: String,
                     file: StaticString, line: UInt) {
        if let negative = shape.first(where: { $0 < 0 }) {
            fail(op, "Trying to create tensor with negative dimension \(negative): \(shape)", file: file, line: line)
        }
        let byteCount = shape.reduce(dtype.itemSize) { total, extent in
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            if overflow { fail(op, "Storage size calculation overflowed with sizes=\(shape)", file: file, line: line) }
            return product
        }
        let backend = device == .cpu ? CPUBackend.host : Backends.backend(for: device, op: op, file: file, line: line)
        guard let storage = Storage(tryingByteCount: byteCount, zeroed: zeroed, backend: backend) else {
            let allocator = device == .cpu ? "DefaultCPUAllocator" : "\(device)"
            fail(op, "\(allocator): not enough memory: you tried to allocate \(byteCount) bytes (shape \(shapeText(shape)), "
                 + "\(dtype)).", file: file, line: line)
        }
        self.init(storage: storage, layout: Layout(contiguous: shape), dtype: dtype)
    }

    /// A tensor of zeros (`torch.zeros`).
    public static func zeros(_ shape: [Int], dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let t = Tensor(requestedShape: shape, dtype: dtype, device: device, zeroed: true, op: "zeros", file: file, line: line)
        t.requiresGrad = requiresGrad
        return t
    }
    /// A tensor of zeros (`torch.zeros`).
    public static func zeros(_ shape: Int..., dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        zeros(shape, dtype: dtype, device: device, requiresGrad: requiresGrad, file: file, line: line)
    }

    /// A tensor of ones (`torch.ones`).
    public static func ones(_ shape: [Int], dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        full(shape, 1, dtype: dtype, device: device, requiresGrad: requiresGrad, op: "ones", file: file, line: line)
    }
    /// A tensor of ones (`torch.ones`).
    public static func ones(_ shape: Int..., dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        ones(shape, dtype: dtype, device: device, requiresGrad: requiresGrad, file: file, line: line)
    }

    /// A tensor with uninitialised contents (`torch.empty`).
    public static func empty(_ shape: [Int], dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let t = Tensor(requestedShape: shape, dtype: dtype, device: device, zeroed: false, op: "empty", file: file, line: line)
        t.requiresGrad = requiresGrad
        return t
    }
    /// A tensor whose values are not set (`torch.empty`).
    public static func empty(_ shape: Int..., dtype: DType = defaultFloatDType, device: Device = .cpu, requiresGrad: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        empty(shape, dtype: dtype, device: device, requiresGrad: requiresGrad, file: file, line: line)
    }

    /// A tensor filled with `value` (`torch.full`). The dtype defaults to float32.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = defaultFloatDType, device: Device = .cpu,
                            requiresGrad: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        full(shape, value, dtype: dtype, device: device, requiresGrad: requiresGrad, op: "full", file: file, line: line)
    }

    private static func full(_ shape: [Int], _ value: Double, dtype: DType, device: Device, requiresGrad: Bool, op: String,
                             file: StaticString, line: UInt) -> Tensor {
        let t = Tensor(requestedShape: shape, dtype: dtype, device: device, zeroed: false, op: op, file: file, line: line)
        t.fillStorage(value)
        t.requiresGrad = requiresGrad
        return t
    }

    /// This tensor, made on the host, on `device`: a factory's values drawn or computed there (so random numbers
    /// are the same on every device), or the result of an op without a device primitive yet (its values make one
    /// trip through the host; the README lists those ops).
    func placed(on device: Device, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        device == .cpu ? self : noGrad { to(device, file: file, line: line) }
    }

    /// The identity matrix, or an n×m matrix with ones on the diagonal (`torch.eye`).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = defaultFloatDType, device: Device = .cpu) -> Tensor {
        let cols = m ?? n
        let t = zeros([n, cols], dtype: dtype, device: device)
        let diagonal = t.makeView(shape: [Swift.min(n, cols)], strides: [cols + 1], offset: 0)
        diagonal.fillStorage(1)
        return t
    }

    /// Values from `start` up to (not including) `end` in steps of `step` (`torch.arange`).
    /// Integer arguments give int64; pass a `dtype` or fractional bounds for floats.
    ///
    /// A fractional step gives PyTorch's bits, whose CPU kernel does not compute every value alike: it fills pairs of
    /// AVX2 vectors (4 float64 or 8 float32 lanes), each lane `base + lane·step` from the vector's first value
    /// `start + step·i` (float32: that first value rounded to float32 first), with fused multiply–adds, and the last
    /// values that do not fill a pair as `start + step·i`.
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = defaultFloatDType,
                              device: Device = .cpu, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(step != 0, "arange", "step must be nonzero", file: file, line: line)
        check((end - start) / step >= 0, "arange", "upper bound and larger bound inconsistent with step sign",
              file: file, line: line)
        let count = Int(((end - start) / step).rounded(.up))
        let lanes = dtype == .float64 ? 4 : (dtype == .float32 ? 8 : 1), isFloat32 = dtype == .float32
        let vectorized = lanes == 1 ? 0 : count / (2 * lanes) * (2 * lanes)
        let values = (0..<count).map { i -> Double in
            guard i < vectorized else { return start.addingProduct(step, Double(i)) }
            let lane = i % lanes, base = start.addingProduct(step, Double(i - lane))
            return isFloat32 ? Double(Float(base)) + Double(lane) * step : base.addingProduct(Double(lane), step)
        }
        return Tensor(values, shape: [count]).to(dtype).placed(on: device, file: file, line: line)
    }
    /// 0, 1, … up to `end` (exclusive) in a floating-point dtype (`torch.arange(end)` with a float).
    public static func arange(_ end: Double, dtype: DType = defaultFloatDType, device: Device = .cpu) -> Tensor {
        arange(0, end, dtype: dtype, device: device)
    }
    /// `start`, `start + step`, … up to `end` (exclusive), int64 (`torch.arange(start, end, step)`).
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64, device: Device = .cpu,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        arange(Double(start), Double(end), step: Double(step), dtype: dtype, device: device, file: file, line: line)
    }
    /// 0, 1, … up to `end` (exclusive), int64 (`torch.arange(end)`).
    public static func arange(_ end: Int, dtype: DType = .int64, device: Device = .cpu) -> Tensor {
        arange(0, end, dtype: dtype, device: device)
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive (`torch.linspace`).
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = defaultFloatDType,
                                device: Device = .cpu) -> Tensor {
        // PyTorch fills the first half from the start and the second half from the end, each value one fused
        // multiply-add, in float32 for float32 (the step too) and in double otherwise.
        func values<T: BinaryFloatingPoint>(_ start: T, _ end: T) -> [Double] {
            guard steps > 1 else { return steps == 1 ? [Double(start)] : [] }
            let step = (end - start) / T(steps - 1), half = steps / 2
            return (0..<steps).map { i in
                Double(i < half ? start.addingProduct(step, T(i)) : end.addingProduct(-step, T(steps - i - 1)))
            }
        }
        let filled = dtype == .float32 ? values(Float(start), Float(end)) : values(start, end)
        return Tensor(filled, shape: [steps]).to(dtype).placed(on: device)
    }

    /// `base` raised to `steps` evenly spaced exponents from `start` to `end` (`torch.logspace`).
    public static func logspace(_ start: Double, _ end: Double, steps: Int, base: Double = 10,
                                dtype: DType = defaultFloatDType) -> Tensor {
        let exponents = linspace(start, end, steps: steps, dtype: .float64).toArray(as: Double.self)
        return Tensor(exponents.map { Double.pow(base, $0) }, shape: [steps]).to(dtype)
    }

    /// Zeros with this tensor's shape and dtype (`torch.zeros_like`).
    public func zerosLike(dtype: DType? = nil) -> Tensor { Tensor.zeros(shape, dtype: dtype ?? self.dtype, device: device) }
    /// Ones with this tensor's shape and dtype (`torch.ones_like`).
    public func onesLike(dtype: DType? = nil) -> Tensor { Tensor.ones(shape, dtype: dtype ?? self.dtype, device: device) }
    /// `value` everywhere, with this tensor's shape and dtype (`torch.full_like`).
    public func fullLike(_ value: Double, dtype: DType? = nil) -> Tensor {
        Tensor.full(shape, value, dtype: dtype ?? self.dtype, device: device)
    }
    /// Uninitialised, with this tensor's shape and dtype (`torch.empty_like`).
    public func emptyLike(dtype: DType? = nil) -> Tensor { Tensor.empty(shape, dtype: dtype ?? self.dtype, device: device) }
}
