/* dense_norm.c - LayerNorm (with its residual add) and Softmax kernels.
 *
 * Both are row reductions. Sums and maxima are accumulated in 16-lane
 * vectors explicitly: LLVM would not vectorize a float reduction on its own
 * (that needs reassociation), while the elementwise loops around them are
 * left plain for it to vectorize. Softmax uses the polynomial exp of
 * dense_mk.h, 16 lanes at a time; along an inner (strided) axis the 16 lanes
 * are 16 neighbouring lines rather than one row. A task is a block of rows. */
#include <math.h>

#include "dense_mk.h"
#include "kabi.h"

/* Sum of s[0..n) and of (s[i] - mean)^2, both in vector partial sums. */
DK_INLINE float row_sum(const float *s, int64_t n)
{
    dk_v16 acc = DK_SPLAT(0.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc += *(const dk_v16u *)(s + i);
    float t = dk_hsum(&acc);
    for (; i < n; i++)
        t += s[i];
    return t;
}

DK_INLINE float row_sqdev(const float *s, int64_t n, float mean)
{
    dk_v16 acc = DK_SPLAT(0.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        dk_v16 v = *(const dk_v16u *)(s + i) - mean;
        acc += v * v;
    }
    float t = dk_hsum(&acc);
    for (; i < n; i++)
        t += (s[i] - mean) * (s[i] - mean);
    return t;
}

KERNEL(layernorm)
{
    int64_t n = d->inner, r0 = task * d->per_task, r1 = dk_min(d->rows, r0 + d->per_task);
    const float *X = bufs[d->x], *R = d->r >= 0 ? bufs[d->r] : 0;
    const float *S = bufs[d->scale], *B = d->bias >= 0 ? bufs[d->bias] : 0;
    float *Y = bufs[d->y], *SUM = d->sum >= 0 ? bufs[d->sum] : 0;
    for (int64_t row = r0; row < r1; row++) {
        const float *x = X + row * n, *s = x;
        float *y = Y + row * n;
        if (R) {
            float *restrict t = SUM ? SUM + row * n : (float *)scratch;
            const float *r = R + row * n;
            for (int64_t i = 0; i < n; i++)
                t[i] = x[i] + r[i];
            s = t;
        }
        float mean = row_sum(s, n) / (float)n;
        float inv = 1.0f / sqrtf(row_sqdev(s, n, mean) / (float)n + d->eps);
        if (d->mean >= 0)
            ((float *)bufs[d->mean])[row] = mean;
        if (d->invstd >= 0)
            ((float *)bufs[d->invstd])[row] = inv;
        if (d->scale_bcast || (B && d->bias_bcast)) {
            for (int64_t i = 0; i < n; i++)
                y[i] = (s[i] - mean) * inv * S[d->scale_bcast ? 0 : i] + (B ? B[d->bias_bcast ? 0 : i] : 0.0f);
        } else if (B) {
            for (int64_t i = 0; i < n; i++)
                y[i] = (s[i] - mean) * inv * S[i] + B[i];
        } else {
            for (int64_t i = 0; i < n; i++)
                y[i] = (s[i] - mean) * inv * S[i];
        }
    }
}

/* ---- softmax ------------------------------------------------------------ */

/* One contiguous row of n. */
DK_INLINE void softmax_row(const float *x, float *y, int64_t n)
{
    dk_v16 mv = DK_SPLAT(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        dk_v16 v = *(const dk_v16u *)(x + i);
        dk_max_into(&mv, &v);
    }
    float mx = dk_hmax(&mv);
    for (; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    if (mx == -INFINITY) { /* as the reference: exp(-inf - -inf) is NaN */
        for (i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    dk_v16 acc = DK_SPLAT(0.0f);
    for (i = 0; i + 16 <= n; i += 16) {
        dk_v16 e = *(const dk_v16u *)(x + i) - mx;
        dk_exp_neg(&e);
        *(dk_v16u *)(y + i) = e;
        acc += e;
    }
    if (i < n) { /* the tail through a padded vector */
        dk_v16 e = DK_SPLAT(-INFINITY);
        for (int64_t j = i; j < n; j++)
            e[j - i] = x[j];
        e = e - mx;
        dk_exp_neg(&e);
        for (int64_t j = i; j < n; j++)
            y[j] = e[j - i];
        acc += e; /* exp(-inf) = 0 in the padding */
    }
    float inv = 1.0f / dk_hsum(&acc);
    for (i = 0; i < n; i++)
        y[i] *= inv;
}

/* w <= 16 neighbouring lines x[l * stride + lane] of length n. */
DK_INLINE void softmax_lanes(const float *x, float *y, int64_t n, int64_t stride, int64_t w)
{
    dk_v16 mv = DK_SPLAT(-INFINITY), acc = DK_SPLAT(0.0f), v = acc;
    for (int64_t l = 0; l < n; l++) {
        for (int64_t j = 0; j < 16; j++)
            v[j] = j < w ? x[l * stride + j] : 0.0f;
        dk_max_into(&mv, &v);
    }
    for (int64_t l = 0; l < n; l++) {
        for (int64_t j = 0; j < 16; j++)
            v[j] = j < w ? x[l * stride + j] : 0.0f;
        dk_v16 e = v - mv;
        dk_exp_neg(&e);
        acc += e;
        for (int64_t j = 0; j < w; j++)
            y[l * stride + j] = e[j];
    }
    for (int64_t j = 0; j < w; j++) {
        float inv = mv[j] == -INFINITY ? NAN : 1.0f / acc[j];
        for (int64_t l = 0; l < n; l++)
            y[l * stride + j] *= inv;
    }
}

KERNEL(softmax)
{
    const float *X = bufs[d->x];
    float *Y = bufs[d->y];
    int64_t o1 = dk_min(d->outer, (task + 1) * d->per_task);
    for (int64_t o = task * d->per_task; o < o1; o++) {
        const float *x = X + o * d->len * d->inner;
        float *y = Y + o * d->len * d->inner;
        if (d->inner == 1)
            softmax_row(x, y, d->len);
        else {
            int64_t j = 0;
            for (; j + 16 <= d->inner; j += 16)
                softmax_lanes(x + j, y + j, d->len, d->inner, 16);
            if (j < d->inner)
                softmax_lanes(x + j, y + j, d->len, d->inner, d->inner - j);
        }
    }
}
