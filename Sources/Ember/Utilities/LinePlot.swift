// Loss and accuracy curves as a standalone SVG file.
import Foundation

/// A line chart of one or more series against their step index, written as SVG: axes with ticks, a
/// title, a legend. Made for training curves (`plot.add("train loss", losses)`).
public struct LinePlot {
    /// The title above the chart.
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label beside the y axis.
    public var yLabel: String
    /// The series added so far, with their x values.
    public private(set) var series: [(name: String, values: [Double], xs: [Double])] = []
    /// The SVG's width in pixels.
    public var width = 640.0
    /// The SVG's height in pixels.
    public var height = 400.0

    /// An empty chart with a title and axis labels.
    public init(title: String, xLabel: String = "step", yLabel: String = "") {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Adds a curve; `xs` defaults to 1, 2, 3, …
    public mutating func add(_ name: String, _ values: [Double], xs: [Double]? = nil) {
        series.append((name, values, xs ?? values.indices.map { Double($0 + 1) }))
    }

    private static let colours = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The chart as an SVG document.
    public var svg: String {
        let (left, right, top, bottom) = (64.0, 16.0, 36.0, 48.0)
        let points = series.flatMap { s in zip(s.xs, s.values).filter { $0.1.isFinite } }
        var (xMin, xMax) = (points.map(\.0).min() ?? 0, points.map(\.0).max() ?? 1)
        var (yMin, yMax) = (points.map(\.1).min() ?? 0, points.map(\.1).max() ?? 1)
        if xMax == xMin { xMin -= 1; xMax += 1 }
        if yMax == yMin { yMin -= 1; yMax += 1 }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="20" text-anchor="middle" font-size="14">\(Self.escape(title))</text>
        <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" fill="none" stroke="#444"/>

        """
        for k in 0...4 {
            let fraction = Double(k) / 4
            let y = yMin + fraction * (yMax - yMin), x = xMin + fraction * (xMax - xMin)
            out += "<line x1=\"\(left)\" y1=\"\(py(y))\" x2=\"\(left + plotWidth)\" y2=\"\(py(y))\" stroke=\"#ddd\"/>\n"
            out += "<text x=\"\(left - 6)\" y=\"\(py(y) + 4)\" text-anchor=\"end\">\(Self.tick(y))</text>\n"
            out += "<text x=\"\(px(x))\" y=\"\(top + plotHeight + 16)\" text-anchor=\"middle\">\(Self.tick(x))</text>\n"
        }
        out += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        // the legend sits in the top right corner, sized for its longest name (about 6.6 px a character)
        let legendLeft = left + plotWidth - 34 - 6.6 * Double(series.map(\.name.count).max() ?? 0)
        for (index, s) in series.enumerated() {
            let colour = Self.colours[index % Self.colours.count]
            let path = zip(s.xs, s.values).filter { $0.1.isFinite }
                .map { String(format: "%.2f,%.2f", px($0.0), py($0.1)) }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
            if s.values.count == 1 { out += "<circle cx=\"\(px(s.xs[0]))\" cy=\"\(py(s.values[0]))\" r=\"3\" fill=\"\(colour)\"/>\n" }
            let legendY = top + 14 + Double(index) * 16
            out += "<line x1=\"\(legendLeft)\" y1=\"\(legendY - 4)\" x2=\"\(legendLeft + 20)\" y2=\"\(legendY - 4)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(legendLeft + 26)\" y=\"\(legendY)\">\(Self.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Writes the SVG atomically.
    public func write(to path: String) throws {
        try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(svg.utf8).write(to: $0) }
    }

    /// Writes several plots side by side in one SVG file, atomically.
    public static func writeSideBySide(_ plots: [LinePlot], to path: String) throws {
        let width = plots.map(\.width).reduce(0, +), height = plots.map(\.height).max() ?? 0
        var x = 0.0, body = ""
        for plot in plots {
            body += plot.svg.replacingOccurrences(of: "<svg ", with: "<svg x=\"\(x)\" ")
            x += plot.width
        }
        let document = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">\n\(body)</svg>\n"
        try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(document.utf8).write(to: $0) }
    }

    static func tick(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) { return String(format: "%.1e", value) }
        return String(format: magnitude >= 100 ? "%.0f" : (magnitude >= 1 ? "%.2f" : "%.3f"), value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
