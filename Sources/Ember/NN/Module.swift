// Module: the base class of layers and models. Parameters, buffers and submodules are found from
// stored properties by reflection and named as PyTorch names them.
@_exported import OrderedCollections

/// A tensor a module stores, set without the wrappers' rules: `DataParallel` puts a replica's copies in place for one
/// forward pass and the originals back.
protocol TensorSlot: AnyObject {
    var tensor: Tensor? { get set }
}

/// A learnable tensor of a module (`nn.Parameter`): `@Parameter var weight: Tensor`.
@propertyWrapper
public final class Parameter: TensorSlot {
    private var value: Tensor
    /// The parameter's tensor; a floating-point tensor set here is made to require gradients.
    public var wrappedValue: Tensor {
        get { value }
        set {
            value = newValue
            if !newValue.requiresGrad && newValue.dtype.isFloatingPoint { newValue.requiresGrad = true }
        }
    }
    /// Wraps the initial tensor, which is made to require gradients (`nn.Parameter(tensor)`).
    public init(wrappedValue: Tensor) {
        value = wrappedValue
        if !wrappedValue.requiresGrad && wrappedValue.dtype.isFloatingPoint && wrappedValue.isLeaf { wrappedValue.requiresGrad = true }
    }
    var tensor: Tensor? {
        get { value }
        set { value = newValue! }
    }
}

/// A learnable tensor that a layer may not have (`bias=False`): `@OptionalParameter var bias: Tensor?`.
@propertyWrapper
public final class OptionalParameter: TensorSlot {
    var tensor: Tensor?
    /// The parameter's tensor, or nil; a tensor set here is made to require gradients.
    public var wrappedValue: Tensor? {
        get { tensor }
        set {
            tensor = newValue
            if let t = newValue, !t.requiresGrad, t.isLeaf { t.requiresGrad = true }
        }
    }
    /// Wraps the initial tensor, or nil for a layer without it.
    public init(wrappedValue: Tensor?) {
        tensor = wrappedValue
        if let t = wrappedValue, !t.requiresGrad, t.isLeaf, t.dtype.isFloatingPoint { t.requiresGrad = true }
    }
}

/// Module state that is saved but not learned (`register_buffer`): `@Buffer var runningMean: Tensor`.
@propertyWrapper
public final class Buffer: TensorSlot {
    /// The buffer's tensor, or nil.
    public var wrappedValue: Tensor?
    /// Wraps the initial tensor, or nil (`register_buffer`).
    public init(wrappedValue: Tensor?) { self.wrappedValue = wrappedValue }
    var tensor: Tensor? {
        get { wrappedValue }
        set { wrappedValue = newValue }
    }
}

/// Why `loadStateDict` refused a state dict.
public struct StateDictError: Error, CustomStringConvertible {
    /// The module's keys the state dict lacks.
    public let missingKeys: [String]
    /// The state dict's keys the module lacks.
    public let unexpectedKeys: [String]
    /// Keys whose tensor has another shape: (key, expected, found).
    public let mismatchedShapes: [(key: String, expected: [Int], found: [Int])]
    /// The type of the module that refused it.
    public let moduleName: String

    /// The keys missing from, unexpected in and of another shape in the state dict, as PyTorch words them.
    public var description: String {
        var parts: [String] = []
        if !missingKeys.isEmpty { parts.append("Missing key(s) in state_dict: " + missingKeys.map { "\"\($0)\"" }.joined(separator: ", ") + ".") }
        if !unexpectedKeys.isEmpty { parts.append("Unexpected key(s) in state_dict: " + unexpectedKeys.map { "\"\($0)\"" }.joined(separator: ", ") + ".") }
        for m in mismatchedShapes {
            parts.append("size mismatch for \(m.key): copying a param with shape \(shapeText(m.found)) from checkpoint, "
                         + "the shape in current model is \(shapeText(m.expected)).")
        }
        return "Error(s) in loading state_dict for \(moduleName):\n\t" + parts.joined(separator: "\n\t")
    }
}

/// What makes a module callable: `module(x)` runs `forward(x)`. It lives in a protocol extension rather than
/// on `Module`, so a subclass may declare its own `callAsFunction(_:)` with another result — `lstm(x)` giving
/// `(output, state)`, a VAE giving `(reconstruction, mu, logvar)` — and calls on that type pick it.
public protocol ForwardCallable: AnyObject {
    /// The module's output for `input`.
    func forward(_ input: Tensor) -> Tensor
}

extension ForwardCallable {
    /// Runs `forward` (`module(x)`). Disfavoured, so a subclass's own `callAsFunction(_ input:, future: Int = 0)`
    /// wins for `model(x)` too.
    @_disfavoredOverload
    public func callAsFunction(_ input: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        CallSites.calling(from: file, line) { forward(input) }
    }
}

/// The base class of neural-network layers and models (`nn.Module`). Subclass it and override `forward`;
/// stored properties of type `Module`, `[Module]`, `@Parameter`, `@OptionalParameter` and `@Buffer`
/// are found automatically, in declaration order, and named after the property (camelCase becomes
/// PyTorch's snake_case: `runningMean` → `running_mean`). Like a tensor, a module is not `Sendable`
/// (<doc:ThreadSafety>).
@dynamicMemberLookup
open class Module: CustomStringConvertible, ForwardCallable {
    /// Whether the module is in training mode (`training`).
    public private(set) var isTraining = true

    /// A module with no members of its own; subclasses declare theirs as stored properties.
    public init() {}

    /// The computation of the module; override it.
    open func forward(_ input: Tensor) -> Tensor {
        fatalError("\(typeName): forward(_:) is not implemented; override it")
    }

    /// The class name shown by `description`.
    open var typeName: String { String(describing: type(of: self)) }

    // MARK: Discovery

    /// What a stored property holds, as the module tree sees it.
    public enum Member {
        /// A parameter, or nil when the layer has none of that name (`bias=False`).
        case parameter(Tensor?)
        /// A buffer, or nil when unset.
        case buffer(Tensor?)
        /// A submodule.
        case module(Module)
        /// A list of submodules, by their keys.
        case modules([(String, Module)])
    }

    /// The members of this module in registration (declaration) order, with their names.
    open var members: [(name: String, member: Member)] { reflectedMembers() }

    /// Members found by reflection over the stored properties of this class and its superclasses.
    final func reflectedMembers() -> [(name: String, member: Member)] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror { mirrors.insert(m, at: 0); mirror = m.superclassMirror }
        var result: [(String, Member)] = []
        for m in mirrors {
            for child in m.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }
                let name = Module.pytorchName(label)
                switch child.value {
                case let p as Parameter: result.append((name, .parameter(p.wrappedValue)))
                case let p as OptionalParameter: result.append((name, .parameter(p.wrappedValue)))
                case let b as Buffer: result.append((name, .buffer(b.wrappedValue)))
                case let module as Module: result.append((name, .module(module)))
                case let list as [Module]: result.append((name, .modules(list.enumerated().map { ("\($0.offset)", $0.element) })))
                case let optional as Module?: if let module = optional { result.append((name, .module(module))) }
                default: break
                }
            }
        }
        return result
    }

    /// Where this module's own parameters and buffers are stored (its children's not included): the wrappers
    /// among its stored properties; a module that stores them otherwise overrides this.
    func tensorSlots() -> [TensorSlot] {
        var slots: [TensorSlot] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror {
            slots += m.children.compactMap { $0.value as? TensorSlot }
            mirror = m.superclassMirror
        }
        return slots
    }

    /// `hiddenSize` → `hidden_size`; names that are already PyTorch-style are unchanged.
    static func pytorchName(_ swiftName: String) -> String {
        var out = ""
        for ch in swiftName {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }

    /// This module's own parameter or buffer by name, as PyTorch code reads `m.weight` on any module:
    /// `model.apply { m in if let w = m.weight, m is Linear { Init.xavierUniform_(w) } }`. Nil when the
    /// module has no such tensor (or it is unset, like a `bias` of `bias: false`).
    public subscript(dynamicMember name: String) -> Tensor? {
        let key = Module.pytorchName(name)
        for (memberName, member) in members where memberName == key {
            switch member {
            case .parameter(let t), .buffer(let t): return t
            default: return nil
            }
        }
        return nil
    }

    /// The direct submodules with their names (`named_children()`).
    public func namedChildren() -> [(String, Module)] {
        members.flatMap { name, member -> [(String, Module)] in
            switch member {
            case .module(let m): return [(name, m)]
            case .modules(let list): return list.map { ("\(name).\($0.0)", $0.1) }
            default: return []
            }
        }
    }

    /// The direct submodules (`children()`).
    public func children() -> [Module] { namedChildren().map(\.1) }

    /// This module and every module below it, depth first, with dotted names (`named_modules()`).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Module)] = []
        func visit(_ module: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((name, module))
            for (childName, child) in module.namedChildren() { visit(child, name.isEmpty ? childName : "\(name).\(childName)") }
        }
        visit(self, prefix)
        return result
    }

    /// This module and every module below it (`modules()`).
    public func modules() -> [Module] { namedModules().map(\.1) }

    /// Every parameter with its dotted name, each tensor once (`named_parameters()`).
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return namedModules().flatMap { prefix, module in
            module.members.compactMap { name, member -> (String, Tensor)? in
                guard case .parameter(let t?) = member, seen.insert(ObjectIdentifier(t)).inserted else { return nil }
                return (prefix.isEmpty ? name : "\(prefix).\(name)", t)
            }
        }
    }

    /// Every parameter (`parameters()`).
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Every buffer with its dotted name (`named_buffers()`).
    public func namedBuffers() -> [(String, Tensor)] {
        namedModules().flatMap { prefix, module in
            module.members.compactMap { name, member -> (String, Tensor)? in
                guard case .buffer(let t?) = member else { return nil }
                return (prefix.isEmpty ? name : "\(prefix).\(name)", t)
            }
        }
    }

    /// Every buffer (`buffers()`).
    public func buffers() -> [Tensor] { namedBuffers().map(\.1) }

    // MARK: Modes and utilities

    /// Sets training mode on this module and every submodule (`train()`); returns self.
    @discardableResult public func train(_ mode: Bool = true) -> Self {
        for module in modules() { module.isTraining = mode }
        return self
    }

    /// Sets evaluation mode (`eval()`); returns self.
    @discardableResult public func eval() -> Self { train(false) }

    /// Calls `body` on every submodule and then this module, as PyTorch's `apply` does; returns self.
    @discardableResult public func apply(_ body: (Module) -> Void) -> Self {
        for child in children() { child.apply(body) }
        body(self)
        return self
    }

    /// Clears the gradients of every parameter (`zero_grad()`, which sets them to nil by default).
    public func zeroGrad(setToNone: Bool = true) {
        for p in parameters() {
            if setToNone { p.grad = nil } else { p.grad?.zero_() }
        }
    }

    /// Turns gradient recording on or off for every parameter, e.g. to freeze a pretrained part; returns self.
    @discardableResult public func requiresGrad_(_ flag: Bool = true) -> Self {
        for p in parameters() { p.requiresGrad = flag }
        return self
    }

    /// Moves every parameter, buffer and gradient to `device` in place (`module.to(device)`): the tensors stay
    /// the same objects, so an optimizer built before the move keeps working; returns self.
    @discardableResult public func to(_ device: Device, file: StaticString = #fileID, line: UInt = #line) -> Self {
        noGrad {
            for t in parameters() + buffers() where t.device != device {
                t.data = t.data.to(device, file: file, line: line)
                if let g = t.grad { t.grad = g.to(device, file: file, line: line) }
            }
        }
        return self
    }

    /// Converts every floating-point parameter, gradient and buffer to `dtype` in place (`module.to(dtype)`):
    /// the tensors stay the same objects, so optimizers and references keep working; returns self.
    @discardableResult public func to(_ dtype: DType) -> Self {
        precondition(dtype.isFloatingPoint, "Module.to: nn.Module.to only accepts floating point dtypes, but got \(dtype)")
        noGrad {
            for t in parameters() + buffers() where t.dtype.isFloatingPoint && t.dtype != dtype {
                t.data = t.data.to(dtype)
                if let g = t.grad { t.grad = g.to(dtype) }
            }
        }
        return self
    }

    /// Converts floating-point parameters and buffers to float64 (`double()`); returns self.
    @discardableResult public func double() -> Self { to(.float64) }
    /// Converts floating-point parameters and buffers to float32 (`float()`); returns self.
    @discardableResult public func float() -> Self { to(.float32) }
    /// Converts floating-point parameters and buffers to float16 (`half()`); returns self.
    @discardableResult public func half() -> Self { to(.float16) }
    /// Converts floating-point parameters and buffers to bfloat16 (`bfloat16()`); returns self.
    @discardableResult public func bfloat16() -> Self { to(.bfloat16) }

    // MARK: State dicts

    /// Parameters and buffers by dotted name, in PyTorch's order (`state_dict()`): per module, its
    /// parameters, then its buffers, then its children. The tensors are detached and share storage.
    public func stateDict() -> OrderedDictionary<String, Tensor> {
        var result = OrderedDictionary<String, Tensor>()
        func visit(_ module: Module, _ prefix: String) {
            for (name, member) in module.members {
                if case .parameter(let t?) = member { result[prefix + name] = t.detach() }
            }
            for (name, member) in module.members {
                if case .buffer(let t?) = member { result[prefix + name] = t.detach() }
            }
            for (name, child) in module.namedChildren() { visit(child, prefix + name + ".") }
        }
        visit(self, "")
        return result
    }

    /// Copies a state dict into this module (the form `Ember.load` returns, so
    /// `try model.loadStateDict(Ember.load("model.pt"))` reads a checkpoint straight in).
    public func loadStateDict(_ state: OrderedDictionary<String, Tensor>, strict: Bool = true) throws {
        try loadStateDict(state.elements, strict: strict)
    }

    /// Copies a state dict read from a checkpoint into this module (`model.load_state_dict(checkpoint["model"])`);
    /// throws `CheckpointError` when the value is missing or is not a dictionary of tensors.
    public func loadStateDict(_ value: CheckpointValue?, strict: Bool = true) throws {
        guard let value = value else { throw CheckpointError(.typeMismatch, "expected a state dict, the checkpoint has no such entry") }
        try loadStateDict(OrderedDictionary<String, Tensor>(checkpointValue: value), strict: strict)
    }

    /// Copies `state` into this module's parameters and buffers (`load_state_dict`). With `strict`,
    /// missing and unexpected keys throw; a shape mismatch always throws. Nothing is copied unless all
    /// checks pass.
    public func loadStateDict<S: Sequence>(_ state: S, strict: Bool = true) throws where S.Element == (key: String, value: Tensor) {
        let incoming = Dictionary(state.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let own = stateDict()
        let missing = Array(own.keys.filter { incoming[$0] == nil })
        let unexpected = incoming.keys.filter { own[$0] == nil }.sorted()
        let mismatched = own.compactMap { key, tensor -> (key: String, expected: [Int], found: [Int])? in
            guard let other = incoming[key], other.shape != tensor.shape else { return nil }
            return (key, tensor.shape, other.shape)
        }
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw StateDictError(missingKeys: strict ? missing : [], unexpectedKeys: strict ? unexpected : [],
                                 mismatchedShapes: mismatched, moduleName: typeName)
        }
        noGrad {
            for (key, target) in own {
                guard let source = incoming[key] else { continue }
                target.copy_(source)
            }
        }
    }

    // MARK: Description

    /// Extra information shown inside the parentheses (`extra_repr()`).
    open var extraDescription: String { "" }

    /// PyTorch's module repr: `Linear(in_features=3, out_features=4, bias=True)`, children indented.
    public var description: String {
        let children = namedChildren()
        var lines: [String] = []
        let extra = extraDescription
        if !extra.isEmpty { lines += extra.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        for (name, child) in children {
            let text = child.description.replacingOccurrences(of: "\n", with: "\n  ")
            lines.append("(\(name)): \(text)")
        }
        if children.isEmpty { return "\(typeName)(\(lines.joined(separator: "\n")))" }
        return "\(typeName)(\n  " + lines.joined(separator: "\n  ") + "\n)"
    }
}
