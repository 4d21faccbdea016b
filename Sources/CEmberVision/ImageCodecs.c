// PNG (libpng's simplified API), JPEG (libjpeg-turbo) and gzip (zlib), with errors returned as messages:
// libpng and libjpeg report errors by longjmp, which must stay on the C side.
#include "EmberImageCodecs.h"

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The most pixels a decoded image may have: PIL's decompression-bomb limit (2 × 89,478,485), so a
/// forged header cannot make us allocate gigabytes.
#define EMBER_MAX_PIXELS 178956970.0

static int fail(char *message, size_t capacity, const char *text) {
    if (capacity > 0) snprintf(message, capacity, "%s", text);
    return -1;
}

void ember_image_free(void *pointer) { free(pointer); }

// MARK: PNG

int ember_png_decode(const uint8_t *bytes, size_t count, EmberDecodedImage *image, char *message, size_t capacity) {
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, bytes, count)) return fail(message, capacity, png.message);
    if ((double)png.width * (double)png.height > EMBER_MAX_PIXELS) {
        png_image_free(&png);
        return fail(message, capacity, "image too large (more than 178,956,970 pixels)");
    }
    int channels;
    if (png.format & PNG_FORMAT_FLAG_COLOR) {
        channels = (png.format & PNG_FORMAT_FLAG_ALPHA) ? 4 : 3;
        png.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    } else if (png.format & PNG_FORMAT_FLAG_ALPHA) {
        channels = 4; // gray + alpha: expanded to RGBA as PIL's convert("RGBA") would
        png.format = PNG_FORMAT_RGBA;
    } else {
        channels = 1;
        png.format = PNG_FORMAT_GRAY;
    }
    size_t size = PNG_IMAGE_SIZE(png);
    uint8_t *pixels = malloc(size ? size : 1);
    if (!pixels) { png_image_free(&png); return fail(message, capacity, "out of memory"); }
    if (!png_image_finish_read(&png, NULL, pixels, 0, NULL)) {
        free(pixels);
        return fail(message, capacity, png.message);
    }
    image->pixels = pixels;
    image->width = (int)png.width;
    image->height = (int)png.height;
    image->channels = channels;
    return 0;
}

int ember_png_encode(const uint8_t *pixels, int width, int height, int channels, uint8_t **out, size_t *out_count,
                     char *message, size_t capacity) {
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)width;
    png.height = (png_uint_32)height;
    switch (channels) {
    case 1: png.format = PNG_FORMAT_GRAY; break;
    case 3: png.format = PNG_FORMAT_RGB; break;
    case 4: png.format = PNG_FORMAT_RGBA; break;
    default: return fail(message, capacity, "PNG images have 1, 3 or 4 channels");
    }
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&png, NULL, &size, 0, pixels, 0, NULL)) return fail(message, capacity, png.message);
    uint8_t *buffer = malloc(size);
    if (!buffer) return fail(message, capacity, "out of memory");
    if (!png_image_write_to_memory(&png, buffer, &size, 0, pixels, 0, NULL)) {
        free(buffer);
        return fail(message, capacity, png.message);
    }
    *out = buffer;
    *out_count = size;
    return 0;
}

// MARK: JPEG

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char text[JMSG_LENGTH_MAX];
    int ended_early; /* libjpeg only warns when the data stops short and pads the image with gray */
} JPEGError;

static void jpeg_error_exit(j_common_ptr info) {
    JPEGError *error = (JPEGError *)info->err;
    info->err->format_message(info, error->text);
    longjmp(error->jump, 1);
}

static void jpeg_silent(j_common_ptr info) { (void)info; }

static void jpeg_note(j_common_ptr info, int level) {
    JPEGError *error = (JPEGError *)info->err;
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) error->ended_early = 1;
    if (level < 0) info->err->num_warnings++;
}

int ember_jpeg_decode(const uint8_t *bytes, size_t count, EmberDecodedImage *image, char *message, size_t capacity) {
    struct jpeg_decompress_struct info;
    JPEGError error;
    uint8_t *volatile pixels = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jpeg_error_exit;
    error.manager.output_message = jpeg_silent;
    error.manager.emit_message = jpeg_note;
    error.ended_early = 0;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return fail(message, capacity, error.text);
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, bytes, (unsigned long)count);
    jpeg_read_header(&info, TRUE);
    if ((double)info.image_width * (double)info.image_height > EMBER_MAX_PIXELS) {
        jpeg_destroy_decompress(&info);
        return fail(message, capacity, "image too large (more than 178,956,970 pixels)");
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * (size_t)info.output_components;
    pixels = malloc(stride * info.output_height + 1);
    if (!pixels) {
        jpeg_destroy_decompress(&info);
        return fail(message, capacity, "out of memory");
    }
    while (info.output_scanline < info.output_height && !error.ended_early) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    if (error.ended_early) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        return fail(message, capacity, "the JPEG data ends early (truncated file)");
    }
    jpeg_finish_decompress(&info);
    image->pixels = pixels;
    image->width = (int)info.output_width;
    image->height = (int)info.output_height;
    image->channels = info.output_components;
    jpeg_destroy_decompress(&info);
    return 0;
}

int ember_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, uint8_t **out,
                      size_t *out_count, char *message, size_t capacity) {
    if (channels != 1 && channels != 3) return fail(message, capacity, "JPEG images have 1 or 3 channels");
    struct jpeg_compress_struct info;
    JPEGError error;
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jpeg_error_exit;
    error.manager.output_message = jpeg_silent;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return fail(message, capacity, error.text);
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, &size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_count = size;
    return 0;
}

// MARK: gzip

int ember_gunzip(const uint8_t *bytes, size_t count, uint8_t **out, size_t *out_count, char *message, size_t capacity) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 16) != Z_OK) return fail(message, capacity, "zlib could not start");
    size_t allocated = count * 4 + 1024, produced = 0;
    uint8_t *buffer = malloc(allocated);
    if (!buffer) { inflateEnd(&stream); return fail(message, capacity, "out of memory"); }
    stream.next_in = (Bytef *)bytes;
    for (;;) {
        size_t remaining = count - (size_t)((const uint8_t *)stream.next_in - bytes);
        stream.avail_in = remaining > 0x40000000u ? 0x40000000u : (uInt)remaining;
        if (produced == allocated) {
            allocated *= 2;
            uint8_t *grown = realloc(buffer, allocated);
            if (!grown) { free(buffer); inflateEnd(&stream); return fail(message, capacity, "out of memory"); }
            buffer = grown;
        }
        size_t room = allocated - produced;
        stream.next_out = buffer + produced;
        stream.avail_out = room > 0x40000000u ? 0x40000000u : (uInt)room;
        uInt before = stream.avail_out;
        int status = inflate(&stream, Z_NO_FLUSH);
        produced += before - stream.avail_out;
        if (status == Z_STREAM_END) {
            size_t used = (size_t)((const uint8_t *)stream.next_in - bytes);
            if (used < count && bytes[used] == 0x1f) { // another gzip member follows
                inflateReset(&stream);
                continue;
            }
            break;
        }
        if (status == Z_BUF_ERROR && stream.avail_in == 0) {
            free(buffer); inflateEnd(&stream);
            return fail(message, capacity, "the gzip stream ends early (truncated file)");
        }
        if (status != Z_OK && status != Z_BUF_ERROR) {
            const char *text = stream.msg ? stream.msg : "corrupt gzip data";
            fail(message, capacity, text);
            free(buffer); inflateEnd(&stream);
            return -1;
        }
    }
    inflateEnd(&stream);
    *out = buffer;
    *out_count = produced;
    return 0;
}
