// Batches of Fourier transforms: rows split across threads; each thread transforms eight rows at a time, one per
// SIMD lane, and the rows left over one by one, with its own scratch memory.

struct FourierTransformKernel: FloatTypeVisitor {
    let transform: FourierTransform
    let source: KernelOperand, destination: KernelOperand

    func visit<T: FloatScalar>(_: T.Type) {
        // The lanes need SIMD scalars, which the float kernel types are.
        if T.self == Float.self { run(Float.self) } else { run(Double.self) }
    }

    private func run<T: FloatScalar & SIMDScalar>(_: T.Type) {
        let n = transform.length, scale = T(transform.scale), lanes = ComplexLanes<T>.Lanes.scalarCount
        let output = UnsafeMutableRawPointer(destination.pointer(as: T.self)).bindMemory(to: ComplexValue<T>.self, capacity: 1)
        let input = source.pointer(as: T.self)
        let grain = Swift.max(lanes, 4096 / Swift.max(n, 1))
        switch transform.kind {
        case .realToComplex:
            let plan = FourierPlans.realPlan(T.self, length: n), bins = n / 2 + 1
            parallelFor(transform.batch, grain: grain) { rows in
                var row = rows.lowerBound
                withScratch(ComplexLanes<T>.self, plan.laneScratchCount) { scratch in
                    while row + lanes <= rows.upperBound {
                        plan.forwardEight(input + row * n, inputRowStride: n, into: output + row * bins, outputRowStride: bins,
                                          scratch: scratch)
                        row += lanes
                    }
                }
                withScratch(ComplexValue<T>.self, plan.scratchCount) { scratch in
                    for row in row..<rows.upperBound {
                        plan.forward(input + row * n, inputStride: 1, into: output + row * bins, scratch: scratch)
                    }
                }
                if scale != 1 { for k in (rows.lowerBound * bins)..<(rows.upperBound * bins) { output[k] *= scale } }
            }
        case .complexToComplex(let inverse):
            let plan = FourierPlans.plan(T.self, length: n)
            let complexInput = UnsafeMutableRawPointer(input).bindMemory(to: ComplexValue<T>.self, capacity: 1)
            func apply<C: FourierElement>(_ data: UnsafeMutablePointer<C>, _ scratch: UnsafeMutablePointer<C>) where C.Real == T {
                if inverse { plan.inverse(data, scratch: scratch) } else { plan.forward(data, scratch: scratch) }
            }
            parallelFor(transform.batch, grain: grain) { rows in
                var row = rows.lowerBound
                withScratch(ComplexLanes<T>.self, n + plan.scratchCount) { scratch in
                    while row + lanes <= rows.upperBound {
                        let work = scratch, source = input + 2 * row * n
                        let out = UnsafeMutableRawPointer(output + row * n).assumingMemoryBound(to: T.self)
                        for j in 0..<n {
                            let real: ComplexLanes<T>.Lanes = ComplexLanes.gather(source, rowStride: 2 * n, 2 * j)
                            let imaginary: ComplexLanes<T>.Lanes = ComplexLanes.gather(source, rowStride: 2 * n, 2 * j + 1)
                            work[j] = ComplexLanes(x: real, y: imaginary)
                        }
                        apply(work, scratch + n)
                        for j in 0..<n {
                            ComplexLanes.scatter(work[j].x, to: out, rowStride: 2 * n, 2 * j)
                            ComplexLanes.scatter(work[j].y, to: out, rowStride: 2 * n, 2 * j + 1)
                        }
                        row += lanes
                    }
                }
                withScratch(ComplexValue<T>.self, plan.scratchCount) { scratch in
                    for row in row..<rows.upperBound {
                        let out = output + row * n
                        if out != complexInput + row * n { out.update(from: complexInput + row * n, count: n) }
                        apply(out, scratch)
                    }
                }
                if scale != 1 { for k in (rows.lowerBound * n)..<(rows.upperBound * n) { output[k] *= scale } }
            }
        }
    }
}
