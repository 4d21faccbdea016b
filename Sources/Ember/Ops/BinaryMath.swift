// Binary and ternary pointwise math beyond the arithmetic operators: fmod, fmax/fmin, hypot, copysign,
// logaddexp, lerp, addcmul/addcdiv, clampMin/clampMax with tensors, rsub, floatPower, heaviside, with
// PyTorch's gradients and node names (a Swift number operand selects PyTorch's `Scalar` overload's node).

extension Tensor {
    /// C's `fmod`: the remainder with the sign of the dividend (`torch.fmod`).
    public func fmod(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        modulo(other, .fmod, quotient: .trunc, opName: "fmod", nodeName: "FmodBackward", file: file, line: line)
    }

    /// The larger of two tensors, elementwise, ignoring a NaN operand (`torch.fmax`).
    public func fmax(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        selecting(other, .fmax, opName: "fmax", nodeName: "FmaxBackward0", file: file, line: line) { ($0 .>= $1).logicalOr($1.isnan()) }
    }

    /// The smaller of two tensors, elementwise, ignoring a NaN operand (`torch.fmin`).
    public func fmin(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        selecting(other, .fmin, opName: "fmin", nodeName: "FminBackward0", file: file, line: line) { ($0 .<= $1).logicalOr($1.isnan()) }
    }

    /// A binary op whose result is one of its operands: the gradient goes to self where `selectsSelf(self, other)`,
    /// to other elsewhere.
    private func selecting(_ other: Tensor, _ op: ArithmeticBinaryOp, opName: String, nodeName: String, file: StaticString, line: UInt,
                           selectsSelf: @escaping (Tensor, Tensor) -> Tensor) -> Tensor {
        let out = Tensor.arithmetic(self, other, op, name: opName, file: file, line: line)
        if needsGrad(self, other) {
            record(nodeName, inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                let fromSelf = selectsSelf(self, other)
                let zero = Tensor.zeros([], dtype: g[0].dtype)
                return [self.requiresGrad ? Tensor.where(fromSelf, g[0], zero).sumTo(self) : nil,
                        other.requiresGrad ? Tensor.where(fromSelf, zero, g[0]).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `sqrt(self² + other²)` without overflow (`torch.hypot`).
    public func hypot(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(self, other, op: "hypot", file: file, line: line)
        let out = Tensor.floatBinary(self, other, .hypot)
        if needsGrad(self, other) {
            let result = out.detach()
            record("HypotBackward0", inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? (g[0] * self / result).sumTo(self) : nil,
                 other.requiresGrad ? (g[0] * other / result).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `|self|` with the sign of `other`, -0.0 included (`torch.copysign`).
    public func copysign(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(self, other, op: "copysign", file: file, line: line)
        let out = Tensor.floatBinary(self, other, .copysign)
        if needsGrad(self, other) {
            let result = out.detach()
            record(other.isWrappedNumber ? "CopysignBackward1" : "CopysignBackward0", inputs: [self, other], outputs: [out],
                   saving: [SavedTensor(self)]) { [self] g in
                [self.requiresGrad ? (g[0] * (result / self).maskedFill(self .== 0, 0)).sumTo(self) : nil,
                 other.requiresGrad ? other.zerosLike(dtype: g[0].dtype) : nil]
            }
        }
        return out
    }

    /// `log(e^self + e^other)` without overflow (`torch.logaddexp`).
    public func logaddexp(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        logAddExp(other, .logaddexp, "LogaddexpBackward0", file: file, line: line) { ($0).exp() }
    }

    /// `log2(2^self + 2^other)` without overflow (`torch.logaddexp2`).
    public func logaddexp2(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        logAddExp(other, .logaddexp2, "Logaddexp2Backward0", file: file, line: line) { ($0).exp2() }
    }

    private func logAddExp(_ other: Tensor, _ op: FloatBinaryOp, _ name: String, file: StaticString, line: UInt,
                           power: @escaping (Tensor) -> Tensor) -> Tensor {
        _ = Tensor.broadcastShape(self, other, op: name, file: file, line: line)
        let out = Tensor.floatBinary(self, other, op)
        if needsGrad(self, other) {
            record(name, inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? (g[0] / (1 + power(other - self))).sumTo(self) : nil,
                 other.requiresGrad ? (g[0] / (1 + power(self - other))).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `self + weight * (end - self)` (`torch.lerp`); a tensor weight is differentiable too.
    public func lerp(_ end: Tensor, _ weight: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(self, end, op: "lerp", file: file, line: line)
        let out = noGrad { self + weight * (end - self) }
        if needsGrad(self, end, weight) {
            let scalarWeight = weight.isWrappedNumber
            record(scalarWeight ? "LerpBackward0" : "LerpBackward1", inputs: [self, end, weight], outputs: [out],
                   saving: [SavedTensor(self), SavedTensor(end), SavedTensor(weight)]) { [self] g in
                [self.requiresGrad ? (g[0] * (1 - weight)).sumTo(self) : nil,
                 end.requiresGrad ? (g[0] * weight).sumTo(end) : nil,
                 weight.requiresGrad && !scalarWeight ? (g[0] * (end - self)).sumTo(weight) : nil]
            }
        }
        return out
    }

    /// `self + value * tensor1 * tensor2` (`torch.addcmul`).
    public func addcmul(_ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(tensor1, tensor2, op: "addcmul", file: file, line: line)
        let out = noGrad { self + value * tensor1 * tensor2 }
        if needsGrad(self, tensor1, tensor2) {
            record("AddcmulBackward0", inputs: [self, tensor1, tensor2], outputs: [out],
                   saving: [SavedTensor(tensor1), SavedTensor(tensor2)]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil,
                 tensor1.requiresGrad ? (g[0] * tensor2 * value).sumTo(tensor1) : nil,
                 tensor2.requiresGrad ? (g[0] * tensor1 * value).sumTo(tensor2) : nil]
            }
        }
        return out
    }

    /// `self + value * tensor1 / tensor2` (`torch.addcdiv`).
    public func addcdiv(_ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(tensor1, tensor2, op: "addcdiv", file: file, line: line)
        let out = noGrad { self + value * tensor1 / tensor2 }
        if needsGrad(self, tensor1, tensor2) {
            record("AddcdivBackward0", inputs: [self, tensor1, tensor2], outputs: [out],
                   saving: [SavedTensor(tensor1), SavedTensor(tensor2)]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil,
                 tensor1.requiresGrad ? (g[0] * value / tensor2).sumTo(tensor1) : nil,
                 tensor2.requiresGrad ? (-g[0] * value * tensor1 / (tensor2 * tensor2)).sumTo(tensor2) : nil]
            }
        }
        return out
    }

    /// `max(self, min)` elementwise with a tensor bound, differentiable in both (`torch.clamp_min`).
    public func clampMin(_ min: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        selecting(min, .maximum, opName: "clamp_min", nodeName: "ClampMinBackward1", file: file, line: line) {
            ($0 .>= $1).logicalOr($0.isnan())
        }
    }

    /// `min(self, max)` elementwise with a tensor bound, differentiable in both (`torch.clamp_max`).
    public func clampMax(_ max: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        selecting(max, .minimum, opName: "clamp_max", nodeName: "ClampMaxBackward1", file: file, line: line) {
            ($0 .<= $1).logicalOr($0.isnan())
        }
    }

    /// `max(self, min)` (`torch.clamp_min`).
    public func clampMin(_ min: Double) -> Tensor { clamp(min: min, name: "ClampMinBackward0") }
    /// `min(self, max)` (`torch.clamp_max`).
    public func clampMax(_ max: Double) -> Tensor { clamp(max: max, name: "ClampMaxBackward0") }

    /// `other - alpha * self` (`torch.rsub`).
    public func rsub(_ other: Tensor, alpha: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = noGrad { other.sub(self, alpha: alpha, file: file, line: line) }
        if needsGrad(self, other) {
            record(other.isWrappedNumber ? "RsubBackward1" : "RsubBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? (-alpha * g[0]).sumTo(self) : nil, other.requiresGrad ? g[0].sumTo(other) : nil]
            }
        }
        return out
    }

    /// `self ** exponent` computed in float64 (`torch.float_power`).
    public func floatPower(_ exponent: Tensor) -> Tensor {
        exponent.isWrappedNumber ? to(.float64).pow(exponent.item()) : to(.float64).pow(exponent.to(.float64))
    }

    /// The Heaviside step: 0 below zero, 1 above, `values` at zero (`torch.heaviside`); not differentiable.
    public func heaviside(_ values: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = resultType(self, values)
        return noGrad {
            Tensor.where(self .== 0, values.to(type), (self .> 0).to(type))
        }
    }

    /// The tensor itself (`torch.positive`).
    public func positive() -> Tensor { self }
}

/// `torch.fmod`.
public func fmod(_ a: Tensor, _ b: Tensor) -> Tensor { a.fmod(b) }
/// `torch.hypot`.
public func hypot(_ a: Tensor, _ b: Tensor) -> Tensor { a.hypot(b) }
/// `torch.lerp`.
public func lerp(_ start: Tensor, _ end: Tensor, _ weight: Tensor) -> Tensor { start.lerp(end, weight) }
/// `torch.addcmul`.
public func addcmul(_ input: Tensor, _ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1) -> Tensor {
    input.addcmul(tensor1, tensor2, value: value)
}
/// `torch.addcdiv`.
public func addcdiv(_ input: Tensor, _ tensor1: Tensor, _ tensor2: Tensor, value: Double = 1) -> Tensor {
    input.addcdiv(tensor1, tensor2, value: value)
}
