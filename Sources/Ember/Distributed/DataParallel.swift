// `nn.DataParallel`: one process running a model over the machine's GPUs.

/// Runs `module` over the machine's GPUs in one process (`nn.DataParallel`): the batch is split along `dim`, one
/// replica per GPU, outputs gathered on the first. Where no GPU can be used — CUDA unavailable — it calls the module
/// itself, as PyTorch does; with one GPU it moves the batch there and calls the module, whose parameters must be on
/// that GPU, as PyTorch does. `module` is the wrapped model, and state-dict keys carry the `module.` prefix, as
/// PyTorch writes them, so checkpoints move between the two.
///
/// ```swift
/// let model = DataParallel(Net().to(.cuda(0)))
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
        guard let first = deviceIDs.first else { return module(input) }
        if deviceIDs.count > 1 {
            fail("DataParallel", "replicating a module over \(deviceIDs.count) GPUs is not built yet: pass deviceIDs: [\(first)], "
                 + "or train with DistributedDataParallel, one process per GPU")
        }
        let device = Device.cuda(first)
        for tensor in module.parameters() + module.buffers() where tensor.device != device {
            fail("DataParallel", "module must have its parameters and buffers on device \(device) (device_ids[0]) but found one of "
                 + "them on device: \(tensor.device)")
        }
        return module(input.to(device))
    }
}
