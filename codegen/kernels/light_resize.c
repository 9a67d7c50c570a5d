/* light_resize.c - the Resize kernel template.
 *
 * Resize is separable, as the spec and the reference kernel
 * (ir/ref_resize.c) define it: for each axis and output coordinate the
 * input taps (index, weight) are computed once, then every output element
 * is the weighted sum over the product of its axes' taps. Each task builds
 * those per-axis tables in its scratch area (a few KB: sum of the output
 * dims times the taps per coordinate) and then computes its range of output
 * elements. Scales, sizes and roi may be run-time tensors - ONNX's own tests
 * feed them as inputs - so the plan (scale and roi per axis) is finished
 * here, with the reference's formulas; nearest copies elements by size,
 * linear and cubic compute in double. */
#include "light_common.h"

typedef struct {
    int32_t *count;
    int64_t *off;
    double *w;
    uint8_t *outside;
} rs_taps;

/* Scale and roi per axis: the descriptor's, completed from the scales,
 * sizes and roi buffers. */
K_INLINE void rs_plan(const struct k_resize *d, void *const *bufs, double *scale, double *lo,
                      double *hi)
{
    for (int32_t k = 0; k < d->rank; k++)
        scale[k] = d->scale[k], lo[k] = d->roi_lo[k], hi[k] = d->roi_hi[k];
    if (d->scales >= 0)
        for (int32_t i = 0; i < d->n_axes; i++)
            scale[d->axes[i]] = k_ldf(d->scales_dt, bufs[d->scales], i);
    if (d->sizes >= 0) {
        double common = d->keep == K_KA_NOT_LARGER ? INFINITY : 0;
        int known = 1;
        for (int32_t i = 0; i < d->n_axes; i++) {
            int32_t ax = d->axes[i];
            int64_t s = k_ldi(K_I64, bufs[d->sizes], i), in = d->in[ax];
            scale[ax] = in > 0 ? (double)s / (double)in : 0;
            known &= in > 0;
            if (in > 0)
                common =
                    d->keep == K_KA_NOT_LARGER ? fmin(common, scale[ax]) : fmax(common, scale[ax]);
        }
        for (int32_t i = 0; d->keep != K_KA_STRETCH && i < d->n_axes; i++)
            scale[d->axes[i]] = known ? common : 0;
    }
    if (d->roi >= 0 && d->ct == K_CT_TF_CROP_AND_RESIZE)
        for (int32_t i = 0; i < d->n_axes; i++) {
            lo[d->axes[i]] = k_ldf(d->roi_dt, bufs[d->roi], i);
            hi[d->axes[i]] = k_ldf(d->roi_dt, bufs[d->roi], d->n_axes + i);
        }
}

/* The input coordinate of output coordinate o. */
K_INLINE double rs_coord(const struct k_resize *d, double s, double lo, double hi, int64_t o,
                         int64_t in, int64_t out)
{
    double x = (double)o, out_f = s * (double)in;
    switch (d->ct) {
    case K_CT_PYTORCH_HALF_PIXEL: return out > 1 ? (x + 0.5) / s - 0.5 : 0;
    case K_CT_ALIGN_CORNERS: return out_f == 1 ? 0 : x * (double)(in - 1) / (out_f - 1);
    case K_CT_ASYMMETRIC: return x / s;
    case K_CT_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / s;
    case K_CT_TF_CROP_AND_RESIZE:
        return (out_f == 1 ? (hi - lo) * (double)(in - 1) / 2
                           : x * (hi - lo) * (double)(in - 1) / (out_f - 1)) +
               lo * (double)(in - 1);
    case K_CT_HALF_PIXEL_SYMMETRIC: {
        double off = (double)in / 2 * (1 - (double)out / out_f);
        return off + (x + 0.5) / s - 0.5;
    }
    default: return (x + 0.5) / s - 0.5;
    }
}

K_INLINE int64_t rs_nearest(const struct k_resize *d, double x, double s, int64_t in)
{
    double f = floor(x), r = x;
    if (x != f) {
        switch (d->nm) {
        case K_NM_ROUND_PREFER_CEIL: r = x - f < 0.5 ? f : f + 1; break;
        case K_NM_FLOOR: r = f; break;
        case K_NM_CEIL: r = f + 1; break;
        case K_NM_SIMPLE: r = s < 1 ? f + 1 : f; break;
        default: r = x - f <= 0.5 ? f : f + 1; break;
        }
    }
    return !(r >= 0) ? 0 : r > (double)(in - 1) ? in - 1 : (int64_t)r;
}

K_INLINE double rs_filter(const struct k_resize *d, double t)
{
    t = fabs(t);
    if (d->mode == K_RM_LINEAR)
        return t < 1 ? 1 - t : 0;
    double a = d->cubic_a;
    if (t <= 1)
        return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2)
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
    return 0;
}

/* Linear/cubic taps at input coordinate x (at most max); returns the count.
 * Taps past the filter's support weigh 0 and are dropped, so a larger max
 * than needed changes nothing. */
K_INLINE int32_t rs_filter_taps(const struct k_resize *d, double x, double s, int64_t in,
                                int64_t stride, int32_t max, int64_t *off, double *w)
{
    double sk = d->antialias && s < 1 ? s : 1, support = d->mode == K_RM_LINEAR ? 1 : 2;
    int64_t start = (int64_t)floor(-support / sk) + 1;
    double base = floor(x), ratio = x - base, sum = 0;
    if (ratio == 0) { /* the spec prefers the left pixel: ratio in (0, 1] */
        base -= 1;
        ratio = 1;
    }
    int32_t k = 0;
    for (int32_t i = 0; i < max; i++) {
        int64_t j = (int64_t)base + start + i;
        double wt = rs_filter(d, ((double)(start + i) - ratio) * sk);
        if (d->exclude_outside && (j < 0 || j >= in))
            wt = 0;
        sum += wt;
        if (wt == 0)
            continue;
        j = j < 0 ? 0 : j >= in ? in - 1 : j;
        off[k] = j * stride;
        w[k++] = wt;
    }
    for (int32_t i = 0; i < k && sum != 0; i++)
        w[i] /= sum;
    if (k == 0) {
        off[0] = 0;
        w[0] = 0;
        k = 1;
    }
    return k;
}

/* Taps of axis ax for every output coordinate. */
K_INLINE void rs_axis(const struct k_resize *d, int32_t ax, double s, double lo, double hi,
                      int64_t stride, rs_taps *t)
{
    int64_t in = d->in[ax], out = d->outd[ax];
    int32_t m = d->taps[ax];
    for (int64_t o = 0; o < out; o++) {
        double x = rs_coord(d, s, lo, hi, o, in, out);
        int64_t e = o * m;
        /* only tf_crop_and_resize can leave the input (or, with a NaN roi, produce NaN) */
        t->outside[o] = !(x >= 0 && x <= (double)(in - 1)) &&
                        (d->ct == K_CT_TF_CROP_AND_RESIZE || !isfinite(x));
        if (t->outside[o]) {
            t->count[o] = 1, t->off[e] = 0, t->w[e] = 0;
        } else if (d->mode == K_RM_NEAREST) {
            t->count[o] = 1, t->off[e] = rs_nearest(d, x, s, in) * stride, t->w[e] = 1;
        } else {
            t->count[o] = rs_filter_taps(d, x, s, in, stride, m, t->off + e, t->w + e);
        }
    }
}

/* Carves the tables out of scratch (layout mirrored by the lowering). */
K_INLINE void rs_tables(const struct k_resize *d, void *const *bufs, uint8_t *scratch, rs_taps *t)
{
    double scale[K_WALK_RANK], lo[K_WALK_RANK], hi[K_WALK_RANK];
    int64_t stride = 1;
    rs_plan(d, bufs, scale, lo, hi);
    for (int32_t k = d->rank - 1; k >= 0; k--) {
        int64_t n = d->outd[k], m = d->taps[k];
        t[k].off = (int64_t *)scratch;
        t[k].w = (double *)(scratch + 8 * n * m);
        t[k].count = (int32_t *)(scratch + 16 * n * m);
        t[k].outside = scratch + 16 * n * m + 4 * n;
        scratch += (16 * n * m + 5 * n + 7) / 8 * 8;
        rs_axis(d, k, scale[k], lo[k], hi[k], stride, &t[k]);
        stride *= d->in[k];
    }
}

/* Weighted sum over the product of the taps of output position o. */
K_INLINE double rs_point(const struct k_resize *d, const void *x, const rs_taps *t,
                         const int64_t *o)
{
    int32_t k[K_WALK_RANK] = {0};
    double acc = 0;
    for (;;) {
        double w = 1;
        int64_t off = 0;
        for (int32_t i = 0; i < d->rank; i++) {
            int64_t e = o[i] * d->taps[i] + k[i];
            w *= t[i].w[e];
            off += t[i].off[e];
        }
        acc += w * k_ldf(d->dtype, x, off);
        int32_t i = d->rank - 1;
        while (i >= 0 && ++k[i] == t[i].count[o[i]])
            k[i--] = 0;
        if (i < 0)
            return acc;
    }
}

KERNEL(resize)
{
    rs_taps t[K_WALK_RANK];
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->total), o[K_WALK_RANK];
    if (b >= e)
        return;
    rs_tables(d, bufs, scratch, t);
    const void *x = bufs[d->x];
    void *y = bufs[d->out];
    for (int64_t i = b; i < e; i++) {
        int64_t rem = i, off = 0;
        int outside = 0;
        for (int32_t k = d->rank - 1; k >= 0; k--) {
            o[k] = rem % d->outd[k];
            rem /= d->outd[k];
            outside |= t[k].outside[o[k]];
            off += t[k].off[o[k] * d->taps[k]];
        }
        if (outside)
            k_stf(d->dtype, y, i, d->extrapolation);
        else if (d->mode == K_RM_NEAREST && k_is_float(d->dtype))
            k_stf(d->dtype, y, i, k_ldf(d->dtype, x, off));
        else if (d->mode == K_RM_NEAREST)
            k_sti(d->dtype, y, i, (uint64_t)k_ldi(d->dtype, x, off), 1);
        else
            k_stf(d->dtype, y, i, rs_point(d, x, t, o));
    }
}
