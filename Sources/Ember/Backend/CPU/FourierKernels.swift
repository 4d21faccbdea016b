// Batches of Fourier transforms: rows split across threads; each thread transforms eight rows at a time, one per
// SIMD lane, and the rows left over one by one, with its own scratch memory.
import CEmberKernels

struct FourierTransformKernel: FloatTypeVisitor {
    let transform: FourierTransform
    let source: KernelOperand, window: KernelOperand?, destination: KernelOperand

    func visit<T: FloatScalar>(_: T.Type) {
        // The lanes need SIMD scalars, which the float kernel types are.
        if T.self == Float.self { run(Float.self) } else { run(Double.self) }
    }

    /// Loads value j < count of eight rows `rowStride` reals apart into the lanes `work[j]`: interleaved complex pairs,
    /// or reals with zero imaginary parts. Float32 rows are transposed eight at a time in C.
    private func gather<T: FloatScalar & SIMDScalar>(_ work: UnsafeMutablePointer<ComplexLanes<T>>, _ rows: UnsafePointer<T>,
                                                     rowStride: Int, count: Int, complex: Bool) {
        if T.self == Float.self {
            let source = UnsafeRawPointer(rows).assumingMemoryBound(to: Float.self)
            let lanes = UnsafeMutableRawPointer(work).assumingMemoryBound(to: Float.self)
            if complex {
                ember_fourier_gather_complex_f32(source, rowStride, count, lanes)
            } else {
                ember_fourier_gather_real_f32(source, rowStride, count, lanes)
            }
        } else if complex {
            for j in 0..<count { work[j] = ComplexLanes.gather(rows, rowStride: rowStride, complexAt: j) }
        } else {
            for j in 0..<count { work[j] = ComplexLanes.gather(rows, rowStride: rowStride, realAt: j) }
        }
    }

    /// Writes the lanes `work[j]`, j < count, to complex value j of eight rows of interleaved pairs.
    private func scatter<T: FloatScalar & SIMDScalar>(_ work: UnsafeMutablePointer<ComplexLanes<T>>, count: Int,
                                                      to rows: UnsafeMutablePointer<T>, rowStride: Int) {
        if T.self == Float.self {
            ember_fourier_scatter_complex_f32(UnsafeRawPointer(work).assumingMemoryBound(to: Float.self), count,
                                              UnsafeMutableRawPointer(rows).assumingMemoryBound(to: Float.self), rowStride)
        } else {
            for j in 0..<count { work[j].scatter(to: rows, rowStride: rowStride, complexAt: j) }
        }
    }

    private func run<T: FloatScalar & SIMDScalar>(_: T.Type) {
        let n = transform.length, scale = T(transform.scale), lanes = ComplexLanes<T>.Lanes.scalarCount
        let output = UnsafeMutableRawPointer(destination.pointer(as: T.self)).bindMemory(to: ComplexValue<T>.self, capacity: 1)
        let outputReals = destination.pointer(as: T.self), input = UnsafePointer(source.pointer(as: T.self))
        // The input's (real, imaginary) pairs, for complex rows.
        let complexInput = UnsafeRawPointer(input).bindMemory(to: ComplexValue<T>.self, capacity: 1)
        // Rows share the lanes in groups of eight; too few rows to fill them run one per thread when each is long.
        let grain = transform.batch < lanes && n >= 4096 ? 1 : Swift.max(lanes, 4096 / Swift.max(n, 1))
        /// Runs `lanesBody(row, scratch)` for each group of eight rows of `rows` from `row`, then `rowBody(row, scratch)` for
        /// each row left, with `count` values of scratch memory.
        func groups(_ rows: Range<Int>, count: Int, lanesBody: (Int, UnsafeMutablePointer<ComplexLanes<T>>) -> Void,
                    rowBody: (Int, UnsafeMutablePointer<ComplexValue<T>>) -> Void) {
            var row = rows.lowerBound
            withScratch(ComplexLanes<T>.self, count) { scratch in
                while row + lanes <= rows.upperBound {
                    lanesBody(row, scratch)
                    row += lanes
                }
            }
            withScratch(ComplexValue<T>.self, count) { scratch in
                for row in row..<rows.upperBound { rowBody(row, scratch) }
            }
        }
        let outputRow = transform.outputLength
        /// Multiplies the outputs of `rows` by the scale.
        func scaled(_ rows: Range<Int>) {
            if scale != 1 { for k in (rows.lowerBound * outputRow)..<(rows.upperBound * outputRow) { output[k] *= scale } }
        }
        switch transform.kind {
        case .realToComplex:
            let plan = FourierPlans.realPlan(T.self, length: n), values = plan.complex.length
            let rowStride = transform.inputRowStride ?? n, weights = window.map { UnsafePointer($0.pointer(as: T.self)) }
            /// Multiplies the `values` samples loaded at `work` by the window (the same products as the samples times
            /// the window before the transform): two per value when the plan packs pairs, else one.
            func applyWindow<E: FourierElement>(to work: UnsafeMutablePointer<E>) where E.Real == T {
                guard let weights else { return }
                if plan.packsPairs {
                    for j in 0..<values { work[j] = work[j].scalingParts(weights[2 * j], weights[2 * j + 1]) }
                } else {
                    for j in 0..<values { work[j] = work[j].scalingParts(weights[j], 1) }
                }
            }
            parallelFor(transform.batch, grain: grain) { rows in
                groups(rows, count: values + plan.scratchCount + outputRow, lanesBody: { row, work in
                    let rowInput = input + row * rowStride, rowOutput = outputReals + 2 * row * outputRow
                    gather(work, rowInput, rowStride: rowStride, count: values, complex: plan.packsPairs)
                    applyWindow(to: work)
                    let results = work + values + plan.scratchCount
                    plan.transform(work, scratch: work + values) { results[$1] = $0 }
                    scatter(results, count: outputRow, to: rowOutput, rowStride: 2 * outputRow)
                }, rowBody: { row, work in
                    let rowInput = input + row * rowStride
                    if plan.packsPairs {
                        work.update(from: UnsafeRawPointer(rowInput).assumingMemoryBound(to: ComplexValue<T>.self), count: values)
                    } else {
                        for j in 0..<values { work[j] = ComplexValue(rowInput[j], 0) }
                    }
                    applyWindow(to: work)
                    let rowOutput = output + row * outputRow
                    plan.transform(work, scratch: work + values) { rowOutput[$1] = $0 }
                })
                scaled(rows)
            }
        case .complexToComplex(let inverse):
            let plan = FourierPlans.plan(T.self, length: n)
            func apply<C: FourierElement>(_ data: UnsafeMutablePointer<C>, _ scratch: UnsafeMutablePointer<C>) where C.Real == T {
                if inverse { plan.inverse(data, scratch: scratch) } else { plan.forward(data, scratch: scratch) }
            }
            parallelFor(transform.batch, grain: grain) { rows in
                groups(rows, count: n + plan.scratchCount, lanesBody: { row, work in
                    gather(work, input + 2 * row * n, rowStride: 2 * n, count: n, complex: true)
                    apply(work, work + n)
                    scatter(work, count: n, to: outputReals + 2 * row * n, rowStride: 2 * n)
                }, rowBody: { row, scratch in
                    let rowOutput = output + row * n
                    if rowOutput != complexInput + row * n { rowOutput.update(from: complexInput + row * n, count: n) }
                    apply(rowOutput, scratch)
                })
                scaled(rows)
            }
        }
    }
}
