// Helpers shared by the unit tests: approximate comparison, a finite-difference gradient check, running a program.
import Ember
import Foundation
import Synchronization
import XCTest

func assertClose(_ actual: Tensor, _ expected: [Double], tolerance: Double = 1e-5,
                 file: StaticString = #filePath, line: UInt = #line) {
    let values = actual.toArray(as: Double.self)
    XCTAssertEqual(values.count, expected.count, "element count", file: file, line: line)
    for (i, (a, e)) in zip(values, expected).enumerated() where Swift.abs(a - e) > tolerance * (1 + Swift.abs(e)) {
        XCTFail("element \(i): \(a) != \(e)", file: file, line: line)
        return
    }
}

/// Compares autograd's gradient of `sum(f(inputs) * weights)` with central differences, in float64.
func gradcheck(_ name: String, _ inputs: [Tensor], epsilon: Double = 1e-6, tolerance: Double = 1e-5,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    let leaves = inputs.map { $0.double().detach().requiresGrad_() }
    let probe = f(leaves)
    // A fixed random weighting makes every output element matter with a different factor.
    let weights = Tensor.linspace(0.5, 1.5, steps: Swift.max(probe.numel, 1), dtype: .float64).reshape(probe.shape)
    let analytic = Autograd.grad(outputs: [(probe * weights).sum()], inputs: leaves, allowUnused: true)
    for (index, leaf) in leaves.enumerated() {
        let flat = leaf.detach().contiguous().toArray(as: Double.self)
        var numeric = [Double](repeating: 0, count: flat.count)
        for i in 0..<flat.count {
            func value(_ delta: Double) -> Double {
                var moved = flat
                moved[i] += delta
                var args = leaves.map { $0.detach() }
                args[index] = Tensor(moved, shape: leaf.shape)
                return noGrad { (f(args) * weights).sum().item() }
            }
            numeric[i] = (value(epsilon) - value(-epsilon)) / (2 * epsilon)
        }
        let got = analytic[index]?.toArray(as: Double.self) ?? [Double](repeating: 0, count: flat.count)
        for i in 0..<flat.count where Swift.abs(got[i] - numeric[i]) > tolerance * (1 + Swift.abs(numeric[i])) {
            XCTFail("\(name): input \(index) element \(i): autograd \(got[i]), finite difference \(numeric[i])",
                    file: file, line: line)
            return
        }
    }
}

/// Runs `executable` with `arguments` (and `environment` added to this process's) to its end: its exit status and
/// what it printed (standard output and error).
func runProcess(_ executable: String, _ arguments: [String],
                environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process(), pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The folders `processFolder` made, removed when the test process exits.
private let processFolders: Mutex<[String]> = {
    atexit { processFolders.withLock { $0.forEach { try? FileManager.default.removeItem(atPath: $0) } } }
    return Mutex([])
}()

/// A new folder in the temporary directory for what the whole test process shares (`<prefix>-<pid>`), removed when
/// the process exits.
func processFolder(_ prefix: String) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())").path
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    processFolders.withLock { $0.append(folder) }
    return folder
}
