// A progress bar for training loops (what tqdm is to PyTorch users).
import Foundation

/// A one-line progress bar redrawn in place on standard error: a label, the bar, `done/total`, the rate,
/// the elapsed and remaining time, and a caller-supplied postfix such as the running loss.
///
/// ```swift
/// let bar = ProgressBar(total: loader.count, label: "epoch 1", unit: "img")
/// for batch in loader { …; bar.advance(by: 1, units: 50, postfix: "loss 0.12") }
/// bar.finish()
/// ```
public final class ProgressBar {
    /// The count of steps that fills the bar.
    public let total: Int
    /// Printed before the bar.
    public let label: String
    /// The name of what `units` counts in the rate (`img` gives `img/s`).
    public let unit: String
    /// Steps done so far.
    public private(set) var done = 0
    private var units = 0
    private let start = DispatchTime.now()
    private var lastDraw: UInt64 = 0
    private let width: Int
    private let output: (String) -> Void

    /// A bar at 0 of `total` steps.
    ///
    /// - Parameters:
    ///   - total: the count of steps that fills the bar.
    ///   - label: printed before the bar (`epoch 1/3`).
    ///   - unit: what the rate counts (`img` gives `img/s`).
    ///   - width: characters of the bar itself.
    ///   - output: where lines go; standard error by default.
    public init(total: Int, label: String = "", unit: String = "it", width: Int = 30,
                output: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = Swift.max(total, 0)
        self.label = label
        self.unit = unit
        self.width = width
        self.output = output
    }

    /// Seconds since the bar was created.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Counted units per second so far.
    public var rate: Double { elapsed > 0 ? Double(units) / elapsed : 0 }

    /// Marks `steps` more steps done (and `units` more things processed: images, tokens; `steps` by
    /// default), redrawing at most ten times a second and always at the last step.
    public func advance(by steps: Int = 1, units: Int? = nil, postfix: String = "") {
        done = Swift.min(done + steps, total)
        self.units += units ?? steps
        let now = DispatchTime.now().uptimeNanoseconds
        if done == total || now - lastDraw >= 100_000_000 {
            lastDraw = now
            output("\r" + line(postfix: postfix))
        }
    }

    /// Ends the bar's line, with a last postfix if given.
    public func finish(postfix: String = "") {
        output("\r" + line(postfix: postfix) + "\n")
    }

    /// The bar as text, without the carriage return.
    public func line(postfix: String = "") -> String {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let remaining = rate > 0 && done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        var text = label.isEmpty ? "" : "\(label) "
        text += String(format: "%3d%% |%@| %d/%d [%@<%@, %.0f %@/s]", Int(fraction * 100), bar, done, total,
                       Self.clock(elapsed), Self.clock(remaining), rate, unit)
        return postfix.isEmpty ? text : text + " " + postfix
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
}
