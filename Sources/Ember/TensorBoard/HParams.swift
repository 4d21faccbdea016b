// `SummaryWriter.addHParams`: the three summaries of TensorBoard's hparams plugin, as PyTorch's `hparams` builds them.
import Foundation
import OrderedCollections

/// A hyperparameter's value in `addHParams`: a number or a string. A Bool is logged as the number 1 or 0, as
/// PyTorch logs it (Python's bools are ints).
public enum HParamValue: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
                         ExpressibleByBooleanLiteral {
    /// A numeric hyperparameter.
    case number(Double)
    /// A string hyperparameter.
    case string(String)

    /// A number from a literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A number from a literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A string from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A bool from a literal, logged as 1 or 0 as PyTorch logs it.
    public init(booleanLiteral value: Bool) { self = .number(value ? 1 : 0) }

    /// A `google.protobuf.Value`: number_value (2) or string_value (3), written even when 0 or empty (a oneof).
    fileprivate func write(_ value: inout ProtocolBuffer) {
        switch self {
        case .number(let number): value.double(2, number, always: true)
        case .string(let string): value.string(3, string, always: true)
        }
    }

    /// The hparams plugin's `DataType`: DATA_TYPE_FLOAT64 (3) or DATA_TYPE_STRING (1).
    fileprivate var dataType: Int64 {
        if case .string = self { return 1 }
        return 3
    }
}

extension SummaryWriter {
    /// One run's hyperparameters and the metrics they gave (`add_hparams`): in `<logDir>/<runName>` (by default the
    /// time in seconds), the hparams plugin's experiment, session-start and session-end summaries, and each metric as
    /// a scalar, as PyTorch writes them.
    ///
    /// - Throws: `SummaryWriterError` when the run's folder or file cannot be written.
    public func addHParams(_ hparamDict: OrderedDictionary<String, HParamValue>, _ metricDict: OrderedDictionary<String, Double>,
                           hparamDomainDiscrete: [String: [HParamValue]] = [:], runName: String? = nil, globalStep: Int? = nil) throws {
        let run = try SummaryWriter(logDir: (logDir as NSString).appendingPathComponent(runName ?? String(Date().timeIntervalSince1970)))
        let experiment = SummaryWriter.hparamsPluginData { data in
            data.message(2) { experiment in
                for (name, value) in hparamDict {
                    experiment.message(4) { info in
                        info.string(1, name)
                        info.integer(4, value.dataType)
                        if let domain = hparamDomainDiscrete[name] {
                            info.message(5) { list in for item in domain { list.message(1) { item.write(&$0) } } }
                        }
                    }
                }
                for name in metricDict.keys {
                    experiment.message(5) { info in info.message(1) { metric in metric.string(2, name) } }
                }
            }
        }
        let start = SummaryWriter.hparamsPluginData { data in
            data.message(3) { session in
                for (name, value) in hparamDict {
                    session.message(1) { entry in
                        entry.string(1, name)
                        entry.message(2) { value.write(&$0) }
                    }
                }
            }
        }
        let end = SummaryWriter.hparamsPluginData { data in data.message(4) { session in session.integer(1, 1) } }   // STATUS_SUCCESS
        for (tag, content) in [("_hparams_/experiment", experiment), ("_hparams_/session_start_info", start),
                               ("_hparams_/session_end_info", end)] {
            run.addPluginSummary(tag, plugin: "hparams", content: content, globalStep: globalStep)
        }
        for (name, value) in metricDict { run.addScalar(name, value, globalStep: globalStep) }
        try run.close()
    }

    /// A serialized `HParamsPluginData` (version 0) holding what `body` writes.
    private static func hparamsPluginData(_ body: (inout ProtocolBuffer) -> Void) -> [UInt8] {
        var data = ProtocolBuffer()
        body(&data)
        return data.bytes
    }
}
