/* light_pool.c - pooling kernel templates: MaxPool (a fast row kernel, and
 * the reference-exact path with Indices), AveragePool, GlobalAveragePool.
 *
 * All work in 3-D window geometry (struct k_win): 1-D and 2-D pooling get
 * leading dimensions of size 1. The fast MaxPool computes one output row
 * (plane, depth, height) at a time as a running maximum over the window's
 * taps, each tap a loop over the output columns whose input columns are in
 * range (strided loads that LLVM vectorizes); it compares in the data's own
 * type, so the result equals the reference's. The generic kernel mirrors
 * ir/ref_linalg.c's pool_point in double: Indices, averages (with or
 * without count_include_pad) and every dtype. */
#include "light_common.h"

/* ---- MaxPool, fast path ----------------------------------------------------- */

/* y[q] = max(y[q], x[q * s + off]) for the output columns q whose input
 * column is inside [0, iw). */
#define MAXPOOL_TAP(T)                                                                             \
    {                                                                                              \
        T *yy = (T *)y;                                                                            \
        const T *xx = (const T *)xr;                                                               \
        for (int64_t q = lo; q < hi; q++) {                                                        \
            T v = xx[q * s + off];                                                                 \
            yy[q] = v > yy[q] ? v : yy[q];                                                         \
        }                                                                                          \
    }                                                                                              \
    break

#define MAXPOOL_INIT(T, V)                                                                         \
    for (int64_t q = 0; q < w->out[2]; q++)                                                        \
        ((T *)y)[q] = (V);                                                                         \
    break

K_INLINE void maxpool_row(const struct k_maxpool *d, const uint8_t *xp, uint8_t *y, int64_t od, int64_t oh,
                          int64_t es)
{
    const struct k_win *w = &d->w;
    switch (d->dtype) {
    case K_F32: MAXPOOL_INIT(float, -INFINITY);
    case K_F64: MAXPOOL_INIT(double, -INFINITY);
    case K_I8: MAXPOOL_INIT(int8_t, INT8_MIN);
    default: MAXPOOL_INIT(uint8_t, 0);
    }
    int64_t s = w->s[2], iw = w->in[2];
    for (int64_t kd = 0; kd < w->k[0]; kd++) {
        int64_t id = od * w->s[0] + kd * w->dil[0] - w->pb[0];
        for (int64_t kh = 0; id >= 0 && id < w->in[0] && kh < w->k[1]; kh++) {
            int64_t ih = oh * w->s[1] + kh * w->dil[1] - w->pb[1];
            if (ih < 0 || ih >= w->in[1])
                continue;
            const uint8_t *xr = xp + (id * w->in[1] + ih) * iw * es;
            for (int64_t kw = 0; kw < w->k[2]; kw++) {
                int64_t off = kw * w->dil[2] - w->pb[2]; /* input column of output column 0 */
                int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
                int64_t hi = iw - 1 - off < 0 ? 0 : (iw - 1 - off) / s + 1;
                hi = K_MIN(hi, w->out[2]);
                switch (d->dtype) {
                case K_F32: MAXPOOL_TAP(float);
                case K_F64: MAXPOOL_TAP(double);
                case K_I8: MAXPOOL_TAP(int8_t);
                default: MAXPOOL_TAP(uint8_t);
                }
            }
        }
    }
}

KERNEL(maxpool)
{
    const struct k_win *w = &d->w;
    int64_t es = d->dtype == K_F32 ? 4 : d->dtype == K_F64 ? 8 : 1;
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->rows);
    int64_t isp = w->in[0] * w->in[1] * w->in[2];
    for (int64_t r = b; r < e; r++) {
        int64_t oh = r % w->out[1], od = (r / w->out[1]) % w->out[0], pl = r / (w->out[1] * w->out[0]);
        const uint8_t *xp = (const uint8_t *)bufs[d->x] + pl * isp * es;
        maxpool_row(d, xp, (uint8_t *)bufs[d->out] + r * w->out[2] * es, od, oh, es);
    }
}

/* ---- MaxPool with Indices, AveragePool -------------------------------------- */

typedef struct {
    double val;
    int64_t arg; /* MaxPool: plane offset of the max, -1 if none */
} pool_res;

/* One output position over plane x (element offset xo). Average counts the
 * elements inside the input, or (include_pad) inside the padded input. */
K_INLINE pool_res pool_point(const struct k_pool *d, const void *x, int64_t xo, const int64_t *o)
{
    const struct k_win *w = &d->w;
    pool_res r = {d->max ? -INFINITY : 0, -1};
    int64_t cnt = 0, cnt_pad = 0;
    for (int64_t kd = 0; kd < w->k[0]; kd++) {
        int64_t id = o[0] * w->s[0] + kd * w->dil[0] - w->pb[0];
        for (int64_t kh = 0; kh < w->k[1]; kh++) {
            int64_t ih = o[1] * w->s[1] + kh * w->dil[1] - w->pb[1];
            for (int64_t kw = 0; kw < w->k[2]; kw++) {
                int64_t iw = o[2] * w->s[2] + kw * w->dil[2] - w->pb[2];
                cnt_pad += id < w->in[0] + w->pe[0] && ih < w->in[1] + w->pe[1] && iw < w->in[2] + w->pe[2];
                if (id < 0 || id >= w->in[0] || ih < 0 || ih >= w->in[1] || iw < 0 || iw >= w->in[2])
                    continue;
                int64_t e = (id * w->in[1] + ih) * w->in[2] + iw;
                double v = k_ldf(d->dtype, x, xo + e);
                cnt++;
                if (!d->max)
                    r.val += v;
                else if (v > r.val || r.arg < 0)
                    r.val = v, r.arg = e;
            }
        }
    }
    if (!d->max)
        r.val /= (double)(d->include_pad ? cnt_pad : cnt);
    return r;
}

/* Indices are flat over the input, row-major (or column-major over the
 * spatial dims with storage_order 1). */
K_INLINE int64_t pool_index(const struct k_win *w, int64_t plane, int64_t e, int colmajor)
{
    int64_t sp = w->in[0] * w->in[1] * w->in[2];
    if (e < 0)
        return -1;
    if (colmajor) {
        int64_t iw = e % w->in[2], ih = (e / w->in[2]) % w->in[1], id = e / (w->in[2] * w->in[1]);
        e = id + w->in[0] * (ih + w->in[1] * iw);
    }
    return plane * sp + e;
}

KERNEL(pool)
{
    const struct k_win *w = &d->w;
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->planes);
    int64_t isp = w->in[0] * w->in[1] * w->in[2], osp = w->out[0] * w->out[1] * w->out[2];
    for (int64_t pl = b; pl < e; pl++) {
        int64_t o[3], y = pl * osp;
        for (o[0] = 0; o[0] < w->out[0]; o[0]++)
            for (o[1] = 0; o[1] < w->out[1]; o[1]++)
                for (o[2] = 0; o[2] < w->out[2]; o[2]++, y++) {
                    pool_res r = pool_point(d, bufs[d->x], pl * isp, o);
                    k_stf(d->dtype, bufs[d->out], y, r.val);
                    if (d->indices >= 0)
                        ((int64_t *)bufs[d->indices])[y] = pool_index(w, pl, r.arg, d->colmajor);
                }
    }
}

/* ---- GlobalAveragePool ---------------------------------------------------------- */

KERNEL(globalpool)
{
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->planes);
    for (int64_t pl = b; pl < e; pl++) {
        double s = 0;
        for (int64_t i = 0; i < d->sp; i++)
            s += k_ldf(d->dtype, bufs[d->x], pl * d->sp + i);
        k_stf(d->dtype, bufs[d->out], pl, s / (double)d->sp);
    }
}
