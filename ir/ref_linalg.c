/* ref_linalg.c - reference kernels of MatMul (numpy semantics: 1-D operands,
 * broadcast batch dims) and Gemm (alpha, beta, transA, transB, C broadcast).
 *
 * The reference engine runs whole models (DETR's 118 MatMuls and 18 Gemms),
 * so the float32 path is written to be fast while staying plain C: rows of
 * the output are computed in i-k-j order (an output row accumulates a scalar
 * of A times a contiguous row of B, a loop the compiler vectorizes), columns
 * are taken in panels so the slice of B being reused stays in cache, and the
 * rows are split across threads. Every other dtype takes a per-element path:
 * double accumulation for the floating types, wrapping uint64 for integers. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels.h"

/* The f32 loops are plain C for the auto-vectorizer: -O3 vectorizes them
 * even in a -O2 build, and on x86-64 GCC also compiles the two hot
 * functions for AVX2+FMA, picked at load time when the CPU has them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__)
#define HOT_LOOP __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HOT_LOOP
#endif
/* for helpers of a HOT_LOOP function, so they are compiled into each clone */
#define INLINE static inline __attribute__((always_inline))

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define bad(d, st, n, ...) ir_fail_node(d, st, n, __VA_ARGS__)

/* ---- a parallel for over [0, count) ------------------------------------- */

typedef void (*par_fn)(void *ctx, int64_t begin, int64_t end);

typedef struct {
    par_fn fn;
    void *ctx;
    int64_t begin, end;
} par_task;

static int32_t num_threads(void)
{
    const char *e = getenv("ONNXC_NUM_THREADS");
    long v = e ? strtol(e, NULL, 10) : 0;
    if (v <= 0)
        v = sysconf(_SC_NPROCESSORS_ONLN);
    return v < 1 ? 1 : v > 64 ? 64 : (int32_t)v;
}

static void *par_main(void *p)
{
    par_task *t = p;
    t->fn(t->ctx, t->begin, t->end);
    return NULL;
}

/* Splits [0, count) into one contiguous range per thread; the caller runs
 * the first. Small jobs (under a million multiply-adds) stay serial. */
static void parallel_for(int64_t count, double work, par_fn fn, void *ctx)
{
    int64_t t = work < 1e6 ? 1 : num_threads();
    t = t > count ? count : t;
    if (t <= 1) {
        fn(ctx, 0, count);
        return;
    }
    pthread_t th[64];
    par_task task[64];
    bool started[64];
    for (int64_t i = 1; i < t; i++) {
        task[i] = (par_task){fn, ctx, count * i / t, count * (i + 1) / t};
        started[i] = pthread_create(&th[i], NULL, par_main, &task[i]) == 0;
    }
    fn(ctx, 0, count / t);
    for (int64_t i = 1; i < t; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            par_main(&task[i]);
    }
}

/* ---- the float32 core: C[rows] = A[rows] x B ---------------------------- */

/* One job: a set of `batches` independent products, each C = A x B with A
 * addressed as a[i * lda_i + k * lda_k] and B dense [k][n]. Work items are
 * (batch, row) pairs. */
typedef struct {
    const float *a, *b;
    float *c;
    const int64_t *aoff, *boff; /* per batch element offsets */
    int64_t m, n, k, lda_i, lda_k;
} mm_job;

HOT_LOOP static void mm_rows(void *vjob, int64_t begin, int64_t end)
{
    const mm_job *j = vjob;
    /* a panel of B (k x jb floats) of at most 512 KiB stays in L2 */
    int64_t jb = ((int64_t)1 << 17) / (j->k > 0 ? j->k : 1);
    jb = jb < 64 ? 64 : jb > j->n ? j->n : jb;
    double *acc = malloc((size_t)(jb > 0 ? jb : 1) * sizeof *acc); /* rows accumulate in double */
    for (int64_t j0 = 0; acc && j0 < j->n; j0 += jb) {
        int64_t w = j->n - j0 < jb ? j->n - j0 : jb;
        for (int64_t r = begin; r < end; r++) {
            int64_t bi = r / j->m, i = r % j->m;
            const float *a = j->a + j->aoff[bi] + i * j->lda_i;
            const float *b = j->b + j->boff[bi] + j0;
            float *c = j->c + r * j->n + j0;
            for (int64_t q = 0; q < w; q++)
                acc[q] = 0;
            for (int64_t kk = 0; kk < j->k; kk++) {
                double av = a[kk * j->lda_k];
                const float *brow = b + kk * j->n;
                for (int64_t q = 0; q < w; q++)
                    acc[q] += av * brow[q];
            }
            for (int64_t q = 0; q < w; q++)
                c[q] = (float)acc[q];
        }
    }
    free(acc);
}

static void mm_run(const mm_job *j, int64_t batches)
{
    double work = (double)batches * (double)j->m * (double)j->n * (double)j->k;
    parallel_for(batches * j->m, work, mm_rows, (void *)j);
}

/* ---- MatMul ------------------------------------------------------------- */

/* Batch layout of a MatMul: A as [..., M, K] and B as [..., K, N] after
 * promoting 1-D operands, and each batch element's offsets into them. */
typedef struct {
    int64_t m, n, k, batches;
    int64_t *aoff, *boff;
} mm_layout;

static ir_status mm_layout_init(const ir_node *n, const ir_shape *as, const ir_shape *bs,
                                mm_layout *l, ir_diag *d)
{
    ir_shape a = *as, b = *bs, batch;
    if (a.rank == 1)
        a = (ir_shape){.rank = 2, .dims = {1, as->dims[0]}};
    if (b.rank == 1)
        b = (ir_shape){.rank = 2, .dims = {bs->dims[0], 1}};
    l->m = a.dims[a.rank - 2];
    l->k = a.dims[a.rank - 1];
    l->n = b.dims[b.rank - 1];
    if (b.dims[b.rank - 2] != l->k)
        return bad(d, IR_ERR_MODEL, n, "inner dimensions differ (%lld and %lld)", (long long)l->k,
                   (long long)b.dims[b.rank - 2]);
    a.rank -= 2;
    b.rank -= 2;
    const ir_shape *pair[2] = {&a, &b};
    ir_status st = ir_broadcast_shapes(n, pair, 2, &batch, d);
    if (st)
        return st;
    l->batches = ir_shape_numel(&batch);
    l->aoff = malloc((size_t)(l->batches + 1) * sizeof *l->aoff);
    l->boff = malloc((size_t)(l->batches + 1) * sizeof *l->boff);
    if (!l->aoff || !l->boff)
        return bad(d, IR_ERR_NOMEM, n, "out of memory");
    int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK];
    ir_broadcast_strides(&a, &batch, sa);
    ir_broadcast_strides(&b, &batch, sb);
    ir_index it;
    ir_index_init(&it, &batch);
    for (int64_t i = 0; i < l->batches; i++, ir_index_next(&it)) {
        l->aoff[i] = ir_index_offset(&it, sa) * l->m * l->k;
        l->boff[i] = ir_index_offset(&it, sb) * l->k * l->n;
    }
    return IR_OK;
}

/* Any dtype, one element at a time. */
static void mm_generic(const ir_tensor *a, const ir_tensor *b, ir_tensor *c, const mm_layout *l)
{
    bool fl = a->dtype == IR_F32 || a->dtype == IR_F64 || a->dtype == IR_F16 || a->dtype == IR_BF16;
    for (int64_t bi = 0; bi < l->batches; bi++)
        for (int64_t i = 0; i < l->m; i++)
            for (int64_t j = 0; j < l->n; j++) {
                double f = 0;
                uint64_t u = 0;
                for (int64_t k = 0; k < l->k; k++) {
                    int64_t ia = l->aoff[bi] + i * l->k + k, ib = l->boff[bi] + k * l->n + j;
                    if (fl)
                        f += ir_tensor_get_f64(a, ia) * ir_tensor_get_f64(b, ib);
                    else
                        u +=
                            (uint64_t)ir_tensor_get_i64(a, ia) * (uint64_t)ir_tensor_get_i64(b, ib);
                }
                int64_t o = (bi * l->m + i) * l->n + j;
                if (fl)
                    ir_tensor_set_f64(c, o, f);
                else
                    ir_tensor_set_i64(c, o, (int64_t)u);
            }
}

ir_status ir_ref_matmul(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    mm_layout l = {0};
    ir_status st = mm_layout_init(n, &in[0]->shape, &in[1]->shape, &l, d);
    if (!st && l.batches * l.m * l.n != ir_tensor_numel(out[0]))
        st = bad(d, IR_ERR_INTERNAL, n, "output size does not match the operands");
    if (!st && in[0]->dtype == IR_F32) {
        mm_job j = {in[0]->data, in[1]->data, out[0]->data, l.aoff, l.boff, l.m, l.n, l.k, l.k, 1};
        mm_run(&j, l.batches);
    } else if (!st) {
        mm_generic(in[0], in[1], out[0], &l);
    }
    free(l.aoff);
    free(l.boff);
    return st;
}

/* ---- Gemm --------------------------------------------------------------- */

/* Y = alpha * A' x B' + beta * C, in place over Y = A' x B'. */
static void gemm_epilogue(ir_tensor *y, const ir_tensor *c, double alpha, double beta)
{
    int64_t m = y->shape.dims[0], n = y->shape.dims[1], cs[2] = {0, 0};
    if (c)
        ir_broadcast_strides(&c->shape, &y->shape, cs);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double v = alpha * ir_tensor_get_f64(y, i * n + j);
            if (c)
                v += beta * ir_tensor_get_f64(c, i * cs[0] + j * cs[1]);
            ir_tensor_set_f64(y, i * n + j, v);
        }
}

/* B' dense as [K][N] floats: B itself, or a transposed copy. */
static const float *gemm_b(const ir_tensor *b, bool tb, float **owned)
{
    *owned = NULL;
    if (!tb)
        return b->data;
    int64_t nn = b->shape.dims[0], k = b->shape.dims[1];
    float *t = malloc((size_t)(nn * k > 0 ? nn * k : 1) * sizeof *t);
    if (!t)
        return NULL;
    const float *s = b->data;
    for (int64_t j = 0; j < nn; j++)
        for (int64_t kk = 0; kk < k; kk++)
            t[kk * nn + j] = s[j * k + kk];
    *owned = t;
    return t;
}

static void gemm_generic(const ir_tensor *a, const ir_tensor *b, ir_tensor *y, bool ta, bool tb)
{
    int64_t m = y->shape.dims[0], n = y->shape.dims[1];
    int64_t k = a->shape.dims[ta ? 0 : 1], am = a->shape.dims[1], bn = b->shape.dims[1];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t kk = 0; kk < k; kk++)
                s += ir_tensor_get_f64(a, ta ? kk * am + i : i * am + kk) *
                     ir_tensor_get_f64(b, tb ? j * bn + kk : kk * bn + j);
            ir_tensor_set_f64(y, i * n + j, s);
        }
}

ir_status ir_ref_gemm(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *a = in[0], *b = in[1], *c = n->n_inputs > 2 ? in[2] : NULL;
    bool ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
    double alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
    if (a->shape.rank != 2 || b->shape.rank != 2 || out[0]->shape.rank != 2)
        return bad(d, IR_ERR_MODEL, n, "A and B must be 2-D");
    if (a->dtype == IR_F32) {
        float *owned;
        const float *bd = gemm_b(b, tb, &owned);
        if (!bd)
            return bad(d, IR_ERR_NOMEM, n, "out of memory");
        int64_t zero = 0, m = out[0]->shape.dims[0], k = a->shape.dims[ta ? 0 : 1];
        mm_job j = {a->data, bd,         out[0]->data, &zero, &zero, m, out[0]->shape.dims[1],
                    k,       ta ? 1 : k, ta ? m : 1};
        mm_run(&j, 1);
        free(owned);
    } else {
        gemm_generic(a, b, out[0], ta, tb);
    }
    if (alpha != 1.0 || (c && beta != 0.0))
        gemm_epilogue(out[0], beta != 0.0 ? c : NULL, alpha, beta);
    return IR_OK;
}

/* ---- window geometry of Conv and pooling -------------------------------- */

/* Per spatial dim, in 3-D: a 1-D or 2-D op gets leading dims of size 1. */
typedef struct {
    int64_t in[3], k[3], s[3], dil[3], pb[3], pe[3], out[3];
} win3;

/* The shape hook (shape_conv.c) validated the attributes and sized the
 * output; the kernel only needs the pads back, which auto_pad SAME derives
 * from the output size: total = (out - 1) * stride + (k - 1) * dilation + 1
 * - in, the odd one at the end (SAME_UPPER) or the beginning (SAME_LOWER). */
static ir_status win3_init(const ir_graph *g, const ir_node *n, const ir_shape *x,
                           const int64_t *kernel, const ir_shape *y, win3 *w, ir_diag *d)
{
    int32_t nsp = x->rank - 2;
    if (nsp < 1 || nsp > 3 || y->rank != x->rank)
        return bad(d, IR_ERR_INTERNAL, n, "unexpected ranks %d and %d", (int)x->rank, (int)y->rank);
    const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
    const int64_t *s, *dl, *p;
    size_t ns = ir_attr_ints(n, "strides", &s), nd = ir_attr_ints(n, "dilations", &dl);
    size_t np = ir_attr_ints(n, "pads", &p);
    if (n->op == IR_OP_AVGPOOL && ir_node_opset(g, n) < 19)
        nd = 0;
    for (int32_t j = 0; j < 3; j++)
        w->in[j] = w->k[j] = w->s[j] = w->dil[j] = w->out[j] = 1, w->pb[j] = w->pe[j] = 0;
    for (int32_t i = 0; i < nsp; i++) {
        int32_t j = i + 3 - nsp;
        w->in[j] = x->dims[2 + i];
        w->out[j] = y->dims[2 + i];
        w->k[j] = kernel[i];
        w->s[j] = ns == (size_t)nsp ? s[i] : 1;
        w->dil[j] = nd == (size_t)nsp ? dl[i] : 1;
        if (w->k[j] < 1 || w->s[j] < 1 || w->dil[j] < 1)
            return bad(d, IR_ERR_MODEL, n, "kernel, strides and dilations must be >= 1");
        int64_t total = (w->out[j] - 1) * w->s[j] + (w->k[j] - 1) * w->dil[j] + 1 - w->in[j];
        total = total > 0 ? total : 0;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            w->pb[j] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pe[j] = total - w->pb[j];
        } else if (strcmp(ap, "VALID") && np == 2 * (size_t)nsp) {
            w->pb[j] = p[i];
            w->pe[j] = p[i + nsp];
        }
    }
    return IR_OK;
}

/* ---- Conv --------------------------------------------------------------- */

typedef struct {
    const float *x, *w, *b;
    float *y;
    int64_t batch, c, m, group;
    win3 g;
} conv_job;

/* o[q] += w * x[q * stride] for q < n: the loop the compiler vectorizes. */
INLINE void axpy(double *restrict o, const float *restrict x, double w, int64_t n, int64_t stride)
{
    if (stride == 1)
        for (int64_t q = 0; q < n; q++)
            o[q] += w * x[q];
    else
        for (int64_t q = 0; q < n; q++)
            o[q] += w * x[q * stride];
}

/* Adds kernel row w[0..k) applied to input row x into output row y. */
INLINE void conv_row(double *y, const float *x, const float *w, const win3 *g)
{
    int64_t ow = g->out[2], iw = g->in[2], s = g->s[2];
    for (int64_t kw = 0; kw < g->k[2]; kw++) {
        int64_t off = kw * g->dil[2] - g->pb[2]; /* input column of output column 0 */
        int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
        int64_t hi = iw - 1 - off < 0 ? 0 : (iw - 1 - off) / s + 1;
        hi = hi < ow ? hi : ow;
        if (lo < hi)
            axpy(y + lo, x + lo * s + off, w[kw], hi - lo, s);
    }
}

/* Rows wider than the stack buffer: element by element, in double. */
static void conv_item_wide(const conv_job *j, int64_t item)
{
    const win3 *g = &j->g;
    int64_t oh = item % g->out[1], od = (item / g->out[1]) % g->out[0];
    int64_t nb = item / (g->out[1] * g->out[0]);
    int64_t cg = j->c / j->group, mg = j->m / j->group, ksz = g->k[0] * g->k[1] * g->k[2];
    for (int64_t m = 0; m < j->m; m++)
        for (int64_t ow = 0; ow < g->out[2]; ow++) {
            double s = j->b ? j->b[m] : 0.0;
            for (int64_t ic = 0; ic < cg; ic++)
                for (int64_t kd = 0; kd < g->k[0]; kd++)
                    for (int64_t kh = 0; kh < g->k[1]; kh++)
                        for (int64_t kw = 0; kw < g->k[2]; kw++) {
                            int64_t id = od * g->s[0] + kd * g->dil[0] - g->pb[0];
                            int64_t ih = oh * g->s[1] + kh * g->dil[1] - g->pb[1];
                            int64_t iw = ow * g->s[2] + kw * g->dil[2] - g->pb[2];
                            if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1] || iw < 0 || iw >= g->in[2])
                                continue;
                            int64_t ch = (m / mg) * cg + ic;
                            s += (double)j->x[(((nb * j->c + ch) * g->in[0] + id) * g->in[1] + ih) * g->in[2] + iw] *
                                 j->w[(m * cg + ic) * ksz + (kd * g->k[1] + kh) * g->k[2] + kw];
                        }
            j->y[(((nb * j->m + m) * g->out[0] + od) * g->out[1] + oh) * g->out[2] + ow] = (float)s;
        }
}

/* One work item: output row (batch nb, depth od, height oh) of every
 * output channel. */
HOT_LOOP static void conv_item(const conv_job *j, int64_t item)
{
    const win3 *g = &j->g;
    int64_t oh = item % g->out[1], od = (item / g->out[1]) % g->out[0];
    int64_t nb = item / (g->out[1] * g->out[0]);
    int64_t cg = j->c / j->group, mg = j->m / j->group, ksz = g->k[0] * g->k[1] * g->k[2];
    double acc[4096]; /* one output row, accumulated in double (the oracle is exact-ish) */
    if (g->out[2] > 4096) {
        conv_item_wide(j, item);
        return;
    }
    for (int64_t m = 0; m < j->m; m++) {
        float *yo = j->y + (((nb * j->m + m) * g->out[0] + od) * g->out[1] + oh) * g->out[2];
        double *y = acc;
        for (int64_t q = 0; q < g->out[2]; q++)
            y[q] = j->b ? j->b[m] : 0.0;
        for (int64_t ic = 0; ic < cg; ic++) {
            int64_t ch = (m / mg) * cg + ic;
            for (int64_t kd = 0; kd < g->k[0]; kd++) {
                int64_t id = od * g->s[0] + kd * g->dil[0] - g->pb[0];
                for (int64_t kh = 0; id >= 0 && id < g->in[0] && kh < g->k[1]; kh++) {
                    int64_t ih = oh * g->s[1] + kh * g->dil[1] - g->pb[1];
                    if (ih < 0 || ih >= g->in[1])
                        continue;
                    const float *x =
                        j->x + (((nb * j->c + ch) * g->in[0] + id) * g->in[1] + ih) * g->in[2];
                    const float *w = j->w + (m * cg + ic) * ksz + (kd * g->k[1] + kh) * g->k[2];
                    conv_row(y, x, w, g);
                }
            }
        }
        for (int64_t q = 0; q < g->out[2]; q++)
            yo[q] = (float)y[q];
    }
}

static void conv_items(void *vjob, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end; i++)
        conv_item(vjob, i);
}

/* A 1x1 convolution with stride 1 and no padding is a matrix product per
 * (batch, group): W [M/G, C/G] x X [C/G, spatial]. */
static bool conv_pointwise(const win3 *g)
{
    for (int32_t i = 0; i < 3; i++)
        if (g->k[i] != 1 || g->s[i] != 1 || g->pb[i] || g->pe[i])
            return false;
    return true;
}

static ir_status conv_pointwise_run(const ir_node *n, const conv_job *j, ir_diag *d)
{
    const win3 *g = &j->g;
    int64_t sp = g->in[0] * g->in[1] * g->in[2], nb = j->batch * j->group;
    int64_t cg = j->c / j->group, mg = j->m / j->group;
    int64_t *off = malloc((size_t)(2 * nb + 1) * sizeof *off);
    if (!off)
        return bad(d, IR_ERR_NOMEM, n, "out of memory");
    for (int64_t b = 0; b < nb; b++) {
        off[b] = (b % j->group) * mg * cg;
        off[nb + b] = ((b / j->group) * j->c + (b % j->group) * cg) * sp;
    }
    mm_job mj = {j->w, j->x, j->y, off, off + nb, mg, sp, cg, cg, 1};
    mm_run(&mj, nb);
    free(off);
    for (int64_t p = 0; j->b && p < j->batch * j->m; p++)
        for (int64_t q = 0; q < sp; q++)
            j->y[p * sp + q] += j->b[p % j->m];
    return IR_OK;
}

/* A float32 copy of a tensor of another floating type (NULL: no memory). */
static ir_tensor *to_f32(const ir_tensor *t)
{
    ir_tensor *f = ir_tensor_alloc(IR_F32, &t->shape);
    int64_t m = ir_tensor_numel(t);
    for (int64_t i = 0; f && i < m; i++)
        ((float *)f->data)[i] = (float)ir_tensor_get_f64(t, i);
    return f;
}

static ir_status conv_f32(const ir_graph *g, const ir_node *n, const ir_tensor *x,
                          const ir_tensor *w, const ir_tensor *b, ir_tensor *y, ir_diag *d)
{
    conv_job j = {
        x->data,          w->data,          b ? b->data : NULL, y->data,
        x->shape.dims[0], x->shape.dims[1], w->shape.dims[0],   ir_attr_int(n, "group", 1)};
    ir_status st = win3_init(g, n, &x->shape, w->shape.dims + 2, &y->shape, &j.g, d);
    if (st)
        return st;
    if (j.group < 1 || j.c != w->shape.dims[1] * j.group || j.m % j.group ||
        (b && ir_tensor_numel(b) != j.m))
        return bad(d, IR_ERR_MODEL, n, "channel counts of input, weight and bias disagree");
    if (conv_pointwise(&j.g))
        return conv_pointwise_run(n, &j, d);
    int64_t items = j.batch * j.g.out[0] * j.g.out[1];
    double work = (double)ir_tensor_numel(y) * (double)(j.c / j.group) *
                  (double)(j.g.k[0] * j.g.k[1] * j.g.k[2]);
    parallel_for(items, work, conv_items, &j);
    return IR_OK;
}

ir_status ir_ref_conv(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *b = n->n_inputs > 2 ? in[2] : NULL;
    if (in[0]->dtype == IR_F32)
        return conv_f32(g, n, in[0], in[1], b, out[0], d);
    /* other floating types: computed in float32 */
    ir_tensor *x = to_f32(in[0]), *w = to_f32(in[1]), *bb = b ? to_f32(b) : NULL;
    ir_tensor *y = ir_tensor_alloc(IR_F32, &out[0]->shape);
    ir_status st;
    if (!x || !w || (b && !bb) || !y)
        st = bad(d, IR_ERR_NOMEM, n, "out of memory");
    else
        st = conv_f32(g, n, x, w, bb, y, d);
    for (int64_t i = 0, m = ir_tensor_numel(out[0]); !st && i < m; i++)
        ir_tensor_set_f64(out[0], i, ((float *)y->data)[i]);
    ir_tensor_release(x);
    ir_tensor_release(w);
    ir_tensor_release(bb);
    ir_tensor_release(y);
    return st;
}

/* ---- MaxPool, AveragePool, GlobalAveragePool ---------------------------- */

typedef struct {
    double val;
    int64_t arg; /* MaxPool: plane offset of the max, -1 if none */
} pool_res;

/* One output position of a pooling window over plane x. Average counts
 * either the elements inside the input or (count_include_pad) those inside
 * the padded input. */
static pool_res pool_point(const double *x, const win3 *w, const int64_t *o, bool max,
                           bool include_pad)
{
    pool_res r = {max ? -INFINITY : 0, -1};
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
                cnt++;
                if (!max)
                    r.val += x[e];
                else if (x[e] > r.val || r.arg < 0 || (isnan(x[e]) && !isnan(r.val))) /* NaN wins */
                    r.val = x[e], r.arg = e;
            }
        }
    }
    if (!max)
        r.val /= (double)(include_pad ? cnt_pad : cnt);
    return r;
}

/* MaxPool's Indices: flat over the input tensor, row-major (storage_order
 * 0) or column-major over the spatial dims (1). */
static int64_t pool_index(const win3 *w, int64_t plane, int64_t e, bool colmajor)
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

ir_status ir_ref_pool(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    const int64_t *ks;
    win3 w;
    if (ir_attr_ints(n, "kernel_shape", &ks) != (size_t)(x->shape.rank - 2))
        return bad(d, IR_ERR_MODEL, n, "kernel_shape does not match the input's rank");
    ir_status st = win3_init(g, n, &x->shape, ks, &out[0]->shape, &w, d);
    if (st)
        return st;
    bool max = n->op == IR_OP_MAXPOOL, incl = ir_attr_int(n, "count_include_pad", 0) != 0;
    bool colmajor = ir_attr_int(n, "storage_order", 0) != 0;
    ir_tensor *idx = max && n->n_outputs > 1 ? out[1] : NULL;
    int64_t planes = x->shape.dims[0] * x->shape.dims[1], sp = w.in[0] * w.in[1] * w.in[2];
    double *p = malloc((size_t)(sp > 0 ? sp : 1) * sizeof *p);
    if (!p)
        return bad(d, IR_ERR_NOMEM, n, "out of memory");
    int64_t e = 0; /* output element */
    for (int64_t pl = 0; pl < planes; pl++) {
        for (int64_t i = 0; i < sp; i++)
            p[i] = ir_tensor_get_f64(x, pl * sp + i);
        int64_t o[3];
        for (o[0] = 0; o[0] < w.out[0]; o[0]++)
            for (o[1] = 0; o[1] < w.out[1]; o[1]++)
                for (o[2] = 0; o[2] < w.out[2]; o[2]++, e++) {
                    pool_res r = pool_point(p, &w, o, max, incl);
                    ir_tensor_set_f64(out[0], e, r.val);
                    if (idx)
                        ((int64_t *)idx->data)[e] = pool_index(&w, pl, r.arg, colmajor);
                }
    }
    free(p);
    return IR_OK;
}

ir_status ir_ref_globalpool(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                            ir_tensor *const *out, ir_diag *d)
{
    int64_t planes = ir_tensor_numel(out[0]), total = ir_tensor_numel(in[0]);
    int64_t sp = planes > 0 ? total / planes : 0;
    for (int64_t pl = 0; pl < planes; pl++) {
        double s = 0;
        for (int64_t i = 0; i < sp; i++)
            s += ir_tensor_get_f64(in[0], pl * sp + i);
        ir_tensor_set_f64(out[0], pl, s / (double)sp);
    }
    return IR_OK;
}
