// CRC-32 (see EmberChecksum.h): libdeflate's carry-less-multiply loop (about 13 GB/s here, zlib's
// table loop about 4), and zlib's crc32_combine to join pieces computed apart; CRC-32C by table.
#include "EmberChecksum.h"
#include <libdeflate.h>
#include <zlib.h>

uint32_t ember_crc32(uint32_t crc, const void *bytes, size_t count) {
    return libdeflate_crc32(crc, bytes, count);
}

uint32_t ember_crc32_combine(uint32_t crcA, uint32_t crcB, size_t countB) {
    return (uint32_t)crc32_combine(crcA, crcB, (z_off_t)countB);
}

/// CRC-32C one byte at a time from a table of the reflected polynomial 0x82F63B78, built on first use (event
/// records are small; a race builds the same table twice).
uint32_t ember_crc32c(uint32_t crc, const void *bytes, size_t count) {
    static uint32_t table[256];
    static int built = 0;
    if (!__atomic_load_n(&built, __ATOMIC_ACQUIRE)) {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        __atomic_store_n(&built, 1, __ATOMIC_RELEASE);
    }
    const unsigned char *p = bytes;
    crc = ~crc;
    for (size_t i = 0; i < count; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
