// Pooling windows over [planes, H, W] blocks: max (with argmax indices), average, adaptive average.
import CEmberKernels

/// The max of each window and its flat index in the plane.
struct MaxPoolForward: FloatTypeVisitor {
    let input: KernelOperand, output: KernelOperand, indices: KernelOperand?, planes: Int, g: PoolGeometry

    func visit<T: FloatScalar>(_: T.Type) {
        let x = input.pointer(as: T.self), y = output.pointer(as: T.self), ix = indices?.pointer(as: Int64.self), g = self.g
        // With padding, the C loop runs over a copy of the plane framed by -inf (when every window fits in the frame).
        let (paddedH, paddedW) = (g.height + 2 * g.padH, g.width + 2 * g.padW)
        let fits = (g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH < paddedH
            && (g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW < paddedW
        let padded = g.padH > 0 || g.padW > 0
        let window = ember_pool_window(width: Int64(paddedW), outH: Int64(g.outH), outW: Int64(g.outW),
                                       kernelH: Int64(g.kernelH), kernelW: Int64(g.kernelW), strideH: Int64(g.strideH),
                                       strideW: Int64(g.strideW), dilationH: Int64(g.dilationH), dilationW: Int64(g.dilationW))
        withUnsafePointer(to: window) { window in
            parallelFor(planes, grain: 1) { range in
                guard fits else {
                    for p in range {
                        let o = p * g.outH * g.outW
                        for k in 0..<g.outH * g.outW {
                            let (value, position) = maxWindow(x + p * g.height * g.width, k)
                            y[o + k] = value
                            ix?[o + k] = position
                        }
                    }
                    return
                }
                withScratch(T.self, padded ? paddedH * paddedW : 0) { frame in
                    if padded { frame.update(repeating: -.infinity, count: paddedH * paddedW) }
                    for p in range {
                        let plane = x + p * g.height * g.width, o = p * g.outH * g.outW
                        if padded {
                            for row in 0..<g.height {
                                (frame + (row + g.padH) * paddedW + g.padW).update(from: plane + row * g.width, count: g.width)
                            }
                        }
                        let source = padded ? UnsafePointer(frame) : UnsafePointer(plane)
                        if T.self == Float.self {
                            ember_max_pool_plane_f32(UnsafeRawPointer(source).assumingMemoryBound(to: Float.self),
                                                     UnsafeMutableRawPointer(y + o).assumingMemoryBound(to: Float.self), ix.map { $0 + o }, window)
                        } else {
                            ember_max_pool_plane_f64(UnsafeRawPointer(source).assumingMemoryBound(to: Double.self),
                                                     UnsafeMutableRawPointer(y + o).assumingMemoryBound(to: Double.self), ix.map { $0 + o }, window)
                        }
                        // Without indices the maxima stand as they are: a window all -inf inside the plane is -inf either way.
                        guard padded, let ix else { continue }
                        // Positions in the frame back to the plane; a max left on the frame (every value of the window
                        // -inf) takes the window's first position inside the plane, as PyTorch's loop does.
                        for k in 0..<g.outH * g.outW {
                            let (py, px) = Int(ix[o + k]).quotientAndRemainder(dividingBy: paddedW)
                            let (iy, jx) = (py - g.padH, px - g.padW)
                            if iy >= 0 && iy < g.height && jx >= 0 && jx < g.width {
                                ix[o + k] = Int64(iy * g.width + jx)
                            } else {
                                (y[o + k], ix[o + k]) = maxWindow(plane, k)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The max of output `o`'s window over `plane` and its flat position, by PyTorch's loop: from -inf at the
    /// window's first position inside the plane, taking a value when it is larger or NaN (-1 for an empty window).
    private func maxWindow<T: FloatScalar>(_ plane: UnsafeMutablePointer<T>, _ o: Int) -> (T, Int64) {
        let (oy, ox) = o.quotientAndRemainder(dividingBy: g.outW)
        var best = -T.infinity, at = -1
        for ki in 0..<g.kernelH {
            let iy = oy * g.strideH - g.padH + ki * g.dilationH
            if iy < 0 || iy >= g.height { continue }
            for kj in 0..<g.kernelW {
                let jx = ox * g.strideW - g.padW + kj * g.dilationW
                if jx < 0 || jx >= g.width { continue }
                let v = plane[iy * g.width + jx]
                if at < 0 || v > best || v.isNaN { best = v; at = iy * g.width + jx }
            }
        }
        return (best, Int64(at))
    }
}

/// Adds each output gradient to the input position its max came from.
struct MaxPoolBackward: FloatTypeVisitor {
    let gradOutput: KernelOperand, indices: KernelOperand, gradInput: KernelOperand, planes: Int, inPlane: Int, outPlane: Int
    func visit<T: FloatScalar>(_: T.Type) {
        let g = gradOutput.pointer(as: T.self), ix = indices.pointer(as: Int64.self), gi = gradInput.pointer(as: T.self)
        parallelFor(planes, grain: 1) { range in
            for p in range {
                for o in 0..<outPlane where ix[p * outPlane + o] >= 0 {
                    gi[p * inPlane + Int(ix[p * outPlane + o])] += g[p * outPlane + o]
                }
            }
        }
    }
}

/// Average pooling forward (`backward: false`) or its adjoint (`backward: true`), sharing the divisor rule.
struct AvgPool: FloatTypeVisitor {
    let source: KernelOperand, destination: KernelOperand, planes: Int, g: PoolGeometry
    let countIncludePad: Bool, divisorOverride: Int?, backward: Bool
    func visit<T: FloatScalar>(_: T.Type) {
        let s = source.pointer(as: T.self), d = destination.pointer(as: T.self), g = self.g
        let countIncludePad = self.countIncludePad, divisorOverride = self.divisorOverride, backward = self.backward
        parallelFor(planes, grain: 1) { range in
            for p in range {
                for oy in 0..<g.outH {
                    for ox in 0..<g.outW {
                        var y0 = oy * g.strideH - g.padH, x0 = ox * g.strideW - g.padW
                        var y1 = Swift.min(y0 + g.kernelH, g.height + g.padH), x1 = Swift.min(x0 + g.kernelW, g.width + g.padW)
                        let padded = (y1 - y0) * (x1 - x0)
                        y0 = Swift.max(y0, 0); x0 = Swift.max(x0, 0)
                        y1 = Swift.min(y1, g.height); x1 = Swift.min(x1, g.width)
                        let divisor = T(divisorOverride ?? (countIncludePad ? padded : (y1 - y0) * (x1 - x0)))
                        let o = (p * g.outH + oy) * g.outW + ox
                        let base = p * g.height * g.width
                        if backward {
                            let share = s[o] / divisor
                            for iy in y0..<Swift.max(y1, y0) { for jx in x0..<Swift.max(x1, x0) { d[base + iy * g.width + jx] += share } }
                        } else {
                            var total = T.zero
                            for iy in y0..<Swift.max(y1, y0) { for jx in x0..<Swift.max(x1, x0) { total += s[base + iy * g.width + jx] } }
                            d[o] = total / divisor
                        }
                    }
                }
            }
        }
    }
}

/// Adaptive average pooling: bin i of n over a length L spans [⌊iL/n⌋, ⌈(i+1)L/n⌉).
struct AdaptiveAvgPool: FloatTypeVisitor {
    let source: KernelOperand, destination: KernelOperand, planes: Int, height: Int, width: Int, outH: Int, outW: Int, backward: Bool
    func visit<T: FloatScalar>(_: T.Type) {
        let s = source.pointer(as: T.self), d = destination.pointer(as: T.self)
        let (height, width, outH, outW, backward) = (self.height, self.width, self.outH, self.outW, self.backward)
        parallelFor(planes, grain: 1) { range in
            for p in range {
                for oy in 0..<outH {
                    let y0 = oy * height / outH, y1 = ((oy + 1) * height + outH - 1) / outH
                    for ox in 0..<outW {
                        let x0 = ox * width / outW, x1 = ((ox + 1) * width + outW - 1) / outW
                        let count = T((y1 - y0) * (x1 - x0))
                        let o = (p * outH + oy) * outW + ox, base = p * height * width
                        if backward {
                            let share = s[o] / count
                            for iy in y0..<y1 { for jx in x0..<x1 { d[base + iy * width + jx] += share } }
                        } else {
                            var total = T.zero
                            for iy in y0..<y1 { for jx in x0..<x1 { total += s[base + iy * width + jx] } }
                            d[o] = total / count
                        }
                    }
                }
            }
        }
    }
}
