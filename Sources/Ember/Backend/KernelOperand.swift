// What a kernel receives in place of a tensor: memory, layout and element type, nothing of autograd.

/// A tensor as its backend's kernels see it: the storage's memory read through a layout, with the element
/// type. Kernels read and write operands; they never allocate tensors or see `Tensor`.
struct KernelOperand {
    let storage: Storage
    let layout: Layout
    let dtype: DType

    /// The size of each dimension.
    @inline(__always) var shape: [Int] { layout.shape }
    /// Elements to step per index of each dimension.
    @inline(__always) var strides: [Int] { layout.strides }
    /// Whether the elements are row-major without gaps.
    @inline(__always) var isContiguous: Bool { layout.isContiguous }
    /// The number of elements.
    @inline(__always) var numel: Int { layout.count }

    /// The first element's address in the backend's own memory (a host address only for host-readable memory:
    /// the backend that owns the storage decides how to read it).
    @inline(__always) func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer.assumingMemoryBound(to: T.self) + layout.offset
    }

    /// The same memory read through another layout.
    func with(_ layout: Layout) -> KernelOperand { KernelOperand(storage: storage, layout: layout, dtype: dtype) }
}
