// How Ember stops on a programmer error: a message naming the op, the shapes and the caller.

import Foundation

/// Stops the program with `op: message`, attributed to the caller's file and line: a location inside Ember
/// (a module's forward, say) gives way to the innermost call of a module made from outside Ember.
@inline(never)
func fail(_ op: String, _ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let caller = CallSites.outsideEmber(file, line)
    fatalError("\(op): \(message)", file: caller.file, line: caller.line)
}

/// The places, per thread, where code called a module (innermost last), so an error raised inside
/// Ember's layers names the user's line.
enum CallSites {
    typealias Site = (file: StaticString, line: UInt)
    final class Stack { var sites: [Site] = [] }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { $0.map { Unmanaged<Stack>.fromOpaque($0).release() } }
        return key
    }()

    private static var current: Stack {
        if let stored = pthread_getspecific(key) { return Unmanaged<Stack>.fromOpaque(stored).takeUnretainedValue() }
        let stack = Stack()
        pthread_setspecific(key, Unmanaged.passRetained(stack).toOpaque())
        return stack
    }

    /// Runs `body` as called from `file`:`line`.
    @inline(__always)
    static func calling<Result>(from file: StaticString, _ line: UInt, _ body: () -> Result) -> Result {
        let stack = current
        stack.sites.append((file, line))
        defer { stack.sites.removeLast() }
        return body()
    }

    /// `file`:`line` unless it lies inside Ember's own sources; then the innermost recorded call from outside.
    static func outsideEmber(_ file: StaticString, _ line: UInt) -> Site {
        guard isInsideEmber(file) else { return (file, line) }
        return current.sites.last { !isInsideEmber($0.file) } ?? (file, line)
    }

    private static func isInsideEmber(_ file: StaticString) -> Bool {
        let path = file.description
        return path.hasPrefix("Ember/") || path.hasPrefix("EmberVision/")
    }
}

/// Stops with `fail` unless `condition` holds.
@inline(__always)
func check(_ condition: @autoclosure () -> Bool, _ op: String, _ message: @autoclosure () -> String,
           file: StaticString, line: UInt) {
    if !condition() { fail(op, message(), file: file, line: line) }
}

/// Wraps a possibly negative dimension index into `0..<rank` (rank 0 accepts -1 and 0).
func normalizeDim(_ dim: Int, rank: Int, op: String, file: StaticString, line: UInt) -> Int {
    let bound = max(rank, 1)
    check(dim >= -bound && dim < bound, op,
          "Dimension out of range (expected to be in range of [\(-bound), \(bound - 1)], but got \(dim))",
          file: file, line: line)
    return dim < 0 ? dim + bound : dim
}
