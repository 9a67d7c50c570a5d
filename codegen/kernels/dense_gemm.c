/* dense_gemm.c - GEMM and convolution kernels on the packed microkernels of
 * dense_mk.c.
 *
 * A task owns one mc x nc tile of C (for one batch, or one image and
 * group): it walks K in blocks of kc, brings both operands of the block into
 * panel form - prepacked constants are used in place, run-time operands are
 * packed into this thread's scratch - and sweeps the tile with the
 * microkernel, which keeps the partial sums of C in registers and applies
 * the epilogue (bias, residual, ReLU) on the last block before its only
 * store. Convolution packs its B panels straight from the NCHW input:
 * channel planes for a 1x1 stride-1 convolution, an im2col of just the
 * tile's pixels for a block of kc rows otherwise, so no im2col matrix is ever
 * built whole. */
#include "dense_mk.h"
#include "kabi.h"

/* ---- GEMM --------------------------------------------------------------- */

DK_INLINE void gemm_task(const struct k_gemm *d, void *const *bufs, int64_t task, void *scratch)
{
    if (d->m <= 0 || d->n <= 0 || d->batches <= 0) /* an empty product: the one task has nothing to do */
        return;
    int64_t nt = task % d->n_tiles, mt = (task / d->n_tiles) % d->m_tiles;
    int64_t bi = task / (d->n_tiles * d->m_tiles), rem = bi, ao = 0, bo = 0;
    for (int32_t i = d->nbd - 1; i >= 0; i--) {
        int64_t ix = rem % d->bdim[i];
        rem /= d->bdim[i];
        ao += ix * d->a_bs[i];
        bo += ix * d->b_bs[i];
    }
    /* bf16: prepacked operands hold bf16 panels with K padded to even (k2) */
    int64_t es = d->bf16 ? 2 : 4, k2 = d->bf16 ? dk_even(d->k) : d->k;
    const char *A = (const char *)bufs[d->a] + ao * (d->a_pre ? es : 4);
    const char *B = (const char *)bufs[d->b] + bo * (d->b_pre ? es : 4);
    int64_t mr = d->mr, nr = 16 * (int64_t)d->nv, m0 = mt * d->mc, n0 = nt * d->nc;
    float *sa = scratch, *sb = sa + (d->a_pre ? 0 : (d->mc * d->kc + 15) / 16 * 16);
    uint16_t *sa16 = dk_align16(sb + (d->b_pre ? 0 : d->kc * d->nc)), *sb16 = sa16 + d->mc * dk_even(d->kc);
    dk_tile t;
    t.c = (float *)bufs[d->c] + bi * d->m * d->ldc + m0 * d->ldc + n0;
    t.ldc = d->ldc;
    t.mv = dk_min(d->mc, d->m - m0);
    t.nn = dk_min(d->nc, d->n - n0);
    t.bf16 = d->bf16;
    t.e.bias = d->bias >= 0 ? (const float *)bufs[d->bias] + m0 * d->bias_rs + n0 * d->bias_cs : 0;
    t.e.res = d->res >= 0 ? (const float *)bufs[d->res] + bi * d->m * d->ldr + m0 * d->ldr + n0 : 0;
    t.e.bias_rs = d->bias_rs;
    t.e.bias_cs = d->bias_cs;
    t.e.ldr = d->ldr;
    t.e.alpha = d->alpha;
    t.e.beta = d->beta;
    t.e.relu = d->relu;
    int64_t pc = 0;
    do {
        int64_t kcb = dk_min(d->kc, d->k - pc);
        const float *Ab = (const float *)A + m0 * d->a_rs + pc * d->a_cs;
        const float *Bb = (const float *)B + pc * d->b_rs + n0 * d->b_cs;
        if (d->a_pre) {
            t.ap = A + (m0 / mr * k2 + pc) * mr * es;
            t.a_ps = k2 * mr;
        } else if (d->bf16) {
            dk_pack_a16(sa16, Ab, d->a_rs, d->a_cs, t.mv, kcb, d->mr);
            t.ap = sa16;
            t.a_ps = dk_even(kcb) * mr;
        } else {
            dk_pack_a(sa, Ab, d->a_rs, d->a_cs, t.mv, kcb, d->mr);
            t.ap = sa;
            t.a_ps = kcb * mr;
        }
        if (d->b_pre) {
            t.bp = B + (n0 / nr * k2 + pc) * nr * es;
            t.b_ps = k2 * nr;
        } else {
            if (d->bf16)
                dk_pack_b16(sb16, Bb, d->b_rs, d->b_cs, t.nn, kcb, nr);
            else
                dk_pack_b(sb, Bb, d->b_rs, d->b_cs, t.nn, kcb, nr);
            t.bp = d->bf16 ? (const void *)sb16 : sb;
            t.b_ps = (d->bf16 ? dk_even(kcb) : kcb) * nr;
        }
        t.kc = kcb;
        t.load = pc > 0;
        t.last = pc + kcb >= d->k;
        dk_tiles(d->mr, d->nv, &t);
        pc += kcb;
    } while (pc < d->k);
}

KERNEL(gemm) { gemm_task(d, bufs, task, scratch); }

KERNEL(gemm_multi)
{
    int64_t first = 0;
    for (int64_t g = 0; g < d->n_g; g++) {
        if (task < d->task_end[g]) {
            gemm_task(&d->g[g], bufs, task - first, scratch);
            return;
        }
        first = d->task_end[g];
    }
}

/* ---- convolution -------------------------------------------------------- */

/* A run of output pixels of one output row that stays inside one B panel:
 * its first column in the tile (jl), length, and the input position of its
 * first pixel for kernel offset 0 (id, ih, iw; may lie in the padding). */
typedef struct {
    int64_t jl, len, id, ih, iw;
} conv_seg;

/* Cuts the tile's pixels [n0, n0 + nn) into runs; returns their count
 * (at most nn). Done once per task: the runs do not depend on K. */
DK_INLINE int64_t conv_segs(const struct k_conv *d, conv_seg *seg, int64_t n0, int64_t nn, int64_t nr)
{
    int64_t ow = n0 % d->out[2], row = n0 / d->out[2], oh = row % d->out[1], od = row / d->out[1], n = 0;
    for (int64_t jl = 0; jl < nn; n++) {
        int64_t len = dk_min(dk_min(d->out[2] - ow, nn - jl), nr - jl % nr);
        seg[n].jl = jl;
        seg[n].len = len;
        seg[n].id = od * d->s[0] - d->pb[0];
        seg[n].ih = oh * d->s[1] - d->pb[1];
        seg[n].iw = ow * d->s[2] - d->pb[2];
        jl += len;
        ow += len;
        if (ow == d->out[2]) {
            ow = 0;
            if (++oh == d->out[1]) {
                oh = 0;
                od++;
            }
        }
    }
    return n;
}

/* len pixels of input row xr from column iw on with stride s into o, zero
 * where the columns fall outside [0, w). */
DK_INLINE void conv_run(float *restrict o, const float *restrict xr, int64_t iw, int64_t len, int64_t s, int64_t w)
{
    if (iw >= 0 && iw + (len - 1) * s < w) { /* the common case: all inside */
        const float *src = xr + iw;
        if (s == 1)
            for (int64_t t = 0; t < len; t++)
                o[t] = src[t];
        else
            for (int64_t t = 0; t < len; t++)
                o[t] = src[t * s];
        return;
    }
    int64_t a = iw >= 0 ? 0 : dk_min((-iw + s - 1) / s, len); /* first t with iw + t*s >= 0 */
    int64_t b = w - 1 - iw < 0 ? 0 : dk_min((w - 1 - iw) / s + 1, len);
    b = dk_max(a, b);
    for (int64_t t = 0; t < a; t++)
        o[t] = 0.0f;
    for (int64_t t = a; t < b; t++)
        o[t] = xr[iw + t * s];
    for (int64_t t = b; t < len; t++)
        o[t] = 0.0f;
}

/* Rows [pc, pc + kcb) of im2col(X) for the tile's runs into B panels of nr
 * columns (nn valid); X points at the group's first channel plane. */
DK_INLINE void conv_pack(const struct k_conv *d, float *restrict dst, const float *restrict X, const conv_seg *seg,
                         int64_t nseg, int64_t pc, int64_t kcb, int64_t nn, int64_t nr)
{
    int64_t k1 = d->k[1], k2 = d->k[2], kvol = d->k[0] * k1 * k2;
    for (int64_t kk = 0; kk < kcb; kk++) {
        int64_t kx = pc + kk, c = kx / kvol, r = kx % kvol;
        int64_t kd = r / (k1 * k2) * d->dil[0], kh = (r / k2) % k1 * d->dil[1], kw = r % k2 * d->dil[2];
        const float *xc = X + c * d->inpix;
        float *col = dst + kk * nr;
        for (int64_t i = 0; i < nseg; i++) {
            const conv_seg *sg = &seg[i];
            float *o = col + (sg->jl / nr) * kcb * nr + sg->jl % nr;
            int64_t id = sg->id + kd, ih = sg->ih + kh;
            if (id >= 0 && id < d->in[0] && ih >= 0 && ih < d->in[1])
                conv_run(o, xc + (id * d->in[1] + ih) * d->in[2], sg->iw + kw, sg->len, d->s[2], d->in[2]);
            else
                for (int64_t t = 0; t < sg->len; t++)
                    o[t] = 0.0f;
        }
        for (int64_t jl = nn; jl % nr; jl++)
            dst[(jl / nr) * kcb * nr + kk * nr + jl % nr] = 0.0f;
    }
}

KERNEL(conv)
{
    if (d->batch * d->groups * d->mg * d->npix <= 0) /* an empty output */
        return;
    int64_t nt = task % d->n_tiles, mt = (task / d->n_tiles) % d->m_tiles;
    int64_t gi = task / (d->n_tiles * d->m_tiles), g = gi % d->groups; /* gi = image * groups + group */
    int64_t mr = d->mr, nr = 16 * (int64_t)d->nv, m0 = mt * d->mc, n0 = nt * d->nc;
    int64_t mgp = (d->mg + mr - 1) / mr * mr, kdim = d->kdim;
    int64_t es = d->bf16 ? 2 : 4, k2 = d->bf16 ? dk_even(kdim) : kdim; /* prepacked W: bf16, K even */
    const float *X = (const float *)bufs[d->x] + gi * d->cg * d->inpix, *W = (const float *)bufs[d->w];
    float *sa = scratch, *sb = sa + (d->w_pre ? 0 : (d->mc * d->kc + 15) / 16 * 16);
    conv_seg *seg = (conv_seg *)(sb + d->kc * d->nc);
    uint16_t *sa16 = dk_align16(seg + d->nc), *sb16 = sa16 + d->mc * dk_even(d->kc);
    int64_t yo = (gi * d->mg + m0) * d->npix + n0;
    dk_tile t;
    t.c = (float *)bufs[d->y] + yo;
    t.ldc = d->npix;
    t.mv = dk_min(d->mc, d->mg - m0);
    t.nn = dk_min(d->nc, d->npix - n0);
    t.e.bias = d->bias >= 0 ? (const float *)bufs[d->bias] + g * d->mg + m0 : 0;
    t.e.res = d->res >= 0 ? (const float *)bufs[d->res] + yo : 0;
    t.e.bias_rs = 1;
    t.e.bias_cs = 0;
    t.e.ldr = d->npix;
    t.e.alpha = 1.0f;
    t.e.beta = 1.0f;
    t.e.relu = d->relu;
    t.bf16 = d->bf16;
    int64_t nseg = d->pw ? 0 : conv_segs(d, seg, n0, t.nn, nr), pc = 0;
    do {
        int64_t kcb = dk_min(d->kc, kdim - pc);
        if (d->w_pre) {
            t.ap = (const char *)W + (g * mgp * k2 + (m0 / mr * k2 + pc) * mr) * es;
            t.a_ps = k2 * mr;
        } else if (d->bf16) {
            dk_pack_a16(sa16, W + (g * d->mg + m0) * kdim + pc, kdim, 1, t.mv, kcb, d->mr);
            t.ap = sa16;
            t.a_ps = dk_even(kcb) * mr;
        } else {
            dk_pack_a(sa, W + (g * d->mg + m0) * kdim + pc, kdim, 1, t.mv, kcb, d->mr);
            t.ap = sa;
            t.a_ps = kcb * mr;
        }
        if (d->pw && d->bf16)
            dk_pack_b16(sb16, X + pc * d->inpix + n0, d->inpix, 1, t.nn, kcb, nr);
        else if (d->pw)
            dk_pack_b(sb, X + pc * d->inpix + n0, d->inpix, 1, t.nn, kcb, nr);
        else
            conv_pack(d, sb, X, seg, nseg, pc, kcb, t.nn, nr);
        if (d->bf16 && !d->pw)
            dk_panels16(sb16, sb, (t.nn + nr - 1) / nr, kcb, nr);
        t.bp = d->bf16 ? (const void *)sb16 : sb;
        t.b_ps = (d->bf16 ? dk_even(kcb) : kcb) * nr;
        t.kc = kcb;
        t.load = pc > 0;
        t.last = pc + kcb >= kdim;
        dk_tiles(d->mr, d->nv, &t);
        pc += kcb;
    } while (pc < kdim);
}
