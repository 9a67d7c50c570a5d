/* detect.h - DETR's pre- and post-processing, independent of any model.
 *
 *     resize_plan rp;
 *     plan_resize(img.w, img.h, 800, 1333, canvas_h, canvas_w, &rp);
 *     preprocess(&img, &rp, canvas_h, canvas_w, tensor, err, sizeof err);  // 1x3xHxW float32
 *     ... run the model ...
 *     detection dets[n_queries];
 *     int n = postprocess(logits, boxes, n_queries, n_classes + 1, &rp, 0.7f, dets);
 *
 * A model compiled for several canvases: pick_canvas chooses one first.
 * The model sees the resized image at the top-left of its canvas, the rest
 * zero (after normalization). Without a padding mask its boxes are
 * normalized to that canvas, so they are mapped back through the resize
 * to the original image's pixels; a model given the mask (True on the
 * padding) has boxes normalized to the unpadded image, as DETR's
 * PostProcess takes them: they are scaled by the original image's size. */
#ifndef DETR_DETECT_H
#define DETR_DETECT_H

#include <stddef.h>

#include "image.h"

typedef struct {
    int src_w, src_h; /* the original image */
    int w, h;         /* the resized image, placed at the canvas's top-left */
    int canvas_w, canvas_h;
    int masked; /* the model is told the padding: boxes are relative to w x h */
} resize_plan;

typedef struct {
    int w, h; /* 0x0: not usable */
} canvas_size;

typedef struct {
    int query, label;
    float score;
    float box[4]; /* x0, y0, x1, y1 in the original image's pixels */
} detection;

typedef struct {
    char **names;
    int n;
} class_names;

/* DETR's evaluation size (shorter side min_size, longer at most max_size,
 * as its RandomResize([min_size], max_size)); then, if that does not fit
 * the canvas, the largest size of the same aspect ratio that does.
 * min_size 0: fit the canvas directly. */
void plan_resize(int src_w, int src_h, int min_size, int max_size, int canvas_h, int canvas_w, resize_plan *rp);
/* Of n canvases, the smallest (by area, then the first) holding DETR's
 * evaluation size of the image; if none does (or min_size is 0), the
 * largest (of equal areas, the one the image fills most), which
 * plan_resize then fits the image into. -1 if no canvas is usable. */
int pick_canvas(int src_w, int src_h, int min_size, int max_size, const canvas_size *canvases, int n);
/* The padding mask, 1 (True) outside the resized image: canvas_h x canvas_w bytes. */
void padding_mask(const resize_plan *rp, unsigned char *mask);
/* Resize (Pillow's bilinear), scale to [0,1], normalize with ImageNet's
 * mean and std, zero-pad: out is 3 x canvas_h x canvas_w float32. */
int preprocess(const image *im, const resize_plan *rp, float *out, char *err, size_t errlen);
/* Softmax over each query's logits (the last class is "no object"), best
 * real class and its probability; queries scoring at least threshold are
 * written to dets, highest score first. Returns their count. */
int postprocess(const float *logits, const float *boxes, int n_queries, int n_logits, const resize_plan *rp,
                float threshold, detection *dets);

/* names for n_classes classes: from path (one a line), else COCO's when
 * n_classes is 91, else "class N"; names the file lacks are "class N". */
int class_names_load(class_names *cn, const char *path, int n_classes, char *err, size_t errlen);
void class_names_free(class_names *cn);

#endif
