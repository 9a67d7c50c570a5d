/* detect.c - the numeric part of detr_detect: DETR's evaluation transform
 * (resize, ImageNet normalization, zero padding) and its post-processing
 * (softmax without the no-object class, boxes from normalized centre/size
 * to pixel corners).
 *
 * Each step follows what DETR's own code computes, so that the
 * detections equal PyTorch's on the same image: the size rule is
 * RandomResize's get_size (Python's round, integer truncation), the
 * normalization is ToTensor + Normalize in float32, and scores come from a
 * softmax over all logits, the last (no object) included. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strndup, getpid, unlink under -std=c11 */
#endif
#include "detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

static void detr_size(int w, int h, int min_size, int max_size, int *ow, int *oh)
{
    double size = min_size;
    double lo = w < h ? w : h, hi = w < h ? h : w;
    if (max_size > 0 && hi / lo * size > max_size)
        size = nearbyint(max_size * lo / hi); /* Python's round: ties to even */
    if ((w <= h && w == size) || (h <= w && h == size)) {
        *ow = w;
        *oh = h;
    } else if (w < h) {
        *ow = (int)size;
        *oh = (int)(size * h / w);
    } else {
        *oh = (int)size;
        *ow = (int)(size * w / h);
    }
}

void plan_resize(int src_w, int src_h, int min_size, int max_size, int canvas_h, int canvas_w, resize_plan *rp)
{
    int w = canvas_w + 1, h = canvas_h + 1;
    if (min_size > 0)
        detr_size(src_w, src_h, min_size, max_size, &w, &h);
    if (w > canvas_w || h > canvas_h || w < 1 || h < 1) {
        /* the side that is tighter gets the canvas's size exactly */
        if ((double)canvas_h / src_h <= (double)canvas_w / src_w) {
            h = canvas_h;
            w = (int)((double)src_w * canvas_h / src_h);
        } else {
            w = canvas_w;
            h = (int)((double)src_h * canvas_w / src_w);
        }
        w = w < 1 ? 1 : w > canvas_w ? canvas_w : w;
        h = h < 1 ? 1 : h > canvas_h ? canvas_h : h;
    }
    *rp = (resize_plan){.src_w = src_w, .src_h = src_h, .w = w, .h = h, .canvas_w = canvas_w,
                        .canvas_h = canvas_h};
}

/* How much an image of src_w x src_h can grow to fit the canvas. */
static double fit_scale(int src_w, int src_h, const canvas_size *c)
{
    double sx = (double)c->w / src_w, sy = (double)c->h / src_h;
    return sx < sy ? sx : sy;
}

int pick_canvas(int src_w, int src_h, int min_size, int max_size, const canvas_size *canvases, int n)
{
    int w = 0, h = 0, best = -1, largest = -1;
    if (min_size > 0)
        detr_size(src_w, src_h, min_size, max_size, &w, &h);
    for (int k = 0; k < n; k++) {
        const canvas_size *c = &canvases[k];
        long long area = (long long)c->w * c->h;
        if (area <= 0)
            continue;
        long long big = largest < 0 ? -1 : (long long)canvases[largest].w * canvases[largest].h;
        /* the largest; of equal ones, the one the image fills most */
        if (area > big || (area == big && fit_scale(src_w, src_h, c) > fit_scale(src_w, src_h, &canvases[largest])))
            largest = k;
        if (min_size > 0 && w <= c->w && h <= c->h &&
            (best < 0 || area < (long long)canvases[best].w * canvases[best].h))
            best = k;
    }
    return best >= 0 ? best : largest;
}

void padding_mask(const resize_plan *rp, unsigned char *mask)
{
    for (int y = 0; y < rp->canvas_h; y++)
        for (int x = 0; x < rp->canvas_w; x++)
            mask[(size_t)y * rp->canvas_w + x] = y >= rp->h || x >= rp->w;
}

int preprocess(const image *im, const resize_plan *rp, float *out, char *err, size_t errlen)
{
    image small;
    if (image_resize_bilinear(im, rp->w, rp->h, &small, err, errlen))
        return -1;
    size_t plane = (size_t)rp->canvas_w * rp->canvas_h;
    for (int c = 0; c < 3; c++) {
        float *dst = out + c * plane;
        for (int y = 0; y < rp->canvas_h; y++)
            for (int x = 0; x < rp->canvas_w; x++) {
                float v = 0.0f;
                if (y < rp->h && x < rp->w) {
                    float u = (float)small.px[((size_t)y * rp->w + x) * 3 + c] / 255.0f;
                    v = (u - imagenet_mean[c]) / imagenet_std[c];
                }
                dst[(size_t)y * rp->canvas_w + x] = v;
            }
    }
    image_free(&small);
    return 0;
}

static int by_score(const void *a, const void *b)
{
    const detection *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->query - y->query;
}

int postprocess(const float *logits, const float *boxes, int n_queries, int n_logits, const resize_plan *rp,
                float threshold, detection *dets)
{
    /* normalized coordinates -> pixels of the canvas (of the resized image
     * for a masked model) -> original pixels */
    double sx = (double)(rp->masked ? rp->w : rp->canvas_w) * rp->src_w / rp->w;
    double sy = (double)(rp->masked ? rp->h : rp->canvas_h) * rp->src_h / rp->h;
    int n = 0;
    for (int q = 0; q < n_queries; q++) {
        const float *l = logits + (size_t)q * n_logits;
        double mx = l[0], sum = 0.0;
        for (int k = 1; k < n_logits; k++)
            mx = l[k] > mx ? l[k] : mx;
        for (int k = 0; k < n_logits; k++)
            sum += exp(l[k] - mx);
        int best = 0;
        for (int k = 1; k < n_logits - 1; k++)
            best = l[k] > l[best] ? k : best;
        float score = (float)(exp(l[best] - mx) / sum);
        if (!(score >= threshold))
            continue;
        const float *b = boxes + (size_t)q * 4;
        detection *d = &dets[n++];
        d->query = q;
        d->label = best;
        d->score = score;
        d->box[0] = (float)((b[0] - 0.5 * b[2]) * sx);
        d->box[1] = (float)((b[1] - 0.5 * b[3]) * sy);
        d->box[2] = (float)((b[0] + 0.5 * b[2]) * sx);
        d->box[3] = (float)((b[1] + 0.5 * b[3]) * sy);
    }
    qsort(dets, (size_t)n, sizeof *dets, by_score);
    return n;
}
