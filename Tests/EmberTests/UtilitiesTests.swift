import Ember
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

final class UtilitiesTests: XCTestCase {
    func testProgressBarCountsAndDraws() {
        var lines: [String] = []
        let bar = ProgressBar(total: 4, label: "epoch 1", unit: "img", width: 8) { lines.append($0) }
        for _ in 0..<4 { bar.advance(units: 50, postfix: "loss 0.5") }
        bar.finish()
        XCTAssertEqual(bar.done, 4)
        XCTAssertTrue(lines.first!.hasPrefix("\repoch 1  25% |██······| 1/4"), lines.first!)
        XCTAssertTrue(lines.last!.hasSuffix("\n"))
        XCTAssertTrue(lines.last!.contains("100% |████████| 4/4"), lines.last!)
        XCTAssertTrue(lines.last!.contains("img/s"))
        XCTAssertGreaterThan(bar.rate, 0)
        bar.advance(by: 10)
        XCTAssertEqual(bar.done, 4, "never past the total")
    }

    func testLinePlotWritesWellFormedSVG() throws {
        var plot = LinePlot(title: "loss & <accuracy>", xLabel: "epoch", yLabel: "value")
        plot.add("train", [2.3, 1.0, 0.5, .nan, 0.25])
        plot.add("test", [0.9], xs: [3])
        let svg = plot.svg
        XCTAssertTrue(svg.contains("loss &amp; &lt;accuracy&gt;"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2)
        XCTAssertTrue(svg.contains("<circle"), "a one-point series is drawn as a dot")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("curves.svg").path
        try LinePlot.writeSideBySide([plot, plot], to: path)
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertTrue(parser.parse(), "the file is well-formed XML: \(String(describing: parser.parserError))")
        XCTAssertThrowsError(try plot.write(to: folder.appendingPathComponent("missing/plot.svg").path))
    }
}
