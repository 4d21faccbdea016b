#ifndef EMBER_IMAGE_CODECS_H
#define EMBER_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// An 8-bit image decoded into rows of interleaved channels (1: gray, 3: RGB, 4: RGBA).
typedef struct {
    uint8_t *pixels; /* malloc'ed; free with ember_image_free */
    int width;
    int height;
    int channels;
} EmberDecodedImage;

/// Decodes PNG bytes, keeping gray as 1 channel, RGB as 3, RGBA as 4 (palettes expand; 16-bit drops to 8).
/// Returns 0, or -1 with a message of at most `message_capacity` bytes.
int ember_png_decode(const uint8_t *bytes, size_t count, EmberDecodedImage *image, char *message, size_t message_capacity);

/// Encodes 8-bit pixels (1, 3 or 4 channels) as PNG into a malloc'ed buffer.
int ember_png_encode(const uint8_t *pixels, int width, int height, int channels, uint8_t **out, size_t *out_count,
                     char *message, size_t message_capacity);

/// Decodes JPEG bytes into gray (1 channel) or RGB (3 channels).
int ember_jpeg_decode(const uint8_t *bytes, size_t count, EmberDecodedImage *image, char *message, size_t message_capacity);

/// Encodes 8-bit gray or RGB pixels as baseline JPEG at `quality` (1–100) into a malloc'ed buffer.
int ember_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, uint8_t **out,
                      size_t *out_count, char *message, size_t message_capacity);

/// Inflates a whole gzip stream into a malloc'ed buffer (concatenated members included).
int ember_gunzip(const uint8_t *bytes, size_t count, uint8_t **out, size_t *out_count, char *message, size_t message_capacity);

void ember_image_free(void *pointer);

#endif
