// Batches of Fourier transforms: rows split across threads, each thread with its own scratch memory.

struct FourierTransformKernel: FloatTypeVisitor {
    let transform: FourierTransform
    let source: KernelOperand, destination: KernelOperand

    func visit<T: FloatScalar>(_: T.Type) {
        let n = transform.length, scale = T(transform.scale)
        let output = UnsafeMutableRawPointer(destination.pointer(as: T.self)).bindMemory(to: ComplexValue<T>.self, capacity: 1)
        let input = source.pointer(as: T.self)
        switch transform.kind {
        case .realToComplex:
            let plan = FourierPlans.realPlan(T.self, length: n), bins = n / 2 + 1
            parallelFor(transform.batch, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { rows in
                withScratch(ComplexValue<T>.self, plan.scratchCount) { scratch in
                    for row in rows {
                        let out = output + row * bins
                        plan.forward(input + row * n, inputStride: 1, into: out, scratch: scratch)
                        if scale != 1 { for k in 0..<bins { out[k] *= scale } }
                    }
                }
            }
        case .complexToComplex(let inverse):
            let plan = FourierPlans.plan(T.self, length: n)
            let complexInput = UnsafeMutableRawPointer(input).bindMemory(to: ComplexValue<T>.self, capacity: 1)
            parallelFor(transform.batch, grain: Swift.max(1, 4096 / Swift.max(n, 1))) { rows in
                withScratch(ComplexValue<T>.self, plan.scratchCount) { scratch in
                    for row in rows {
                        let out = output + row * n
                        if out != complexInput + row * n { out.update(from: complexInput + row * n, count: n) }
                        if inverse { plan.inverse(out, scratch: scratch) } else { plan.forward(out, scratch: scratch) }
                        if scale != 1 { for k in 0..<n { out[k] *= scale } }
                    }
                }
            }
        }
    }
}
