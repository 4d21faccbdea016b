// `nn.DataParallel`: one process running a model over the machine's GPUs.

/// Runs `module` over the machine's GPUs in one process (`nn.DataParallel`): the batch is split along `dim`, one
/// replica per GPU, outputs gathered on the first. Where no GPU can be used — CUDA unavailable, as on every machine
/// until Ember's CUDA backend runs ops — it calls the module itself, as PyTorch does. `module` is the wrapped model,
/// and state-dict keys carry the `module.` prefix, as PyTorch writes them, so checkpoints move between the two.
///
/// ```swift
/// let model = DataParallel(Net())
/// let output = model(batch)
/// ```
public final class DataParallel: Module {
    /// The wrapped model.
    public let module: Module
    /// The GPUs the batch is split over (`device_ids`); empty when no GPU can be used.
    public let deviceIDs: [Int]
    /// The dimension the batch is split along.
    public let dim: Int

    /// Wraps `module` for `deviceIDs` (every GPU when nil); with CUDA unavailable the list is empty, as in PyTorch.
    public init(_ module: Module, deviceIDs: [Int]? = nil, dim: Int = 0) {
        self.module = module
        self.deviceIDs = Ember.cuda.isAvailable ? (deviceIDs ?? Array(0..<Ember.cuda.deviceCount)) : []
        self.dim = dim
        super.init()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard deviceIDs.isEmpty else {
            fail("DataParallel", "replicating a module over GPUs needs Ember's CUDA backend, which does not run ops yet")
        }
        return module(input)
    }
}
