/* light_reduce.c - kernel templates that work along axes: ReduceMean and
 * ReduceMax, CumSum, ArgMax, TopK and BatchNormalization.
 *
 * They mirror the reference kernels (ir/ref_reduce.c) operation for
 * operation: floating-point sums in double, accumulated in the input's
 * row-major order; orderings (max, arg max, top-k) comparing elements in
 * their own type with NaN as the largest value; ties resolved the same way.
 * Each task takes a range of independent outputs (output elements, lines,
 * channels). None of these ops is hot in the models onnxc targets (DETR's
 * normalizations are fused), so the code stays generic over the dtype
 * through the light_common.h accessors, which fold to one type per node. */
#include "light_common.h"

/* ---- ReduceMean, ReduceMax ------------------------------------------------ */

/* The reduced axes: the descriptor's, or the run-time axes tensor's. */
K_INLINE void reduce_mask(const struct k_reduce *d, void *const *bufs, int32_t *red)
{
    int all = d->naxes == 0 && !d->noop;
    for (int32_t k = 0; k < d->rank; k++)
        red[k] = d->axes >= 0 ? all : d->red[k];
    for (int64_t i = 0; d->axes >= 0 && i < d->naxes; i++) {
        int64_t a = k_ldi(K_I64, bufs[d->axes], i);
        a = a < 0 ? a + d->rank : a;
        if (a >= 0 && a < d->rank)
            red[a] = 1;
    }
}

K_INLINE void store_lowest(int32_t dt, void *o, int64_t i)
{
    if (k_is_float(dt)) {
        k_stf(dt, o, i, -INFINITY);
        return;
    }
    int64_t v = dt == K_I8    ? INT8_MIN
                : dt == K_I16 ? INT16_MIN
                : dt == K_I32 ? INT32_MIN
                : dt == K_I64 ? INT64_MIN
                              : 0;
    k_sti(dt, o, i, (uint64_t)v, 1);
}

K_INLINE void copy_elem(int32_t dt, void *o, int64_t i, const void *x, int64_t j)
{
    if (k_is_float(dt))
        k_stf(dt, o, i, k_ldf(dt, x, j));
    else
        k_sti(dt, o, i, (uint64_t)k_ldi(dt, x, j), 1);
}

/* One output: the reduced sub-space at x offset `off`, in row-major order. */
K_INLINE void reduce_one(const struct k_reduce *d, const void *x, void *o, int64_t oi, int64_t off,
                         int32_t nr, const int64_t *rd, const int64_t *rs, int64_t rcount)
{
    int64_t idx[K_WALK_RANK] = {0}, roff = 0, best = -1;
    double sum = 0;
    for (int64_t q = 0; q < rcount; q++) {
        int64_t e = off + roff;
        if (d->op == 0)
            sum += k_ldf(d->dtype, x, e);
        else if (best < 0 || k_cmp(d->dtype, x, e, best) > 0)
            best = e;
        for (int32_t k = nr - 1; k >= 0; k--) {
            roff += rs[k];
            if (++idx[k] < rd[k])
                break;
            roff -= rd[k] * rs[k];
            idx[k] = 0;
        }
    }
    if (d->op == 0)
        k_stf(d->dtype, o, oi, sum / (double)rcount);
    else if (best >= 0)
        copy_elem(d->dtype, o, oi, x, best);
    else
        store_lowest(d->dtype, o, oi);
}

KERNEL(reduce)
{
    int32_t red[K_WALK_RANK], nk = 0, nr = 0;
    int64_t kd[K_WALK_RANK], ks[K_WALK_RANK], rd[K_WALK_RANK], rs[K_WALK_RANK], xs = 1, rcount = 1;
    reduce_mask(d, bufs, red);
    for (int32_t k = d->rank - 1; k >= 0; k--) { /* kept and reduced dims, innermost last */
        if (red[k]) {
            rd[K_WALK_RANK - 1 - nr] = d->dims[k], rs[K_WALK_RANK - 1 - nr++] = xs;
            rcount *= d->dims[k];
        } else {
            kd[K_WALK_RANK - 1 - nk] = d->dims[k], ks[K_WALK_RANK - 1 - nk++] = xs;
        }
        xs *= d->dims[k];
    }
    const int64_t *kdp = kd + K_WALK_RANK - nk, *ksp = ks + K_WALK_RANK - nk;
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->n_out);
    for (int64_t o = b; o < e; o++) {
        int64_t off = 0, rem = o;
        for (int32_t k = nk - 1; k >= 0; k--) {
            off += (rem % kdp[k]) * ksp[k];
            rem /= kdp[k];
        }
        reduce_one(d, bufs[d->x], bufs[d->out], o, off, nr, rd + K_WALK_RANK - nr,
                   rs + K_WALK_RANK - nr, rcount);
    }
}

/* ---- CumSum ----------------------------------------------------------------- */

KERNEL(cumsum)
{
    int64_t a = d->axis_buf >= 0 ? k_ldi(d->axis_dt, bufs[d->axis_buf], 0) : d->axis;
    a = a < 0 ? a + d->rank : a;
    if (task != 0 || a < 0 || a >= d->rank)
        return;
    int64_t outer = 1, len = d->dims[a], inner = 1;
    for (int32_t k = 0; k < d->rank; k++)
        outer *= k < a ? d->dims[k] : 1, inner *= k > a ? d->dims[k] : 1;
    const void *x = bufs[d->x];
    void *out = bufs[d->out];
    int fl = k_is_float(d->dtype);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            double facc = 0;
            uint64_t iacc = 0; /* integers wrap */
            for (int64_t j = 0; j < len; j++) {
                int64_t e = o * len * inner + (d->reverse ? len - 1 - j : j) * inner + i;
                double fv = fl ? k_ldf(d->dtype, x, e) : 0;
                uint64_t iv = fl ? 0 : (uint64_t)k_ldi(d->dtype, x, e);
                if (!d->exclusive)
                    facc += fv, iacc += iv;
                if (fl)
                    k_stf(d->dtype, out, e, facc);
                else
                    k_sti(d->dtype, out, e, iacc, 1);
                if (d->exclusive)
                    facc += fv, iacc += iv;
            }
        }
}

/* ---- ArgMax and TopK ---------------------------------------------------------- */

KERNEL(argmax)
{
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->outer * d->inner);
    const void *x = bufs[d->x];
    int64_t *o = bufs[d->out];
    for (int64_t l = b; l < e; l++) {
        int64_t p = l / d->inner, i = l % d->inner, base = p * d->len * d->inner + i, best = 0;
        for (int64_t k = 1; k < d->len; k++) {
            int c = k_cmp(d->dtype, x, base + k * d->inner, base + best * d->inner);
            if (c > 0 || (c == 0 && d->last))
                best = k;
        }
        o[l] = best;
    }
}

/* Does position i of the line come strictly before j? */
K_INLINE int topk_before(const struct k_topk *d, const void *x, int64_t base, int64_t i, int64_t j)
{
    int c = k_cmp(d->dtype, x, base + i * d->inner, base + j * d->inner);
    return d->largest ? c > 0 : c < 0;
}

/* Stable bottom-up merge sort of the positions 0..len-1; returns the
 * array (v or tmp) holding the result. */
K_INLINE int64_t *topk_sort(const struct k_topk *d, const void *x, int64_t base, int64_t *v,
                            int64_t *tmp)
{
    int64_t n = d->len;
    for (int64_t j = 0; j < n; j++)
        v[j] = j;
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = K_MIN(lo + w, n), hi = K_MIN(lo + 2 * w, n), i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = topk_before(d, x, base, v[j], v[i]) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        int64_t *t = v;
        v = tmp;
        tmp = t;
    }
    return v;
}

KERNEL(topk)
{
    int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->outer * d->inner);
    int64_t *v = scratch, *tmp = v + d->len;
    const void *x = bufs[d->x];
    for (int64_t l = b; l < e; l++) {
        int64_t p = l / d->inner, i = l % d->inner, base = p * d->len * d->inner + i;
        int64_t *s = topk_sort(d, x, base, v, tmp);
        for (int64_t j = 0; j < d->k; j++) {
            int64_t o = p * d->k * d->inner + j * d->inner + i;
            if (d->values >= 0)
                copy_elem(d->dtype, bufs[d->values], o, x, base + s[j] * d->inner);
            if (d->indices >= 0)
                ((int64_t *)bufs[d->indices])[o] = s[j];
        }
    }
}

/* ---- BatchNormalization ----------------------------------------------------------- */

/* Mean and population variance of channel c over the batch and space. */
K_INLINE void bn_stats(const struct k_batchnorm *d, const void *x, int64_t c, double *mean,
                       double *var)
{
    double s = 0, q = 0, cnt = (double)(d->nb * d->sp);
    for (int64_t b = 0; b < d->nb; b++)
        for (int64_t i = 0; i < d->sp; i++)
            s += k_ldf(d->dtype, x, (b * d->ch + c) * d->sp + i);
    *mean = s / cnt;
    for (int64_t b = 0; b < d->nb; b++)
        for (int64_t i = 0; i < d->sp; i++) {
            double v = k_ldf(d->dtype, x, (b * d->ch + c) * d->sp + i) - *mean;
            q += v * v;
        }
    *var = q / cnt;
}

KERNEL(batchnorm)
{
    int64_t b0 = task * d->chunk, e0 = K_MIN(b0 + d->chunk, d->ch);
    const void *x = bufs[d->x];
    void *y = bufs[d->out];
    for (int64_t c = b0; c < e0; c++) {
        double mean = k_ldf(d->mean_dt, bufs[d->mean], c), var = k_ldf(d->var_dt, bufs[d->var], c);
        if (d->training && d->nb * d->sp > 0) {
            double bm, bv;
            bn_stats(d, x, c, &bm, &bv);
            if (d->rmean >= 0)
                k_stf(d->mean_dt, bufs[d->rmean], c, mean * d->momentum + bm * (1 - d->momentum));
            if (d->rvar >= 0)
                k_stf(d->var_dt, bufs[d->rvar], c, var * d->momentum + bv * (1 - d->momentum));
            mean = bm;
            var = bv;
        }
        double s = k_ldf(d->scale_dt, bufs[d->scale], c) / sqrt(var + d->eps);
        double sh = k_ldf(d->bias_dt, bufs[d->bias], c);
        for (int64_t bi = 0; bi < d->nb; bi++) {
            int64_t base = (bi * d->ch + c) * d->sp;
            for (int64_t i = 0; i < d->sp; i++)
                k_stf(d->dtype, y, base + i, (k_ldf(d->dtype, x, base + i) - mean) * s + sh);
        }
    }
}
