// Containers: Sequential (variadic and result-builder forms), ModuleList, ModuleDict.

/// Builds a list of modules in a `Sequential { … }` block.
@resultBuilder
public enum ModuleBuilder {
    public static func buildBlock(_ modules: Module...) -> [Module] { modules }
    public static func buildExpression(_ module: Module) -> Module { module }
}

/// Runs its modules in order, each on the previous one's output (`nn.Sequential`). Children are named 0, 1, …
open class Sequential: Module {
    public private(set) var layers: [Module]

    public init(_ layers: [Module]) { self.layers = layers; super.init() }
    public convenience init(_ layers: Module...) { self.init(layers) }
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
    public private(set) var items: [Module]

    public init(_ items: [Module] = []) { self.items = items; super.init() }

    public override var members: [(name: String, member: Member)] { items.enumerated().map { ("\($0.offset)", .module($0.element)) } }

    public var startIndex: Int { 0 }
    public var endIndex: Int { items.count }
    public subscript(index: Int) -> Module { items[index] }
    /// Adds a module at the end.
    public func append(_ module: Module) { items.append(module) }
}

/// Modules by name, in insertion order (`nn.ModuleDict`).
open class ModuleDict: Module {
    public private(set) var items: OrderedDictionary<String, Module>

    public init(_ items: OrderedDictionary<String, Module> = [:]) { self.items = items; super.init() }

    public override var members: [(name: String, member: Member)] { items.map { ($0.key, .module($0.value)) } }

    public subscript(key: String) -> Module? {
        get { items[key] }
        set { items[key] = newValue }
    }
    public var keys: [String] { Array(items.keys) }
    public var count: Int { items.count }
}
