// The tensor handle: storage, layout, dtype and autograd metadata, with reference semantics like PyTorch.

/// An n-dimensional array with automatic differentiation (`torch.Tensor`).
///
/// A `Tensor` is a reference: views (`view`, `transpose`, slicing…) share storage with their base,
/// and in-place operations (`add_`, `x += y`) are seen through every view. It is not `Sendable`: threads may
/// read a tensor together, but one that writes it must have it alone (<doc:ThreadSafety>).
// Stored properties here and on autograd nodes skip Swift's run-time exclusivity checks
// (`@exclusivity(unchecked)`): every op reads them, and the checks cost more than a small op itself.
public final class Tensor {
    /// The memory this tensor reads; shared by its views.
    @exclusivity(unchecked) public internal(set) var storage: Storage
    /// Where the elements sit in the storage.
    @exclusivity(unchecked) var layout: Layout
    /// The size of each dimension.
    public var shape: [Int] { layout.shape }
    /// Elements to step in storage per index of each dimension.
    public var strides: [Int] { layout.strides }
    /// Index of the first element in storage (in elements).
    public var storageOffset: Int { layout.offset }
    /// The element type.
    @exclusivity(unchecked) public internal(set) var dtype: DType

    /// Whether autograd records operations on this tensor.
    public var requiresGrad: Bool {
        get { _requiresGrad || gradFn != nil }
        set {
            if newValue && !dtype.isDifferentiable {
                fail("requiresGrad", "only Tensors of floating point and complex dtype can require gradients (got \(dtype))")
            }
            if !newValue && gradFn != nil {
                fail("requiresGrad", "you can only change requires_grad flags of leaf variables.")
            }
            _requiresGrad = newValue
        }
    }
    @exclusivity(unchecked) var _requiresGrad = false
    /// The gradient accumulated by `backward()` into this leaf.
    @exclusivity(unchecked) public var grad: Tensor?
    /// The node that produced this tensor, or nil for leaves (`grad_fn`).
    @exclusivity(unchecked) public internal(set) var gradFn: Node?
    /// Which output of `gradFn` this tensor is.
    @exclusivity(unchecked) var outputNumber = 0
    /// Whether a non-leaf keeps its `.grad` after backward (`retain_grad()`).
    @exclusivity(unchecked) var retainsGrad = false
    /// The node that accumulates gradients into this leaf; created on first use, shared by every use.
    weak var gradAccumulator: AccumulateGrad?
    /// A leaf's gradient hooks (`registerHook`, `registerPostAccumulateGradHook`), made on first registration.
    @exclusivity(unchecked) var hooks: LeafHooks?
    /// Whether this 0-d tensor stands for a Swift number in an expression (it then ranks below tensors
    /// in type promotion, as Python numbers do in PyTorch).
    @exclusivity(unchecked) var isWrappedNumber = false

    init(storage: Storage, layout: Layout, dtype: DType) {
        self.storage = storage
        self.layout = layout
        self.dtype = dtype
    }

    convenience init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.init(storage: storage, layout: Layout(shape: shape, strides: strides, offset: offset), dtype: dtype)
    }

    /// A new contiguous tensor of the given shape with uninitialised memory on the device of `backend`.
    init(uninitializedShape shape: [Int], dtype: DType, backend: Backend) {
        self.storage = Storage(byteCount: Layout.count(shape) * dtype.itemSize, backend: backend)
        self.layout = Layout(contiguous: shape)
        self.dtype = dtype
    }

    /// A new contiguous tensor of the given shape with uninitialised memory on the CPU.
    convenience init(uninitializedShape shape: [Int], dtype: DType) {
        self.init(uninitializedShape: shape, dtype: dtype, backend: CPUBackend.host)
    }

    /// A new contiguous tensor with the shape and dtype of a contiguous `model`, on its device, sharing its shape and
    /// stride arrays (no array allocation: this is on every small op's path).
    init(uninitializedLike model: Tensor) {
        self.storage = Storage(byteCount: model.numel * model.dtype.itemSize, onDeviceOf: model.storage)
        self.layout = Layout(contiguousLike: model.layout)
        self.dtype = model.dtype
    }

    /// The number of dimensions (`dim()`).
    public var dim: Int { shape.count }
    /// The number of elements (`numel()`).
    public var numel: Int { layout.count }
    /// The device of the storage.
    public var device: Device { storage.device }
    /// Whether the tensor is a leaf of the graph: it was created by the user, not by a recorded op.
    public var isLeaf: Bool { gradFn == nil }
    /// Whether the elements are laid out row-major without gaps.
    public var isContiguous: Bool { layout.isContiguous }

    /// The size of dimension `d` (negative counts from the end).
    public func size(_ d: Int, file: StaticString = #fileID, line: UInt = #line) -> Int {
        shape[normalizeDim(d, rank: dim, op: "size", file: file, line: line)]
    }

    /// The stride of dimension `d`.
    public func stride(_ d: Int, file: StaticString = #fileID, line: UInt = #line) -> Int {
        strides[normalizeDim(d, rank: dim, op: "stride", file: file, line: line)]
    }

    /// A typed host pointer to the first element (at `storageOffset`); stops, naming `op`, for memory of another
    /// device (the op layer reaches that only through the device's backend).
    @inline(__always) func pointer<T>(as: T.Type, op: String = "host access", file: StaticString = #fileID,
                                      line: UInt = #line) -> UnsafeMutablePointer<T> {
        if !storage.isHost { hostAccessOnDevice(op, file: file, line: line) }
        return storage.pointer.assumingMemoryBound(to: T.self) + storageOffset
    }

    /// What a kernel of this tensor's backend reads or writes: its memory, layout and dtype.
    @inline(__always) var operand: KernelOperand { KernelOperand(self) }

    /// This tensor's operand when the caller keeps it alive until the backend call returns (see
    /// `KernelOperand.init(borrowing:)`).
    @inline(__always) var borrowedOperand: KernelOperand { KernelOperand(borrowing: self) }

    /// The backend of this tensor's device.
    @inline(__always) var backend: Backend { storage.backend }

    /// Stops host access to memory that lives on another device.
    @inline(never) func hostAccessOnDevice(_ op: String, file: StaticString, line: UInt) -> Never {
        fail(op, "the tensor is on \(device), whose memory the CPU cannot read; move it with .cpu() first", file: file, line: line)
    }

    /// A view of the same storage with another layout, outside autograd.
    func makeView(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, layout: Layout(shape: shape, strides: strides, offset: offset), dtype: dtype)
    }

    /// Whether this tensor is the contiguous whole of its storage (no other layout can alias a part of it).
    var ownsWholeStorage: Bool { storageOffset == 0 && isContiguous && numel * dtype.itemSize == storage.byteCount && numel > 0 }

    /// Records that the storage was written in place (autograd's version counter).
    @inline(__always) func bumpVersion() { storage.version &+= 1 }

    /// The version counter of the storage: how many in-place writes it has seen.
    public var version: Int { storage.version }
}
