// How Ember stops on a programmer error: a message naming the op, the shapes and the caller.

/// Stops the program with `op: message`, attributed to the caller's file and line.
@inline(never)
func fail(_ op: String, _ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("\(op): \(message)", file: file, line: line)
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
