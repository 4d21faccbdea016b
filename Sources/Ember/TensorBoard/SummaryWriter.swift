// `SummaryWriter` (`torch.utils.tensorboard.SummaryWriter`): scalars, histograms, text and images for TensorBoard.
import Foundation
import OrderedCollections

/// Writes TensorBoard event files into `logDir`, as PyTorch's `SummaryWriter` does: the same file names, records and
/// messages, so `tensorboard --logdir` shows Ember's runs beside PyTorch's. Events wait in memory and are written
/// every `maxQueue` events, every `flushSecs` seconds (checked when an event is added), by `flush()` and `close()`,
/// and when the writer is released. `addImage` and `addImages` of tensors come with EmberVision.
///
/// Adding an event never throws: a failure to write is thrown by the next `flush()` or `close()`.
public final class SummaryWriter {
    /// The folder of the event files.
    public let logDir: String
    private let maxQueue: Int, flushSecs: Double, filenameSuffix: String
    private let file: EventFile
    /// `addScalars`' writers, one per series, in `<logDir>/<main tag>_<tag>`.
    private var seriesFiles: [String: EventFile] = [:]
    private var lastFlush = Date()
    private var failure: Error?
    private var closed = false
    private let lock = NSLock()

    /// A writer whose events go to `logDir`, by default `runs/<Mon><day>_<hh>-<mm>-<ss>_<host><comment>` as PyTorch
    /// names it; the folder is made and the event file opened with its version record.
    ///
    /// - Throws: `SummaryWriterError` when the folder or the file cannot be made.
    public init(logDir: String? = nil, comment: String = "", maxQueue: Int = 10, flushSecs: Double = 120,
                filenameSuffix: String = "") throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MMMdd_HH-mm-ss"
        self.logDir = logDir ?? "runs/\(formatter.string(from: Date()))_\(ProcessInfo.processInfo.hostName)\(comment)"
        (self.maxQueue, self.flushSecs, self.filenameSuffix) = (maxQueue, flushSecs, filenameSuffix)
        file = try EventFile(folder: self.logDir, suffix: filenameSuffix)
    }

    deinit { try? close() }

    /// The path of the event file this writer appends to.
    public var eventFilePath: String { file.path }

    /// One point of the series `tag` (`add_scalar`).
    public func addScalar(_ tag: String, _ scalarValue: Double, globalStep: Int? = nil, walltime: Double? = nil) {
        add(to: file, step: globalStep, walltime: walltime) { value in
            value.string(1, tag)
            value.float(2, Float(scalarValue))
        }
    }

    /// One point of several series drawn in one chart (`add_scalars`): each series in its own event file under
    /// `<logDir>/<mainTag>_<tag>`, tagged `mainTag`.
    public func addScalars(_ mainTag: String, _ tagScalarDict: OrderedDictionary<String, Double>, globalStep: Int? = nil,
                           walltime: Double? = nil) {
        for (tag, scalar) in tagScalarDict {
            let folder = (logDir as NSString).appendingPathComponent(mainTag.replacingOccurrences(of: "/", with: "_") + "_" + tag)
            lock.lock()
            var series = seriesFiles[folder]
            if series == nil {
                do {
                    series = try EventFile(folder: folder, suffix: filenameSuffix)
                    seriesFiles[folder] = series
                } catch {
                    failure = failure ?? error
                }
            }
            lock.unlock()
            guard let series else { continue }
            add(to: series, step: globalStep, walltime: walltime) { value in
                value.string(1, mainTag)
                value.float(2, Float(scalar))
            }
        }
    }

    /// A histogram of `values` (`add_histogram`), binned as PyTorch bins it (TensorBoard's default edges unless
    /// `bins` says otherwise). Non-finite values are left out; an empty tensor adds nothing.
    public func addHistogram(_ tag: String, _ values: Tensor, globalStep: Int? = nil, bins: HistogramBins = .tensorflow,
                             walltime: Double? = nil, maxBins: Int? = nil) {
        let finite = values.detach().cpu().to(.float64).reshape([-1]).toArray(as: Double.self).filter(\.isFinite)
        guard !finite.isEmpty else { return }
        let histogram = Histogram(finite, bins: bins, maxBins: maxBins)
        add(to: file, step: globalStep, walltime: walltime) { value in
            value.string(1, tag)
            value.message(5) { proto in
                proto.double(1, histogram.min)
                proto.double(2, histogram.max)
                proto.double(3, histogram.count)
                proto.double(4, histogram.sum)
                proto.double(5, histogram.sumOfSquares)
                proto.packedDoubles(6, histogram.limits)
                proto.packedDoubles(7, histogram.counts)
            }
        }
    }

    /// Text, shown as Markdown (`add_text`): a string tensor under `<tag>/text_summary` for the text plugin.
    public func addText(_ tag: String, _ textString: String, globalStep: Int? = nil, walltime: Double? = nil) {
        add(to: file, step: globalStep, walltime: walltime) { value in
            value.string(1, tag + "/text_summary")
            value.message(8) { tensor in
                tensor.integer(1, 7)   // DT_STRING
                tensor.message(2) { shape in shape.message(2) { dim in dim.integer(1, 1) } }
                tensor.data(8, Array(textString.utf8))
            }
            value.message(9) { metadata in metadata.message(1) { plugin in plugin.string(1, "text") } }
        }
    }

    /// An image already encoded (PNG or JPEG) of `height` × `width` pixels with `channels` channels (`Summary.Image`).
    public func addImage(_ tag: String, encodedImage: [UInt8], height: Int, width: Int, channels: Int, globalStep: Int? = nil,
                         walltime: Double? = nil) {
        add(to: file, step: globalStep, walltime: walltime) { value in
            value.string(1, tag)
            value.message(4) { image in
                image.integer(1, Int64(height))
                image.integer(2, Int64(width))
                image.integer(3, Int64(channels))
                image.data(4, encodedImage)
            }
        }
    }

    /// A value holding only a plugin's metadata (the hparams plugin's summaries).
    func addPluginSummary(_ tag: String, plugin: String, content: [UInt8], globalStep: Int?) {
        add(to: file, step: globalStep, walltime: nil) { value in
            value.string(1, tag)
            value.message(9) { metadata in
                metadata.message(1) { data in
                    data.string(1, plugin)
                    data.data(2, content)
                }
            }
        }
    }

    /// Writes every queued event to disk (`flush`).
    ///
    /// - Throws: `SummaryWriterError` for this write or an earlier one that failed.
    public func flush() throws {
        lock.lock(); defer { lock.unlock() }
        try flushLocked()
    }

    /// Flushes and closes the event files (`close`); later events are dropped.
    public func close() throws {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        try flushLocked()
        try file.close()
        for series in seriesFiles.values { try series.close() }
    }

    private func flushLocked() throws {
        if let failure {
            self.failure = nil
            throw failure
        }
        try file.flush()
        for series in seriesFiles.values { try series.flush() }
        lastFlush = Date()
    }

    /// Queues an event holding one `Summary.Value` (what `value` writes) to `target`, flushing when the queue is full
    /// or `flushSecs` have passed.
    private func add(to target: EventFile, step: Int?, walltime: Double?, _ value: (inout ProtocolBuffer) -> Void) {
        let event = EventFile.event(wallTime: walltime ?? Date().timeIntervalSince1970, step: step) { event in
            event.message(5) { summary in summary.message(1, value) }
        }
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return }
        target.append(event)
        if target.queued >= maxQueue || Date().timeIntervalSince(lastFlush) >= flushSecs {
            do { try flushLocked() } catch { failure = failure ?? error }
        }
    }
}
