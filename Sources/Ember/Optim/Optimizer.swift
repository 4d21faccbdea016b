// The optimizer base: parameter groups with their own hyperparameters, per-parameter state, zeroGrad.

/// Parameters that share hyperparameters (`param_groups[i]`). `lr` is the common one; the others are
/// read by name (`momentum`, `weight_decay`, `beta1`…) with the optimizer's defaults filled in.
public final class ParamGroup {
    /// The group's parameters (`params`).
    public var params: [Tensor]
    /// The group's learning rate (`lr`), which schedulers change.
    public var lr: Double
    /// The group's other hyperparameters by PyTorch's names (`momentum`, `weight_decay`…).
    public var options: [String: Double]

    /// A group of `params`; options it leaves out take the optimizer's defaults.
    public init(params: [Tensor], lr: Double? = nil, options: [String: Double] = [:]) {
        self.params = params
        self.lr = lr ?? .nan
        self.options = options
    }

    /// A hyperparameter by name, `lr` included (`param_group["momentum"]`).
    public subscript(option: String) -> Double? {
        get { option == "lr" ? lr : options[option] }
        set { if option == "lr" { lr = newValue ?? lr } else { options[option] = newValue } }
    }
}

/// A value in a parameter group written as a dictionary literal: the parameters or a number.
public protocol ParamGroupValue {}
/// A group's parameter list.
extension Array: ParamGroupValue where Element == Tensor {}
/// A hyperparameter's value.
extension Double: ParamGroupValue {}
/// A hyperparameter's value, as a whole number.
extension Int: ParamGroupValue {}
/// A flag such as `nesterov` or `amsgrad`.
extension Bool: ParamGroupValue {}

/// Groups as PyTorch code writes them: `SGD([["params": base.parameters()], ["params": head.parameters(), "lr": 1e-3]], lr: 1e-2)`.
extension ParamGroup: ExpressibleByDictionaryLiteral {
    /// A group as PyTorch code writes one: `["params": head.parameters(), "lr": 1e-3]`.
    public convenience init(dictionaryLiteral elements: (String, any ParamGroupValue)...) {
        var params: [Tensor] = [], lr: Double?, options: [String: Double] = [:]
        for (key, value) in elements {
            let number: Double
            switch value {
            case let tensors as [Tensor]:
                precondition(key == "params", "ParamGroup: only \"params\" holds tensors, not \"\(key)\"")
                params = tensors
                continue
            case let d as Double: number = d
            case let i as Int: number = Double(i)
            case let flag as Bool: number = flag ? 1 : 0
            default: preconditionFailure("ParamGroup: unsupported value for \"\(key)\"")
            }
            if key == "lr" { lr = number } else { options[key] = number }
        }
        self.init(params: params, lr: lr, options: options)
    }
}

/// What an optimizer keeps per parameter between steps (`state[p]`): buffers and a step count.
public final class ParameterState {
    /// The steps taken for this parameter (`state[p]["step"]`).
    public var step = 0
    /// The buffers by PyTorch's names (`momentum_buffer`, `exp_avg`, `exp_avg_sq`…).
    public var buffers: [String: Tensor] = [:]
    /// A buffer by name.
    public subscript(name: String) -> Tensor? {
        get { buffers[name] }
        set { buffers[name] = newValue }
    }
}

/// The base class of optimizers (`torch.optim.Optimizer`).
open class Optimizer {
    /// The parameter groups (`param_groups`).
    public var paramGroups: [ParamGroup]
    /// Per-parameter state, by parameter identity.
    public internal(set) var state: [ObjectIdentifier: ParameterState] = [:]
    let defaults: [String: Double]
    let defaultLR: Double

    /// Sets up the groups with `lr` and `defaults` filling what a group leaves unset. A subclass passes its
    /// hyperparameters as `defaults` and overrides `update(_:)`, reading them with `group["name"]` and keeping
    /// per-parameter buffers in `state(for:)`.
    /// - Precondition: every parameter is a floating-point leaf that requires grad.
    public init(_ groups: [ParamGroup], lr: Double, defaults: [String: Double] = [:],
                file: StaticString = #fileID, line: UInt = #line) {
        self.defaultLR = lr
        self.defaults = defaults
        self.paramGroups = []
        check(!groups.isEmpty && !groups.allSatisfy({ $0.params.isEmpty }), "\(type(of: self))", "optimizer got an empty parameter list",
              file: file, line: line)
        for group in groups { addParamGroup(group, file: file, line: line) }
    }

    /// Adds a group, filling unset hyperparameters with the optimizer's defaults (`add_param_group`).
    public func addParamGroup(_ group: ParamGroup, file: StaticString = #fileID, line: UInt = #line) {
        for p in group.params {
            check(p.isLeaf, "\(type(of: self))", "can't optimize a non-leaf Tensor (shape \(shapeText(p.shape)))", file: file, line: line)
            check(p.requiresGrad, "\(type(of: self))", "optimizer got a parameter that does not require grad (shape "
                  + "\(shapeText(p.shape))); call requiresGrad_() on it or leave it out", file: file, line: line)
        }
        for existing in paramGroups {
            check(Set(existing.params.map(ObjectIdentifier.init)).isDisjoint(with: group.params.map(ObjectIdentifier.init)),
                  "\(type(of: self))", "some parameters appear in more than one parameter group", file: file, line: line)
        }
        if group.lr.isNaN { group.lr = defaultLR }
        for (key, value) in defaults where group.options[key] == nil { group.options[key] = value }
        paramGroups.append(group)
    }

    /// The state of parameter `p`, created on first use.
    public func state(for p: Tensor) -> ParameterState {
        let key = ObjectIdentifier(p)
        if let existing = state[key] { return existing }
        let created = ParameterState()
        state[key] = created
        return created
    }

    /// Clears the gradients of every parameter (`zero_grad()`; nil by default, as in PyTorch 2).
    public func zeroGrad(setToNone: Bool = true) {
        for group in paramGroups {
            for p in group.params { if setToNone { p.grad = nil } else { p.grad?.zero_() } }
        }
    }

    /// Updates every parameter that has a gradient, outside autograd.
    public func step() { noGrad { for group in paramGroups { update(group) } } }

    /// Runs `closure` (which recomputes the loss) with grad enabled, then steps; returns its loss
    /// (`optimizer.step(closure)`).
    @discardableResult open func step(_ closure: () -> Tensor) -> Tensor {
        let loss = enableGrad(closure)
        step()
        return loss
    }

    /// One optimizer's update of one group.
    open func update(_ group: ParamGroup) { fatalError("\(type(of: self)) must override update(_:)") }

    // MARK: State dicts

    /// The optimizer's state as PyTorch lays it out: per-parameter buffers by index, and the groups'
    /// hyperparameters with the indices of their parameters (`state_dict()`).
    public func stateDict() -> OptimizerStateDict {
        var index = 0
        var states: [Int: [String: Tensor]] = [:]
        var groups: [[String: Double]] = []
        var groupParams: [[Int]] = []
        for group in paramGroups {
            var ids: [Int] = []
            for p in group.params {
                if let s = state[ObjectIdentifier(p)] {
                    var entry = s.buffers.mapValues { $0.clone() }
                    entry["step"] = Tensor(Float(s.step))
                    states[index] = entry
                }
                ids.append(index)
                index += 1
            }
            groups.append(group.options.merging(["lr": group.lr]) { $1 })
            groupParams.append(ids)
        }
        return OptimizerStateDict(state: states, paramGroups: groups, groupParams: groupParams)
    }

    /// Restores `stateDict()` output into an optimizer over parameters of the same shapes (`load_state_dict`).
    public func loadStateDict(_ dict: OptimizerStateDict) throws {
        guard dict.groupParams.count == paramGroups.count,
              zip(dict.groupParams, paramGroups).allSatisfy({ $0.count == $1.params.count }) else {
            throw OptimizerStateError(message: "loaded state dict has \(dict.groupParams.map(\.count)) parameters per group, "
                                      + "this optimizer has \(paramGroups.map { $0.params.count })")
        }
        let params = paramGroups.flatMap(\.params)
        for (i, entry) in dict.state {
            guard i < params.count else { throw OptimizerStateError(message: "state for parameter \(i) of \(params.count)") }
            let s = ParameterState()
            for (name, tensor) in entry where name != "step" {
                guard tensor.shape == params[i].shape || tensor.numel == 1 else {
                    throw OptimizerStateError(message: "state '\(name)' of parameter \(i) has shape \(shapeText(tensor.shape)), "
                                              + "the parameter \(shapeText(params[i].shape))")
                }
                s.buffers[name] = tensor.clone()
            }
            s.step = Int(entry["step"]?.item() ?? 0)
            state[ObjectIdentifier(params[i])] = s
        }
        for (group, saved) in zip(paramGroups, dict.paramGroups) {
            for (key, value) in saved { group[key] = value }
        }
    }
}

/// An optimizer's state in PyTorch's layout: `state` by parameter index and `param_groups`.
public struct OptimizerStateDict {
    /// The per-parameter state by the parameter's index across the groups.
    public var state: [Int: [String: Tensor]]
    /// Each group's hyperparameters.
    public var paramGroups: [[String: Double]]
    /// The parameter indices of each group (`param_groups[i]["params"]`).
    public var groupParams: [[Int]]
}

/// Why `Optimizer.loadStateDict` refused a state dict.
public struct OptimizerStateError: Error, CustomStringConvertible {
    /// Why, in a sentence.
    public let message: String
    /// The reason, prefixed with "optimizer state dict".
    public var description: String { "optimizer state dict: \(message)" }
}
