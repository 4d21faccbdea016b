// Text that C functions write into a buffer of ours.

extension String {
    /// The UTF-8 text of `buffer` up to its first NUL (all of it when there is none).
    package init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
