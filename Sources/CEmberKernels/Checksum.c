// CRC-32 through zlib (see EmberChecksum.h).
#include "EmberChecksum.h"
#include <zlib.h>

uint32_t ember_crc32(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uLong value = crc;
    while (count > 0) {
        // zlib takes the length as a 32-bit uInt.
        uInt piece = count > (1u << 30) ? (1u << 30) : (uInt)count;
        value = crc32(value, p, piece);
        p += piece;
        count -= piece;
    }
    return (uint32_t)value;
}

uint32_t ember_crc32_combine(uint32_t crcA, uint32_t crcB, size_t countB) {
    return (uint32_t)crc32_combine(crcA, crcB, (z_off_t)countB);
}
