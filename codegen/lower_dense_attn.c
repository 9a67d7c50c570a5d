/* lower_dense_attn.c - lowering of onnxc Attention to three phases of one
 * node: the Q, K, V projections (GEMM tasks, one phase), the attention core
 * per (batch, head, group of queries) (dense_attn.c), and the output
 * projection (GEMM). The projected Q, K, V and the per-head context live in
 * node temporaries (cg_temp).
 *
 * When queries and keys are the same tensor with constant weights (DETR's
 * self-attention: q = k = x + pos), their projections become one GEMM
 * against [Wq | Wk], packed here, writing Q and K side by side: the input
 * is read and packed once and the product is twice as wide. */
#include <stdlib.h>
#include <string.h>

#include "lower_dense.h"

#define ATTN_KEYS_MAX 512 /* keys per chunk: a qb x sc score block stays in L2 */

typedef struct {
    int64_t L, S, N, E, H, hd, eq, ek, ev, eo;
} attn_shape;

static ir_status attn_shape_get(const cg_program *p, const ir_node *n, attn_shape *a, ir_diag *d)
{
    const ir_value *q = ld_in(p, n, 0), *k = ld_in(p, n, 1), *v = ld_in(p, n, 2);
    const ir_value *wq = ld_in(p, n, 3), *wk = ld_in(p, n, 5), *wv = ld_in(p, n, 7), *wo = ld_in(p, n, 9);
    if (!q || !k || !v || !wk || !wv || !wo || q->shape.rank != 3 || k->shape.rank != 3 || v->shape.rank != 3 ||
        wk->shape.rank != 2 || wv->shape.rank != 2 || wo->shape.rank != 2 || (wq && wq->shape.rank != 2))
        return ld_fail(d, IR_ERR_MODEL, n, "expected q, k, v [seq, batch, embed] and 2-D weights");
    a->L = q->shape.dims[0];
    a->N = q->shape.dims[1];
    a->S = k->shape.dims[0];
    a->eq = q->shape.dims[2];
    a->ek = k->shape.dims[2];
    a->ev = v->shape.dims[2];
    a->E = wk->shape.dims[1];
    a->eo = wo->shape.dims[1];
    a->H = ir_attr_int(n, "num_heads", 0);
    if (a->H <= 0 || a->E % a->H || k->shape.dims[1] != a->N || v->shape.dims[1] != a->N || v->shape.dims[0] != a->S)
        return ld_fail(d, IR_ERR_MODEL, n, "heads, batch or sequence sizes disagree");
    a->hd = a->E / a->H;
    if (a->L * a->N * a->S * a->hd * a->eo <= 0)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "empty sequences or embeddings are not supported");
    if (wk->shape.dims[0] != a->ek || wv->shape.dims[0] != a->ev || wv->shape.dims[1] != a->E ||
        wo->shape.dims[0] != a->E || (wq && (wq->shape.dims[0] != a->eq || wq->shape.dims[1] != a->E)) ||
        (!wq && a->eq != a->E))
        return ld_fail(d, IR_ERR_MODEL, n, "projection weights do not match the embeddings");
    return IR_OK;
}

/* Mask strides over [N*H, L, S] (right-aligned broadcast of rank <= 3). */
static ir_status mask_strides(const cg_program *p, const ir_node *n, const attn_shape *a, int64_t *st, ir_diag *d)
{
    const ir_value *m = ld_in(p, n, 11);
    int64_t full[3] = {a->N * a->H, a->L, a->S}, acc = 1;
    if (m->shape.rank > 3)
        return ld_fail(d, IR_ERR_MODEL, n, "the mask has rank %d, expected at most 3", (int)m->shape.rank);
    for (int32_t i = 2; i >= 0; i--) {
        int32_t mi = i - (3 - m->shape.rank);
        int64_t dim = mi >= 0 ? m->shape.dims[mi] : 1;
        if (dim != 1 && dim != full[i])
            return ld_fail(d, IR_ERR_MODEL, n, "the mask does not broadcast to [%lld, %lld, %lld]",
                           (long long)full[0], (long long)full[1], (long long)full[2]);
        st[i] = dim == 1 ? 0 : acc;
        acc *= dim;
    }
    return IR_OK;
}

/* One projection y [rows, n] = x [rows, k] W + b into g: W is input wi
 * (or the constant wc), bias a buffer or -1. */
static ir_status proj_gemm(cg_program *p, const ir_node *n, struct k_gemm *g, int64_t rows, int64_t k, int64_t nn,
                           int32_t x, int32_t wi, const float *wc, int32_t bias, int32_t y, uint64_t *scratch,
                           ir_diag *d)
{
    ld_gemm_plan t;
    ld_plan_gemm(p, 1, rows, nn, k, false, &t);
    if (wc && ld_bf16(p, n))
        ld_plan_bf16(&t, k);
    ld_gemm_init(g, &t, rows, nn, k);
    g->bf16 = t.bf16;
    g->a = x;
    g->c = y;
    g->bias = bias;
    g->bias_cs = 1;
    g->b_pre = wc != NULL;
    g->b = wc ? (t.bf16 ? ld_prepack_b16 : ld_prepack_b)(p, wc, nn, 1, k, nn, t.nv, 1, 0) : cg_buf(p, n->inputs[wi]);
    uint64_t s = ld_gemm_scratch(&t, true, !g->b_pre) + ld_bf16_scratch(&t);
    *scratch = s > *scratch ? s : *scratch;
    return g->b < 0 || g->a < 0 || g->c < 0 ? ld_fail(d, IR_ERR_NOMEM, n, "out of memory") : IR_OK;
}

/* [Wq | Wk] and [bq | bk] (missing bias: zeros) as constants. */
static ir_status fuse_qk(cg_program *p, const ir_node *n, const attn_shape *a, struct k_gemm *g, int32_t qk,
                         uint64_t *scratch, ir_diag *d)
{
    const float *wq = ld_const(p, n, 3), *wk = ld_const(p, n, 5), *bq = ld_const(p, n, 4), *bk = ld_const(p, n, 6);
    int64_t e2 = 2 * a->E;
    float *w = malloc((size_t)(a->eq * e2) * sizeof *w), *b = calloc((size_t)e2, sizeof *b);
    ir_status st = IR_OK;
    if (!w || !b) {
        st = ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    } else {
        for (int64_t i = 0; i < a->eq; i++) {
            memcpy(w + i * e2, wq + i * a->E, (size_t)a->E * sizeof *w);
            memcpy(w + i * e2 + a->E, wk + i * a->E, (size_t)a->E * sizeof *w);
        }
        for (int64_t j = 0; j < a->E; j++) {
            b[j] = bq ? bq[j] : 0.0f;
            b[a->E + j] = bk ? bk[j] : 0.0f;
        }
        int32_t bias = cg_const(p, b, (uint64_t)e2 * sizeof *b);
        st = proj_gemm(p, n, g, a->L * a->N, a->eq, e2, cg_buf(p, n->inputs[0]), 3, w, bias, qk, scratch, d);
    }
    free(w);
    free(b);
    return st;
}

/* Phase 1: the projections into Q (*q, row stride *q_rs), K, V temps. */
static ir_status lower_proj(cg_program *p, const ir_node *n, const attn_shape *a, struct k_gemm_multi *pm,
                            struct k_attn *c, uint64_t *scratch, ir_diag *d)
{
    ir_status st = IR_OK;
    bool wq = ld_in(p, n, 3) != NULL;
    bool same_qk = wq && n->inputs[0] == n->inputs[1] && ld_const(p, n, 3) && ld_const(p, n, 5) &&
                   (!ld_in(p, n, 4) || ld_const(p, n, 4)) && (!ld_in(p, n, 6) || ld_const(p, n, 6));
    int64_t rows_q = a->L * a->N, rows_k = a->S * a->N;
    pm->n_g = 0;
    c->v_rs = a->E;
    if (same_qk) {
        c->q = c->k = cg_temp(p, (uint64_t)(rows_q * 2 * a->E) * 4);
        c->q_rs = c->k_rs = 2 * a->E;
        c->k_off = a->E;
        st = fuse_qk(p, n, a, &pm->g[pm->n_g++], c->q, scratch, d);
    } else {
        c->q_rs = c->k_rs = a->E;
        c->q = wq ? cg_temp(p, (uint64_t)(rows_q * a->E) * 4) : cg_buf(p, n->inputs[0]);
        c->k = cg_temp(p, (uint64_t)(rows_k * a->E) * 4);
        if (wq)
            st = proj_gemm(p, n, &pm->g[pm->n_g++], rows_q, a->eq, a->E, cg_buf(p, n->inputs[0]),
                           3, ld_const(p, n, 3), cg_buf(p, ld_in(p, n, 4) ? n->inputs[4] : -1),
                           c->q, scratch, d);
        if (!st)
            st = proj_gemm(p, n, &pm->g[pm->n_g++], rows_k, a->ek, a->E, cg_buf(p, n->inputs[1]),
                           5, ld_const(p, n, 5), cg_buf(p, ld_in(p, n, 6) ? n->inputs[6] : -1),
                           c->k, scratch, d);
    }
    c->v = cg_temp(p, (uint64_t)(rows_k * a->E) * 4);
    if (!st)
        st = proj_gemm(p, n, &pm->g[pm->n_g++], rows_k, a->ev, a->E, cg_buf(p, n->inputs[2]), 7,
                       ld_const(p, n, 7), cg_buf(p, ld_in(p, n, 8) ? n->inputs[8] : -1), c->v, scratch, d);
    for (int64_t i = 0, end = 0; i < pm->n_g; i++)
        pm->task_end[i] = end += pm->g[i].batches * pm->g[i].m_tiles * pm->g[i].n_tiles;
    return st;
}

/* Phase 2: the core, tasks over (batch, head, group of queries); the
 * microkernel's rows run over head dims, so mr should divide hd. */
static void plan_core(const cg_program *p, const attn_shape *a, struct k_attn *k, uint64_t *scratch)
{
    static const int32_t shapes[3][2] = {{8, 3}, {14, 2}, {6, 4}};
    int64_t best = 0;
    k->mr = 6;
    k->nv = 1;
    for (int i = 0; i < 3 && ld_vector_bits(p) >= 512; i++) {
        int64_t pad = (a->hd + shapes[i][0] - 1) / shapes[i][0] * shapes[i][0];
        if (i == 0 || pad < best) {
            best = pad;
            k->mr = shapes[i][0];
            k->nv = shapes[i][1];
        }
    }
    int64_t nr = 16 * (int64_t)k->nv, mr = k->mr, threads = cg_threads_hint(p);
    int64_t groups = (2 * threads + a->N * a->H - 1) / (a->N * a->H);
    groups = groups > (a->L + nr - 1) / nr ? (a->L + nr - 1) / nr : groups;
    groups = groups < 1 ? 1 : groups;
    k->qg = ((a->L + groups - 1) / groups + nr - 1) / nr * nr;
    k->q_groups = (a->L + k->qg - 1) / k->qg;
    k->q_groups = k->q_groups < 1 ? 1 : k->q_groups;
    int64_t chunks = (a->S + ATTN_KEYS_MAX - 1) / ATTN_KEYS_MAX;
    chunks = chunks < 1 ? 1 : chunks;
    k->sc = (a->S + chunks - 1) / chunks;
    k->sc = k->sc < 1 ? 1 : k->sc;
    int64_t nqb = k->qg / nr, scp = (k->sc + mr - 1) / mr * mr, hdp = (a->hd + mr - 1) / mr * mr;
    uint64_t f = (uint64_t)(nqb * a->hd * nr + scp * nr + nqb * hdp * nr + 2 * nqb * nr + scp * a->hd + hdp * scp);
    *scratch = 4 * f + 64;
}

ir_status cg_lower_attention(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    attn_shape a = {0};
    ir_status st = ld_check_f32(p, n, d);
    if (!st)
        st = attn_shape_get(p, n, &a, d);
    if (st)
        return st;
    struct k_gemm_multi *pm = cg_alloc(p, sizeof *pm);
    struct k_attn *k = cg_alloc(p, sizeof *k);
    struct k_gemm *po = cg_alloc(p, sizeof *po);
    cg_lowered *core = cg_alloc(p, sizeof *core), *oproj = cg_alloc(p, sizeof *oproj);
    if (!pm || !k || !po || !core || !oproj)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(k, 0, sizeof *k);
    k->mask = -1;
    if (ld_in(p, n, 11)) {
        k->mask = cg_buf(p, n->inputs[11]);
        if ((st = mask_strides(p, n, &a, k->mstr, d)))
            return st;
    }
    uint64_t s_proj = 0, s_core = 0, s_out = 0;
    st = lower_proj(p, n, &a, pm, k, &s_proj, d);
    if (st)
        return st;
    k->ctx_rs = a.E;
    k->ctx = cg_temp(p, (uint64_t)(a.L * a.N * a.E) * 4);
    k->L = a.L;
    k->S = a.S;
    k->N = a.N;
    k->H = a.H;
    k->hd = a.hd;
    k->scale = ir_attr_float(n, "scale", 1.0f);
    plan_core(p, &a, k, &s_core);
    st = proj_gemm(p, n, po, a.L * a.N, a.E, a.eo, k->ctx, 9, ld_const(p, n, 9),
                   cg_buf(p, ld_in(p, n, 10) ? n->inputs[10] : -1), cg_buf(p, n->outputs[0]), &s_out, d);
    if (st || k->ctx < 0 || k->v < 0 || k->q < 0 || k->k < 0)
        return st ? st : ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    double core_flops = 4.0 * (double)(a.N * a.H * a.L * a.S * a.hd);
    *oproj = (cg_lowered){"gemm", po, sizeof *po, po->m_tiles * po->n_tiles, s_out, 2.0 * (double)(a.L * a.N * a.E * a.eo),
                          NULL};
    *core = (cg_lowered){"attn", k, sizeof *k, a.N * a.H * k->q_groups, s_core, core_flops, oproj};
    *out = (cg_lowered){"gemm_multi", pm, sizeof *pm, pm->task_end[pm->n_g - 1], s_proj,
                        2.0 * (double)(a.L * a.N * a.eq * a.E + a.S * a.N * (a.ek + a.ev) * a.E), core};
    return IR_OK;
}
