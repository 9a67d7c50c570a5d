/* dense_attn.c - the core of multi-head attention: for one (batch, head,
 * group of queries), ctx = softmax(q k^T * scale + mask) v.
 *
 * Everything is computed transposed, with queries along the vector lanes:
 * scores^T [keys, queries] = K Q^T and ctx^T [hd, queries] = V^T P^T. Then
 * the score tile the microkernel stores is already the B panel the second
 * product reads (no repacking of probabilities), the softmax statistics of
 * 16 queries sit in one vector, and K and V^T are packed as A panels once
 * per task, straight from their rows. Keys are visited in chunks of sc with
 * an online softmax (running maximum and sum per query; earlier partial
 * results rescaled when the maximum grows), so no score block larger than
 * sc x nr is ever stored. The projections before and after are GEMM phases
 * of the same node (lower_dense_attn.c). */
#include <math.h>

#include "dense_mk.h"
#include "kabi.h"

typedef struct {
    float *qt, *ka, *va, *pt, *ot, *m, *l;
    int64_t nqb, scp, hdp, nr;
} attn_scratch;

DK_INLINE attn_scratch attn_carve(const struct k_attn *d, float *s)
{
    attn_scratch a;
    a.nr = 16 * (int64_t)d->nv;
    a.nqb = (d->qg + a.nr - 1) / a.nr;
    a.scp = (d->sc + d->mr - 1) / d->mr * d->mr;
    a.hdp = (d->hd + d->mr - 1) / d->mr * d->mr;
    a.qt = s;
    a.pt = a.qt + a.nqb * d->hd * a.nr;
    a.ot = a.pt + a.scp * a.nr;
    a.m = a.ot + a.nqb * a.hdp * a.nr;
    a.l = a.m + a.nqb * a.nr;
    a.ka = a.l + a.nqb * a.nr;
    a.va = a.ka + a.scp * d->hd;
    return a;
}

/* The mask of key j for 16 queries from lane0 on (valid of them) into v. */
DK_INLINE void attn_mask(const struct k_attn *d, const float *M, int64_t j, int64_t lane0, int64_t valid, dk_v16 *v)
{
    if (d->mstr[1] == 0) {
        *v = DK_SPLAT(M[j * d->mstr[2]]);
        return;
    }
    for (int64_t i = 0; i < 16; i++)
        (*v)[i] = lane0 + i < valid ? M[(lane0 + i) * d->mstr[1] + j * d->mstr[2]] : 0.0f;
}

/* Scores of block b (jv keys) into probabilities against the running
 * maxima; rescales the block's context and sums. M: the mask at key j0 for
 * the block's first query, or NULL. */
DK_INLINE void attn_softmax(const struct k_attn *d, const attn_scratch *a, int64_t b, const float *M, int64_t jv,
                            int64_t valid)
{
    int64_t nr = a->nr;
    for (int64_t q = 0; q < d->nv; q++) {
        float *p = a->pt + 16 * q, *mp = a->m + b * nr + 16 * q, *lp = a->l + b * nr + 16 * q;
        dk_v16 mx = DK_SPLAT(-INFINITY), mk = DK_SPLAT(0.0f);
        for (int64_t j = 0; j < jv; j++) {
            dk_v16 *v = (dk_v16 *)(p + j * nr);
            if (M) {
                attn_mask(d, M, j, 16 * q, valid, &mk);
                *v = *v + mk;
            }
            dk_max_into(&mx, v);
        }
        dk_v16 mo = *(dk_v16 *)mp, mn = mo;
        dk_max_into(&mn, &mx);
        dk_i16 none = mn == DK_SPLAT(-INFINITY); /* nothing but -inf so far: shift by 0 */
        dk_v16 shift = (dk_v16)((dk_i16)mn & ~none), sum = DK_SPLAT(0.0f);
        for (int64_t j = 0; j < jv; j++) {
            dk_v16 *v = (dk_v16 *)(p + j * nr);
            *v = *v - shift;
            dk_exp_neg(v);
            sum += *v;
        }
        dk_v16 alpha = mo - shift;
        dk_exp_neg(&alpha);
        *(dk_v16 *)lp = *(dk_v16 *)lp * alpha + sum;
        *(dk_v16 *)mp = mn;
        float *o = a->ot + b * a->hdp * nr + 16 * q;
        for (int64_t c = 0; c < d->hd; c++)
            *(dk_v16 *)(o + c * nr) = *(dk_v16 *)(o + c * nr) * alpha;
    }
}

/* Q^T of the task's queries as B panels [hd][nr] per block, scaled. */
DK_INLINE void attn_pack_q(const struct k_attn *d, const attn_scratch *a, const float *Q, int64_t qn)
{
    for (int64_t b = 0; b < a->nqb; b++)
        for (int64_t c = 0; c < d->hd; c++) {
            float *o = a->qt + (b * d->hd + c) * a->nr;
            for (int64_t l = 0; l < a->nr; l++) {
                int64_t i = b * a->nr + l;
                o[l] = i < qn ? Q[i * d->N * d->q_rs + c] * d->scale : 0.0f;
            }
        }
}

KERNEL(attn)
{
    int64_t qgi = task % d->q_groups, h = (task / d->q_groups) % d->H, nb = task / (d->q_groups * d->H);
    int32_t mr = d->mr, nv = d->nv;
    int64_t hd = d->hd, q0 = qgi * d->qg, qn = dk_min(d->qg, d->L - q0);
    attn_scratch a = attn_carve(d, scratch);
    int64_t nr = a.nr, nqb = (qn + nr - 1) / nr;
    const float *Q = (const float *)bufs[d->q] + (q0 * d->N + nb) * d->q_rs + d->q_off + h * hd;
    const float *K = (const float *)bufs[d->k] + nb * d->k_rs + d->k_off + h * hd;
    const float *V = (const float *)bufs[d->v] + nb * d->v_rs + d->v_off + h * hd;
    const float *M = d->mask >= 0 ? (const float *)bufs[d->mask] + (nb * d->H + h) * d->mstr[0] + q0 * d->mstr[1] : 0;
    attn_pack_q(d, &a, Q, qn);
    for (int64_t i = 0; i < nqb * nr; i++) {
        a.m[i] = -INFINITY;
        a.l[i] = 0.0f;
    }
    for (int64_t i = 0; i < nqb * a.hdp * nr; i++)
        a.ot[i] = 0.0f;
    for (int64_t j0 = 0; j0 < d->S; j0 += d->sc) {
        int64_t jv = dk_min(d->sc, d->S - j0);
        dk_pack_a(a.ka, K + j0 * d->N * d->k_rs, d->N * d->k_rs, 1, jv, hd, mr);
        dk_pack_a(a.va, V + j0 * d->N * d->v_rs, 1, d->N * d->v_rs, hd, jv, mr);
        for (int64_t b = 0; b < nqb; b++) {
            for (int64_t i = 0; i < jv; i += mr)
                onnxc_dk_mk(mr, nv, hd, a.ka + i * hd, a.qt + b * hd * nr, a.pt + i * nr, nr, 0, 0);
            attn_softmax(d, &a, b, M ? M + b * nr * d->mstr[1] + j0 * d->mstr[2] : 0, jv, qn - b * nr);
            for (int64_t c = 0; c < hd; c += mr)
                onnxc_dk_mk(mr, nv, jv, a.va + c * jv, a.pt, a.ot + (b * a.hdp + c) * nr, nr, 1, 0);
        }
    }
    float *C = (float *)bufs[d->ctx] + (q0 * d->N + nb) * d->ctx_rs + h * hd;
    for (int64_t i = 0; i < qn; i++) {
        int64_t b = i / nr, l = i % nr;
        float inv = 1.0f / a.l[b * nr + l];
        for (int64_t c = 0; c < hd; c++)
            C[i * d->N * d->ctx_rs + c] = a.ot[(b * a.hdp + c) * nr + l] * inv;
    }
}
