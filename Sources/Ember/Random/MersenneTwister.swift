// The 32-bit Mersenne Twister (mt19937), the engine behind PyTorch's CPU generator.

/// mt19937 as in the C++ standard library, seeded the way `std::mt19937(seed)` seeds it.
struct MersenneTwister {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// The 624 words and how many of them have been used since the last twist (624: a twist is due).
    var words: (state: [UInt32], used: Int) { (state, index) }

    /// The engine at a saved position.
    init(state: [UInt32], used: Int) {
        precondition(state.count == 624 && (0...624).contains(used), "mt19937 state: 624 words and a position in 0...624")
        (self.state, index) = (state, used)
    }

    init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 {
            let previous = state[i - 1]
            state[i] = 1812433253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var next = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { next ^= 0x9908_B0DF }
            state[i] = next
        }
        index = 0
    }

    /// The next 32 random bits.
    mutating func next() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}
