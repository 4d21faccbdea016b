// Containers: Sequential (variadic and result-builder forms), ModuleList, ModuleDict.

/// Builds a list of modules in a `Sequential { … }` block.
@resultBuilder
public enum ModuleBuilder {
    /// The modules listed in the builder's block.
    public static func buildBlock(_ modules: Module...) -> [Module] { modules }
    /// One module of the block.
    public static func buildExpression(_ module: Module) -> Module { module }
}

/// Runs its modules in order, each on the previous one's output (`nn.Sequential`). Children are named 0, 1, …
open class Sequential: Module {
    /// The layers in the order they run, keyed `0`, `1`… in the state dict.
    public private(set) var layers: [Module]

    /// `Sequential(…)`, with PyTorch's arguments and defaults.
    public init(_ layers: [Module]) { self.layers = layers; super.init() }
    /// `Sequential(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ layers: Module...) { self.init(layers) }
    /// `Sequential { … }`: the layers listed in a block.
    public convenience init(@ModuleBuilder _ build: () -> [Module]) { self.init(build()) }

    public override var members: [(name: String, member: Member)] { layers.enumerated().map { ("\($0.offset)", .module($0.element)) } }

    open override func forward(_ input: Tensor) -> Tensor { layers.reduce(input) { $1($0) } }

    /// The module at `index` (negative counts from the end).
    public subscript(index: Int) -> Module { layers[index < 0 ? index + layers.count : index] }
    /// The number of modules (`len()`).
    public var count: Int { layers.count }
    /// Adds a module at the end.
    public func append(_ module: Module) { layers.append(module) }
}

/// A list of modules whose parameters are registered (`nn.ModuleList`). Children are named 0, 1, …
open class ModuleList: Module, RandomAccessCollection {
    /// The modules, keyed `0`, `1`… in the state dict.
    public private(set) var items: [Module]

    /// `ModuleList(…)`, with PyTorch's arguments and defaults.
    public init(_ items: [Module] = []) { self.items = items; super.init() }

    public override var members: [(name: String, member: Member)] { items.enumerated().map { ("\($0.offset)", .module($0.element)) } }

    /// The first index, 0.
    public var startIndex: Int { 0 }
    /// The number of modules.
    public var endIndex: Int { items.count }
    /// The module at `index`.
    public subscript(index: Int) -> Module { items[index] }
    /// Adds a module at the end.
    public func append(_ module: Module) { items.append(module) }
}

/// Modules by name, in insertion order (`nn.ModuleDict`).
open class ModuleDict: Module {
    /// The modules by key, in insertion order.
    public private(set) var items: OrderedDictionary<String, Module>

    /// `ModuleDict(…)`, with PyTorch's arguments and defaults.
    public init(_ items: OrderedDictionary<String, Module> = [:]) { self.items = items; super.init() }

    public override var members: [(name: String, member: Member)] { items.map { ($0.key, .module($0.value)) } }

    /// The module under `key`; setting nil removes it.
    public subscript(key: String) -> Module? {
        get { items[key] }
        set { items[key] = newValue }
    }
    /// The keys, in insertion order.
    public var keys: [String] { Array(items.keys) }
    /// The number of modules.
    public var count: Int { items.count }
}
