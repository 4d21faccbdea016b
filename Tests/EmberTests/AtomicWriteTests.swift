// Atomic writes under faults: a save ended by SIGTERM or SIGINT leaves no temporary file, the next save
// sweeps the temporaries of writers that were killed outright, and a failing write removes its own.
import Ember
import Foundation
import XCTest

final class AtomicWriteTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func temporaries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
    }

    /// The pid of a process that has exited.
    private func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testTheNextSaveSweepsTemporariesOfKilledWriters() throws {
        let path = folder.appendingPathComponent("model.pt").path
        let dead = try deadProcessID()
        let stale = ".model.pt.\(dead).12345.tmp", live = ".model.pt.\(getpid()).777.tmp", other = ".other.pt.\(dead).1.tmp"
        for name in [stale, live, other] { try Data([1, 2, 3]).write(to: folder.appendingPathComponent(name)) }
        try Ember.save(Tensor([1.0, 2.0]), to: path)
        XCTAssertEqual(try temporaries().sorted(), [live, other].sorted(), "only the dead writer's temporary of this name goes")
        XCTAssertEqual((try Ember.load(path) as Tensor).toArray(as: Double.self), [1, 2])
    }

    func testAFailingWriteRemovesItsTemporaryAndKeepsTheOldFile() throws {
        let url = folder.appendingPathComponent("log.txt")
        try Data("old".utf8).write(to: url)
        struct Interrupted: Error {}
        XCTAssertThrowsError(try Ember.writeAtomically(to: url) { temporary in
            try Data("half".utf8).write(to: temporary)
            throw Interrupted()
        })
        XCTAssertEqual(try temporaries(), [])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old")
    }

    func testASaveEndedBySIGTERMOrSIGINTLeavesNoTemporary() throws {
        for signal in [SIGTERM, SIGINT] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["EmberTests.AtomicWriteTests/testSaveUntilKilledWorker"]
            process.environment = ProcessInfo.processInfo.environment.merging(["EMBER_SAVE_WORKER_FOLDER": folder.path]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until a save is under way: its temporary file exists.
            let deadline = Date().addingTimeInterval(60)
            while try temporaries().isEmpty && process.isRunning && Date() < deadline { usleep(2_000) }
            XCTAssertFalse(try temporaries().isEmpty, "the worker never started a save")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            XCTAssertEqual(process.terminationStatus, signal)
            XCTAssertEqual(try temporaries(), [], "signal \(signal) left a temporary file")
        }
    }

    /// A file that is missing, a folder, or present but unreadable: each says which, in a sentence.
    func testUnreadableFilesAreToldApartFromMissingOnes() throws {
        func message(_ path: String) -> String {
            do { _ = try Ember.load(path) as Tensor; return "loaded" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(folder.appendingPathComponent("none.pt").path).contains("no such file"))
        XCTAssertTrue(message(folder.path).contains("a folder, not a file"))
        let locked = folder.appendingPathComponent("locked.pt").path
        try Ember.save(Tensor([1.0]), to: locked)
        chmod(locked, 0)
        if geteuid() != 0 {   // root reads anything
            XCTAssertTrue(message(locked).contains("exists but cannot be read (Permission denied)"), message(locked))
        }
        // A write into a folder that does not exist says so, without a Foundation dump.
        do {
            try Ember.save(Tensor([1.0]), to: folder.appendingPathComponent("missing/x.pt").path)
            XCTFail("saved into a missing folder")
        } catch {
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
            XCTAssertFalse("\(error)".contains("Domain="), "\(error)")
        }
    }

    /// Runs only in the worker process of the test above: saves a 32 MB tensor over and over.
    func testSaveUntilKilledWorker() throws {
        guard let path = ProcessInfo.processInfo.environment["EMBER_SAVE_WORKER_FOLDER"] else {
            throw XCTSkip("runs only as the worker process of testASaveEndedBySIGTERMOrSIGINTLeavesNoTemporary")
        }
        let tensor = Tensor.zeros([8 << 20])
        while true { try Ember.save(tensor, to: path + "/big.pt") }
    }
}
