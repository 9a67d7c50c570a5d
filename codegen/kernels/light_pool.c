/* light_pool.c - pooling kernel templates: MaxPool (a fast row kernel, and
 * the reference-exact path with Indices), AveragePool, GlobalAveragePool.
 *
 * All work in 3-D window geometry (struct k_win): 1-D and 2-D pooling get
 * leading dimensions of size 1. The fast MaxPool computes one output row
 * (plane, depth, height) at a time as a running maximum over the window's
 * taps, each tap a loop over the output columns whose input columns are in
 * range (strided loads that LLVM vectorizes); it compares in the data's own
 * type, so the result equals the reference's. A NaN in the window makes the
 * maximum NaN (as in PyTorch and numpy), wherever it is in the window. The generic kernel mirrors
 * ir/ref_linalg.c's pool_point in double: Indices, averages (with or
 * without count_include_pad) and every dtype. */
#include "light_common.h"

/* ---- MaxPool, fast path ----------------------------------------------------- */

/* max over the taps of the window rows rows[0..g) (invalid rows replaced
 * by a valid one: max is idempotent, and g stays a constant), kw taps at
 * input columns q * s + kw * dil - pb. Interior columns, where every tap is
 * inside the row, run one vectorizable loop with all g * k2 taps; the few
 * edge columns check each tap. */
/* clang-format off */
#define MP_ROWS(T)                                                                                 \
    {                                                                                              \
        T *yy = (T *)y;                                                                            \
        const T *rows[8];                                                                          \
        for (int32_t r = 0; r < g; r++)                                                            \
            rows[r] = (const T *)rp[r];                                                            \
        for (int64_t q = qlo; q < qhi; q++) {                                                      \
            T m = yy[q];                                                                           \
            K_UNROLL                                                                               \
            for (int32_t r = 0; r < g; r++) {                                                      \
                K_UNROLL                                                                           \
                for (int64_t kw = 0; kw < w->k[2]; kw++) {                                         \
                    T v = rows[r][q * s + kw * w->dil[2] - w->pb[2]];                              \
                    m = v > m || v != v ? v : m;                                                   \
                }                                                                                  \
            }                                                                                      \
            yy[q] = m;                                                                             \
        }                                                                                          \
        for (int64_t q = 0; q < w->out[2]; q = q + 1 == qlo && qhi > qlo ? qhi : q + 1) {          \
            T m = yy[q];                                                                           \
            for (int32_t r = 0; r < g; r++)                                                        \
                for (int64_t kw = 0; kw < w->k[2]; kw++) {                                         \
                    int64_t iw = q * s + kw * w->dil[2] - w->pb[2];                                \
                    T v = iw >= 0 && iw < w->in[2] ? rows[r][iw] : m;                              \
                    m = v > m || v != v ? v : m;                                                   \
                }                                                                                  \
            yy[q] = m;                                                                             \
        }                                                                                          \
    }                                                                                              \
    break
/* clang-format on */

#define MAXPOOL_INIT(T, V)                                                                         \
    for (int64_t q = 0; q < w->out[2]; q++)                                                        \
        ((T *)y)[q] = (V);                                                                         \
    break

/* Up to g window rows (input depth id, heights oh * s + kh * dil - pb for
 * kh in [kh0, kh0 + g)) into rp; false if none is inside the input. */
K_INLINE int maxpool_rows(const struct k_win *w, const uint8_t *xp, int64_t id, int64_t oh,
                          int64_t kh0, int32_t g, int64_t es, const uint8_t **rp)
{
    const uint8_t *first = 0;
    for (int32_t r = 0; r < g; r++) {
        int64_t kh = kh0 + r, ih = oh * w->s[1] + kh * w->dil[1] - w->pb[1];
        rp[r] = kh < w->k[1] && ih >= 0 && ih < w->in[1] ? xp + (id * w->in[1] + ih) * w->in[2] * es
                                                         : 0;
        first = first ? first : rp[r];
    }
    for (int32_t r = 0; r < g; r++)
        rp[r] = rp[r] ? rp[r] : first;
    return first != 0;
}

K_INLINE void maxpool_row(const struct k_maxpool *d, const uint8_t *xp, uint8_t *y, int64_t od,
                          int64_t oh, int64_t es)
{
    const struct k_win *w = &d->w;
    switch (d->dtype) {
    case K_F32: MAXPOOL_INIT(float, -INFINITY);
    case K_F64: MAXPOOL_INIT(double, -INFINITY);
    case K_I8: MAXPOOL_INIT(int8_t, INT8_MIN);
    default: MAXPOOL_INIT(uint8_t, 0);
    }
    int64_t s = w->s[2], lastoff = (w->k[2] - 1) * w->dil[2] - w->pb[2];
    int64_t qlo = (w->pb[2] + s - 1) / s,
            qhi = w->in[2] - 1 - lastoff < 0 ? 0 : (w->in[2] - 1 - lastoff) / s + 1;
    int32_t g = (int32_t)K_MIN(w->k[1], 8);
    qhi = K_MIN(qhi, w->out[2]);
    qlo = K_MIN(qlo, w->out[2]);
    for (int64_t kd = 0; kd < w->k[0]; kd++) {
        int64_t id = od * w->s[0] + kd * w->dil[0] - w->pb[0];
        for (int64_t kh0 = 0; id >= 0 && id < w->in[0] && kh0 < w->k[1]; kh0 += g) {
            const uint8_t *rp[8];
            if (!maxpool_rows(w, xp, id, oh, kh0, g, es, rp))
                continue;
            switch (d->dtype) {
            case K_F32: MP_ROWS(float);
            case K_F64: MP_ROWS(double);
            case K_I8: MP_ROWS(int8_t);
            default: MP_ROWS(uint8_t);
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
        int64_t oh = r % w->out[1], od = (r / w->out[1]) % w->out[0],
                pl = r / (w->out[1] * w->out[0]);
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
                cnt_pad += id < w->in[0] + w->pe[0] && ih < w->in[1] + w->pe[1] &&
                           iw < w->in[2] + w->pe[2];
                if (id < 0 || id >= w->in[0] || ih < 0 || ih >= w->in[1] || iw < 0 ||
                    iw >= w->in[2])
                    continue;
                int64_t e = (id * w->in[1] + ih) * w->in[2] + iw;
                double v = k_ldf(d->dtype, x, xo + e);
                cnt++;
                if (!d->max)
                    r.val += v;
                else if (v > r.val || r.arg < 0 || (v != v && r.val == r.val)) /* the first NaN wins */
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
