// CRC-32 (the zip checksum) through libdeflate, several times faster than a table loop, in pieces
// that threads can compute apart and combine; and CRC-32C for TensorBoard's event files.
#ifndef EMBER_CHECKSUM_H
#define EMBER_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/// The CRC-32 of `count` bytes, continuing from `crc` (0 to start).
uint32_t ember_crc32(uint32_t crc, const void *bytes, size_t count);

/// The CRC-32 of a block A followed by a block B of `countB` bytes, from the CRC-32s of each.
uint32_t ember_crc32_combine(uint32_t crcA, uint32_t crcB, size_t countB);

/// The CRC-32C (Castagnoli, the polynomial TFRecord files use; libdeflate's CRC-32 is another) of `count` bytes,
/// continuing from `crc` (0 to start).
uint32_t ember_crc32c(uint32_t crc, const void *bytes, size_t count);

#endif
