// CRC-32 (see EmberChecksum.h): libdeflate's carry-less-multiply loop (about 13 GB/s here, zlib's
// table loop about 4), and zlib's crc32_combine to join pieces computed apart.
#include "EmberChecksum.h"
#include <libdeflate.h>
#include <zlib.h>

uint32_t ember_crc32(uint32_t crc, const void *bytes, size_t count) {
    return libdeflate_crc32(crc, bytes, count);
}

uint32_t ember_crc32_combine(uint32_t crcA, uint32_t crcB, size_t countB) {
    return (uint32_t)crc32_combine(crcA, crcB, (z_off_t)countB);
}
