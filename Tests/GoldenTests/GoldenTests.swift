// Runs every golden case (Tests/Golden, or $EMBER_GOLDEN_DIR) against Ember and reports per suite.
import Ember
import Foundation
import XCTest

/// The outcome of one case.
enum CaseOutcome {
    case passed
    case failed(String)
}

final class GoldenTests: XCTestCase {
    static var testsDirectory: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent() }

    /// PyTorch's golden cases (Tests/Golden, or $EMBER_GOLDEN_DIR) and the cases generated from PyTorch's
    /// OpInfo database by scripts/golden/opinfo_cases.py (Tests/GoldenOpInfo).
    static var roots: [URL] {
        let golden = ProcessInfo.processInfo.environment["EMBER_GOLDEN_DIR"].map { URL(fileURLWithPath: $0) }
            ?? testsDirectory.appendingPathComponent("Golden")
        return [golden, testsDirectory.appendingPathComponent("GoldenOpInfo")]
    }

    /// Every suite folder under the roots with its case files, sorted.
    static func suites() throws -> [(name: String, files: [URL])] {
        try roots.flatMap { root -> [(name: String, files: [URL])] in
            try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().compactMap { name in
                let folder = root.appendingPathComponent(name)
                guard name != "checkpoints",
                      (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true else { return nil }
                let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
                return (name, files.sorted().map { folder.appendingPathComponent($0) })
            }
        }
    }

    func testGoldenSuites() throws { try runSuites(device: nil) }

    /// Every case once more with its tensors, modules and optimizers on a second device (the tests' own backend).
    func testGoldenSuitesOnTheTestDevice() throws { try runSuites(device: "test") }

    /// Every case once more on `cuda:0`, where a GPU (or, in EmberTests, the fake one) is present.
    func testGoldenSuitesOnCUDA() throws {
        guard Ember.cuda.isAvailable else { throw XCTSkip("no GPU: \(Ember.cuda.unavailableReason ?? "")") }
        try runSuites(device: "cuda")
    }

    private func runSuites(device: String?) throws {
        let suites = try GoldenTests.suites()
        XCTAssertFalse(suites.isEmpty, "no golden suites under \(GoldenTests.roots.map(\.path))")
        let outcomes = try IsolatedCaseRunner.run(suites.flatMap(\.files), environment: [GoldenDevice.variable: device])
        var allFailures: [String] = []
        var offset = 0
        for (suite, files) in suites {
            let suiteOutcomes = outcomes[offset..<(offset + files.count)]
            offset += files.count
            let failed = suiteOutcomes.compactMap { outcome -> String? in
                if case .failed(let why) = outcome.result { return "  FAIL \(suite)/\(outcome.name): \(why)" }
                return nil
            }
            print("golden \(suite)\(device.map { " on the \($0) device" } ?? ""): \(files.count - failed.count)/\(files.count) passed")
            for line in failed { print(line) }
            allFailures += failed
        }
        XCTAssertTrue(allFailures.isEmpty, "\(allFailures.count) golden cases failed or could not run:\n"
                      + allFailures.joined(separator: "\n"))
    }

    /// The worker that `IsolatedCaseRunner` starts in a child process; skipped in a normal test run.
    func testGoldenCaseWorker() throws {
        guard let job = IsolatedCaseRunner.Job.fromEnvironment() else {
            throw XCTSkip("runs only as the golden harness's worker process")
        }
        job.work()
    }
}

/// Reads and runs one case file.
func runCaseFile(_ url: URL) -> (name: String, result: CaseOutcome) {
    do {
        let json = try JSONParser.parse(Array(try Data(contentsOf: url)))
        return (json["name"]?.string ?? url.lastPathComponent, GoldenRunner.run(json))
    } catch {
        return (url.lastPathComponent, .failed("unreadable case: \(error)"))
    }
}

enum GoldenRunner {
    static func run(_ json: JSON) -> CaseOutcome {
        do {
            switch json["kind"]?.string {
            case "op": return try runOp(json)
            case "rng": return try runRNG(json)
            case "format": return try runFormat(json)
            case "module": return try runModule(json)
            case "init": return try runInit(json)
            case "optim": return try runOptim(json)
            case "model": return try runModel(json)
            case let kind:
                return .failed("unknown kind \(kind ?? "nil")")
            }
        } catch {
            return .failed("\(error)")
        }
    }

    static func tolerances(_ json: JSON) -> (Double, Double) {
        (json["rtol"]?.double ?? 1e-5, json["atol"]?.double ?? 1e-6)
    }

    static func runOp(_ json: JSON) throws -> CaseOutcome {
        var inputs: [String: Tensor] = [:]
        for (name, value) in json["inputs"]?.objectPairs ?? [] { inputs[name] = try GoldenTensor.decode(value) }
        let differentiable = json["requires_grad"]?.array?.compactMap(\.string) ?? []
        for name in differentiable { inputs[name]?.requiresGrad = true }
        // Results follow their inputs' device; a case without tensor inputs, or whose call names a device, makes its
        // tensors on the CPU or that device.
        let namesDevice = json["expression"]?.string?.contains("device=") == true
        let device: Device? = inputs.isEmpty || namesDevice ? nil : GoldenDevice.current
        let outputs: [Tensor]
        if let op = json["op"]?.string, op == "expression" {
            guard let text = json["expression"]?.string else { throw CaseFailure("expression case without expression") }
            var evaluator = ExpressionEvaluator(variables: inputs)
            outputs = try evaluator.evaluate(text)
        } else {
            guard let op = json["op"]?.string else { throw CaseFailure("op case without op") }
            outputs = try OpTable.run(OpCall(op: op, inputs: inputs, args: json["args"] ?? .object([])))
        }
        let (rtol, atol) = tolerances(json)
        let expected = json["outputs"]?.array ?? []
        guard outputs.count == expected.count else {
            throw CaseFailure("\(outputs.count) outputs, expected \(expected.count)")
        }
        for (i, (actual, want)) in zip(outputs, expected).enumerated() {
            try GoldenTensor.compare(actual, want, rtol: rtol, atol: atol, what: "output \(i)", device: device)
        }
        guard let grads = json["grads"]?.objectPairs, let gradOutputs = json["grad_outputs"]?.array else { return .passed }
        // The gradients are compared first, so a node name that differs cannot hide a wrong gradient.
        let actualName = outputs.first { $0.requiresGrad }?.gradFn?.name
        let seeds = try gradOutputs.map(GoldenTensor.decode)
        let roots = Array(outputs.filter { $0.dtype.isFloatingPoint }.prefix(seeds.count))
        let leaves = try grads.map { name, _ -> Tensor in
            guard let t = inputs[name] else { throw CaseFailure("grads name unknown input \(name)") }
            return t
        }
        let computed = Autograd.grad(outputs: roots, inputs: leaves, gradOutputs: seeds, allowUnused: true)
        for ((name, want), got) in zip(grads, computed) {
            guard let got = got else { throw CaseFailure("no gradient reached \(name)") }
            try GoldenTensor.compare(got, want, rtol: rtol, atol: atol, what: "grad \(name)")
        }
        if let name = json["grad_fn"], actualName != name.string {
            throw CaseFailure("grad_fn \(actualName ?? "nil"), expected \(name.string ?? "nil")")
        }
        return .passed
    }

    static func runRNG(_ json: JSON) throws -> CaseOutcome {
        guard let seed = json["seed"]?.int, let calls = json["calls"]?.array else { throw CaseFailure("malformed rng case") }
        let (rtol, atol) = tolerances(json)
        Ember.manualSeed(seed)
        for (i, call) in calls.enumerated() {
            guard let fn = call["fn"]?.string, let args = call["args"], let output = call["output"] else {
                throw CaseFailure("malformed call \(i)")
            }
            let c = OpCall(op: fn, inputs: [:], args: args)
            let size = c.arg("size")?.ints ?? []
            let dtype = try c.dtype() ?? .float32
            let result: Tensor
            let device = GoldenDevice.current
            switch fn {
            case "rand": result = Tensor.rand(size, dtype: dtype, device: device)
            case "randn": result = Tensor.randn(size, dtype: dtype, device: device)
            case "randint": result = Tensor.randint(try c.int("low"), try c.int("high"), size, device: device)
            case "randperm": result = Tensor.randperm(try c.int("n"), device: device)
            case "normal_":
                result = Tensor.empty(size, dtype: dtype, device: device).normal_(mean: try c.double("mean"), std: try c.double("std"))
            case "uniform_":
                result = Tensor.empty(size, dtype: dtype, device: device).uniform_(from: try c.double("from"), to: try c.double("to"))
            case "bernoulli_": result = Tensor.empty(size, dtype: dtype, device: device).bernoulli_(try c.double("p"))
            case "bernoulli":
                guard let p = args["input"] else { throw CaseFailure("bernoulli without input") }
                result = try GoldenTensor.decode(p).bernoulli()
            case "multinomial":
                guard let p = args["input"] else { throw CaseFailure("multinomial without input") }
                result = try GoldenTensor.decode(p).multinomial(try c.int("num_samples"), replacement: c.arg("replacement")?.bool ?? false)
            default: throw CaseFailure("unknown rng function '\(fn)'")
            }
            try GoldenTensor.compare(result, output, rtol: rtol, atol: atol, what: "call \(i) (\(fn))")
        }
        return .passed
    }

    /// Constructor arguments from a case's `args` object, in the order written.
    static func arguments(_ json: JSON?) -> CallArguments {
        var arguments = CallArguments()
        for (key, value) in json?.objectPairs ?? [] {
            arguments.keywords[key] = PyValue(value)
            arguments.orderedKeywords.append(key)
        }
        return arguments
    }

    static func decodeState(_ json: JSON?) throws -> [(key: String, value: Tensor)] {
        try (json?.objectPairs ?? []).map { ($0.0, try GoldenTensor.decode($0.1)) }
    }

    static func compareState(_ module: Module, _ json: JSON?, rtol: Double, atol: Double, what: String) throws {
        let state = module.stateDict()
        let expected = json?.objectPairs ?? []
        guard state.keys.elementsEqual(expected.map(\.0)) else {
            throw CaseFailure("\(what) keys \(Array(state.keys)), expected \(expected.map(\.0))")
        }
        for (key, value) in expected { try GoldenTensor.compare(state[key]!, value, rtol: rtol, atol: atol, what: "\(what) \(key)") }
    }

    static func runModule(_ json: JSON) throws -> CaseOutcome {
        guard let name = json["module"]?.string else { throw CaseFailure("module case without module") }
        let module = try ModuleFactory.build(name, arguments(json["args"])).to(GoldenDevice.current)
        try module.loadStateDict(try decodeState(json["state"]))
        module.train(json["train"]?.bool ?? true)
        let (rtol, atol) = tolerances(json)
        let inputs = try (json["inputs"]?.array ?? []).map(GoldenTensor.decode)
        let gradNames = (json["grads"]?.objectPairs ?? []).map(\.0)
        for (i, input) in inputs.enumerated() where input.dtype.isFloatingPoint
            && (gradNames.contains(inputs.count == 1 ? "input" : "input\(i)")) { input.requiresGrad = true }
        let outputs: [Tensor]
        if let loss = module as? Loss, inputs.count == 2 {
            outputs = [loss(inputs[0], inputs[1])]
        } else if let attention = module as? MultiheadAttention, inputs.count == 3 {
            let r = attention(inputs[0], inputs[1], inputs[2])
            outputs = [r.output, r.weights!]
        } else if let lstm = module as? LSTM {
            let r = lstm(inputs[0], inputs.count == 3 ? (inputs[1], inputs[2]) : nil)
            outputs = [r.output, r.state.h, r.state.c]
        } else if let gru = module as? GRU {
            let r = gru(inputs[0], inputs.count == 2 ? inputs[1] : nil)
            outputs = [r.output, r.hidden]
        } else if let rnn = module as? RNN {
            let r = rnn(inputs[0], inputs.count == 2 ? inputs[1] : nil)
            outputs = [r.output, r.hidden]
        } else if inputs.count == 1 {
            outputs = [module(inputs[0])]
        } else {
            throw CaseFailure("unsupported module call with \(inputs.count) inputs")
        }
        let expected = json["outputs"]?.array ?? []
        guard outputs.count == expected.count else { throw CaseFailure("\(outputs.count) outputs, expected \(expected.count)") }
        for (i, (actual, want)) in zip(outputs, expected).enumerated() {
            try GoldenTensor.compare(actual, want, rtol: rtol, atol: atol, what: "output \(i)")
        }
        if let grads = json["grads"]?.objectPairs, let gradOutputs = json["grad_outputs"]?.array, !grads.isEmpty {
            let parameters = Dictionary(module.namedParameters(), uniquingKeysWith: { a, _ in a })
            let leaves = try grads.map { key, _ -> Tensor in
                if key == "input" { return inputs[0] }
                if key.hasPrefix("input"), let i = Int(key.dropFirst(5)) { return inputs[i] }
                guard let p = parameters[key] else { throw CaseFailure("grads name unknown tensor \(key)") }
                return p
            }
            let seeds = try gradOutputs.map(GoldenTensor.decode)
            let roots = Array(outputs.filter { $0.requiresGrad }.prefix(seeds.count))
            let computed = Autograd.grad(outputs: roots, inputs: leaves, gradOutputs: seeds, allowUnused: true)
            for ((key, want), got) in zip(grads, computed) {
                guard let got = got else { throw CaseFailure("no gradient reached \(key)") }
                try GoldenTensor.compare(got, want, rtol: rtol, atol: atol, what: "grad \(key)")
            }
        }
        if json["state_after"] != nil { try compareState(module, json["state_after"], rtol: rtol, atol: atol, what: "state_after") }
        return .passed
    }

    static func runInit(_ json: JSON) throws -> CaseOutcome {
        guard let seed = json["seed"]?.int else { throw CaseFailure("init case without seed") }
        let (rtol, atol) = tolerances(json)
        Ember.manualSeed(seed)
        if let name = json["module"]?.string {
            let module = try ModuleFactory.build(name, arguments(json["args"])).to(GoldenDevice.current)
            try compareState(module, json["state"], rtol: rtol, atol: atol, what: "state")
            return .passed
        }
        guard let function = json["function"]?.string, let shape = json["shape"]?.ints, let output = json["output"] else {
            throw CaseFailure("init case without module or function")
        }
        let args = OpCall(op: function, inputs: [:], args: json["args"] ?? .object([]))
        let t = Tensor.empty(shape, device: GoldenDevice.current)
        func mode() -> Init.FanMode { args.arg("mode")?.string.flatMap(Init.FanMode.init(rawValue:)) ?? .fanIn }
        switch function {
        case "uniform_": Init.uniform_(t, a: args.arg("a")?.double ?? 0, b: args.arg("b")?.double ?? 1)
        case "normal_": Init.normal_(t, mean: args.arg("mean")?.double ?? 0, std: args.arg("std")?.double ?? 1)
        case "constant_": Init.constant_(t, try args.double("val"))
        case "ones_": Init.ones_(t)
        case "zeros_": Init.zeros_(t)
        case "eye_": Init.eye_(t)
        case "xavier_uniform_": Init.xavierUniform_(t, gain: args.arg("gain")?.double ?? 1)
        case "xavier_normal_": Init.xavierNormal_(t, gain: args.arg("gain")?.double ?? 1)
        case "kaiming_uniform_":
            Init.kaimingUniform_(t, a: args.arg("a")?.double ?? 0, mode: mode(), nonlinearity: args.arg("nonlinearity")?.string ?? "leaky_relu")
        case "kaiming_normal_":
            Init.kaimingNormal_(t, a: args.arg("a")?.double ?? 0, mode: mode(), nonlinearity: args.arg("nonlinearity")?.string ?? "leaky_relu")
        case "trunc_normal_":
            Init.truncNormal_(t, mean: args.arg("mean")?.double ?? 0, std: args.arg("std")?.double ?? 1,
                              a: args.arg("a")?.double ?? -2, b: args.arg("b")?.double ?? 2)
        case "orthogonal_": Init.orthogonal_(t, gain: args.arg("gain")?.double ?? 1)
        default: throw CaseFailure("unsupported init function '\(function)'")
        }
        try GoldenTensor.compare(t, output, rtol: rtol, atol: atol, what: function)
        return .passed
    }

    static func makeOptimizer(_ name: String, _ params: [Tensor], _ a: OpCall) throws -> Optimizer {
        let lr = a.arg("lr")?.double
        let betas = a.arg("betas")?.array.map { ($0[0].double ?? 0.9, $0[1].double ?? 0.999) } ?? (0.9, 0.999)
        switch name {
        case "SGD":
            return SGD(params, lr: lr ?? 1e-3, momentum: a.arg("momentum")?.double ?? 0, dampening: a.arg("dampening")?.double ?? 0,
                       weightDecay: a.arg("weight_decay")?.double ?? 0, nesterov: a.arg("nesterov")?.bool ?? false,
                       maximize: a.arg("maximize")?.bool ?? false)
        case "Adam":
            return Adam(params, lr: lr ?? 1e-3, betas: betas, eps: a.arg("eps")?.double ?? 1e-8,
                        weightDecay: a.arg("weight_decay")?.double ?? 0, amsgrad: a.arg("amsgrad")?.bool ?? false)
        case "AdamW":
            return AdamW(params, lr: lr ?? 1e-3, betas: betas, eps: a.arg("eps")?.double ?? 1e-8,
                         weightDecay: a.arg("weight_decay")?.double ?? 1e-2, amsgrad: a.arg("amsgrad")?.bool ?? false)
        case "RMSprop":
            return RMSprop(params, lr: lr ?? 1e-2, alpha: a.arg("alpha")?.double ?? 0.99, eps: a.arg("eps")?.double ?? 1e-8,
                           weightDecay: a.arg("weight_decay")?.double ?? 0, momentum: a.arg("momentum")?.double ?? 0,
                           centered: a.arg("centered")?.bool ?? false)
        case "Adagrad":
            return Adagrad(params, lr: lr ?? 1e-2, lrDecay: a.arg("lr_decay")?.double ?? 0, weightDecay: a.arg("weight_decay")?.double ?? 0,
                           initialAccumulatorValue: a.arg("initial_accumulator_value")?.double ?? 0, eps: a.arg("eps")?.double ?? 1e-10)
        default: throw CaseFailure("unsupported optimizer '\(name)'")
        }
    }

    /// A scheduler's `step`, given the metric of the step just taken (only ReduceLROnPlateau reads it).
    static func makeScheduler(_ json: JSON, _ optimizer: Optimizer) throws -> ((Double?) -> Void)? {
        guard let name = json["name"]?.string else { return nil }
        let a = OpCall(op: name, inputs: [:], args: json["args"] ?? .object([]))
        switch name {
        case "StepLR":
            let s = StepLR(optimizer, stepSize: try a.int("step_size"), gamma: a.arg("gamma")?.double ?? 0.1)
            return { _ in s.step() }
        case "MultiStepLR":
            let s = MultiStepLR(optimizer, milestones: try a.ints("milestones"), gamma: a.arg("gamma")?.double ?? 0.1)
            return { _ in s.step() }
        case "ExponentialLR":
            let s = ExponentialLR(optimizer, gamma: try a.double("gamma"))
            return { _ in s.step() }
        case "CosineAnnealingLR":
            let s = CosineAnnealingLR(optimizer, tMax: try a.int("T_max"), etaMin: a.arg("eta_min")?.double ?? 0)
            return { _ in s.step() }
        case "OneCycleLR":
            let s = OneCycleLR(optimizer, maxLR: try a.double("max_lr"), totalSteps: try a.int("total_steps"),
                               pctStart: a.arg("pct_start")?.double ?? 0.3)
            return { _ in s.step() }
        case "ReduceLROnPlateau":
            let s = ReduceLROnPlateau(optimizer, mode: ReduceLROnPlateau.Mode(rawValue: a.arg("mode")?.string ?? "min") ?? .min,
                                      factor: a.arg("factor")?.double ?? 0.1, patience: a.arg("patience")?.int ?? 10,
                                      threshold: a.arg("threshold")?.double ?? 1e-4, cooldown: a.arg("cooldown")?.int ?? 0,
                                      minLR: a.arg("min_lr")?.double ?? 0)
            return { metric in s.step(metric ?? .nan) }
        default: throw CaseFailure("unsupported scheduler '\(name)'")
        }
    }

    static func runOptim(_ json: JSON) throws -> CaseOutcome {
        guard let name = json["optimizer"]?.string else { throw CaseFailure("optim case without optimizer") }
        let (rtol, atol) = tolerances(json)
        let params = try (json["params"]?.array ?? []).map { try GoldenTensor.decode($0).requiresGrad_() }
        let optimizer = try makeOptimizer(name, params, OpCall(op: name, inputs: [:], args: json["args"] ?? .object([])))
        let scheduler = try json["scheduler"].flatMap { $0.isNull ? nil : try makeScheduler($0, optimizer) }
        let metrics = json["metrics"]?.array?.compactMap(\.double) ?? []
        let lrs = json["lrs"]?.array?.compactMap(\.double) ?? []
        let trajectory = json["trajectory"]?.array ?? []
        for (i, step) in (json["grads"]?.array ?? []).enumerated() {
            if i < lrs.count, Swift.abs(optimizer.paramGroups[0].lr - lrs[i]) > atol + rtol * Swift.abs(lrs[i]) {
                throw CaseFailure("lr before step \(i) is \(optimizer.paramGroups[0].lr), expected \(lrs[i])")
            }
            for (p, g) in zip(params, step.array ?? []) { p.grad = try GoldenTensor.decode(g) }
            optimizer.step()
            scheduler?(i < metrics.count ? metrics[i] : nil)
            for (k, (p, want)) in zip(params, trajectory[i].array ?? []).enumerated() {
                try GoldenTensor.compare(p.detach(), want, rtol: rtol, atol: atol, what: "step \(i) param \(k)")
            }
        }
        return .passed
    }

    static func runModel(_ json: JSON) throws -> CaseOutcome {
        guard let expression = json["model"]?.string, let optimizerJSON = json["optimizer"], let lossJSON = json["loss"] else {
            throw CaseFailure("malformed model case")
        }
        let (rtol, atol) = tolerances(json)
        var model = try ModuleExpression.parse(expression)
        if let container = model as? NamedContainer, let repeats = json["repeats"]?.int, container.typeName == "DynamicNet" {
            model = try DynamicNet(container, repeats: repeats)
        }
        model.to(GoldenDevice.current)
        try model.loadStateDict(try decodeState(json["state"]))
        model.train()
        guard let optimizerName = optimizerJSON["name"]?.string, let lossName = lossJSON["name"]?.string,
              let lossFunction = try ModuleFactory.build(lossName, arguments(lossJSON["args"])) as? Loss else {
            throw CaseFailure("model case without optimizer or loss")
        }
        let optimizer = try makeOptimizer(optimizerName, model.parameters(),
                                          OpCall(op: optimizerName, inputs: [:], args: optimizerJSON["args"] ?? .object([])))
        let losses = json["losses"]?.array?.compactMap(\.double) ?? []
        for (i, batch) in (json["batches"]?.array ?? []).enumerated() {
            guard let inputJSON = batch["input"], let targetJSON = batch["target"] else { throw CaseFailure("malformed batch \(i)") }
            optimizer.zeroGrad()
            let loss = lossFunction(model(try GoldenTensor.decode(inputJSON)), try GoldenTensor.decode(targetJSON))
            if i < losses.count, Swift.abs(loss.item() - losses[i]) > atol + rtol * Swift.abs(losses[i]) {
                throw CaseFailure("loss of batch \(i) is \(loss.item()), expected \(losses[i])")
            }
            loss.backward()
            optimizer.step()
        }
        try compareState(model, json["state_after"], rtol: rtol, atol: atol, what: "state_after")
        return .passed
    }

    static func runFormat(_ json: JSON) throws -> CaseOutcome {
        guard let flags = json["flags"], let expectedText = json["text"]?.string else { throw CaseFailure("malformed format case") }
        let expected = expectedText.replacingOccurrences(of: "torch.", with: "")
        let actual: String
        if let expression = flags["module"]?.string {
            actual = try ModuleExpression.parse(expression).description
        } else if let size = flags["size"]?.ints {
            actual = Size(size).description
        } else if let expression = flags["expression"]?.string {
            // The value printed is the expression applied to a 2×2 leaf of ones that requires grad. Its values are
            // checked on the cases' device; the text is printed on the CPU (a tensor of another device adds its name,
            // which DeviceTests checks).
            func evaluate(on device: Device) throws -> Tensor {
                var evaluator = ExpressionEvaluator(variables: ["leaf": Tensor.ones([2, 2], device: device, requiresGrad: true)])
                let results = try evaluator.evaluate(expression)
                guard results.count == 1 else { throw CaseFailure("format expression gives \(results.count) tensors") }
                return results[0]
            }
            if let value = json["value"], !value.isNull {
                try GoldenTensor.compare(try evaluate(on: GoldenDevice.current), value, rtol: 0, atol: 0, what: "expression value")
            }
            actual = try evaluate(on: .cpu).description
        } else {
            guard let value = json["value"], !value.isNull else { throw CaseFailure("format case without value") }
            let tensor = try GoldenTensor.decodeOnHost(value)
            if flags["requires_grad"]?.bool == true { tensor.requiresGrad = true }
            actual = tensor.description
        }
        guard actual == expected else {
            throw CaseFailure("printed\n\(actual)\nexpected\n\(expected)")
        }
        return .passed
    }
}
