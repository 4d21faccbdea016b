// Moving data between dtypes, layouts and Swift values: to, contiguous, clone, toArray, item.

extension Tensor {
    /// Copies this tensor's elements (any layout) into a new contiguous tensor of `dtype` on its device.
    func copied(as dtype: DType) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        if self.dtype.isComplex || dtype.isComplex { copyComplexValues(into: out); return out }
        backend.copy(borrowedOperand, into: out.borrowedOperand)
        return out
    }

    /// Writes this tensor's elements into `destination` (same shape, any layout and dtype, any device: from
    /// another device the elements travel through the allocators first, as `copy_` does in PyTorch).
    func copyElements(into destination: Tensor) {
        if dtype.isComplex || destination.dtype.isComplex {
            let source = storage.backend === destination.storage.backend ? self : noGrad { to(destination.device) }
            return source.copyComplexValues(into: destination)
        }
        let source = storage.backend === destination.storage.backend ? borrowedOperand : noGrad { to(destination.device) }.operand
        destination.backend.copy(source, into: destination.borrowedOperand)
    }

    /// This tensor in `other`'s dtype (and device) (`x.to(other)`).
    public func to(_ other: Tensor) -> Tensor { to(other.dtype) }

    /// This tensor converted to `dtype`; itself when it already has it (`Tensor.to(dtype)`). Complex numbers
    /// converted to a real dtype keep their real parts, as PyTorch's cast does.
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = copied(as: dtype)
        if dtype.isDifferentiable && self.dtype.isDifferentiable {
            let sourceType = self.dtype
            record("ToCopyBackward0", inputs: [self], outputs: [out]) { grads in [grads[0].to(sourceType)] }
        }
        return out
    }

    /// This tensor on `device` (`to(device, non_blocking=…)`): itself when already there, else a copy made through the
    /// devices' allocators, recorded for autograd (`ToCopyBackward0`: the gradient goes back to this tensor's device).
    /// With `nonBlocking`, a copy from pinned memory (`pinMemory()`) to a GPU is queued on the GPU's current stream
    /// without the host waiting for it (other copies wait, as PyTorch's do from pageable memory).
    public func to(_ device: Device, nonBlocking: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if device == self.device { return self }
        let target = Backends.backend(for: device, op: "to", file: file, line: line)
        let out = noGrad { () -> Tensor in
            let host = storage.isHost ? self : Tensor(storage: storage.hostCopy(), layout: layout, dtype: dtype)
            let source = host.isContiguous ? host : host.contiguous()
            guard device != .cpu else { return source }   // self is on another device here: source is already a copy
            let bytes = numel * dtype.itemSize
            guard let storage = Storage(tryingByteCount: bytes, zeroed: false, backend: target) else {
                fail("to", "\(device) has no memory for \(bytes) bytes (shape \(shapeText(shape)), \(dtype))", file: file, line: line)
            }
            let from = source.storage.pointer + source.storageOffset * dtype.itemSize
            if nonBlocking, bytes > 0, let pinned = source.storage.pinned, let gpu = target.allocator as? CUDADeviceAllocator {
                gpu.copyFromPinnedHost(from, to: storage.pointer, byteCount: bytes, block: source.storage.pointer, pinned: pinned)
            } else if bytes > 0 {
                target.allocator.copyFromHost(from, to: storage.pointer, byteCount: bytes)
            }
            return Tensor(storage: storage, shape: shape, strides: Layout.rowMajorStrides(shape), offset: 0, dtype: dtype)
        }
        if needsGrad(self) {
            let origin = self.device
            record("ToCopyBackward0", inputs: [self], outputs: [out]) { g in [g[0].to(origin)] }
        }
        return out
    }

    /// This tensor on the CPU (`cpu()`).
    public func cpu(file: StaticString = #fileID, line: UInt = #line) -> Tensor { to(.cpu, file: file, line: line) }
    /// This tensor on CUDA device `index`, the current one by default (`cuda(non_blocking=…)`; see `to(_:nonBlocking:)`).
    public func cuda(_ index: Int? = nil, nonBlocking: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        to(.cuda(index ?? Ember.cuda.currentDevice), nonBlocking: nonBlocking, file: file, line: line)
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
    public func detach() -> Tensor { Tensor(storage: storage, layout: layout, dtype: dtype) }

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
            layout = newValue.layout
            dtype = newValue.dtype
        }
    }

    /// The elements in row-major order, converted to `T`.
    public func toArray<T: TensorScalar>(as type: T.Type) -> [T] {
        if !storage.isHost { return noGrad { to(.cpu) }.toArray(as: type) }
        let source = T.dtype == dtype && isContiguous ? self : copied(as: T.dtype)
        let p = source.storage.pointer.advanced(by: source.storageOffset * T.dtype.itemSize)
            .assumingMemoryBound(to: T.self)
        return Array(UnsafeBufferPointer(start: p, count: numel))
    }

    /// The value of a one-element real tensor as a Double (`item()`); for a complex one use
    /// `toArray(as: Complex<Float>.self)`.
    public func item(file: StaticString = #fileID, line: UInt = #line) -> Double {
        check(numel == 1, "item", "a Tensor with \(numel) elements cannot be converted to Scalar (shape \(shapeText(shape)))",
              file: file, line: line)
        check(!isComplex, "item", "a \(dtype) value is not a Double; read it with toArray(as: Complex<Float>.self) or "
              + "Complex<Double>", file: file, line: line)
        if !storage.isHost { return noGrad { to(.cpu) }.item() }
        struct Read: ScalarTypeVisitor {
            let tensor: Tensor
            func visit<T: TensorScalar>(_ type: T.Type) -> Double { tensor.pointer(as: T.self).pointee.doubleValue }
        }
        return dtype.visit(Read(tensor: self))
    }

    /// Calls `body` with the elements of a contiguous host tensor of element type `T`, without copying;
    /// a non-contiguous tensor, another dtype or a tensor on another device is copied first.
    public func withUnsafeBufferPointer<T: TensorScalar, R>(as type: T.Type,
                                                             _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        if !storage.isHost { return try noGrad { to(.cpu) }.withUnsafeBufferPointer(as: type, body) }
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
        return try body(UnsafeMutableBufferPointer(start: pointer(as: T.self, op: "withUnsafeMutableBufferPointer", file: file, line: line),
                                                   count: numel))
    }
}
