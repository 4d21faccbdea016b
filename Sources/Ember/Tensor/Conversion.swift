// Moving data between dtypes, layouts and Swift values: to, contiguous, clone, toArray, item.

extension Tensor {
    /// Copies this tensor's elements (any layout) into a new contiguous tensor of `dtype`.
    func copied(as dtype: DType) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        copyElements(into: out)
        return out
    }

    /// Writes this tensor's elements into `destination` (same shape, any layout and dtype).
    func copyElements(into destination: Tensor) {
        dtype.visit(CopyCast(source: UnsafeRawPointer(storage.pointer + storageOffset * dtype.itemSize),
                             sourceStrides: strides,
                             destination: destination.storage.pointer + destination.storageOffset * destination.dtype.itemSize,
                             destinationStrides: destination.strides, destinationType: destination.dtype,
                             shape: shape))
    }

    /// This tensor in `other`'s dtype (and device) (`x.to(other)`).
    public func to(_ other: Tensor) -> Tensor { to(other.dtype) }

    /// This tensor converted to `dtype`; itself when it already has it (`Tensor.to(dtype)`).
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = copied(as: dtype)
        if dtype.isFloatingPoint && self.dtype.isFloatingPoint {
            let sourceType = self.dtype
            record("ToCopyBackward0", inputs: [self], outputs: [out]) { grads in [grads[0].to(sourceType)] }
        }
        return out
    }

    /// This tensor on `device`; the CPU is the only device of this build.
    public func to(_ device: Device, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(device == .cpu, "to", "device \(device) is not available (the CPU is this build's only device)",
              file: file, line: line)
        return self
    }

    /// float32 (`Tensor.float()`).
    public func float() -> Tensor { to(.float32) }
    /// float64 (`Tensor.double()`).
    public func double() -> Tensor { to(.float64) }
    /// int64 (`Tensor.long()`).
    public func long() -> Tensor { to(.int64) }
    /// int32 (`Tensor.int()`).
    public func int() -> Tensor { to(.int32) }
    /// float16 (`Tensor.half()`).
    public func half() -> Tensor { to(.float16) }
    /// bool (`Tensor.bool()`).
    public func bool() -> Tensor { to(.bool) }

    /// A contiguous tensor with the same values: itself when already contiguous (`contiguous()`).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = copied(as: dtype)
        record("CloneBackward0", inputs: [self], outputs: [out]) { grads in [grads[0]] }
        return out
    }

    /// A copy with its own storage that autograd sees as `CloneBackward0` (`clone()`).
    public func clone() -> Tensor {
        let out = copied(as: dtype)
        record("CloneBackward0", inputs: [self], outputs: [out]) { grads in [grads[0]] }
        return out
    }

    /// The same storage, cut off from the graph (`detach()`).
    public func detach() -> Tensor { makeView(shape: shape, strides: strides, offset: storageOffset) }

    /// Cuts this tensor off from the graph in place, making it a leaf (`detach_()`).
    @discardableResult public func detach_() -> Tensor {
        gradFn = nil
        _requiresGrad = false
        return self
    }

    /// Sets whether autograd records operations on this leaf; returns self (`requires_grad_()`).
    @discardableResult
    public func requiresGrad_(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// The tensor's values outside autograd, sharing storage (`.data`); assigning replaces them.
    public var data: Tensor {
        get { detach() }
        set {
            storage = newValue.storage
            shape = newValue.shape
            strides = newValue.strides
            storageOffset = newValue.storageOffset
            dtype = newValue.dtype
        }
    }

    /// The elements in row-major order, converted to `T`.
    public func toArray<T: TensorScalar>(as type: T.Type) -> [T] {
        let source = T.dtype == dtype && isContiguous ? self : copied(as: T.dtype)
        let p = source.storage.pointer.advanced(by: source.storageOffset * T.dtype.itemSize)
            .assumingMemoryBound(to: T.self)
        return Array(UnsafeBufferPointer(start: p, count: numel))
    }

    /// The value of a one-element tensor as a Double (`item()`).
    public func item(file: StaticString = #fileID, line: UInt = #line) -> Double {
        check(numel == 1, "item", "a Tensor with \(numel) elements cannot be converted to Scalar (shape \(shapeText(shape)))",
              file: file, line: line)
        struct Read: ScalarTypeVisitor {
            let tensor: Tensor
            func visit<T: TensorScalar>(_ type: T.Type) -> Double { tensor.pointer(as: T.self).pointee.doubleValue }
        }
        return dtype.visit(Read(tensor: self))
    }

    /// Calls `body` with the elements of a contiguous tensor of element type `T`, without copying;
    /// a non-contiguous tensor or another dtype is copied first.
    public func withUnsafeBufferPointer<T: TensorScalar, R>(as type: T.Type,
                                                             _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        let source = T.dtype == dtype && isContiguous ? self : copied(as: T.dtype)
        return try body(UnsafeBufferPointer(start: source.pointer(as: T.self), count: numel))
    }

    /// Calls `body` with mutable access to the elements of this contiguous tensor, in place.
    public func withUnsafeMutableBufferPointer<T: TensorScalar, R>(as type: T.Type, file: StaticString = #fileID, line: UInt = #line,
                                                                    _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        check(T.dtype == dtype && isContiguous, "withUnsafeMutableBufferPointer",
              "needs a contiguous \(dtype) tensor for \(T.self) (got \(dtype), shape \(shapeText(shape)), strides \(strides))",
              file: file, line: line)
        bumpVersion()
        return try body(UnsafeMutableBufferPointer(start: pointer(as: T.self), count: numel))
    }
}
