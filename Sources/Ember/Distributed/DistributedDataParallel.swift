// `nn.parallel.DistributedDataParallel`: one model replica per process, gradients averaged during backward.

/// Trains `module` data-parallel across the processes of the group (`DistributedDataParallel`): every rank runs
/// its own batch through its replica, and backward averages the gradients across the ranks, bucket by bucket while
/// it runs, so each `optimizer.step()` applies the same update everywhere. Construction copies rank 0's parameters
/// and buffers to every rank; each forward copies rank 0's buffers again (`broadcastBuffers`).
///
/// ```swift
/// try Distributed.initProcessGroup(backend: .mpi)
/// let model = try DistributedDataParallel(Net())
/// let loss = lossFunction(model(images), labels)
/// loss.backward()            // gradients averaged across the ranks
/// optimizer.step()
/// ```
///
/// On NCCL the model lives on the group's GPU (`module.to(.cuda(Distributed.localRank))` after
/// `Ember.cuda.setDevice(Distributed.localRank)`), and its gradient buckets with it.
///
/// `module` is the wrapped model; state-dict keys carry the `module.` prefix, as PyTorch writes them. A collective
/// that fails during backward (a rank died, the timeout passed) stops the program with the error, as backward
/// cannot throw.
public final class DistributedDataParallel: Module {
    /// The wrapped model.
    public let module: Module
    /// The size of the gradient buckets after the first, in MiB.
    public let bucketCapMB: Double
    /// Whether each forward pass looks for parameters its output does not depend on, so backward need not wait for
    /// their gradients.
    public let findUnusedParameters: Bool
    /// Whether each forward pass first copies rank 0's buffers (batch-norm statistics) to every rank.
    public let broadcastBuffers: Bool
    private let reducer: GradientReducer
    private var synchronizes = true

    /// Wraps `module` for the running process group and copies rank 0's parameters and buffers to every rank.
    /// Throws when no group is running or a broadcast fails; stops when the ranks' models differ in shape.
    public init(_ module: Module, bucketCapMB: Double = 25, findUnusedParameters: Bool = false, broadcastBuffers: Bool = true,
                file: StaticString = #fileID, line: UInt = #line) throws {
        let group = try Distributed.runningGroup()
        let parameters = module.namedParameters().filter { $0.1.requiresGrad }
        try DistributedDataParallel.checkSameShapes(parameters.map(\.1), on: group.device, file: file, line: line)
        for tensor in module.parameters() + module.buffers() { try Distributed.broadcast(tensor, src: 0) }
        self.module = module
        (self.bucketCapMB, self.findUnusedParameters, self.broadcastBuffers) = (bucketCapMB, findUnusedParameters, broadcastBuffers)
        reducer = GradientReducer(parameters: parameters, group: group, bucketCapBytes: Int(bucketCapMB * 1024 * 1024),
                                  findUnusedParameters: findUnusedParameters)
        super.init()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        if broadcastBuffers && Distributed.worldSize > 1 {
            for buffer in module.buffers() {
                do { try Distributed.broadcast(buffer, src: 0) } catch { fail("DistributedDataParallel", "\(error)") }
            }
        }
        let output = module(input)
        if synchronizes && GradMode.isEnabled && output.requiresGrad { reducer.prepareForBackward(output) }
        return output
    }

    /// Runs `body` without averaging gradients (`no_sync`): the backward passes of forward passes made inside
    /// accumulate gradients locally, and the first backward after it averages everything accumulated.
    public func noSync<Result>(_ body: () throws -> Result) rethrows -> Result {
        synchronizes = false
        defer { synchronizes = true }
        return try body()
    }

    /// Stops unless every rank has the same number of parameters with the same shapes
    /// (`_verify_param_shape_across_processes`).
    private static func checkSameShapes(_ parameters: [Tensor], on device: Device, file: StaticString, line: UInt) throws {
        let summary = Tensor([Int64(parameters.count)] + parameters.flatMap { [Int64($0.dim)] + $0.shape.map(Int64.init) }).to(device)
        // Summaries of different lengths cannot be compared elementwise: the lengths first, then the summaries.
        func agree(_ tensor: Tensor) throws -> Bool {
            let largest = tensor.clone(), smallest = tensor.clone()
            try Distributed.allReduce(largest, op: .max)
            try Distributed.allReduce(smallest, op: .min)
            return largest.toArray(as: Int64.self) == smallest.toArray(as: Int64.self)
        }
        let same = try agree(Tensor([Int64(summary.numel)]).to(device)) && agree(summary)
        check(same, "DistributedDataParallel", "the ranks' models differ: DistributedDataParallel needs the same parameters, "
              + "with the same shapes, on every rank (this rank has \(parameters.count))", file: file, line: line)
    }
}
