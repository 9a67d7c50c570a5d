/* dense_attn.c - the core of multi-head attention: for one (batch, head,
 * block of qb queries), ctx = softmax(q k^T * scale + mask) v.
 *
 * Keys are visited in chunks of sc with an online softmax (a running row
 * maximum and sum; earlier partial results rescaled when the maximum
 * grows), so the score matrix is never materialized beyond a qb x sc block
 * in scratch. Both products run on the GEMM microkernels: the query block is
 * packed as A panels, the key chunk as B panels (transposed on the fly),
 * then the probabilities as A panels and the value chunk as B panels, with
 * the context accumulating in a qb x hd block. The projections before and
 * after are ordinary GEMM phases of the same node (lower_dense_attn.c). */
#include <math.h>

#include "dense_mk.h"
#include "kabi.h"

typedef struct {
    float *qa, *kb, *sb, *pa, *vb, *o, *m, *l;
    int64_t qbp, scp, hdp;
} attn_scratch;

DK_INLINE attn_scratch attn_carve(const struct k_attn *d, float *s)
{
    attn_scratch a;
    int64_t nr = 16 * (int64_t)d->nv;
    a.qbp = (d->qb + d->mr - 1) / d->mr * d->mr;
    a.scp = (d->sc + nr - 1) / nr * nr;
    a.hdp = (d->hd + nr - 1) / nr * nr;
    a.qa = s;
    a.kb = a.qa + (a.qbp * d->hd + 15) / 16 * 16;
    a.sb = a.kb + a.scp * d->hd;
    a.pa = a.sb + a.qbp * a.scp;
    a.vb = a.pa + a.qbp * a.scp;
    a.o = a.vb + a.hdp * a.scp;
    a.m = a.o + a.qbp * a.hdp;
    a.l = a.m + a.qbp;
    return a;
}

/* Scores of row i (jv of them) into probabilities against the running
 * maximum; rescales the row's context and sum. */
DK_INLINE void attn_row(const struct k_attn *d, const attn_scratch *a, float *s, const float *mask, int64_t i,
                        int64_t jv)
{
    for (int64_t j = 0; j < jv; j++)
        s[j] = s[j] * d->scale + (mask ? mask[j * d->mstr[2]] : 0.0f);
    dk_v16 mv = dk_splat(-INFINITY);
    int64_t j = 0;
    for (; j + 16 <= jv; j += 16)
        mv = dk_vmax(mv, *(const dk_v16u *)(s + j));
    float cm = dk_hmax(mv);
    for (; j < jv; j++)
        cm = s[j] > cm ? s[j] : cm;
    float mo = a->m[i], mn = cm > mo ? cm : mo;
    if (mn == -INFINITY) { /* nothing seen yet but -inf: contributes nothing */
        for (j = 0; j < jv; j++)
            s[j] = 0.0f;
        return;
    }
    dk_v16 acc = dk_splat(0.0f);
    for (j = 0; j + 16 <= jv; j += 16) {
        dk_v16 e = dk_exp_neg(*(const dk_v16u *)(s + j) - mn);
        *(dk_v16u *)(s + j) = e;
        acc += e;
    }
    float sum = dk_hsum(acc);
    for (; j < jv; j++) {
        s[j] = expf(s[j] - mn);
        sum += s[j];
    }
    float alpha = mo == -INFINITY ? 0.0f : expf(mo - mn);
    float *o = a->o + i * a->hdp;
    for (int64_t c = 0; c < d->hd; c++)
        o[c] *= alpha;
    a->l[i] = a->l[i] * alpha + sum;
    a->m[i] = mn;
}

KERNEL(attn)
{
    int64_t qblk = task % d->q_blocks, h = (task / d->q_blocks) % d->H, nb = task / (d->q_blocks * d->H);
    int32_t mr = d->mr, nv = d->nv;
    int64_t nr = 16 * (int64_t)nv, hd = d->hd, i0 = qblk * d->qb, lv = dk_min(d->qb, d->L - i0);
    attn_scratch a = attn_carve(d, scratch);
    const float *Q = (const float *)bufs[d->q] + (i0 * d->N + nb) * d->q_rs + d->q_off + h * hd;
    const float *K = (const float *)bufs[d->k] + nb * d->k_rs + d->k_off + h * hd;
    const float *V = (const float *)bufs[d->v] + nb * d->v_rs + d->v_off + h * hd;
    const float *M = d->mask >= 0 ? (const float *)bufs[d->mask] + (nb * d->H + h) * d->mstr[0] + i0 * d->mstr[1] : 0;
    dk_pack_a(a.qa, Q, d->N * d->q_rs, 1, lv, hd, mr);
    for (int64_t i = 0; i < a.qbp; i++) {
        a.m[i] = -INFINITY;
        a.l[i] = 0.0f;
        for (int64_t c = 0; c < a.hdp; c++)
            a.o[i * a.hdp + c] = 0.0f;
    }
    for (int64_t j0 = 0; j0 < d->S; j0 += d->sc) {
        int64_t jv = dk_min(d->sc, d->S - j0);
        dk_pack_b(a.kb, K + j0 * d->N * d->k_rs, 1, d->N * d->k_rs, jv, hd, nr);
        for (int64_t i = 0; i < lv; i += mr)
            for (int64_t j = 0; j < jv; j += nr)
                onnxc_dk_mk(mr, nv, hd, a.qa + i * hd, a.kb + j * hd, a.sb + i * a.scp + j, a.scp, 0, 0);
        for (int64_t i = 0; i < lv; i++)
            attn_row(d, &a, a.sb + i * a.scp, M ? M + i * d->mstr[1] + j0 * d->mstr[2] : 0, i, jv);
        dk_pack_a(a.pa, a.sb, a.scp, 1, lv, jv, mr);
        dk_pack_b(a.vb, V + j0 * d->N * d->v_rs, d->N * d->v_rs, 1, hd, jv, nr);
        for (int64_t i = 0; i < lv; i += mr)
            for (int64_t c = 0; c < hd; c += nr)
                onnxc_dk_mk(mr, nv, jv, a.pa + i * jv, a.vb + c * jv, a.o + i * a.hdp + c, a.hdp, 1, 0);
    }
    float *C = (float *)bufs[d->ctx] + (i0 * d->N + nb) * d->ctx_rs + h * hd;
    for (int64_t i = 0; i < lv; i++) {
        float inv = 1.0f / a.l[i];
        for (int64_t c = 0; c < hd; c++)
            C[i * d->N * d->ctx_rs + c] = a.o[i * a.hdp + c] * inv;
    }
}
