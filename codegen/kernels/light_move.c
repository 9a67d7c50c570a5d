/* light_move.c - data-movement kernel templates: copy/fill, strided views
 * (Transpose, Expand, Tile, Slice), Slice with run-time parameters,
 * Concat/Split, Gather, Pad and Range.
 *
 * These kernels move elements by size, never looking at them, so one path
 * serves every dtype. Shapes are resolved by the lowering wherever they are
 * static (nearly always): a Transpose is a view walk whose innermost stride
 * is a constant, a Reshape a copy that disappears when the memory plan ran
 * it in place. Parameters that only exist at run time (a Slice's starts
 * tensor, a Pad's pads) are read by the kernel itself, with the reference's
 * clamping rules; out-of-range Gather indices, which the reference reports
 * as an error, are clamped here since compiled code cannot fail. */
#include "light_common.h"

/* ---- copy and fill ------------------------------------------------------- */

#define FILL_LOOP(T)                                                                               \
    {                                                                                              \
        T *o = (T *)bufs[d->fill], v = (T)d->fill_bits;                                            \
        for (int64_t i = b; i < e; i++)                                                            \
            o[i] = v;                                                                              \
    }                                                                                              \
    break

KERNEL(copy)
{
    if (task < d->n_copy) {
        const uint8_t *s = bufs[d->src];
        uint8_t *o = bufs[d->dst];
        int64_t b = task * d->chunk, e = K_MIN(b + d->chunk, d->bytes);
        if (s == o)
            return;
        for (int64_t i = b; i < e; i++)
            o[i] = s[i];
        return;
    }
    int64_t b = (task - d->n_copy) * d->fill_chunk, e = K_MIN(b + d->fill_chunk, d->fill_count);
    switch (d->fill_es) {
    case 1: FILL_LOOP(uint8_t);
    case 2: FILL_LOOP(uint16_t);
    case 4: FILL_LOOP(uint32_t);
    case 8: FILL_LOOP(uint64_t);
    default: break;
    }
}

/* ---- strided views ------------------------------------------------------- */

#define VIEW_LOOP(T)                                                                               \
    {                                                                                              \
        T *o = (T *)out + p.pos;                                                                   \
        const T *x = (const T *)in + p.off[0];                                                     \
        for (int64_t i = 0; i < n; i++)                                                            \
            o[i] = x[i * s];                                                                       \
    }                                                                                              \
    break

K_INLINE void view_walk(const struct k_walk *w, int32_t es, const void *in, void *out, int64_t task)
{
    k_pos p;
    int64_t s = w->st[0][w->rank - 1];
    for (k_walk_start(w, task, &p); p.pos < p.end;) {
        int64_t n = k_walk_len(w, &p);
        switch (es) {
        case 1: VIEW_LOOP(uint8_t);
        case 2: VIEW_LOOP(uint16_t);
        case 4: VIEW_LOOP(uint32_t);
        case 8: VIEW_LOOP(uint64_t);
        default: break;
        }
        k_walk_step(w, &p, n);
    }
}

KERNEL(view)
{
    view_walk(&d->w, d->es, bufs[d->x], bufs[d->out], task);
}

#define TILE_LOOP(T)                                                                               \
    for (int64_t a = a0; a < a1; a++) {                                                            \
        T *o = (T *)out + ooff + a * nb;                                                           \
        const T *xx = (const T *)x + xoff + a * sa;                                                \
        for (int64_t b = b0; b < b1; b++)                                                          \
            o[b] = xx[b * sb];                                                                     \
    }                                                                                              \
    break

KERNEL(transpose)
{
    const struct k_walk *w = &d->w;
    int32_t r = w->rank;
    int64_t na = w->dims[r - 2], nb = w->dims[r - 1], sa = w->st[0][r - 2], sb = w->st[0][r - 1];
    int64_t ta = (na + K_TILE - 1) / K_TILE, tb = (nb + K_TILE - 1) / K_TILE;
    int64_t t0 = task * d->tiles_per_task, t1 = K_MIN(t0 + d->tiles_per_task, d->n_tiles);
    const void *x = bufs[d->x];
    void *out = bufs[d->out];
    for (int64_t t = t0; t < t1; t++) {
        int64_t ia = t % ta, ib = (t / ta) % tb, rem = t / (tb * ta), ooff = rem * na * nb,
                xoff = 0;
        for (int32_t k = r - 3; k >= 0; k--) {
            xoff += (rem % w->dims[k]) * w->st[0][k];
            rem /= w->dims[k];
        }
        int64_t a0 = ia * K_TILE, a1 = K_MIN(a0 + K_TILE, na), b0 = ib * K_TILE,
                b1 = K_MIN(b0 + K_TILE, nb);
        switch (d->es) {
        case 1: TILE_LOOP(uint8_t);
        case 2: TILE_LOOP(uint16_t);
        case 4: TILE_LOOP(uint32_t);
        case 8: TILE_LOOP(uint64_t);
        default: break;
        }
    }
}

/* ---- Slice with run-time parameters ---------------------------------------- */

/* The spec's clamping of one axis; returns the first input index. */
K_INLINE int64_t slice_first(int64_t dim, int64_t start, int64_t step)
{
    start = start < 0 ? start + dim : start;
    if (step > 0)
        return start < 0 ? 0 : start > dim ? dim : start;
    return start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
}

KERNEL(slice)
{
    struct k_walk w = {.rank = d->rank, .nops = 1, .total = d->total, .chunk = d->chunk};
    int64_t first[K_WALK_RANK], step[K_WALK_RANK], xs = 1;
    for (int32_t k = 0; k < d->rank; k++)
        first[k] = 0, step[k] = 1;
    for (int64_t i = 0; i < d->n; i++) {
        int64_t ax = d->axes >= 0 ? k_ldi(d->axes_dt, bufs[d->axes], i) : i;
        ax = ax < 0 ? ax + d->rank : ax;
        if (ax < 0 || ax >= d->rank)
            continue;
        step[ax] = d->steps >= 0 ? k_ldi(d->steps_dt, bufs[d->steps], i) : 1;
        step[ax] = step[ax] ? step[ax] : 1;
        first[ax] = slice_first(d->in[ax], k_ldi(d->starts_dt, bufs[d->starts], i), step[ax]);
    }
    w.base[0] = 0;
    for (int32_t k = d->rank - 1; k >= 0; k--) {
        w.dims[k] = d->outd[k];
        w.base[0] += first[k] * xs;
        w.st[0][k] = step[k] * xs;
        xs *= d->in[k];
    }
    view_walk(&w, d->es, bufs[d->x], bufs[d->out], task);
}

/* ---- Concat and Split ---------------------------------------------------- */

/* Copies part i's bytes [q, qe) (of its outer * chunk) to or from the big
 * tensor's rows. */
K_INLINE void concat_part(const struct k_concat *d, const struct k_concat_part *pt, uint8_t *big,
                          uint8_t *part, int64_t q, int64_t qe)
{
    while (q < qe) {
        int64_t j = q / pt->chunk, c = q % pt->chunk, n = K_MIN(pt->chunk - c, qe - q);
        uint8_t *row = big + j * d->row + pt->off + c;
        if (d->split)
            for (int64_t k = 0; k < n; k++)
                part[q + k] = row[k];
        else
            for (int64_t k = 0; k < n; k++)
                row[k] = part[q + k];
        q += n;
    }
}

KERNEL(concat)
{
    int64_t b = task * d->task_bytes, e = K_MIN(b + d->task_bytes, d->total);
    uint8_t *big = bufs[d->big];
    for (int32_t i = 0; i < d->n; i++) {
        const struct k_concat_part *pt = &d->part[i];
        int64_t s = pt->start, len = d->outer * pt->chunk;
        int64_t lo = b > s ? b : s, hi = K_MIN(e, s + len);
        if (lo < hi && pt->buf >= 0)
            concat_part(d, pt, big, bufs[pt->buf], lo - s, hi - s);
    }
}

/* ---- Gather -------------------------------------------------------------- */

KERNEL(gather)
{
    int64_t b = task * d->rows_per_task, e = K_MIN(b + d->rows_per_task, d->outer * d->cnt);
    const uint8_t *x = bufs[d->x];
    uint8_t *o = bufs[d->out];
    if (d->dim <= 0)
        return;
    for (int64_t r = b; r < e; r++) {
        int64_t j = r / d->cnt, v = k_ldi(d->idx_dt, bufs[d->idx], r % d->cnt);
        v = v < 0 ? v + d->dim : v;
        v = v < 0 ? 0 : v >= d->dim ? d->dim - 1 : v;
        const uint8_t *s = x + (j * d->dim + v) * d->row_bytes;
        uint8_t *t = o + r * d->row_bytes;
        for (int64_t k = 0; k < d->row_bytes; k++)
            t[k] = s[k];
    }
}

/* ---- Pad ------------------------------------------------------------------- */

/* Output index o of an axis -> input index (-1: the constant). Negative
 * pads crop first; reflect, edge and wrap read the cropped data. */
K_INLINE int64_t pad_map(int32_t mode, int64_t dim, int64_t pb, int64_t pe, int64_t o)
{
    int64_t lo = pb < 0 ? -pb : 0, len = dim - lo - (pe < 0 ? -pe : 0);
    int64_t c = o - (pb > 0 ? pb : 0);
    if (c >= 0 && c < len)
        return lo + c;
    if (mode == K_PAD_CONSTANT || len <= 0)
        return -1;
    if (mode == K_PAD_EDGE) {
        c = c < 0 ? 0 : len - 1;
    } else if (mode == K_PAD_WRAP) {
        c = ((c % len) + len) % len;
    } else if (len == 1) {
        c = 0;
    } else {
        int64_t period = 2 * (len - 1);
        c = ((c % period) + period) % period;
        c = c < len ? c : period - c;
    }
    return lo + c;
}

/* The pads: the descriptor's, or read from the pads/axes buffers. */
K_INLINE void pad_pads(const struct k_pad *d, void *const *bufs, int64_t *pb, int64_t *pe)
{
    for (int32_t k = 0; k < d->rank; k++)
        pb[k] = d->begin[k], pe[k] = d->end[k];
    if (d->pads < 0)
        return;
    int64_t na = d->axes >= 0 ? d->naxes : d->rank;
    for (int64_t i = 0; i < na && 2 * na <= d->npads; i++) {
        int64_t ax = d->axes >= 0 ? k_ldi(d->axes_dt, bufs[d->axes], i) : i;
        ax = ax < 0 ? ax + d->rank : ax;
        if (ax < 0 || ax >= d->rank)
            continue;
        pb[ax] = k_ldi(d->pads_dt, bufs[d->pads], i);
        pe[ax] = k_ldi(d->pads_dt, bufs[d->pads], na + i);
    }
}

#define PAD_ROW(T)                                                                                 \
    {                                                                                              \
        T *o = (T *)bufs[d->out] + r * ow, cv = (T)cbits;                                          \
        const T *x = (const T *)bufs[d->x] + (off < 0 ? 0 : off);                                  \
        for (int64_t q = 0; q < ow; q++) {                                                         \
            int64_t m = off < 0 ? -1 : pad_map(d->mode, d->in[last], pb[last], pe[last], q);       \
            o[q] = m < 0 ? cv : x[m];                                                              \
        }                                                                                          \
    }                                                                                              \
    break

KERNEL(pad)
{
    int64_t pb[K_WALK_RANK], pe[K_WALK_RANK], cbits = d->cbits;
    int32_t last = d->rank - 1;
    int64_t ow = d->outd[last], b = task * d->rows_per_task,
            e = K_MIN(b + d->rows_per_task, d->rows);
    pad_pads(d, bufs, pb, pe);
    if (d->cval >= 0)
        cbits = d->es == 1   ? *(const uint8_t *)bufs[d->cval]
                : d->es == 2 ? *(const uint16_t *)bufs[d->cval]
                : d->es == 4 ? *(const uint32_t *)bufs[d->cval]
                             : (int64_t) * (const uint64_t *)bufs[d->cval];
    for (int64_t r = b; r < e; r++) {
        int64_t off = 0, xs = d->in[last], rem = r;
        for (int32_t k = last - 1; k >= 0 && off >= 0; k--) {
            int64_t m = pad_map(d->mode, d->in[k], pb[k], pe[k], rem % d->outd[k]);
            rem /= d->outd[k];
            off = m < 0 ? -1 : off + m * xs;
            xs *= d->in[k];
        }
        switch (d->es) {
        case 1: PAD_ROW(uint8_t);
        case 2: PAD_ROW(uint16_t);
        case 4: PAD_ROW(uint32_t);
        case 8: PAD_ROW(uint64_t);
        default: break;
        }
    }
}

/* ---- Range ----------------------------------------------------------------- */

/* start + i * delta: in double for the float types, wrapping integers
 * otherwise (as the reference). */
KERNEL(range)
{
    const void *s = bufs[d->start], *dl = bufs[d->delta];
    void *o = bufs[d->out];
    if (k_is_float(d->dtype)) {
        double s0 = k_ldf(d->dtype, s, 0), step = k_ldf(d->dtype, dl, 0);
        for (int64_t i = 0; i < d->n; i++)
            k_stf(d->dtype, o, i, s0 + (double)i * step);
    } else {
        uint64_t s0 = (uint64_t)k_ldi(d->dtype, s, 0), step = (uint64_t)k_ldi(d->dtype, dl, 0);
        for (int64_t i = 0; i < d->n; i++)
            k_sti(d->dtype, o, i, s0 + (uint64_t)i * step, 1);
    }
}
