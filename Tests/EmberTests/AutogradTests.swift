// Autograd behaviour: accumulation, graphs kept or freed, higher order, custom functions, grad mode.
import Ember
import XCTest

enum MyReLU: Function {
    static func forward(_ ctx: FunctionContext, _ input: Tensor) -> Tensor {
        ctx.saveForBackward(input)
        return input.clamp(min: 0)
    }
    static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> Tensor {
        let input = ctx.savedTensors[0]
        let gradInput = gradOutput.clone()
        gradInput[input .< 0] = Tensor(0)
        return gradInput
    }
}

final class AutogradTests: XCTestCase {
    func testTheSpecExample() {
        let x = Tensor.ones(2, 2, requiresGrad: true)
        let y = x + 2
        let z = y * y * 3
        let out = z.mean()
        out.backward()
        XCTAssertEqual(x.grad!.description, "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])")
        XCTAssertEqual(y.description, "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)")
        XCTAssertEqual(out.gradFn!.name, "MeanBackward0")
    }

    func testGradientsAccumulateUntilZeroed() {
        let w = Tensor([Float(1), 2]).requiresGrad_()
        (w * 3).sum().backward()
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad!.toArray(as: Float.self), [6, 6])
        w.grad!.zero_()
        XCTAssertEqual(w.grad!.toArray(as: Float.self), [0, 0])
    }

    func testLeavesSharingAGradientGetSeparateBuffers() {
        let a = Tensor([Float(1), 2]).requiresGrad_(), b = Tensor([Float(3), 4]).requiresGrad_()
        (a + b).backward(gradient: Tensor([Float(1), 1]))
        noGrad { a.grad!.add_(Tensor(Float(10))) }
        XCTAssertEqual(b.grad!.toArray(as: Float.self), [1, 1])
        XCTAssertFalse(a.grad!.storage === b.grad!.storage)
    }

    func testRetainGraphAllowsASecondBackward() {
        let x = Tensor([Float(2)]).requiresGrad_()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        XCTAssertEqual(x.grad!.item(), 8)
    }

    func testBackwardWithAGradientTensor() {
        let x = Tensor([Float(1), 2, 3]).requiresGrad_()
        (x * x).backward(gradient: Tensor([Float(1), 0.5, 0]))
        XCTAssertEqual(x.grad!.toArray(as: Float.self), [2, 2, 0])
    }

    func testNextFunctionsNameTheGraph() {
        let a = Tensor([Float(1)]).requiresGrad_(), b = Tensor([Float(2)]).requiresGrad_()
        let c = a * b + a
        let node = c.gradFn!
        XCTAssertEqual(node.name, "AddBackward0")
        XCTAssertEqual(node.nextFunctions.map { $0?.node.name }, ["MulBackward0", "AccumulateGrad"])
        XCTAssertEqual(node.nextFunctions[0]!.node.nextFunctions.map { $0?.node.name }, ["AccumulateGrad", "AccumulateGrad"])
    }

    func testHigherOrderGradients() {
        let x = Tensor([2.0]).requiresGrad_()
        let y = (x * x * x).sum()
        let dy = Autograd.grad(outputs: [y], inputs: [x], createGraph: true)[0]!
        XCTAssertEqual(dy.item(), 12)
        let d2y = Autograd.grad(outputs: [dy.sum()], inputs: [x])[0]!
        XCTAssertEqual(d2y.item(), 12)
        XCTAssertNil(x.grad, "autograd.grad leaves .grad alone")
        let t = Tensor([0.3]).requiresGrad_()
        let first = Autograd.grad(t.tanh().sum(), t, createGraph: true)
        let second = Autograd.grad(first.sum(), t)
        let th = Foundation.tanh(0.3)
        XCTAssertEqual(second.item(), -2 * th * (1 - th * th), accuracy: 1e-12)
    }

    func testCustomFunctionMatchesBuiltInReLU() {
        let x = Tensor([Float(-1), 0.5, 2]).requiresGrad_()
        let y = MyReLU.apply(x)
        XCTAssertEqual(y.gradFn!.name, "MyReLUBackward")
        (y * Tensor([Float(1), 2, 3])).sum().backward()
        XCTAssertEqual(y.toArray(as: Float.self), [0, 0.5, 2])
        XCTAssertEqual(x.grad!.toArray(as: Float.self), [0, 2, 3])
    }

    func testGradModeSwitches() {
        let x = Tensor([Float(1)]).requiresGrad_()
        XCTAssertFalse(noGrad { x * 2 }.requiresGrad)
        noGrad { XCTAssertTrue(enableGrad { x * 2 }.requiresGrad) }
        setGradEnabled(false)
        XCTAssertNil((x * 2).gradFn)
        setGradEnabled(true)
        XCTAssertNotNil((x * 2).gradFn)
    }

    func testDetachDataAndRequiresGrad() {
        let w = Tensor([Float.pi, 1]).requiresGrad_()
        (w * w).sum().backward()
        w.data = w.data - 0.1 * w.grad!
        XCTAssertTrue(w.requiresGrad && w.isLeaf)
        XCTAssertEqual(w.toArray(as: Float.self)[1], 0.8, accuracy: 1e-6)
        let d = (w * 2).detach()
        XCTAssertFalse(d.requiresGrad)
        let y = w * 2
        y.detach_()
        XCTAssertTrue(y.isLeaf && !y.requiresGrad)
    }

    func testInPlaceUpdateUnderNoGrad() {
        let w = Tensor([Float(1), 2]).requiresGrad_()
        (w * w).sum().backward()
        let learningRate: Float = 0.5
        noGrad { w -= learningRate * w.grad! }
        XCTAssertEqual(w.toArray(as: Float.self), [0, 0])
    }

    func testRetainGradKeepsNonLeafGradients() {
        let x = Tensor([Float(1), 2]).requiresGrad_()
        let y = x * 3
        y.retainGrad()
        (y * y).sum().backward()
        XCTAssertEqual(y.grad!.toArray(as: Float.self), [6, 12])
    }

    func testDynamicGraphWithWeightSharing() {
        let w = Tensor([Float(0.5)]).requiresGrad_()
        var h = Tensor([Float(1)])
        for _ in 0..<3 { h = h * w }
        h.sum().backward()
        XCTAssertEqual(w.grad!.item(), 3 * 0.25, accuracy: 1e-6)
    }

    func testGradientOfIntegerOutputsIsNotRecorded() {
        let x = Tensor([Float(3), 1]).requiresGrad_()
        let (values, indices) = x.max(dim: 0)
        XCTAssertTrue(values.requiresGrad)
        XCTAssertFalse(indices.requiresGrad)
    }

    /// Hooks and final callbacks as PyTorch 2.15 runs them (the values in the comments are torch's).
    func testGradientHooksAndFinalCallbacksFollowPyTorch() {
        let w = Tensor([Float(1), 2]).requiresGrad_()
        var seen: [[Float]] = []
        let handle = w.registerHook { g in seen.append(g.toArray(as: Float.self)); return g * 10 }
        (w * w).sum().backward()
        XCTAssertEqual(seen, [[2, 4]])                                   // the hook sees 2w
        XCTAssertEqual(w.grad!.toArray(as: Float.self), [20, 40])        // and its result is accumulated
        handle.remove()
        handle.remove()
        w.grad = nil
        (w * w).sum().backward()
        XCTAssertEqual(w.grad!.toArray(as: Float.self), [2, 4], "a removed hook no longer runs")

        let x = Tensor([Float(3)]).requiresGrad_()
        let z = x * 2
        z.retainGrad()
        z.registerHook { $0 + 1 }
        (z * z).sum().backward()
        XCTAssertEqual(z.grad!.toArray(as: Float.self), [13])            // retain_grad sees the hooked gradient
        XCTAssertEqual(x.grad!.toArray(as: Float.self), [26])

        let a = Tensor([Float(1)]).requiresGrad_()
        var order: [String] = []
        a.registerPostAccumulateGradHook { t in order.append("post \(t.grad!.toArray(as: Float.self))") }
        a.registerHook { g in order.append("pre \(g.toArray(as: Float.self))"); return nil }
        let b = a * 3
        b.registerHook { _ in Autograd.queueCallback { order.append("final") }; return nil }
        b.sum().backward()
        XCTAssertEqual(order, ["pre [3.0]", "post [3.0]", "final"])

        let q = Tensor([Float(2)]).requiresGrad_()
        q.registerHook { $0 * 5 }
        XCTAssertEqual(Autograd.grad((q * q).sum(), q).toArray(as: Float.self), [20])   // autograd.grad sees hooks too
        XCTAssertNil(q.grad)
    }
}

import Foundation
