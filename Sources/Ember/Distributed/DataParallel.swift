// `nn.DataParallel`: one process running a model over the machine's GPUs.

/// Runs `module` over the machine's GPUs in one process (`nn.DataParallel`): the batch is split along `dim` into one
/// chunk per GPU (`chunk`, so a short batch uses fewer GPUs), each chunk runs through a replica of the module on its
/// GPU, and the outputs are gathered on `outputDevice`. The replica on the first GPU is the module itself; the others
/// hold copies of its parameters and buffers made for this call, through which the gradients flow back and add up
/// in the module's own parameters. As in PyTorch, the module must be on the first GPU, and in-place updates of
/// buffers (BatchNorm's running statistics) are kept from the first GPU's replica only.
///
/// Where no GPU can be used — CUDA unavailable — it calls the module itself, as PyTorch does; with one GPU it moves
/// the batch there and calls the module. `module` is the wrapped model, and state-dict keys carry the `module.`
/// prefix, as PyTorch writes them, so checkpoints move between the two.
///
/// The replicas run one after the other on this thread; on GPUs their kernels are queued without waiting, so the
/// GPUs still work at the same time.
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
    /// The GPU the outputs are gathered on (`output_device`), the first of `deviceIDs` by default.
    public let outputDevice: Int?
    /// The dimension the batch is split along.
    public let dim: Int
    private let devices: [Device]
    private let gatherDevice: Device?

    /// Wraps `module` for `deviceIDs` (every GPU when nil); with CUDA unavailable the list is empty, as in PyTorch.
    public convenience init(_ module: Module, deviceIDs: [Int]? = nil, outputDevice: Int? = nil, dim: Int = 0) {
        let usable = Ember.cuda.isAvailable ? (deviceIDs ?? Array(0..<Ember.cuda.deviceCount)) : []
        self.init(module, devices: usable.map(Device.cuda), outputDevice: usable.isEmpty ? nil : outputDevice.map(Device.cuda), dim: dim)
    }

    /// Wraps `module` for any devices of one kind (the tests run it on emulated ones).
    init(_ module: Module, devices: [Device], outputDevice: Device? = nil, dim: Int = 0) {
        self.module = module
        self.devices = devices
        self.deviceIDs = devices.map(\.index)
        self.gatherDevice = outputDevice ?? devices.first
        self.outputDevice = gatherDevice?.index
        self.dim = dim
        super.init()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard let first = devices.first, let gatherDevice else { return module(input) }
        for tensor in module.parameters() + module.buffers() where tensor.device != first {
            fail("DataParallel", "module must have its parameters and buffers on device \(first) (device_ids[0]) but found one of "
                 + "them on device: \(tensor.device)")
        }
        if devices.count == 1 { return module(input.to(first)) }
        let chunks = input.chunk(devices.count, dim: dim)
        let outputs = zip(chunks, devices).map { chunk, device in onReplica(device) { module(chunk.to(device)) } }
        return gather(outputs, on: gatherDevice)
    }

    /// Runs `body` with the module's parameters and buffers replaced by copies on `device` (the module as it is on
    /// the first device), and puts the originals back. A tensor the module holds twice (tied weights) is copied once.
    private func onReplica(_ device: Device, _ body: () -> Tensor) -> Tensor {
        guard device != devices[0] else { return body() }
        let slots = module.modules().flatMap { $0.tensorSlots() }
        let originals = slots.map(\.tensor)
        defer { for (slot, original) in zip(slots, originals) { slot.tensor = original } }
        var copies: [ObjectIdentifier: Tensor] = [:]
        for slot in slots {
            guard let tensor = slot.tensor else { continue }
            let copy = copies[ObjectIdentifier(tensor)] ?? tensor.to(device)
            copies[ObjectIdentifier(tensor)] = copy
            slot.tensor = copy
        }
        return body()
    }

    /// The replicas' outputs concatenated along `dim` on `device`; scalar outputs (a loss per replica) become a
    /// vector, as PyTorch's gather makes them.
    private func gather(_ outputs: [Tensor], on device: Device) -> Tensor {
        let moved = outputs.map { $0.to(device) }
        return Tensor.cat(moved.allSatisfy { $0.dim == 0 } ? moved.map { $0.reshape([1]) } : moved, dim: dim)
    }
}

private extension Device {
    /// The device's number (`torch.device.index`), 0 for the CPU.
    var index: Int {
        switch self {
        case .cpu: return 0
        case .cuda(let index), .privateUse(let index): return index
        }
    }
}
