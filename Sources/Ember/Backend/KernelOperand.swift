// What a kernel receives in place of a tensor: memory, layout and element type, nothing of autograd.

/// A tensor as its backend's kernels see it: its memory, the layout its elements follow and their type. Kernels
/// read and write operands; they never allocate tensors or use `Tensor`'s API.
struct KernelOperand {
    unowned(unsafe) private let owner: Tensor
    /// The tensor itself when the operand must keep it alive; nil when its maker does.
    private let keeper: Tensor?

    /// An operand that keeps `tensor` (its memory and layout) alive while it exists.
    init(_ tensor: Tensor) { (owner, keeper) = (tensor, tensor) }

    /// An operand of a tensor that its maker keeps alive until the backend call returns (a parameter of the
    /// calling function, or a result it returns afterwards): no reference counting, which the smallest ops notice.
    init(borrowing tensor: Tensor) { (owner, keeper) = (tensor, nil) }

    /// Shape, strides and offset of the elements in the memory.
    @inline(__always) var layout: Layout { owner.layout }
    /// The element type.
    @inline(__always) var dtype: DType { owner.dtype }
    /// The size of each dimension.
    @inline(__always) var shape: [Int] { owner.layout.shape }
    /// Elements to step per index of each dimension.
    @inline(__always) var strides: [Int] { owner.layout.strides }
    /// Whether the elements are row-major without gaps.
    @inline(__always) var isContiguous: Bool { owner.layout.isContiguous }
    /// The number of elements.
    @inline(__always) var numel: Int { owner.layout.count }

    /// The memory the elements live in.
    @inline(__always) var storage: Storage { owner.storage }

    /// The address of the first element in the device's own memory.
    @inline(__always) var address: UnsafeMutableRawPointer { owner.storage.pointer + owner.layout.offset * owner.dtype.itemSize }

    /// The first element in the device's own memory (a host address only for host-readable memory: the backend
    /// that owns the storage decides how to read it).
    @inline(__always) func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        owner.storage.pointer.assumingMemoryBound(to: T.self) + owner.layout.offset
    }
}

extension KernelOperand {
    /// The same memory under another layout.
    func view(offset: Int, shape: [Int], strides: [Int]) -> KernelOperand {
        Tensor(storage: storage, layout: Layout(shape: shape, strides: strides, offset: offset), dtype: dtype).operand
    }

    /// The same [batch, rows, columns] matrices transposed: [batch, columns, rows].
    var transposedMatrices: KernelOperand {
        view(offset: layout.offset, shape: [shape[0], shape[2], shape[1]], strides: [strides[0], strides[2], strides[1]])
    }
}
