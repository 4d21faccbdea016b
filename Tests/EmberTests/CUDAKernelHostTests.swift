// The generated CUDA C computes what Ember's CPU kernels compute: the pointwise modules, compiled for the host by
// the system's C++ compiler (each kernel run over the shim's grid of host threads), on edge values — negative zero,
// infinities, NaN, division by zero, the integer extremes — compared with the CPU backend's primitives.
@testable import Ember
import Foundation
import XCTest

final class CUDAKernelHostTests: XCTestCase {
    private let floats: [Double] = [-3.5, -1, -0.5, -0.0, 0, 0.25, 0.5, 1, 2.5, 7, .infinity, -.infinity, .nan]
    private let floatsB: [Double] = [2, -1.5, 0.5, 3, -0.0, 0, 1, -2, 0.75, 7, .infinity, 1, .nan]
    private let signed: [Double] = [-7, -1, 0, 1, 3, 5, 100, -100, 7, 2, -128, 127]
    private let signedB: [Double] = [2, -3, 5, 0, -1, 3, 7, -7, 1, 0, -1, 2]
    private let unsigned: [Double] = [0, 1, 3, 5, 100, 200, 255, 7, 9, 12, 128, 254]
    private let unsignedB: [Double] = [2, 3, 5, 0, 1, 3, 7, 255, 1, 0, 128, 2]

    func testFloatUnaryKernelsMatchTheCPU() throws {
        let ops: [FloatUnaryOp] = FloatUnaryOp.cudaKernelCases.filter { $0.cuda.parameters.allSatisfy { $0 == 0 } } + [
            .leakyRelu(slope: 0.1), .softplus(beta: 2, threshold: 3), .elu(alpha: 1.5, scale: 1.1, inputScale: 0.5),
            .hardtanh(min: -1, max: 2), .shrink(lambda: 0.5, soft: true), .shrink(lambda: 0.5, soft: false),
            .threshold(0.3, value: -9), .powScalar(2.5), .powScalar(3), .powScalar(-2),
        ]
        for dtype in CUDAKernelSources.floatTypes {
            try check(CUDAKernelSources.floatUnary(dtype), dtype, ops.map(\.cuda), inputs: [floats]) { x, out, index in
                CPUBackend.host.floatUnary(ops[index], x[0], into: out)
            }
        }
    }

    func testArithmeticUnaryKernelsMatchTheCPU() throws {
        let ops: [ArithmeticUnaryOp] = [.neg, .abs, .sign, .floor, .ceil, .round, .trunc, .relu, .square,
                                        .clamp(min: -1, max: 4), .clamp(min: 2, max: nil), .clamp(min: nil, max: 0)]
        for dtype in CUDAKernelSources.arithmeticTypes {
            try check(CUDAKernelSources.arithmeticUnary(dtype), dtype, ops.map(\.cuda), inputs: [values(dtype)[0]]) { x, out, index in
                CPUBackend.host.arithmeticUnary(ops[index], x[0], into: out)
            }
        }
    }

    func testArithmeticBinaryKernelsMatchTheCPU() throws {
        let ops = ArithmeticBinaryOp.cudaKernelCases.filter { $0 != .addScaled(0) } + [.addScaled(2.5), .addScaled(-1)]
        for dtype in CUDAKernelSources.arithmeticTypes {
            try check(CUDAKernelSources.arithmeticBinary(dtype), dtype, ops.map(\.cuda), inputs: values(dtype)) { x, out, index in
                CPUBackend.host.arithmeticBinary(ops[index], x[0], x[1], into: out)
            }
        }
    }

    func testFloatBinaryComparisonAndBitwiseKernelsMatchTheCPU() throws {
        let floatOps = FloatBinaryOp.cudaKernelCases.filter { $0 != .thresholdBackward(0) } + [.thresholdBackward(0.4)]
        for dtype in CUDAKernelSources.floatTypes {
            try check(CUDAKernelSources.floatBinary(dtype), dtype, floatOps.map(\.cuda), inputs: [floats, floatsB]) { x, out, index in
                CPUBackend.host.floatBinary(floatOps[index], x[0], x[1], into: out)
            }
        }
        for dtype in CUDAKernelSources.arithmeticTypes {
            try check(CUDAKernelSources.compare(dtype), dtype, ComparisonOp.allCases.map(\.cuda), inputs: values(dtype),
                      output: .bool) { x, out, index in
                CPUBackend.host.compare(ComparisonOp.allCases[index], x[0], x[1], into: out)
            }
        }
        let bitwiseOps: [BitwiseOp] = [.and, .or, .xor, .leftShift(bits: 64), .rightShift(bits: 64), .leftShift(bits: 8), .rightShift(bits: 8)]
        try check(CUDAKernelSources.bitwise(), .int64, bitwiseOps.map(\.cuda), inputs: [signed, [2, 1, 0, 63, 64, -1, 3, 9, 1, 0, 7, 8]]) { x, out, index in
            CPUBackend.host.bitwise(bitwiseOps[index], x[0], x[1], into: out)
        }
    }

    // MARK: Harness

    private func values(_ dtype: DType) -> [[Double]] {
        switch dtype {
        case .uint8: return [unsigned, unsignedB]
        case .int8, .int32, .int64: return [signed, signedB]
        default: return [floats, floatsB]
        }
    }

    /// Runs each function's kernel of `module` on the host over `inputs` (of `dtype`) and the CPU's primitive
    /// (`cpu(operands, out, index)`) on the same values, and compares them element by element.
    private func check(_ module: CUDAKernelModule, _ dtype: DType, _ functions: [CUDAPointwiseFunction], inputs: [[Double]],
                       output: DType? = nil, file: StaticString = #filePath, line: UInt = #line,
                       _ cpu: ([KernelOperand], KernelOperand, Int) -> Void) throws {
        let output = output ?? dtype, count = inputs[0].count
        let type = CUDAKernelSources.cType(dtype), outputType = CUDAKernelSources.cType(output)
        var main = "int main() {\n    EmberLayout layout = {};\n    layout.rank = 1; layout.contiguous = 1; layout.size[0] = \(count);\n"
        for (k, values) in inputs.enumerated() {
            main += "    static const \(type) x\(k)[] = {\(values.map(literal).joined(separator: ", "))};\n"
        }
        main += "    \(outputType) out[\(count)];\n"
        for function in functions {
            let parameters = (0..<4).map { literal($0 < function.parameters.count ? function.parameters[$0] : 0) }
            let arguments = (["\(count)", "layout", "out"] + inputs.indices.map { "x\($0)" } + parameters).joined(separator: ", ")
            main += "    ember_launch(\(CUDAKernelSources.kernelName(function, dtype)), \(arguments));\n"
            main += "    for (int i = 0; i < \(count); ++i) printf(\"%.17g \", (double)out[i]);\n    printf(\"\\n\");\n"
        }
        let lines = try runOnHost(module.source + main + "    return 0;\n}\n", name: module.name)
        XCTAssertEqual(lines.count, functions.count, "\(module.name): one line per kernel", file: file, line: line)
        let operands = inputs.map { Tensor($0).to(dtype) }
        for (index, function) in functions.enumerated() where index < lines.count {
            let out = Tensor(uninitializedShape: [count], dtype: output)
            cpu(operands.map(\.operand), out.operand, index)
            let expected = out.toArray(as: Double.self)
            let got = lines[index].split(separator: " ").map { Double(String($0)) ?? .nan }
            let tolerance = dtype == .float32 ? 2e-6 : 1e-13
            for i in 0..<count where !(got[i].isNaN && expected[i].isNaN) {
                let close = got[i] == expected[i] || abs(got[i] - expected[i]) <= tolerance * max(1, abs(expected[i]))
                let sameZero = got[i] != 0 || got[i].sign == expected[i].sign
                if !close || !sameZero {
                    XCTFail("\(module.name) \(function.name) \(function.parameters) at x = \(inputs.map { $0[i] }): "
                            + "CUDA C gives \(got[i]), the CPU \(expected[i])", file: file, line: line)
                }
            }
        }
    }

    private func literal(_ value: Double) -> String {
        if value.isNaN { return "NAN" }
        if value.isInfinite { return value < 0 ? "-INFINITY" : "INFINITY" }
        let negativeZero = value == 0 && value.sign == .minus
        return value == value.rounded() && abs(value) < 1e15 && !negativeZero ? "\(Int(value))" : "\(value)"
    }

    /// Compiles `source` after the host shim with `c++` and returns the lines it prints.
    private func runOnHost(_ source: String, name: String) throws -> [String] {
        let folder = URL(fileURLWithPath: try CUDATests.temporaryFolder(self))
        let sourceFile = folder.appendingPathComponent("\(name).cpp"), program = folder.appendingPathComponent(name)
        try (HostKernelLauncher.shim + source).write(to: sourceFile, atomically: true, encoding: .utf8)
        let compile = try runProcess("/usr/bin/env", ["c++", "-std=c++20", "-O1", "-pthread", "-o", program.path, sourceFile.path])
        guard compile.status == 0 else {
            XCTFail("\(name) does not compile for the host:\n\(compile.output.prefix(3000))")
            return []
        }
        return try runProcess(program.path, []).output.split(separator: "\n").map(String.init)
    }
}
