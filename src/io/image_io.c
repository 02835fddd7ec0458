/*
 * image_io.c - PNG, JPEG and BMP in; PNG out.
 *
 * Each decoder fills an image with its natural channel count (1 or 3) and
 * says whether the content is gray; image_load then converts to what the
 * caller asked for, so every format follows the same channel rules.
 *
 * libpng and libjpeg report errors by longjmp. To keep that safe, each
 * decoder keeps all of its state in a struct owned by the caller of the
 * function that calls setjmp: nothing the error path needs lives in a local
 * variable that changes after setjmp.
 */
#include "io/io_util.h"
#include "io/image_io.h"
#include "io/mask_png.h"
#include "io/output_file.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <zlib.h>

static int too_many_pixels(long long width, long long height)
{
    return width * height > IMAGE_MAX_PIXELS;
}

static int fail_too_large(char *err, size_t errlen, const char *path,
                          long long width, long long height)
{
    return io_fail(err, errlen, path,
                "image too large: %lld x %lld pixels (limit %ld)", width,
                height, (long)IMAGE_MAX_PIXELS);
}

int image_alloc(image *img, int width, int height, int channels, char *err,
                size_t errlen)
{
    memset(img, 0, sizeof(*img));
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
        return io_fail(err, errlen, "image", "bad size %d x %d x %d", width,
                    height, channels);
    if (too_many_pixels(width, height))
        return fail_too_large(err, errlen, "image", width, height);
    ptrdiff_t stride = (ptrdiff_t)width * channels;
    img->data = calloc((size_t)height, (size_t)stride);
    if (!img->data)
        return io_fail(err, errlen, "image", "out of memory for %d x %d pixels",
                    width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    return 0;
}

void image_free(image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof(*img));
}

/* ------------------------------------------------------------------------ */
/* Channel conversion                                                       */
/* ------------------------------------------------------------------------ */

/* BT.601 luma in 16-bit fixed point; the weights add up to 65536, so a
 * gray pixel (r == g == b) keeps its exact value. */
static uint8_t luma(const uint8_t *rgb)
{
    return (uint8_t)((19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] +
                      32768u) >> 16);
}

/* Replace img by a copy with the wanted channel count (1 or 3). */
static int convert_channels(image *img, int channels, const char *path,
                            char *err, size_t errlen)
{
    if (img->channels == channels)
        return 0;
    image out;
    if (image_alloc(&out, img->width, img->height, channels, err, errlen) < 0)
        return io_fail(err, errlen, path, "out of memory");
    for (int y = 0; y < img->height; y++) {
        const uint8_t *in = img->data + y * img->stride;
        uint8_t *o = out.data + y * out.stride;
        for (int x = 0; x < img->width; x++) {
            if (channels == 1) {
                o[x] = luma(in + 3 * x);
            } else {
                o[3 * x] = o[3 * x + 1] = o[3 * x + 2] = in[x];
            }
        }
    }
    image_free(img);
    *img = out;
    return 0;
}

/* Channel count image_load delivers for a decoded image. */
static int target_channels(int want, int natural, int content_is_gray)
{
    if (want == 1 || want == 3)
        return want;
    return (natural == 1 || content_is_gray) ? 1 : 3;
}

/* ------------------------------------------------------------------------ */
/* PNG reading                                                              */
/* ------------------------------------------------------------------------ */

/* Bytes being decoded and how far the decoder has read. */
typedef struct byte_source {
    const uint8_t *data;
    size_t size;
    size_t pos;
} byte_source;

typedef struct png_job {
    byte_source in;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    int gray_palette; /* a palette whose entries are all gray */
    char message[200];
} png_job;

/* libpng calls this on any error; it must not return. */
static void png_on_error(png_structp png, png_const_charp message)
{
    png_job *job = png_get_error_ptr(png);
    if (message != job->message)
        snprintf(job->message, sizeof(job->message), "%s", message);
    png_longjmp(png, 1);
}

/* Warnings (bad ancillary chunks and the like) do not stop decoding and
 * must not reach stderr. */
static void png_on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

/* Our own read function, so a short file gets a clear message rather than
 * libpng's generic "Read Error". */
static void png_read_from_memory(png_structp png, png_bytep data,
                                 size_t length)
{
    png_job *job = png_get_io_ptr(png);
    byte_source *in = &job->in;
    if (length <= in->size - in->pos) {
        memcpy(data, in->data + in->pos, length);
        in->pos += length;
        return;
    }
    snprintf(job->message, sizeof(job->message),
             "truncated (file ends early)");
    png_error(png, job->message);
}

static int palette_is_gray(png_structp png, png_infop info)
{
    png_colorp palette;
    int count = 0;
    if (!png_get_PLTE(png, info, &palette, &count))
        return 0;
    for (int i = 0; i < count; i++) {
        if (palette[i].red != palette[i].green ||
            palette[i].red != palette[i].blue)
            return 0;
    }
    return 1;
}

/* Ask libpng for 8-bit gray or 8-bit RGB whatever the file holds. */
static void png_request_8bit_gray_or_rgb(png_structp png, png_infop info)
{
    int color_type = png_get_color_type(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_bit_depth(png, info) == 16)
        png_set_scale_16(png);
    /* Also covers the alpha channel that expansion makes from tRNS. */
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* The part of PNG decoding that may longjmp back here on error. */
static int png_decode(png_job *job, image *img, char *err, size_t errlen,
                      const char *path)
{
    if (setjmp(png_jmpbuf(job->png)))
        return io_fail(err, errlen, path, "bad PNG: %s", job->message);
    png_set_read_fn(job->png, job, png_read_from_memory);
#ifdef PNG_HANDLE_AS_UNKNOWN_SUPPORTED
    /* Metadata chunks (text, ICC profile, ...) are skipped unread: nothing
     * here uses them, and libpng would otherwise allocate and zero the
     * length a chunk claims (up to 2 GB) before finding the file short. */
    png_set_keep_unknown_chunks(job->png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
#endif
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* Fuzzing only: mutated bytes would nearly always stop at a checksum;
     * going on with them reaches the decoder instead. */
    png_set_crc_action(job->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#ifdef PNG_IGNORE_ADLER32
    png_set_option(job->png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
#endif
    png_read_info(job->png, job->info);
    png_uint_32 width = png_get_image_width(job->png, job->info);
    png_uint_32 height = png_get_image_height(job->png, job->info);
    if (too_many_pixels(width, height))
        return fail_too_large(err, errlen, path, width, height);
    job->gray_palette = palette_is_gray(job->png, job->info);
    png_request_8bit_gray_or_rgb(job->png, job->info);
    int channels = png_get_channels(job->png, job->info);
    if ((channels != 1 && channels != 3) ||
        png_get_bit_depth(job->png, job->info) != 8 ||
        png_get_rowbytes(job->png, job->info) != (size_t)width * channels)
        return io_fail(err, errlen, path, "unsupported PNG pixel layout");
    if (image_alloc(img, (int)width, (int)height, channels, err, errlen) < 0)
        return io_fail(err, errlen, path, "out of memory");
    job->rows = malloc(sizeof(*job->rows) * height);
    if (!job->rows)
        return io_fail(err, errlen, path, "out of memory");
    for (png_uint_32 y = 0; y < height; y++)
        job->rows[y] = img->data + y * img->stride;
    png_read_image(job->png, job->rows);
    png_read_end(job->png, NULL);
    return 0;
}

static int load_png(const uint8_t *data, size_t size, const char *path,
                    image *img, int *content_is_gray, char *err,
                    size_t errlen)
{
    png_job job = {.in = {.data = data, .size = size}};
    job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job,
                                     png_on_error, png_on_warning);
    if (job.png)
        job.info = png_create_info_struct(job.png);
    int result = -1;
    if (!job.png || !job.info)
        io_fail(err, errlen, path, "out of memory");
    else
        result = png_decode(&job, img, err, errlen, path);
    png_destroy_read_struct(&job.png, &job.info, NULL);
    free(job.rows);
    if (result < 0)
        image_free(img);
    *content_is_gray = job.gray_palette;
    return result;
}

/* ------------------------------------------------------------------------ */
/* JPEG reading                                                             */
/* ------------------------------------------------------------------------ */

/* A progressive JPEG has about ten scans (mozjpeg's, a few more), and each
 * scan walks the whole image: a small file repeating one scan thousands of
 * times would keep the decoder busy for minutes. */
#define JPEG_MAX_SCANS 100

typedef struct jpeg_job {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr errmgr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_job;

static jpeg_job *job_of(j_common_ptr cinfo)
{
    /* cinfo is the first member of jpeg_job. */
    return (jpeg_job *)(void *)cinfo;
}

static void jpeg_on_error(j_common_ptr cinfo)
{
    jpeg_job *job = job_of(cinfo);
    cinfo->err->format_message(cinfo, job->message);
    longjmp(job->jump, 1);
}

/* Warnings that mean the pixel data is damaged: a truncated file or a broken
 * entropy-coded segment. libjpeg would go on and hand back an image that is
 * partly gray, which is worse than an error for background subtraction.
 * Other warnings (odd metadata, extraneous bytes between markers) leave the
 * pixels intact and are ignored. */
static int warning_means_damage(int code)
{
    return code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER ||
           code == JWRN_HUFF_BAD_CODE || code == JWRN_MUST_RESYNC;
}

/* Called between rows and scans while the input is read. */
static void jpeg_on_progress(j_common_ptr cinfo)
{
    j_decompress_ptr dinfo = (j_decompress_ptr)(void *)cinfo;
    if (dinfo->input_scan_number <= JPEG_MAX_SCANS)
        return;
    jpeg_job *job = job_of(cinfo);
    snprintf(job->message, sizeof(job->message),
             "too many scans (more than %d)", JPEG_MAX_SCANS);
    longjmp(job->jump, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    if (level < 0 && warning_means_damage(cinfo->err->msg_code))
        jpeg_on_error(cinfo);
}

/* The part of JPEG decoding that may longjmp back here on error. */
static int jpeg_decode(jpeg_job *job, const uint8_t *data, size_t size,
                       int want, image *img, int *content_is_gray,
                       const char *path, char *err, size_t errlen)
{
    struct jpeg_decompress_struct *cinfo = &job->cinfo;
    if (setjmp(job->jump))
        return io_fail(err, errlen, path, "bad JPEG: %s", job->message);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    job->progress.progress_monitor = jpeg_on_progress;
    cinfo->progress = &job->progress;
    jpeg_read_header(cinfo, TRUE);
    if (too_many_pixels(cinfo->image_width, cinfo->image_height))
        return fail_too_large(err, errlen, path, cinfo->image_width,
                              cinfo->image_height);
    J_COLOR_SPACE space = cinfo->jpeg_color_space;
    if (space == JCS_CMYK || space == JCS_YCCK)
        return io_fail(err, errlen, path, "CMYK JPEG images are not supported");
    *content_is_gray = space == JCS_GRAYSCALE;
    /* The Y plane of a YCbCr JPEG already is the BT.601 luma: taking it
     * directly skips chroma upsampling and colour conversion. */
    int gray_out = space == JCS_GRAYSCALE ||
                   (want == 1 && space == JCS_YCbCr);
    cinfo->out_color_space = gray_out ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(cinfo);
    if (image_alloc(img, (int)cinfo->output_width, (int)cinfo->output_height,
                    cinfo->output_components, err, errlen) < 0)
        return io_fail(err, errlen, path, "out of memory");
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = img->data + cinfo->output_scanline * img->stride;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    return 0;
}

static int load_jpeg(const uint8_t *data, size_t size, const char *path,
                     int want, image *img, int *content_is_gray, char *err,
                     size_t errlen)
{
    jpeg_job *job = calloc(1, sizeof(*job));
    if (!job)
        return io_fail(err, errlen, path, "out of memory");
    job->cinfo.err = jpeg_std_error(&job->errmgr);
    job->errmgr.error_exit = jpeg_on_error;
    job->errmgr.emit_message = jpeg_on_message;
    int result = -1;
    if (setjmp(job->jump)) {
        /* jpeg_create_decompress itself failed (out of memory). */
        io_fail(err, errlen, path, "bad JPEG: %s", job->message);
    } else {
        jpeg_create_decompress(&job->cinfo);
        result = jpeg_decode(job, data, size, want, img, content_is_gray,
                             path, err, errlen);
    }
    jpeg_destroy_decompress(&job->cinfo);
    free(job);
    if (result < 0)
        image_free(img);
    return result;
}

/* ------------------------------------------------------------------------ */
/* BMP reading                                                              */
/* ------------------------------------------------------------------------ */

/* What we need from the BMP headers. */
typedef struct bmp_header {
    size_t pixel_offset;
    int width, height; /* height > 0 */
    int top_down;
    int bits;          /* 8, 24 or 32 */
    int colors;        /* palette entries (8-bit only) */
    size_t palette_offset;
} bmp_header;

static uint32_t read_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint16_t read_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* True when a BI_BITFIELDS 32-bit file uses the plain BGRx layout. */
static int bmp_masks_are_bgrx(const uint8_t *masks)
{
    return read_le32(masks) == 0x00ff0000u &&
           read_le32(masks + 4) == 0x0000ff00u &&
           read_le32(masks + 8) == 0x000000ffu;
}

static int bmp_read_header(const uint8_t *data, size_t size, bmp_header *h,
                           const char *path, char *err, size_t errlen)
{
    /* 14-byte file header, 40-byte BITMAPINFOHEADER, 12 bytes of masks. */
    uint8_t b[66] = {0};
    size_t got = size < sizeof(b) ? size : sizeof(b);
    memcpy(b, data, got);
    if (got < 54)
        return io_fail(err, errlen, path, "truncated BMP header");
    uint32_t info_size = read_le32(b + 14);
    if (info_size < 40)
        return io_fail(err, errlen, path,
                    "unsupported BMP header (%u bytes, need 40 or more)",
                    info_size);
    int32_t width = (int32_t)read_le32(b + 18);
    int32_t height = (int32_t)read_le32(b + 22);
    int bits = read_le16(b + 28);
    uint32_t compression = read_le32(b + 30);
    uint32_t colors = read_le32(b + 46);
    long long abs_height = height < 0 ? -(long long)height : height;
    if (width <= 0 || height == 0)
        return io_fail(err, errlen, path, "bad BMP size %d x %d", width, height);
    if (too_many_pixels(width, abs_height))
        return fail_too_large(err, errlen, path, width, abs_height);
    int plain = compression == 0;
    int bgrx_fields = compression == 3 && bits == 32 && got == sizeof(b) &&
                      bmp_masks_are_bgrx(b + 54);
    if (!((bits == 8 || bits == 24 || bits == 32) && plain) && !bgrx_fields)
        return io_fail(err, errlen, path,
                    "unsupported BMP: %d bits per pixel, compression %u",
                    bits, compression);
    if (bits == 8 && colors > 256)
        return io_fail(err, errlen, path, "bad BMP palette size %u", colors);
    h->pixel_offset = read_le32(b + 10);
    h->width = width;
    h->height = (int)abs_height;
    h->top_down = height < 0;
    h->bits = bits;
    h->colors = bits == 8 ? (colors ? (int)colors : 256) : 0;
    h->palette_offset = 14 + (size_t)info_size;
    return 0;
}

/* Palette as RGB triplets; entries the file does not define stay black. */
static int bmp_read_palette(const uint8_t *data, size_t size,
                            const bmp_header *h, uint8_t rgb[256][3],
                            int *is_gray, const char *path, char *err,
                            size_t errlen)
{
    size_t bytes = (size_t)h->colors * 4;
    if (h->palette_offset > size || bytes > size - h->palette_offset)
        return io_fail(err, errlen, path, "truncated BMP palette");
    const uint8_t *bgrx = data + h->palette_offset;
    memset(rgb, 0, 256 * 3);
    *is_gray = 1;
    for (int i = 0; i < h->colors; i++) {
        rgb[i][0] = bgrx[4 * i + 2];
        rgb[i][1] = bgrx[4 * i + 1];
        rgb[i][2] = bgrx[4 * i];
        if (rgb[i][0] != rgb[i][1] || rgb[i][0] != rgb[i][2])
            *is_gray = 0;
    }
    return 0;
}

/* Convert one file row (palette indices or BGR/BGRx) into an image row. */
static void bmp_convert_row(const bmp_header *h, const uint8_t *in,
                            uint8_t rgb[256][3], int channels, uint8_t *out)
{
    int step = h->bits / 8;
    for (int x = 0; x < h->width; x++) {
        if (h->bits == 8) {
            const uint8_t *c = rgb[in[x]];
            if (channels == 1)
                out[x] = c[0];
            else
                memcpy(out + 3 * x, c, 3);
        } else {
            const uint8_t *p = in + (size_t)x * step;
            out[3 * x] = p[2];
            out[3 * x + 1] = p[1];
            out[3 * x + 2] = p[0];
        }
    }
}

static int load_bmp(const uint8_t *data, size_t size, const char *path,
                    image *img, int *content_is_gray, char *err,
                    size_t errlen)
{
    bmp_header h = {0};
    uint8_t palette[256][3];
    int gray_palette = 0;
    if (bmp_read_header(data, size, &h, path, err, errlen) < 0)
        return -1;
    if (h.bits == 8 && bmp_read_palette(data, size, &h, palette,
                                        &gray_palette, path, err, errlen) < 0)
        return -1;
    int channels = gray_palette ? 1 : 3;
    size_t row_bytes = (((size_t)h.width * h.bits + 31) / 32) * 4;
    /* Checked before allocating: the pixel rows must all be in the file. */
    if (h.pixel_offset > size ||
        (size - h.pixel_offset) / row_bytes < (size_t)h.height)
        return io_fail(err, errlen, path, "truncated BMP data");
    if (image_alloc(img, h.width, h.height, channels, err, errlen) < 0)
        return io_fail(err, errlen, path, "out of memory");
    const uint8_t *row = data + h.pixel_offset;
    for (int r = 0; r < h.height; r++, row += row_bytes) {
        int y = h.top_down ? r : h.height - 1 - r;
        bmp_convert_row(&h, row, palette, channels, img->data + y * img->stride);
    }
    *content_is_gray = gray_palette;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* image_load                                                               */
/* ------------------------------------------------------------------------ */

typedef enum image_format {
    FORMAT_UNKNOWN,
    FORMAT_PNG,
    FORMAT_JPEG,
    FORMAT_BMP
} image_format;

static image_format format_from_magic(const uint8_t *m, size_t n)
{
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1a, '\n'};
    if (n >= 8 && memcmp(m, png_magic, 8) == 0)
        return FORMAT_PNG;
    if (n >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
        return FORMAT_JPEG;
    if (n >= 2 && m[0] == 'B' && m[1] == 'M')
        return FORMAT_BMP;
    return FORMAT_UNKNOWN;
}

static int fail_unknown_format(const uint8_t *m, size_t n, const char *path,
                               char *err, size_t errlen)
{
    if (n == 0)
        return io_fail(err, errlen, path, "empty file");
    if (n == 1)
        return io_fail(err, errlen, path,
                    "not a PNG, JPEG or BMP image: starts with 0x%02x", m[0]);
    return io_fail(err, errlen, path,
                "not a PNG, JPEG or BMP image: starts with 0x%02x 0x%02x",
                m[0], m[1]);
}

static int decode_memory(const uint8_t *data, size_t size, const char *name,
                         int want, image *img, int *content_is_gray,
                         char *err, size_t errlen)
{
    switch (format_from_magic(data, size)) {
    case FORMAT_PNG:
        return load_png(data, size, name, img, content_is_gray, err, errlen);
    case FORMAT_JPEG:
        return load_jpeg(data, size, name, want, img, content_is_gray, err,
                         errlen);
    case FORMAT_BMP:
        return load_bmp(data, size, name, img, content_is_gray, err, errlen);
    default:
        return fail_unknown_format(data, size, name, err, errlen);
    }
}

int image_load_memory(const uint8_t *data, size_t size, const char *name,
                      int want_channels, image *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!name)
        name = "(memory)";
    if (want_channels != 0 && want_channels != 1 && want_channels != 3)
        return io_fail(err, errlen, name, "cannot deliver %d channels",
                    want_channels);
    if (!data && size > 0)
        return io_fail(err, errlen, name, "no data");
    int content_is_gray = 0;
    if (decode_memory(data, size, name, want_channels, out, &content_is_gray,
                      err, errlen) < 0)
        return -1;
    int channels = target_channels(want_channels, out->channels,
                                   content_is_gray);
    if (convert_channels(out, channels, name, err, errlen) < 0) {
        image_free(out);
        return -1;
    }
    return 0;
}

/* Largest file image_load reads: a 32-bit BMP of IMAGE_MAX_PIXELS pixels
 * with room to spare for headers and metadata. */
#define IMAGE_MAX_FILE_BYTES ((size_t)IMAGE_MAX_PIXELS * 4 + ((size_t)64 << 20))

static int fail_too_large_file(const char *path, char *err, size_t errlen)
{
    return io_fail(err, errlen, path, "file too large for an image (over %zu MB)",
                IMAGE_MAX_FILE_BYTES >> 20);
}

/* The whole of an open file in a new buffer (*data, *size). The magic is
 * read first: a file that is no image is refused unread (its first bytes
 * are all the message needs), and so is one too large to be an image. */
static int read_whole_file(FILE *file, const char *path, uint8_t **data,
                           size_t *size, char *err, size_t errlen)
{
    uint8_t magic[8];
    size_t n = fread(magic, 1, sizeof(magic), file);
    int whole = n < sizeof(magic) || format_from_magic(magic, n) == FORMAT_UNKNOWN;
    size_t capacity = whole ? sizeof(magic) : 1 << 16;
    struct stat st;
    if (!whole && fstat(fileno(file), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > IMAGE_MAX_FILE_BYTES)
            return fail_too_large_file(path, err, errlen);
        capacity = (size_t)st.st_size + 16; /* the end seen in one read */
    }
    uint8_t *buf = malloc(capacity);
    if (!buf)
        return io_fail(err, errlen, path, "out of memory");
    memcpy(buf, magic, n);
    while (!whole && !ferror(file)) {
        n += fread(buf + n, 1, capacity - n, file);
        if (n < capacity)
            break;
        /* Not a regular file, or one that grew: make room. */
        uint8_t *bigger = capacity < IMAGE_MAX_FILE_BYTES
                              ? realloc(buf, capacity * 2) : NULL;
        if (!bigger) {
            free(buf);
            return capacity < IMAGE_MAX_FILE_BYTES
                       ? io_fail(err, errlen, path, "out of memory")
                       : fail_too_large_file(path, err, errlen);
        }
        buf = bigger;
        capacity *= 2;
    }
    if (ferror(file)) {
        int saved = errno;
        free(buf);
        return io_fail(err, errlen, path, "read error: %s", strerror(saved));
    }
    *data = buf;
    *size = n;
    return 0;
}

int image_load(const char *path, int want_channels, image *out, char *err,
               size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (want_channels != 0 && want_channels != 1 && want_channels != 3)
        return io_fail(err, errlen, path, "cannot deliver %d channels",
                    want_channels);
    FILE *file = fopen(path, "rb");
    if (!file)
        return io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
    uint8_t *data = NULL;
    size_t size = 0;
    int result = read_whole_file(file, path, &data, &size, err, errlen);
    fclose(file);
    if (result == 0)
        result = image_load_memory(data, size, path, want_channels, out, err,
                                   errlen);
    free(data);
    return result;
}

/* ------------------------------------------------------------------------ */
/* PNG writing                                                              */
/* ------------------------------------------------------------------------ */

typedef struct png_writer {
    FILE *file;
    png_structp png;
    png_infop info;
    char message[200];
} png_writer;

static void png_write_to_file(png_structp png, png_bytep data, size_t length)
{
    png_writer *w = png_get_io_ptr(png);
    if (fwrite(data, 1, length, w->file) != length) {
        snprintf(w->message, sizeof(w->message), "write error: %s",
                 strerror(errno));
        png_error(png, w->message);
    }
}

static void png_flush_file(png_structp png)
{
    (void)png; /* the final fflush/fclose are checked by the caller */
}

static void png_on_write_error(png_structp png, png_const_charp message)
{
    png_writer *w = png_get_error_ptr(png);
    if (message != w->message)
        snprintf(w->message, sizeof(w->message), "%s", message);
    png_longjmp(png, 1);
}

/* The part of PNG encoding that may longjmp back here on error. */
static int png_encode(png_writer *w, const uint8_t *data, int width,
                      int height, int channels, ptrdiff_t stride,
                      int compression)
{
    if (setjmp(png_jmpbuf(w->png)))
        return -1;
    png_set_write_fn(w->png, w, png_write_to_file, png_flush_file);
    png_set_IHDR(w->png, w->info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(w->png, compression);
    /* At fast levels the adaptive filter search costs more time than it
     * saves bytes; masks are long runs of 0 and 255 that compress well
     * unfiltered. */
    if (compression <= 1)
        png_set_filter(w->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(w->png, w->info);
    for (int y = 0; y < height; y++)
        png_write_row(w->png, data + y * stride);
    png_write_end(w->png, w->info);
    return 0;
}

/* Encode into an already open file; -1 with the reason in w->message. */
static int png_write_stream(FILE *file, const uint8_t *data, int width,
                            int height, int channels, ptrdiff_t stride,
                            int compression, char *message, size_t size)
{
    png_writer w = {.file = file};
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w,
                                    png_on_write_error, png_on_warning);
    if (w.png)
        w.info = png_create_info_struct(w.png);
    int result = -1;
    if (!w.png || !w.info)
        snprintf(w.message, sizeof(w.message), "out of memory");
    else
        result = png_encode(&w, data, width, height, channels, stride,
                            compression);
    png_destroy_write_struct(&w.png, &w.info);
    snprintf(message, size, "%s", w.message);
    return result;
}

/* Gray images at the fast levels (the masks bgsub writes for every frame)
 * go through mask_png_encode: several times faster than libpng with Z_RLE,
 * for files about as small. Level 0 too: it is smaller than stored blocks
 * and no slower. */
static int use_mask_encoder(int channels, int compression)
{
    return channels == 1 && compression <= 1;
}

static int mask_write_stream(FILE *file, const uint8_t *data, int width,
                             int height, ptrdiff_t stride, char *message,
                             size_t size)
{
    uint8_t *png;
    size_t png_size;
    if (mask_png_encode(data, width, height, stride, &png, &png_size) < 0) {
        snprintf(message, size, "out of memory");
        return -1;
    }
    int result = 0;
    if (fwrite(png, 1, png_size, file) != png_size) {
        snprintf(message, size, "write error: %s", strerror(errno));
        result = -1;
    }
    free(png);
    return result;
}

static int check_save_args(const char *path, const uint8_t *data, int width,
                           int height, int channels, ptrdiff_t stride,
                           int compression, char *err, size_t errlen)
{
    if (!path || !*path)
        return io_fail(err, errlen, "\"\"", "empty file name");
    if (!data || width <= 0 || height <= 0 || (channels != 1 && channels != 3))
        return io_fail(err, errlen, path, "cannot save a %d x %d x %d image",
                    width, height, channels);
    if (too_many_pixels(width, height))
        return fail_too_large(err, errlen, path, width, height);
    if (stride < (ptrdiff_t)width * channels)
        return io_fail(err, errlen, path, "row stride %td shorter than a row",
                    stride);
    if (compression < 0 || compression > 9)
        return io_fail(err, errlen, path, "compression %d not in 0..9",
                    compression);
    return 0;
}

int image_save_png(const char *path, const uint8_t *data, int width,
                   int height, int channels, ptrdiff_t stride,
                   int compression, unsigned flags, char *err, size_t errlen)
{
    if (check_save_args(path, data, width, height, channels, stride,
                        compression, err, errlen) < 0)
        return -1;
    output_file *out = output_file_open(path, flags, err, errlen);
    FILE *file = out ? output_file_stream(out, err, errlen) : NULL;
    if (!file) {
        output_file_discard(out);
        return -1;
    }
    char message[200] = "";
    int result = use_mask_encoder(channels, compression)
        ? mask_write_stream(file, data, width, height, stride, message,
                            sizeof(message))
        : png_write_stream(file, data, width, height, channels, stride,
                           compression, message, sizeof(message));
    if (result < 0) {
        output_file_discard(out);
        return io_fail(err, errlen, path, "%s", message);
    }
    return output_file_commit(out, err, errlen);
}
