// Runs golden case files in child processes (this test bundle, started on its worker test), so a case that
// stops the process (a failed precondition, a memory error) or hangs fails alone and the others still report.
import Dispatch
import Foundation
import Synchronization

enum IsolatedCaseRunner {
    /// How long a case may run before it counts as hung.
    static let caseTimeout: TimeInterval = 120

    /// A worker's assignment: the case files to run in order, and the log it reports each one in.
    struct Job {
        static let listVariable = "EMBER_GOLDEN_WORKER_LIST"
        static let logVariable = "EMBER_GOLDEN_WORKER_LOG"
        let files: [URL]
        let log: URL

        static func fromEnvironment() -> Job? {
            let environment = ProcessInfo.processInfo.environment
            guard let list = environment[listVariable], let log = environment[logVariable],
                  let text = try? String(contentsOfFile: list, encoding: .utf8) else { return nil }
            return Job(files: text.split(separator: "\n").map { URL(fileURLWithPath: String($0)) },
                       log: URL(fileURLWithPath: log))
        }

        /// Runs the cases, logging `start` before each and `done<TAB>name<TAB>failure` (empty when it passed)
        /// after it, each line written through at once so that the parent sees how far a crashed worker got.
        func work() {
            guard let handle = try? FileHandle(forWritingTo: log) else { return }
            for url in files {
                handle.write(Data("start\n".utf8))
                let (name, result) = runCaseFile(url)
                var failure = ""
                if case .failed(let why) = result { failure = why.isEmpty ? "failed" : why }
                handle.write(Data("done\t\(Job.field(name))\t\(Job.field(failure))\n".utf8))
            }
            try? handle.close()
        }

        static func field(_ text: String) -> String {
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\t", with: " ")
        }

        static func unfield(_ text: Substring) -> String {
            var result = "", escaped = false
            for ch in text {
                if escaped { result.append(ch == "n" ? "\n" : ch); escaped = false } else if ch == "\\" { escaped = true } else { result.append(ch) }
            }
            return result
        }
    }

    /// The outcome of every file, in order, from as many workers as there are processors.
    /// `environment` is added to the workers' (a nil value removes a variable).
    static func run(_ files: [URL], environment: [String: String?] = [:]) throws -> [(name: String, result: CaseOutcome)] {
        #if os(Linux)
        let workers = Swift.max(1, Swift.min(ProcessInfo.processInfo.activeProcessorCount, 8, files.count))
        let chunkSize = (files.count + workers - 1) / Swift.max(workers, 1)
        let results = Mutex([[(name: String, result: CaseOutcome)]](repeating: [], count: workers))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let chunk = Array(files[Swift.min(w * chunkSize, files.count)..<Swift.min((w + 1) * chunkSize, files.count)])
            let outcomes = runInWorkers(chunk, environment: environment)
            results.withLock { $0[w] = outcomes }
        }
        return results.withLock { $0.flatMap { $0 } }
        #else
        return files.map(runCaseFile)   // elsewhere the cases run in this process
        #endif
    }

    /// Runs `files` in a worker process, starting a new one after each case that stopped or hung one.
    static func runInWorkers(_ files: [URL], environment: [String: String?]) -> [(name: String, result: CaseOutcome)] {
        var outcomes: [(name: String, result: CaseOutcome)] = []
        while outcomes.count < files.count {
            let remaining = Array(files[outcomes.count...])
            let (reports, stopReason) = runWorker(remaining, environment: environment)
            outcomes += reports
            if outcomes.count < files.count {
                // The case after the last report started and did not finish: it stopped the worker.
                outcomes.append((files[outcomes.count].deletingPathExtension().lastPathComponent, .failed(stopReason)))
            }
        }
        return outcomes
    }

    /// One worker process over `files`: the cases it reported, and why it stopped early if it did.
    static func runWorker(_ files: [URL], environment extra: [String: String?]) -> (reports: [(name: String, result: CaseOutcome)], stopReason: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("cases"), log = folder.appendingPathComponent("log")
        let errors = folder.appendingPathComponent("stderr")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try files.map(\.path).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
            for file in [log, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        } catch {
            return ([], "could not prepare a worker: \(error)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["GoldenTests.GoldenTests/testGoldenCaseWorker"]
        var environment = ProcessInfo.processInfo.environment
        environment[Job.listVariable] = list.path
        environment[Job.logVariable] = log.path
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try? FileHandle(forWritingTo: errors)
        do { try process.run() } catch { return ([], "could not start a worker: \(error)") }

        // Wait, and stop a worker whose log has not grown for `caseTimeout`.
        var lastSize = -1, lastChange = Date(), hung = false
        while process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            let size = (try? FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int) ?? 0
            if size != lastSize { (lastSize, lastChange) = (size, Date()) }
            if Date().timeIntervalSince(lastChange) > caseTimeout {
                hung = true
                process.terminate()
                break
            }
        }
        process.waitUntilExit()

        let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n")
        let reports = lines.filter { $0.hasPrefix("done\t") }.map { line -> (name: String, result: CaseOutcome) in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let failure = fields.count > 2 ? Job.unfield(fields[2]) : ""
            return (Job.unfield(fields[1]), failure.isEmpty ? .passed : .failed(failure))
        }
        if hung { return (reports, "did not finish within \(Int(caseTimeout)) s") }
        // The runtime's own line ("Fatal error: …", "Precondition failed: …") says why; a backtrace follows it.
        let errorLines = ((try? String(contentsOf: errors, encoding: .utf8)) ?? "").split(separator: "\n").filter { !$0.isEmpty }
        let message = errorLines.first { $0.contains("error:") || $0.contains("failed:") || $0.contains("Crash") }
            .map(String.init) ?? errorLines.prefix(2).joined(separator: " / ")
        return (reports, "stopped the process (exit \(process.terminationStatus)): \(message)")
    }
}
