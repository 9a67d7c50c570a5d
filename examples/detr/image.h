/* image.h - the image side of detr_detect: decode, resize, draw, encode.
 *
 *     image im;
 *     char err[256];
 *     if (image_load("in.jpg", &im, err, sizeof err)) { fputs(err, stderr); ... }
 *     image small;
 *     image_resize_bilinear(&im, 600, 800, &small, err, sizeof err);
 *     image_draw_box(&im, 10, 10, 200, 120, (rgb){255, 0, 0}, 2);
 *     image_draw_label(&im, 10, 10, "cat 0.93", (rgb){255, 0, 0});
 *     image_save_png(&im, "out.png", err, sizeof err);
 *     image_free(&im); image_free(&small);
 *
 * Pixels are 8-bit RGB, row-major, no row padding. Decoding uses libjpeg
 * (libjpeg-turbo) and libpng; every function returns 0 on success or -1 with
 * a one-line message in err. Images larger than IMAGE_MAX_SIDE per side or
 * IMAGE_MAX_PIXELS in all are refused before any pixel memory is allocated. */
#ifndef DETR_IMAGE_H
#define DETR_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_SIDE 20000
#define IMAGE_MAX_PIXELS (64u * 1024u * 1024u)

typedef struct {
    int w, h;
    uint8_t *px; /* w * h * 3 bytes */
} image;

typedef struct {
    uint8_t r, g, b;
} rgb;

/* JPEG or PNG, recognized by the file's first bytes (not its name). */
int image_load(const char *path, image *out, char *err, size_t errlen);
int image_save_png(const image *im, const char *path, char *err, size_t errlen);
/* Resamples to out_w x out_h exactly as Pillow's Image.resize(BILINEAR)
 * does (a triangle filter widened by the scale when shrinking, so it
 * antialiases; horizontal pass, rounding to 8 bits, then vertical pass):
 * DETR's evaluation transform resizes with it. */
int image_resize_bilinear(const image *in, int out_w, int out_h, image *out, char *err, size_t errlen);
void image_free(image *im);

/* Drawing clips to the image. Box corners are inclusive pixel coordinates. */
void image_draw_box(image *im, int x0, int y0, int x1, int y1, rgb color, int thickness);
/* A filled label in `color` with white text, its bottom-left corner at
 * (x, y) (moved inside the image when needed). Text outside the font's
 * character set (ASCII letters, digits, " .,:%-_/()#+") is drawn as '?'. */
void image_draw_label(image *im, int x, int y, const char *text, rgb color);

#endif
