// Tensors to and from the raw little-endian bytes that every checkpoint format stores.
import Foundation

extension Tensor {
    /// The bytes a tensor of `shape` and `dtype` occupies, refusing sizes that overflow (`name` is for
    /// the message).
    static func checkedByteCount(_ shape: [Int], _ dtype: DType, name: String) throws -> Int {
        var count = dtype.itemSize
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw CheckpointError(.corrupt, "tensor '\(name)' of shape \(shape) overflows") }
            count = product
        }
        return count
    }

    /// A new contiguous tensor holding a copy of `bytes` (exactly its size).
    convenience init(copying bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) {
        self.init(uninitializedShape: shape, dtype: dtype)
        if let base = bytes.baseAddress, bytes.count > 0 { storage.pointer.copyMemory(from: base, byteCount: bytes.count) }
    }

    /// The elements in row-major order, as bytes (copied to the host first for a tensor on another device).
    var contiguousBytes: Data {
        let dense = noGrad { cpu().contiguous() }
        return Data(bytes: dense.storage.pointer + dense.storageOffset * dtype.itemSize, count: dense.numel * dtype.itemSize)
    }
}
