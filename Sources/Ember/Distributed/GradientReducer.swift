// DistributedDataParallel's reducer: gradients gathered into buckets as backward produces them, each bucket
// averaged across the ranks while backward goes on, the averages written back at its end.

/// Averages a model's gradients across the process group during backward (PyTorch's `Reducer`). Parameters are
/// grouped into buckets in reverse order — the order backward produces their gradients — the first bucket holding
/// about 1 MiB, the others `bucketCap` bytes, one dtype per bucket. When a parameter's gradient has been
/// accumulated, it is copied into its bucket divided by the number of ranks; a full bucket is all-reduced on the
/// communication thread while backward continues (buckets start in order, so every rank reduces them alike); at
/// the end of backward the reducer waits for them and copies the averages into the parameters' `.grad`.
final class GradientReducer {
    /// One bucket: its parameters (indices), its flat buffer, and the state of this backward pass.
    private struct Bucket {
        let members: [Int]
        let buffer: Tensor
        var pending = 0
        var work: Work?
    }

    private let parameters: [(name: String, tensor: Tensor)]
    private let group: ProcessGroup
    private let findUnusedParameters: Bool
    private var buckets: [Bucket]
    /// Each parameter's bucket, and its slot there: a view of the bucket's buffer with the parameter's shape.
    private var bucketOf: [Int]
    private var slots: [Tensor]
    private var hooks: [RemovableHandle] = []

    // The state of one backward pass.
    private var expectingBackward = false
    private var finalizeQueued = false
    private var isReady: [Bool]
    /// Parameters the forward pass did not use (found only with `findUnusedParameters`).
    private var unused: [Int] = []
    private var nextBucketToStart = 0

    /// The bytes of the first bucket, as in PyTorch (`dist._DEFAULT_FIRST_BUCKET_BYTES`).
    static let firstBucketBytes = 1 << 20

    init(parameters: [(String, Tensor)], group: ProcessGroup, bucketCapBytes: Int, findUnusedParameters: Bool) {
        self.parameters = parameters.map { (name: $0.0, tensor: $0.1) }
        self.group = group
        self.findUnusedParameters = findUnusedParameters
        let assignment = GradientReducer.bucketAssignment(self.parameters.map(\.tensor), capBytes: bucketCapBytes)
        buckets = assignment.map { members in
            Bucket(members: members, buffer: Tensor.zeros([members.reduce(0) { $0 + parameters[$1].1.numel }],
                                                           dtype: parameters[members[0]].1.dtype, device: group.device))
        }
        bucketOf = Array(repeating: 0, count: parameters.count)
        slots = parameters.map(\.1)
        for (b, bucket) in buckets.enumerated() {
            var offset = 0
            for index in bucket.members {
                let tensor = parameters[index].1
                bucketOf[index] = b
                slots[index] = bucket.buffer.narrow(0, start: offset, length: tensor.numel).view(tensor.shape)
                offset += tensor.numel
            }
        }
        isReady = Array(repeating: false, count: parameters.count)
        for (index, parameter) in self.parameters.enumerated() {
            hooks.append(parameter.tensor.registerPostAccumulateGradHook { [weak self] _ in self?.markReady(index) })
        }
    }

    deinit { hooks.forEach { $0.remove() } }

    /// Buckets of parameter indices: parameters in reverse order, one open bucket per dtype, a bucket closing once it
    /// holds at least its limit (1 MiB for each dtype's first, `capBytes` after), as PyTorch's
    /// `_compute_bucket_assignment_by_size`; ordered as there, by their first parameter, last parameters first.
    static func bucketAssignment(_ tensors: [Tensor], capBytes: Int) -> [[Int]] {
        var result: [[Int]] = []
        var open: [DType: (members: [Int], bytes: Int)] = [:], openOrder: [DType] = [], closed: [DType: Int] = [:]
        for index in tensors.indices.reversed() {
            let dtype = tensors[index].dtype
            if open[dtype] == nil { open[dtype] = ([], 0); openOrder.append(dtype) }
            open[dtype]!.members.append(index)
            open[dtype]!.bytes += tensors[index].numel * dtype.itemSize
            let limit = closed[dtype, default: 0] == 0 ? firstBucketBytes : capBytes
            if open[dtype]!.bytes >= limit {
                result.append(open[dtype]!.members)
                open[dtype] = nil
                openOrder.removeAll { $0 == dtype }
                closed[dtype, default: 0] += 1
            }
        }
        return (result + openOrder.map { open[$0]!.members }).sorted { $0[0] > $1[0] }
    }

    /// Called after the forward pass whose backward is to be reduced: resets the pass and, when asked to, finds the
    /// parameters `output` does not depend on.
    func prepareForBackward(_ output: Tensor) {
        expectingBackward = true
        finalizeQueued = false
        nextBucketToStart = 0
        isReady = Array(repeating: false, count: parameters.count)
        for b in buckets.indices { (buckets[b].pending, buckets[b].work) = (buckets[b].members.count, nil) }
        guard findUnusedParameters else { return }
        let reached = GradientReducer.leavesReached(from: output)
        unused = parameters.indices.filter { !reached.contains(ObjectIdentifier(parameters[$0].tensor)) }
    }

    /// The leaves whose gradients backward from `output` accumulates.
    private static func leavesReached(from output: Tensor) -> Set<ObjectIdentifier> {
        var leaves = Set<ObjectIdentifier>(), seen = Set<ObjectIdentifier>()
        var stack = output.gradFn.map { [$0] } ?? []
        if output.gradFn == nil && output.requiresGrad { leaves.insert(ObjectIdentifier(output)) }
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            if let accumulator = node as? AccumulateGrad { leaves.insert(ObjectIdentifier(accumulator.variable)) }
            stack += node.nextFunctions.compactMap { $0?.node }
        }
        return leaves
    }

    /// A parameter's gradient has been accumulated: into its bucket it goes, and full buckets start reducing.
    private func markReady(_ index: Int) {
        guard expectingBackward else { return }
        if !finalizeQueued {
            finalizeQueued = true
            Autograd.queueCallback { [self] in finishBackward() }
            for unusedIndex in unused { copyIntoBucket(unusedIndex, gradient: nil) }
        }
        copyIntoBucket(index, gradient: parameters[index].tensor.grad)
    }

    private func copyIntoBucket(_ index: Int, gradient: Tensor?) {
        if isReady[index] {
            fail("DistributedDataParallel", "Expected to mark a variable ready only once. Parameter \(parameters[index].name) "
                 + "received its gradient twice in one backward pass (a parameter used in a reentrant backward, or shared by "
                 + "two modules)")
        }
        isReady[index] = true
        let slot = slots[index]
        noGrad {
            if let gradient { slot.copy_(gradient / Double(group.worldSize)) } else { slot.zero_() }
        }
        buckets[bucketOf[index]].pending -= 1
        while nextBucketToStart < buckets.count && buckets[nextBucketToStart].pending == 0 {
            let bucket = buckets[nextBucketToStart]
            buckets[nextBucketToStart].work = stopOnError { try Distributed.allReduce(bucket.buffer, asyncOp: true) }
            nextBucketToStart += 1
        }
    }

    /// The end of backward: waits for every bucket and writes the averages into `.grad`.
    private func finishBackward() {
        expectingBackward = false
        let missing = parameters.indices.filter { !isReady[$0] }
        if !missing.isEmpty {
            fail("DistributedDataParallel", "Expected to have finished reduction in the prior iteration before starting a new "
                 + "one. This error indicates that your module has parameters that were not used in producing loss. You can "
                 + "enable unused parameter detection by passing findUnusedParameters: true to DistributedDataParallel. "
                 + "Parameters that did not receive grad: \(missing.map { parameters[$0].name }.joined(separator: ", "))")
        }
        for bucket in buckets { stopOnError { try bucket.work?.wait() } }
        var globallyUnused = Set<Int>()
        if findUnusedParameters {
            let unusedHere = Set(unused)
            let used = Tensor(parameters.indices.map { unusedHere.contains($0) ? Int32(0) : 1 }).to(group.device)
            stopOnError { try Distributed.allReduce(used, op: .max) }
            let usedAnywhere = used.toArray(as: Int32.self)
            globallyUnused = Set(parameters.indices.filter { usedAnywhere[$0] == 0 })
        }
        for (index, parameter) in parameters.enumerated() where !globallyUnused.contains(index) {
            let average = slots[index]
            noGrad {
                if let grad = parameter.tensor.grad { grad.copy_(average) } else { parameter.tensor.grad = average.clone() }
            }
        }
    }

    /// Runs a collective whose failure leaves training no way on: it stops with the error.
    @discardableResult
    private func stopOnError<R>(_ body: () throws -> R) -> R {
        do { return try body() } catch { fail("DistributedDataParallel", "\(error)") }
    }
}
