// Optimizers beyond the golden set, against PyTorch's trajectories; parameter groups as dictionary literals;
// an optimizer written outside the library.
import Ember
import Foundation
import XCTest

/// Plain gradient descent as a user writes it: `Optimizer` subclassed with its own hyperparameter and state.
final class SignDescent: Optimizer {
    init(_ params: [Tensor], lr: Double) { super.init([ParamGroup(params: params)], lr: lr, defaults: ["scale": 1]) }
    override func update(_ group: ParamGroup) {
        for p in group.params {
            guard let g = p.grad else { continue }
            let s = state(for: p)
            s.step += 1
            p.add_(g.sign(), alpha: -group.lr * group["scale"]!)
        }
    }
}

final class OptimizerTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Case: Decodable {
            let optimizer: String
            let args: [String: Argument]
            let params: [[Double]], shapes: [[Int]]
            let grads: [[[Double]]], trajectory: [[[Double]]]
        }
        let cases: [Case]
    }

    private enum Argument: Decodable {
        case number(Double), flag(Bool), pair([Double]), text(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) } else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let t = try? c.decode(String.self) { self = .text(t) } else { self = .pair(try c.decode([Double].self)) }
        }
        var number: Double? { if case .number(let d) = self { return d }; return nil }
        var flag: Bool { if case .flag(let b) = self { return b }; return false }
        var pair: (Double, Double)? { if case .pair(let p) = self { return (p[0], p[1]) }; return nil }
    }

    private func makeOptimizer(_ c: Fixture.Case, _ params: [Tensor]) -> Optimizer {
        let a = c.args
        let betas = a["betas"]?.pair ?? (0.9, 0.999), weightDecay = a["weight_decay"]?.number ?? 0
        let maximize = a["maximize"]?.flag ?? false, decoupled = a["decoupled_weight_decay"]?.flag ?? false
        switch c.optimizer {
        case "Adamax":
            return Adamax(params, lr: a["lr"]?.number ?? 2e-3, betas: betas, weightDecay: weightDecay, maximize: maximize)
        case "NAdam":
            return NAdam(params, lr: a["lr"]?.number ?? 2e-3, betas: betas, weightDecay: weightDecay,
                         momentumDecay: a["momentum_decay"]?.number ?? 4e-3, decoupledWeightDecay: decoupled)
        case "RAdam":
            return RAdam(params, lr: a["lr"]?.number ?? 1e-3, betas: betas, weightDecay: weightDecay, decoupledWeightDecay: decoupled)
        default:
            return Adadelta(params, lr: a["lr"]?.number ?? 1, rho: a["rho"]?.number ?? 0.9, eps: a["eps"]?.number ?? 1e-6,
                            weightDecay: weightDecay)
        }
    }

    /// PyTorch 2.15's trajectories (Fixtures/make_optimizer_cases.py): 12 steps each, defaults and options.
    func testAdamaxNAdamRAdamAdadeltaFollowPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/optimizer_cases.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.cases.count, 10)
        for c in fixture.cases {
            let params = zip(c.params, c.shapes).map { Tensor($0.0.map { Float($0) }, shape: $0.1).requiresGrad_() }
            let optimizer = makeOptimizer(c, params)
            for (step, grads) in c.grads.enumerated() {
                for (p, g) in zip(params, grads) { p.grad = Tensor(g.map { Float($0) }, shape: p.shape) }
                optimizer.step()
                for (p, expected) in zip(params, c.trajectory[step]) {
                    let got = p.toArray(as: Double.self)
                    let worst = zip(got, expected).map { Swift.abs($0 - $1) / (1e-6 + Swift.abs($1)) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-4, "\(c.optimizer) \(c.args.keys.sorted()) step \(step)")
                }
            }
        }
    }

    func testParameterGroupsFromDictionaryLiterals() {
        let base = Tensor.ones(2).requiresGrad_(), head = Tensor.ones(2).requiresGrad_()
        let optimizer = SGD([["params": [base]], ["params": [head], "lr": 0.5, "momentum": 0]], lr: 0.1, momentum: 0.9)
        XCTAssertEqual(optimizer.paramGroups.map(\.lr), [0.1, 0.5])
        XCTAssertEqual(optimizer.paramGroups[0]["momentum"], 0.9, "unset options take the optimizer's defaults")
        XCTAssertEqual(optimizer.paramGroups[1]["momentum"], 0)
        base.grad = Tensor.ones(2)
        head.grad = Tensor.ones(2)
        optimizer.step()
        assertClose(base, [0.9, 0.9])
        assertClose(head, [0.5, 0.5])
        let scheduler = StepLR(optimizer, stepSize: 1, gamma: 0.5)
        scheduler.step()
        XCTAssertEqual(optimizer.paramGroups.map(\.lr), [0.05, 0.25])
    }

    func testAnOptimizerWrittenOutsideTheLibrary() {
        let w = Tensor([1, -1] as [Float]).requiresGrad_()
        let optimizer = SignDescent([w], lr: 0.25)
        (w * Tensor([2, -3] as [Float])).sum().backward()
        optimizer.step()
        assertClose(w, [0.75, -0.75])
        XCTAssertEqual(optimizer.state(for: w).step, 1)
        XCTAssertEqual(optimizer.stateDict().paramGroups[0]["scale"], 1)
        let scheduler = ExponentialLR(optimizer, gamma: 0.5)
        scheduler.step()
        XCTAssertEqual(optimizer.paramGroups[0].lr, 0.125)
    }

    private struct LBFGSFixture: Decodable {
        struct Case: Decodable {
            let args: [String: Argument]
            let losses: [Double]
            let trajectory: [[[Double]]]
            let func_evals: Int
        }
        let x: [Double], y: [Double], params: [[Double]], cases: [Case]
    }

    /// PyTorch 2.15's LBFGS on a float64 tanh network (Fixtures/make_lbfgs_cases.py), with and without the
    /// strong-Wolfe line search: the same losses, parameters and number of closure calls.
    func testLBFGSFollowsPyTorch() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/lbfgs_cases.json")
        let fixture = try JSONDecoder().decode(LBFGSFixture.self, from: Data(contentsOf: url))
        let x = Tensor(fixture.x, shape: [20, 3]), y = Tensor(fixture.y, shape: [20, 1])
        for c in fixture.cases {
            let params = zip(fixture.params, [[5, 3], [5], [1, 5]]).map { Tensor($0.0, shape: $0.1).requiresGrad_() }
            let optimizer = LBFGS(params, lr: c.args["lr"]?.number ?? 1, maxIter: Int(c.args["max_iter"]?.number ?? 20),
                                  historySize: Int(c.args["history_size"]?.number ?? 100),
                                  lineSearchFn: c.args["line_search_fn"] == nil ? nil : "strong_wolfe")
            for step in 0..<3 {
                let loss = optimizer.step {
                    optimizer.zeroGrad()
                    let loss = ((x.matmul(params[0].t()) + params[1]).tanh().matmul(params[2].t()) - y).pow(2).mean()
                    loss.backward()
                    return loss
                }
                XCTAssertEqual(loss.item(), c.losses[step], accuracy: 1e-9 * Swift.max(1, c.losses[step]), "\(c.args.keys.sorted()) step \(step)")
                for (p, expected) in zip(params, c.trajectory[step]) {
                    let worst = zip(p.toArray(as: Double.self), expected).map { Swift.abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-7, "\(c.args.keys.sorted()) step \(step)")
                }
            }
            XCTAssertEqual(optimizer.functionEvaluations, c.func_evals, "\(c.args.keys.sorted())")
        }
    }
}

