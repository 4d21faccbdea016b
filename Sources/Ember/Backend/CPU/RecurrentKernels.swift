// Recurrent layers as one kernel per sequence: the input side of every step in one GEMM, then per step one
// product of the hidden state and the recurrent weight (packed once per sequence) and one fused pass over the
// cell's gates; backward keeps the gate gradients of every step and forms the weight gradients with one GEMM each.
import CEmberKernels

/// The logistic sigmoid of `count` values in place (vectorised for float32).
private func sigmoid<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ count: Int) {
    if T.self == Float.self {
        let f = UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self)
        return ember_sigmoid_f32(f, f, count)
    }
    for j in 0..<count { x[j] = 1 / (1 + T.exp(-x[j])) }
}

/// tanh of `count` values from `x` into `out` (vectorised for float32); `out` may be `x`.
private func tanh<T: FloatScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ count: Int) {
    if T.self == Float.self {
        return ember_tanh_f32(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                              UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), count)
    }
    for j in 0..<count { out[j] = T.tanh(x[j]) }
}

/// A contiguous operand's typed address, or nil.
private func address<T>(_ operand: KernelOperand?, _: T.Type) -> UnsafeMutablePointer<T>? { operand?.pointer(as: T.self) }

/// The forward pass of `RecurrentPlan` over float32 or float64 operands.
struct RecurrentForward: FloatTypeVisitor {
    let plan: RecurrentPlan
    let input: KernelOperand, h0: KernelOperand, c0: KernelOperand?
    let weights: RecurrentWeights
    let output: KernelOperand, saved: KernelOperand, cells: KernelOperand?

    func visit<T: FloatScalar>(_: T.Type) {
        let (steps, batch, hidden, width) = (plan.steps, plan.batch, plan.hiddenSize, plan.gateWidth)
        let stateCount = batch * hidden
        guard steps > 0, stateCount > 0 else { return }
        let keep = saved.pointer(as: T.self)
        // LSTM and RNN keep exactly their gates, so the pre-activations are formed in `saved` and activated in place;
        // GRU forms them in scratch memory, with the hidden side of each step apart (r scales its n part).
        let separateHidden = plan.cell == .gru
        // Scratch: GRU's pre-activations.
        withScratch(T.self, separateHidden ? (steps + 1) * batch * width : 0) { scratch in
            let gates = separateHidden ? scratch : keep
            let hiddenGates = separateHidden ? gates + steps * batch * width : nil
            let wIh = weights.inputHidden.pointer(as: T.self), wHh = weights.hiddenHidden.pointer(as: T.self)
            gemm(MatrixOperand(input.pointer(as: T.self), leadingDimension: plan.inputSize), MatrixOperand(wIh, leadingDimension: plan.inputSize, transposed: true),
                 gates, m: steps * batch, n: width, k: plan.inputSize)
            addBiases(to: gates, rows: steps * batch, T.self)
            let cell = RecurrentCellStep<T>(plan: plan, hiddenBias: separateHidden ? address(weights.hiddenBias, T.self) : nil)
            let out = output.pointer(as: T.self), cellStates = address(cells, T.self)
            withPackedMatrix(MatrixOperand(wHh, leadingDimension: hidden, transposed: true), k: hidden, n: width) { recurrent in
                for index in 0..<steps {
                    let t = plan.step(index), previous = plan.previousStep(index)
                    let hPrevious = previous.map { out + $0 * stateCount } ?? h0.pointer(as: T.self)
                    let cPrevious = cellStates.flatMap { states in previous.map { states + $0 * stateCount } } ?? address(c0, T.self)
                    let stepGates = gates + t * batch * width
                    recurrent.product(MatrixOperand(hPrevious, leadingDimension: hidden), into: hiddenGates ?? stepGates, m: batch,
                                      accumulate: !separateHidden)
                    cell.forward(gates: stepGates, hiddenGates: hiddenGates, hPrevious: hPrevious, cPrevious: cPrevious,
                                 saved: keep + t * batch * plan.savedWidth, h: out + t * stateCount, c: cellStates.map { $0 + t * stateCount })
                }
            }
        }
    }

    /// Adds the input bias, and but for GRU the hidden bias too, to every row of the gate pre-activations.
    private func addBiases<T: FloatScalar>(to gates: UnsafeMutablePointer<T>, rows: Int, _: T.Type) {
        let width = plan.gateWidth
        let inputBias = address(weights.inputBias, T.self), hiddenBias = plan.cell == .gru ? nil : address(weights.hiddenBias, T.self)
        guard inputBias != nil || hiddenBias != nil else { return }
        parallelFor(rows, grain: max(1, pointwiseGrain / max(1, width))) { range in
            for r in range {
                let row = gates + r * width
                if let inputBias { for j in 0..<width { row[j] += inputBias[j] } }
                if let hiddenBias { for j in 0..<width { row[j] += hiddenBias[j] } }
            }
        }
    }
}

/// The backward pass of `RecurrentPlan`.
struct RecurrentBackward: FloatTypeVisitor {
    let plan: RecurrentPlan
    let input: KernelOperand, h0: KernelOperand, c0: KernelOperand?
    let weights: RecurrentWeights
    let output: KernelOperand, saved: KernelOperand, cells: KernelOperand?
    let gradOutput: KernelOperand, gradH: KernelOperand?, gradC: KernelOperand?
    let gradInput: KernelOperand?, gradH0: KernelOperand, gradC0: KernelOperand?, gradWeights: RecurrentWeights?

    func visit<T: FloatScalar>(_: T.Type) {
        let (steps, batch, hidden, width, inputSize) = (plan.steps, plan.batch, plan.hiddenSize, plan.gateWidth, plan.inputSize)
        let stateCount = batch * hidden, rows = steps * batch
        let carry = gradH0.pointer(as: T.self), cellCarry = address(gradC0, T.self)
        if let gradH { carry.update(from: gradH.pointer(as: T.self), count: stateCount) } else { carry.update(repeating: 0, count: stateCount) }
        if let cellCarry {
            if let gradC { cellCarry.update(from: gradC.pointer(as: T.self), count: stateCount) } else { cellCarry.update(repeating: 0, count: stateCount) }
        }
        // Gate gradients of every step: on the input side, and (GRU only, where they differ) on the hidden side.
        let separateHidden = plan.cell == .gru
        withScratch(T.self, (separateHidden ? 2 : 1) * rows * width) { inputSide in
            let hiddenSide = separateHidden ? inputSide + rows * width : inputSide
            let cell = RecurrentCellStep<T>(plan: plan, hiddenBias: nil)
            let out = output.pointer(as: T.self), keep = saved.pointer(as: T.self), cellStates = address(cells, T.self)
            let wHh = weights.hiddenHidden.pointer(as: T.self), gradOut = gradOutput.pointer(as: T.self)
            withPackedMatrix(MatrixOperand(wHh, leadingDimension: hidden), k: width, n: hidden) { recurrent in
                for index in (0..<steps).reversed() {
                    let t = plan.step(index), previous = plan.previousStep(index)
                    let hPrevious = previous.map { out + $0 * stateCount } ?? h0.pointer(as: T.self)
                    let cPrevious = cellStates.flatMap { states in previous.map { states + $0 * stateCount } } ?? address(c0, T.self)
                    // On return `carry` holds the direct part of the previous state's gradient (GRU) or zeros.
                    cell.backward(saved: keep + t * batch * plan.savedWidth, c: cellStates.map { $0 + t * stateCount },
                                  hPrevious: hPrevious, cPrevious: cPrevious, gradOutput: gradOut + t * stateCount, carry: carry,
                                  cellCarry: cellCarry, inputSide: inputSide + t * batch * width, hiddenSide: hiddenSide + t * batch * width)
                    recurrent.product(MatrixOperand(hiddenSide + t * batch * width, leadingDimension: width), into: carry, m: batch,
                                      accumulate: true)
                }
            }
            let x = input.pointer(as: T.self)
            if let gradInput {
                gemm(MatrixOperand(inputSide, leadingDimension: width), MatrixOperand(weights.inputHidden.pointer(as: T.self), leadingDimension: inputSize),
                     gradInput.pointer(as: T.self), m: rows, n: inputSize, k: width)
            }
            guard let gradWeights else { return }
            gemm(MatrixOperand(inputSide, leadingDimension: width, transposed: true), MatrixOperand(x, leadingDimension: inputSize),
                 gradWeights.inputHidden.pointer(as: T.self), m: width, n: inputSize, k: rows)
            // Σ_t dGates_tᵀ · h_{t-1}: the steps whose previous state is an output in one product, then the first step.
            let gradHh = gradWeights.hiddenHidden.pointer(as: T.self)
            let first = plan.step(0), laterGates = hiddenSide + (plan.reverse ? 0 : batch * width)
            let laterStates = out + (plan.reverse ? stateCount : 0)
            gemm(MatrixOperand(laterGates, leadingDimension: width, transposed: true), MatrixOperand(laterStates, leadingDimension: hidden), gradHh,
                 m: width, n: hidden, k: (steps - 1) * batch)
            gemm(MatrixOperand(hiddenSide + first * batch * width, leadingDimension: width, transposed: true), MatrixOperand(h0.pointer(as: T.self), leadingDimension: hidden),
                 gradHh, m: width, n: hidden, k: batch, accumulate: true)
            let inputBias = address(gradWeights.inputBias, T.self), hiddenBias = address(gradWeights.hiddenBias, T.self)
            if let inputBias { columnSums(inputSide, rows: rows, columns: width, into: inputBias) }
            if let hiddenBias {
                // Both biases add to the same pre-activations unless the GRU's n gate tells them apart.
                if let inputBias, !separateHidden {
                    hiddenBias.update(from: inputBias, count: width)
                } else {
                    columnSums(hiddenSide, rows: rows, columns: width, into: hiddenBias)
                }
            }
        }
    }

    /// out[j] = Σ_r m[r, j], columns split across threads.
    private func columnSums<T: FloatScalar>(_ m: UnsafeMutablePointer<T>, rows: Int, columns: Int, into out: UnsafeMutablePointer<T>) {
        parallelFor(columns, grain: max(64, pointwiseGrain / max(1, rows))) { range in
            let block = out + range.lowerBound
            block.update(repeating: 0, count: range.count)
            for r in 0..<rows {
                let row = m + r * columns + range.lowerBound
                for j in 0..<range.count { block[j] += row[j] }
            }
        }
    }
}

/// The pointwise part of one time step over a batch of rows: gate pre-activations to the new state, and back.
private struct RecurrentCellStep<T: FloatScalar> {
    let plan: RecurrentPlan
    /// GRU's hidden bias, added to the hidden side of its gates in `forward`.
    let hiddenBias: UnsafeMutablePointer<T>?

    /// Rows per parallel task: enough elementwise work to be worth a thread.
    private var grain: Int { max(1, 16_384 / max(1, plan.gateWidth)) }

    /// From the gate pre-activations `gates` (for GRU: of the input side, with the hidden side's product in
    /// `hiddenGates`, its bias not yet added) and the previous state, writes `saved`, `h` and, for LSTM, `c`.
    /// The orders of operations are those of PyTorch's cells.
    func forward(gates: UnsafeMutablePointer<T>, hiddenGates: UnsafeMutablePointer<T>?, hPrevious: UnsafeMutablePointer<T>,
                 cPrevious: UnsafeMutablePointer<T>?, saved: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>,
                 c: UnsafeMutablePointer<T>?) {
        let (hidden, width, savedWidth) = (plan.hiddenSize, plan.gateWidth, plan.savedWidth)
        parallelFor(plan.batch, grain: grain) { range in
            for row in range {
                let keep = saved + row * savedWidth, hOut = h + row * hidden
                switch plan.cell {
                case .tanh, .relu:
                    if plan.cell == .tanh { tanh(keep, keep, hidden) } else { for j in 0..<hidden { keep[j] = Swift.max(keep[j], 0) } }
                    hOut.update(from: keep, count: hidden)
                case .lstm:
                    sigmoid(keep, 2 * hidden)
                    tanh(keep + 2 * hidden, keep + 2 * hidden, hidden)
                    sigmoid(keep + 3 * hidden, hidden)
                    let cp = cPrevious! + row * hidden, cOut = c! + row * hidden
                    let (i, f, g, o) = (keep, keep + hidden, keep + 2 * hidden, keep + 3 * hidden)
                    for j in 0..<hidden { cOut[j] = f[j] * cp[j] + i[j] * g[j] }
                    tanh(cOut, hOut, hidden)
                    for j in 0..<hidden { hOut[j] = o[j] * hOut[j] }
                case .gru:
                    let gx = gates + row * width, gh = hiddenGates! + row * width, hp = hPrevious + row * hidden
                    if let hiddenBias { for j in 0..<width { gh[j] += hiddenBias[j] } }
                    for j in 0..<2 * hidden { keep[j] = gx[j] + gh[j] }
                    sigmoid(keep, 2 * hidden)
                    let (r, z, n, hn) = (keep, keep + hidden, keep + 2 * hidden, keep + 3 * hidden)
                    for j in 0..<hidden {
                        hn[j] = gh[2 * hidden + j]
                        n[j] = gx[2 * hidden + j] + r[j] * hn[j]
                    }
                    tanh(n, n, hidden)
                    for j in 0..<hidden { hOut[j] = n[j] + z[j] * (hp[j] - n[j]) }
                }
            }
        }
    }

    /// From the gradient reaching this step's output (`gradOutput` + `carry`) and its cell state (`cellCarry`),
    /// writes the gate pre-activations' gradients (`inputSide`; `hiddenSide` too for GRU), leaves the previous
    /// cell state's gradient in `cellCarry`, and in `carry` the part of the previous hidden state's gradient that
    /// does not go through the hidden GEMM (GRU's z·dh; zero for the others).
    func backward(saved: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>?, hPrevious: UnsafeMutablePointer<T>,
                  cPrevious: UnsafeMutablePointer<T>?, gradOutput: UnsafeMutablePointer<T>, carry: UnsafeMutablePointer<T>,
                  cellCarry: UnsafeMutablePointer<T>?, inputSide: UnsafeMutablePointer<T>, hiddenSide: UnsafeMutablePointer<T>) {
        let (hidden, width, savedWidth) = (plan.hiddenSize, plan.gateWidth, plan.savedWidth)
        parallelFor(plan.batch, grain: grain) { range in
            for row in range {
                let keep = saved + row * savedWidth, dG = inputSide + row * width
                let dh = carry + row * hidden, dOut = gradOutput + row * hidden
                for j in 0..<hidden { dh[j] += dOut[j] }
                switch plan.cell {
                case .tanh:
                    for j in 0..<hidden { dG[j] = dh[j] * (1 - keep[j] * keep[j]) }
                case .relu:
                    for j in 0..<hidden { dG[j] = keep[j] > 0 ? dh[j] : 0 }
                case .lstm:
                    let (i, f, g, o) = (keep, keep + hidden, keep + 2 * hidden, keep + 3 * hidden)
                    let cp = cPrevious! + row * hidden, dc = cellCarry! + row * hidden
                    let tanhC = dG + 3 * hidden   // scratch until the output gate's gradient overwrites it
                    tanh(c! + row * hidden, tanhC, hidden)
                    if T.self == Float.self {
                        let f = { (p: UnsafeMutablePointer<T>) in UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
                        ember_lstm_gate_gradients_f32(f(keep), f(cp), f(dh), f(dc), f(dG), hidden)
                        break
                    }
                    for j in 0..<hidden {
                        let t = tanhC[j]
                        let dcTotal = dc[j] + dh[j] * o[j] * (1 - t * t)
                        dG[3 * hidden + j] = dh[j] * t * o[j] * (1 - o[j])
                        dG[j] = dcTotal * g[j] * i[j] * (1 - i[j])
                        dG[hidden + j] = dcTotal * cp[j] * f[j] * (1 - f[j])
                        dG[2 * hidden + j] = dcTotal * i[j] * (1 - g[j] * g[j])
                        dc[j] = dcTotal * f[j]
                    }
                case .gru:
                    let (r, z, n, hn) = (keep, keep + hidden, keep + 2 * hidden, keep + 3 * hidden)
                    let hp = hPrevious + row * hidden, dHidden = hiddenSide + row * width
                    for j in 0..<hidden {
                        let dn = dh[j] * (1 - z[j]) * (1 - n[j] * n[j])
                        dG[j] = dn * hn[j] * r[j] * (1 - r[j])
                        dG[hidden + j] = dh[j] * (hp[j] - n[j]) * z[j] * (1 - z[j])
                        dG[2 * hidden + j] = dn
                        dHidden[j] = dG[j]
                        dHidden[hidden + j] = dG[hidden + j]
                        dHidden[2 * hidden + j] = dn * r[j]
                    }
                }
                if plan.cell == .gru {
                    let z = keep + hidden
                    for j in 0..<hidden { dh[j] *= z[j] }
                } else {
                    dh.update(repeating: 0, count: hidden)
                }
            }
        }
    }
}
