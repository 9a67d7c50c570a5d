/* image.c - decoding (libjpeg, libpng), PNG encoding and the resize DETR's
 * evaluation transform uses.
 *
 * Images are untrusted input. Both decoders report errors through longjmp;
 * each decode owns exactly one buffer, freed on every error path, and the
 * dimensions from the header are checked before that buffer is allocated. A
 * JPEG that ends early is an error (libjpeg would quietly fill the missing
 * rows with grey); other libjpeg warnings are printed and decoding goes on.
 *
 * The resize reproduces Pillow's BILINEAR resampling bit for bit, because
 * the model was trained (and is checked in tests/check_detr_example.py)
 * with inputs resized by it: a triangle filter whose support grows with the
 * shrink factor, coefficients normalized and turned into 22-bit fixed point,
 * the horizontal pass rounded to 8 bits before the vertical one. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strndup, getpid, unlink under -std=c11 */
#endif
#include "image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jerror.h>
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void image_free(image *im)
{
    free(im->px);
    im->px = NULL;
    im->w = im->h = 0;
}

static int check_size(const char *path, unsigned long w, unsigned long h, char *err, size_t errlen)
{
    if (w == 0 || h == 0)
        return fail(err, errlen, "%s: image has no pixels (%lux%lu)", path, w, h);
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || (unsigned long long)w * h > IMAGE_MAX_PIXELS)
        return fail(err, errlen, "%s: image is %lux%lu, larger than this program accepts (%d per side, %u pixels)",
                    path, w, h, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
    return 0;
}

/* ---- JPEG ---- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    const char *path;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_on_error(j_common_ptr c)
{
    jpeg_err *e = (jpeg_err *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

static void jpeg_on_message(j_common_ptr c, int level)
{
    jpeg_err *e = (jpeg_err *)c->err;
    if (level >= 0)
        return; /* trace messages */
    char msg[JMSG_LENGTH_MAX];
    c->err->format_message(c, msg);
    if (c->err->msg_code == JWRN_JPEG_EOF) {
        snprintf(e->msg, sizeof e->msg, "%s", msg);
        longjmp(e->jump, 1);
    }
    fprintf(stderr, "detr_detect: %s: warning: %s\n", e->path, msg);
}

static int load_jpeg(const char *path, FILE *f, image *out, char *err, size_t errlen)
{
    struct jpeg_decompress_struct d;
    jpeg_err e = {.path = path};
    uint8_t *volatile px = NULL;
    d.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = jpeg_on_error;
    e.pub.emit_message = jpeg_on_message;
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&d);
        free(px);
        return fail(err, errlen, "%s: bad JPEG: %s", path, e.msg);
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    if (check_size(path, d.image_width, d.image_height, err, errlen)) {
        jpeg_destroy_decompress(&d);
        return -1;
    }
    d.out_color_space = JCS_RGB; /* grey and YCbCr convert; CMYK is refused by libjpeg */
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * 3;
    px = malloc(stride * d.output_height);
    if (!px) {
        snprintf(e.msg, sizeof e.msg, "out of memory");
        longjmp(e.jump, 1);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = px + stride * d.output_scanline;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    out->w = (int)d.output_width;
    out->h = (int)d.output_height;
    out->px = px;
    jpeg_destroy_decompress(&d);
    return 0;
}

/* ---- PNG ---- */

typedef struct {
    const char *path;
    char msg[200];
} png_err;

static void png_on_error(png_structp p, png_const_charp msg)
{
    png_err *e = png_get_error_ptr(p);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg)
{
    png_err *e = png_get_error_ptr(p);
    fprintf(stderr, "detr_detect: %s: warning: %s\n", e->path, msg);
}

/* Any PNG to 8-bit RGB the way Pillow's convert("RGB") does: palette and
 * low-depth grey expanded, 16-bit samples keep their high byte, alpha is
 * dropped (not composited), grey is replicated. */
static void png_to_rgb8(png_structp p, png_infop info)
{
    png_set_expand(p);
    png_set_strip_16(p);
    png_set_strip_alpha(p);
    png_set_gray_to_rgb(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
}

static int load_png(const char *path, FILE *f, image *out, char *err, size_t errlen)
{
    png_err e = {.path = path};
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &e, png_on_error, png_on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    uint8_t *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(&p, NULL, NULL);
        return fail(err, errlen, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(p))) {
        png_destroy_read_struct(&p, &info, NULL);
        free(px);
        free(rows);
        return fail(err, errlen, "%s: bad PNG: %s", path, e.msg);
    }
    png_init_io(p, f);
    png_read_info(p, info);
    png_uint_32 w = png_get_image_width(p, info), h = png_get_image_height(p, info);
    if (check_size(path, w, h, err, errlen)) {
        png_destroy_read_struct(&p, &info, NULL);
        return -1;
    }
    png_to_rgb8(p, info);
    if (png_get_rowbytes(p, info) != (size_t)w * 3)
        png_error(p, "unexpected row size after conversion to RGB");
    px = malloc((size_t)w * h * 3);
    rows = malloc(sizeof *rows * h);
    if (!px || !rows)
        png_error(p, "out of memory");
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = px + (size_t)y * w * 3;
    png_read_image(p, rows);
    png_read_end(p, NULL);
    png_destroy_read_struct(&p, &info, NULL);
    free(rows);
    out->w = (int)w;
    out->h = (int)h;
    out->px = px;
    return 0;
}

int image_load(const char *path, image *out, char *err, size_t errlen)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    *out = (image){0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    uint8_t magic[8] = {0};
    size_t n = fread(magic, 1, sizeof magic, f);
    rewind(f);
    int rc;
    if (n >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff)
        rc = load_jpeg(path, f, out, err, errlen);
    else if (n == 8 && !memcmp(magic, png_sig, 8))
        rc = load_png(path, f, out, err, errlen);
    else
        rc = fail(err, errlen, "%s: not a JPEG or PNG file%s", path, n == 0 ? " (empty)" : "");
    fclose(f);
    return rc;
}

int image_save_png(const image *im, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return fail(err, errlen, "%s: path too long", path);
    FILE *volatile f = fopen(tmp, "wb");
    if (!f)
        return fail(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
    png_err e = {.path = path};
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, png_on_error, png_on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    if (!info || setjmp(png_jmpbuf(p))) {
        png_destroy_write_struct(&p, &info);
        fclose(f);
        unlink(tmp);
        return fail(err, errlen, "%s: cannot write PNG: %s", path, info ? e.msg : "out of memory");
    }
    png_init_io(p, f);
    png_set_IHDR(p, info, (png_uint_32)im->w, (png_uint_32)im->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(p, info);
    for (int y = 0; y < im->h; y++)
        png_write_row(p, im->px + (size_t)y * im->w * 3);
    png_write_end(p, NULL);
    png_destroy_write_struct(&p, &info);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        return fail(err, errlen, "%s: cannot write: %s", path, strerror(saved));
    }
    return 0;
}

/* ---- Pillow-compatible bilinear resampling ---- */

enum { PRECISION_BITS = 32 - 8 - 2 };

typedef struct {
    int ksize;      /* coefficients per output sample */
    int *bounds;    /* per output sample: first input index, count */
    int32_t *k;     /* per output sample: ksize fixed-point weights */
} resample_coeffs;

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int coeffs_init(resample_coeffs *c, int in_size, int out_size)
{
    double scale = (double)in_size / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 1.0 * filterscale;
    c->ksize = (int)ceil(support) * 2 + 1;
    c->bounds = malloc(sizeof *c->bounds * 2 * out_size);
    c->k = calloc((size_t)out_size * c->ksize, sizeof *c->k);
    double *w = malloc(sizeof *w * c->ksize);
    if (!c->bounds || !c->k || !w) {
        free(w);
        return -1;
    }
    for (int o = 0; o < out_size; o++) {
        double center = (o + 0.5) * scale, sum = 0.0;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        lo = lo < 0 ? 0 : lo;
        hi = (hi > in_size ? in_size : hi) - lo;
        for (int i = 0; i < hi; i++)
            sum += w[i] = triangle((i + lo - center + 0.5) / filterscale);
        for (int i = 0; i < hi; i++) {
            double v = sum != 0.0 ? w[i] / sum : w[i];
            c->k[(size_t)o * c->ksize + i] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                                                             : 0.5 + v * (1 << PRECISION_BITS));
        }
        c->bounds[2 * o] = lo;
        c->bounds[2 * o + 1] = hi;
    }
    free(w);
    return 0;
}

static void coeffs_free(resample_coeffs *c)
{
    free(c->bounds);
    free(c->k);
}

static uint8_t clip8(int32_t v)
{
    v >>= PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* One pass along x (step 3: the next pixel) or y (step 3*w: the next row).
 * src has n_lines lines of in_len samples; dst gets out_len per line. */
static void resample_pass(const image *src, image *dst, const resample_coeffs *c, int horizontal)
{
    size_t sstep = horizontal ? 3 : (size_t)src->w * 3;
    for (int y = 0; y < dst->h; y++)
        for (int x = 0; x < dst->w; x++) {
            int o = horizontal ? x : y;
            int lo = c->bounds[2 * o], n = c->bounds[2 * o + 1];
            const int32_t *k = c->k + (size_t)o * c->ksize;
            const uint8_t *s = horizontal ? src->px + ((size_t)y * src->w + lo) * 3
                                          : src->px + ((size_t)lo * src->w + x) * 3;
            int32_t acc[3] = {1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1)};
            for (int i = 0; i < n; i++, s += sstep)
                for (int ch = 0; ch < 3; ch++)
                    acc[ch] += s[ch] * k[i];
            uint8_t *d = dst->px + ((size_t)y * dst->w + x) * 3;
            for (int ch = 0; ch < 3; ch++)
                d[ch] = clip8(acc[ch]);
        }
}

static int image_alloc(image *im, int w, int h)
{
    im->w = w;
    im->h = h;
    im->px = malloc((size_t)w * h * 3);
    return im->px ? 0 : -1;
}

int image_resize_bilinear(const image *in, int out_w, int out_h, image *out, char *err, size_t errlen)
{
    *out = (image){0};
    if (out_w < 1 || out_h < 1 || out_w > IMAGE_MAX_SIDE || out_h > IMAGE_MAX_SIDE)
        return fail(err, errlen, "cannot resize to %dx%d", out_w, out_h);
    image mid = {0};
    resample_coeffs cx = {0}, cy = {0};
    int rc = -1;
    if (coeffs_init(&cx, in->w, out_w) || coeffs_init(&cy, in->h, out_h))
        goto done;
    /* Pillow skips a pass whose size does not change; so do we (the
     * coefficients would be the identity anyway). */
    const image *h_src = in;
    if (out_w != in->w) {
        if (image_alloc(&mid, out_w, in->h))
            goto done;
        resample_pass(in, &mid, &cx, 1);
        h_src = &mid;
    }
    if (image_alloc(out, out_w, out_h))
        goto done;
    if (out_h != in->h)
        resample_pass(h_src, out, &cy, 0);
    else
        memcpy(out->px, h_src->px, (size_t)out_w * out_h * 3);
    rc = 0;
done:
    coeffs_free(&cx);
    coeffs_free(&cy);
    image_free(&mid);
    if (rc)
        return fail(err, errlen, "out of memory resizing to %dx%d", out_w, out_h);
    return rc;
}
