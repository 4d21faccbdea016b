// The harness's crash isolation: a case that stops its process fails alone, with the runtime's message.
import Foundation
import XCTest

final class IsolatedCaseRunnerTests: XCTestCase {
    func testACaseThatStopsTheProcessFailsAloneAndTheNextStillRuns() throws {
        #if !os(Linux)
        throw XCTSkip("cases run in worker processes on Linux only")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-isolation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func writeCase(_ name: String, _ expression: String, output: String) throws -> URL {
            let url = folder.appendingPathComponent("\(name).json")
            try """
            {"kind": "op", "name": "\(name)", "op": "expression", "expression": "\(expression)", "inputs": {},
             "outputs": [\(output)]}
            """.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        let scalar = #"{"dtype": "float32", "shape": [2], "data": [0.0, 0.0]}"#
        let files = [try writeCase("stops", "torch.zeros(2).view(3)", output: scalar),
                     try writeCase("passes", "torch.zeros(2)", output: scalar),
                     try writeCase("fails", "torch.ones(2)", output: scalar)]
        let outcomes = try IsolatedCaseRunner.run(files)
        XCTAssertEqual(outcomes.map(\.name), ["stops", "passes", "fails"])
        guard case .failed(let why) = outcomes[0].result else { return XCTFail("the stopping case passed") }
        XCTAssertTrue(why.contains("stopped the process") && why.contains("view"), why)
        guard case .passed = outcomes[1].result else { return XCTFail("the case after a crash did not run: \(outcomes[1])") }
        guard case .failed = outcomes[2].result else { return XCTFail("a wrong value passed") }
    }
}
