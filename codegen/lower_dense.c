/* lower_dense.c - lowering of the matrix products (MatMul, Gemm, onnxc
 * Linear) to the packed GEMM kernel, and the helpers every dense lowering
 * shares: operand checks, compile-time packing of constant weights into the
 * microkernel's panel layout, and the tiling heuristic.
 *
 * The tiling follows the cache hierarchy of the kernels in dense_gemm.c: a
 * K block of B (kc x nc) stays in L2 while the microkernel sweeps it with
 * one A panel (mr x kc) held in L1; the microkernel shape is the one that
 * pads M and N the least. Tasks are C tiles; tiles shrink until both (or
 * all) threads have several tasks, unless the node is too small to split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "lower_dense.h"

#define KC_MAX 384
#define MC_MAX 224               /* 16 panels of 14 rows */
#define B_BLOCK_BYTES (384 << 10) /* a kc x nc block of B, kept in L2 */
#define TASK_MIN_FLOPS 4e6       /* below this a task costs more than it saves */

const ir_value *ld_in(const cg_program *p, const ir_node *n, uint32_t i)
{
    return i < n->n_inputs && n->inputs[i] >= 0 ? &cg_graph(p)->values[n->inputs[i]] : NULL;
}

const float *ld_const(const cg_program *p, const ir_node *n, uint32_t i)
{
    const ir_value *v = ld_in(p, n, i);
    return v && (v->flags & IR_VALUE_CONST) && v->data && v->dtype == IR_F32 ? v->data->data : NULL;
}

int64_t ld_numel(const ir_value *v) { return ir_shape_numel(&v->shape); }

static ir_status check_value(const ir_node *n, const ir_value *v, const char *what, uint32_t i, ir_diag *d)
{
    if (v->dtype != IR_F32)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "%s %u is %s; the compiled kernels support only float32 here",
                       what, i, ir_dtype_name(v->dtype));
    if (!ir_shape_static(&v->shape))
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "%s %u has no static shape", what, i);
    return IR_OK;
}

ir_status ld_check_f32(const cg_program *p, const ir_node *n, ir_diag *d)
{
    const ir_graph *g = cg_graph(p);
    for (uint32_t i = 0; i < n->n_inputs; i++)
        if (n->inputs[i] >= 0) {
            ir_status st = check_value(n, &g->values[n->inputs[i]], "input", i, d);
            if (st)
                return st;
        }
    for (uint32_t i = 0; i < n->n_outputs; i++)
        if (n->outputs[i] >= 0) {
            ir_status st = check_value(n, &g->values[n->outputs[i]], "output", i, d);
            if (st)
                return st;
        }
    return IR_OK;
}

/* ---- tiling ------------------------------------------------------------- */

int ld_vector_bits(const cg_program *p) { return p->vec_bits ? p->vec_bits : 512; }

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t round_up(int64_t a, int64_t b) { return cdiv(a, b) * b; }

/* The shape whose padding of m and n costs the least (6x1 on targets
 * without 512-bit vectors). */
static void pick_shape(const cg_program *p, int64_t m, int64_t n, int32_t *mr, int32_t *nv)
{
    static const int32_t shapes[3][2] = {{14, 2}, {8, 3}, {6, 4}};
    double best = 0;
    *mr = 6;
    *nv = 1;
    for (int i = 0; i < 3 && ld_vector_bits(p) >= 512; i++) {
        double cost = (double)round_up(m, shapes[i][0]) * (double)round_up(n, 16 * shapes[i][1]);
        if (i == 0 || cost < best * 0.999) {
            best = cost;
            *mr = shapes[i][0];
            *nv = shapes[i][1];
        }
    }
}

/* Splits `len` into tiles of at most `max` (a multiple of `unit`), evenly. */
static void split(int64_t len, int64_t max, int64_t unit, int64_t *tile, int64_t *count)
{
    max = max < unit ? unit : max / unit * unit;
    *count = cdiv(len > 0 ? len : 1, max);
    *tile = round_up(cdiv(len > 0 ? len : 1, *count), unit);
    *count = cdiv(len > 0 ? len : 1, *tile);
}

/* Tile length along a dimension of `len` (a multiple of unit, at most max)
 * for `mult` copies of the dimension on `threads` threads. Tiles shorter
 * than min_tile are not worth a task. Among tilings giving every thread at
 * least two tasks, the one whose busiest thread does the least (its tiles
 * plus a per-tile overhead); without such a tiling, the most tasks. */
static int64_t balanced_tile(int64_t len, int64_t unit, int64_t max, int64_t min_tile, int64_t mult, int64_t threads)
{
    int64_t top = min64(max < unit ? unit : max / unit * unit, round_up(len, unit));
    int64_t best = 0, best_cost = -1, most = top;
    for (int64_t tile = unit; tile <= top; tile += unit) {
        if (tile < min_tile && tile < top)
            continue;
        int64_t tasks = mult * cdiv(len, tile), cost = cdiv(tasks, threads) * (tile + 2 * unit);
        most = most < tile ? most : tile;
        if (tasks >= 2 * threads && (best_cost < 0 || cost < best_cost)) {
            best = tile;
            best_cost = cost;
        }
    }
    return best ? best : most;
}

void ld_plan_gemm(const cg_program *p, int64_t batches, int64_t m, int64_t n, int64_t k, bool full_m,
                  ld_gemm_plan *t)
{
    memset(t, 0, sizeof *t);
    pick_shape(p, m, n, &t->mr, &t->nv);
    cg_pin_kernel(p, &t->mr, &t->nv);
    int64_t nr = 16 * (int64_t)t->nv, kb = cdiv(k > 0 ? k : 1, KC_MAX), threads = cg_threads_hint(p);
    t->kc = k > 0 ? cdiv(k, kb) : 1;
    int64_t nc_max = B_BLOCK_BYTES / (4 * t->kc), mc_max = full_m ? round_up(m, t->mr) : MC_MAX / t->mr * t->mr;
    m = m > 0 ? m : 1;
    n = n > 0 ? n : 1;
    split(m, mc_max, t->mr, &t->mc, &t->m_tiles);
    /* columns per task worth at least TASK_MIN_FLOPS */
    double col_flops = 2.0 * (double)t->mc * (double)(k > 0 ? k : 1);
    int64_t min_nc = (int64_t)(TASK_MIN_FLOPS / col_flops) + 1;
    t->nc = balanced_tile(n, nr, nc_max, min_nc, batches * t->m_tiles, threads);
    t->n_tiles = cdiv(n, t->nc);
    if (batches * t->m_tiles * t->n_tiles < 2 * threads && t->mc > t->mr) {
        double row_flops = 2.0 * (double)t->nc * (double)(k > 0 ? k : 1);
        int64_t min_mc = (int64_t)(TASK_MIN_FLOPS / row_flops) + 1;
        t->mc = balanced_tile(m, t->mr, t->mc, min_mc, batches * t->n_tiles, threads);
        t->m_tiles = cdiv(m, t->mc);
    }
    t->scratch = ld_gemm_scratch(t, true, true);
}

uint64_t ld_gemm_scratch(const ld_gemm_plan *t, bool pack_a, bool pack_b)
{
    uint64_t a = pack_a ? (uint64_t)round_up(t->mc * t->kc, 16) : 0;
    uint64_t b = pack_b ? (uint64_t)(t->kc * t->nc) : 0;
    return 4 * (a + b) + 64;
}

/* ---- bf16 -------------------------------------------------------------- */

static bool is_gemm_op(ir_op op) { return op == IR_OP_LINEAR || op == IR_OP_MATMUL || op == IR_OP_GEMM; }

/* The output heads: products whose result reaches a graph output through
 * element-wise and data-movement nodes and other head products only (the
 * class and box MLPs of a detector, a classifier's last layer). Walking the
 * nodes backward from the outputs, a value reaches an output if a graph
 * output or an input of such a node that does; convolutions, normalization,
 * softmax and attention end the walk. */
static uint8_t *find_heads(cg_program *p)
{
    const ir_graph *g = p->g;
    uint8_t *reach = calloc(g->n_values + 1, 1), *head = cg_alloc(p, g->n_nodes + 1);
    if (!reach || !head) {
        free(reach);
        return NULL;
    }
    memset(head, 0, g->n_nodes + 1);
    for (uint32_t k = 0; k < g->n_outputs; k++)
        reach[g->outputs[k]] = 1;
    for (uint32_t i = g->n_nodes; i-- > 0;) {
        const ir_node *n = &g->nodes[i];
        bool r = false, dense = false;
        for (uint32_t o = 0; o < n->n_outputs; o++)
            r |= n->outputs[o] >= 0 && reach[n->outputs[o]];
#define L(o, fn) dense |= n->op == IR_OP_##o;
#include "lower_dense.def"
#undef L
        if (!r || (dense && !is_gemm_op(n->op)))
            continue;
        head[i] = is_gemm_op(n->op);
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0)
                reach[n->inputs[k]] = 1;
    }
    free(reach);
    return head;
}

/* Whether node n reads a graph input as its data operand (the first layer:
 * rounding the model's input to bf16 acts as input noise, which DETR-R50
 * turns into the largest single share of its bf16 error). */
static bool reads_graph_input(const cg_program *p, const ir_node *n)
{
    for (uint32_t k = 0; n->n_inputs && k < p->g->n_inputs; k++)
        if (p->g->inputs[k] == n->inputs[0])
            return true;
    return false;
}

bool ld_bf16(cg_program *p, const ir_node *n)
{
    return !ld_fp32_reason(p, n);
}

/* The first item of the comma-separated list that node name contains, as a
 * note ("its name contains 'x' (--keep-fp32)"); NULL if none. */
static const char *kept_fp32(cg_program *p, const char *list, const char *name)
{
    for (const char *s = list; s && *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        for (const char *at = name; len && at && *at; at++)
            if (!strncmp(at, s, len)) {
                char *why = cg_alloc(p, len + 48);
                if (why)
                    snprintf(why, len + 48, "its name contains '%.*s' (--keep-fp32)", (int)len, s);
                return why ? why : "--keep-fp32";
            }
        s = e ? e + 1 : NULL;
    }
    return NULL;
}

bool cg_keep_fp32_valid(const char *list)
{
    if (!list || !*list)
        return false;
    for (const char *s = list; *s; s++)
        if (*s == ',' && (s == list || s[1] == ',' || !s[1]))
            return false;
    return true;
}

const char *ld_fp32_reason(cg_program *p, const ir_node *n)
{
    if (p->precision == CG_FP32)
        return "float32 build";
    if (ld_vector_bits(p) < 512)
        return "no 512-bit vectors";
    if (p->precision == CG_BF16_ALL)
        return NULL;
    if (!p->heads)
        p->heads = find_heads(p);
    if (!p->heads)
        return "out of memory";
    if (p->heads[n - p->g->nodes])
        return "an output head";
    const char *kept = p->keep_fp32 ? kept_fp32(p, p->keep_fp32, n->name ? n->name : "") : NULL;
    if (kept)
        return kept;
    return reads_graph_input(p, n) ? "it reads the model's input" : NULL;
}

void ld_plan_bf16(ld_gemm_plan *t, int64_t k)
{
    t->bf16 = 1;
    if (t->kc < k && t->kc % 2) /* K blocks start at even k: pairs never straddle two */
        t->kc++;
    t->scratch = ld_gemm_scratch(t, true, true);
}

uint64_t ld_bf16_scratch(const ld_gemm_plan *t)
{
    int64_t kc2 = round_up(t->kc, 2);
    return t->bf16 ? (uint64_t)(2 * (t->mc * kc2 + kc2 * t->nc) + 64) : 0;
}

/* ---- prepacking --------------------------------------------------------- */

int64_t ld_packed_a_size(int64_t m, int64_t k, int32_t mr) { return round_up(m, mr) * k; }
int64_t ld_packed_b_size(int64_t k, int64_t n, int32_t nv) { return round_up(n, 16 * (int64_t)nv) * k; }

/* count matrices of `lanes` x k (element (i, kk) at src[c * mstride + i *
 * is + kk * ks]) as panels of w lanes: fp32 [k][w], bf16 [k2/2][w][2]. */
static int32_t prepack(cg_program *p, const float *src, int64_t is, int64_t ks, int64_t lanes, int64_t k, int64_t w,
                       int64_t count, int64_t mstride, bool bf16)
{
    int64_t k2 = bf16 ? round_up(k, 2) : k, one = round_up(lanes, w) * k2, es = bf16 ? 2 : 4;
    char *buf = calloc((size_t)(one * count + 1), (size_t)es);
    if (!buf)
        return -1;
    for (int64_t c = 0; c < count; c++)
        for (int64_t i = 0; i < lanes; i++)
            for (int64_t kk = 0; kk < k; kk++) {
                float x = src[c * mstride + i * is + kk * ks];
                int64_t at = c * one + (i / w) * k2 * w;
                if (bf16)
                    ((uint16_t *)buf)[at + (kk / 2 * w + i % w) * 2 + kk % 2] = k_bf16(x);
                else
                    ((float *)buf)[at + kk * w + i % w] = x;
            }
    int32_t b = cg_const(p, buf, (uint64_t)(one * count * es));
    free(buf);
    return b;
}

int32_t ld_prepack_a(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t m, int64_t k, int32_t mr,
                     int64_t count, int64_t mstride)
{
    return prepack(p, src, rs, cs, m, k, mr, count, mstride, false);
}

int32_t ld_prepack_b(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t k, int64_t n, int32_t nv,
                     int64_t count, int64_t mstride)
{
    return prepack(p, src, cs, rs, n, k, 16 * (int64_t)nv, count, mstride, false);
}

int32_t ld_prepack_a16(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t m, int64_t k, int32_t mr,
                       int64_t count, int64_t mstride)
{
    return prepack(p, src, rs, cs, m, k, mr, count, mstride, true);
}

int32_t ld_prepack_b16(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t k, int64_t n, int32_t nv,
                       int64_t count, int64_t mstride)
{
    return prepack(p, src, cs, rs, n, k, 16 * (int64_t)nv, count, mstride, true);
}

void ld_gemm_init(struct k_gemm *g, const ld_gemm_plan *t, int64_t m, int64_t n, int64_t k)
{
    memset(g, 0, sizeof *g);
    g->a = g->b = g->c = g->bias = g->res = -1;
    g->mr = t->mr;
    g->nv = t->nv;
    g->m = m;
    g->n = n;
    g->k = k;
    g->a_rs = k;
    g->a_cs = 1;
    g->b_rs = n;
    g->b_cs = 1;
    g->ldc = n;
    g->ldr = n;
    g->mc = t->mc;
    g->nc = t->nc;
    g->kc = t->kc;
    g->m_tiles = t->m_tiles;
    g->n_tiles = t->n_tiles;
    g->batches = 1;
    g->alpha = 1.0f;
    g->beta = 1.0f;
}

/* ---- MatMul, Gemm, Linear ----------------------------------------------- */

/* Packs whichever operand is constant (A is input 0, B input 1; a constant
 * packed here gets no buffer of its own) and fills out. */
static ir_status finish_gemm(cg_program *p, const ir_node *n, struct k_gemm *g, ld_gemm_plan *t,
                             const float *ca, const float *cb, int64_t a_count, int64_t b_count, cg_lowered *out,
                             ir_diag *d)
{
    g->a = cb || !ca ? cg_buf(p, n->inputs[0]) : -1;
    g->b = cb ? -1 : cg_buf(p, n->inputs[1]);
    if (cb && ld_bf16(p, n)) { /* bf16 only with a constant B: the weights are prepacked in bf16 */
        ld_plan_bf16(t, g->k);
        g->kc = t->kc;
        g->bf16 = 1;
    }
    if (cb) {
        g->b = (g->bf16 ? ld_prepack_b16 : ld_prepack_b)(p, cb, g->b_rs, g->b_cs, g->k, g->n, g->nv, b_count,
                                                          g->k * g->n);
        g->b_pre = 1;
        for (int32_t i = 0; i < g->nbd; i++)
            g->b_bs[i] *= ld_packed_b_size(g->bf16 ? round_up(g->k, 2) : g->k, g->n, g->nv);
    } else if (ca) {
        g->a = ld_prepack_a(p, ca, g->a_rs, g->a_cs, g->m, g->k, g->mr, a_count, g->m * g->k);
        g->a_pre = 1;
        for (int32_t i = 0; i < g->nbd; i++)
            g->a_bs[i] *= ld_packed_a_size(g->m, g->k, g->mr);
    }
    if (g->a < 0 || g->b < 0 || g->c < 0)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    out->kernel = "gemm";
    out->desc = g;
    out->desc_size = sizeof *g;
    out->n_tasks = g->batches * g->m_tiles * g->n_tiles;
    out->n_tasks = out->n_tasks > 0 ? out->n_tasks : 1;
    out->scratch_bytes = ld_gemm_scratch(t, !g->a_pre, !g->b_pre) + ld_bf16_scratch(t);
    out->flops = 2.0 * (double)g->batches * (double)g->m * (double)g->n * (double)g->k;
    return IR_OK;
}

ir_status cg_lower_linear(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    const ir_value *x = ld_in(p, n, 0), *w = ld_in(p, n, 1), *b = ld_in(p, n, 2);
    if (w->shape.rank != 2 || x->shape.rank < 1 || x->shape.dims[x->shape.rank - 1] != w->shape.dims[0])
        return ld_fail(d, IR_ERR_MODEL, n, "expected X [..., K] and W [K, N]");
    int64_t k = w->shape.dims[0], nn = w->shape.dims[1], m = k ? ld_numel(x) / k : 0;
    if (b && ld_numel(b) != nn)
        return ld_fail(d, IR_ERR_MODEL, n, "bias has %lld elements, expected %lld", (long long)ld_numel(b),
                       (long long)nn);
    ld_gemm_plan t;
    ld_plan_gemm(p, 1, m, nn, k, false, &t);
    struct k_gemm *g = cg_alloc(p, sizeof *g);
    if (!g)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    ld_gemm_init(g, &t, m, nn, k);
    g->c = cg_buf(p, n->outputs[0]);
    if (b) {
        g->bias = cg_buf(p, n->inputs[2]);
        g->bias_cs = 1;
    }
    const char *act = ir_attr_string(n, "activation", "");
    g->relu = !strcmp(act, "relu") || !strcmp(act, "Relu");
    if (*act && !g->relu)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "activation '%s' is not supported", ir_q(act));
    return finish_gemm(p, n, g, &t, ld_const(p, n, 0), ld_const(p, n, 1), 1, 1, out, d);
}

ir_status cg_lower_gemm(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    const ir_value *a = ld_in(p, n, 0), *b = ld_in(p, n, 1), *c = ld_in(p, n, 2), *y = &cg_graph(p)->values[n->outputs[0]];
    bool ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
    float alpha = ir_attr_float(n, "alpha", 1.0f), beta = ir_attr_float(n, "beta", 1.0f);
    if (a->shape.rank != 2 || b->shape.rank != 2 || y->shape.rank != 2 || (c && c->shape.rank > 2))
        return ld_fail(d, IR_ERR_MODEL, n, "A and B must be 2-D and C at most 2-D");
    int64_t m = y->shape.dims[0], nn = y->shape.dims[1], k = a->shape.dims[ta ? 0 : 1];
    if (b->shape.dims[tb ? 1 : 0] != k)
        return ld_fail(d, IR_ERR_MODEL, n, "inner dimensions differ");
    ld_gemm_plan t;
    ld_plan_gemm(p, 1, m, nn, k, false, &t);
    struct k_gemm *g = cg_alloc(p, sizeof *g);
    if (!g)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    ld_gemm_init(g, &t, m, nn, k);
    g->c = cg_buf(p, n->outputs[0]);
    g->a_rs = ta ? 1 : k;
    g->a_cs = ta ? m : 1;
    g->b_rs = tb ? 1 : nn;
    g->b_cs = tb ? k : 1;
    g->alpha = alpha;
    if (c && beta != 0.0f) {
        int64_t cm = c->shape.rank == 2 ? c->shape.dims[0] : 1;
        int64_t cn = c->shape.rank >= 1 ? c->shape.dims[c->shape.rank - 1] : 1;
        if ((cm != 1 && cm != m) || (cn != 1 && cn != nn))
            return ld_fail(d, IR_ERR_MODEL, n, "C does not broadcast to [%lld, %lld]", (long long)m, (long long)nn);
        g->bias = cg_buf(p, n->inputs[2]);
        g->bias_rs = cm == 1 ? 0 : cn;
        g->bias_cs = cn == 1 ? 0 : 1;
        g->beta = beta;
    }
    return finish_gemm(p, n, g, &t, ld_const(p, n, 0), ld_const(p, n, 1), 1, 1, out, d);
}

/* numpy matmul: 1-D operands promoted, batch dims broadcast. A batch of
 * A rows against one B matrix becomes a single taller product. */
ir_status cg_lower_matmul(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    const ir_shape *as = &ld_in(p, n, 0)->shape, *bs = &ld_in(p, n, 1)->shape;
    ir_shape a = *as, b = *bs;
    if (a.rank < 1 || b.rank < 1)
        return ld_fail(d, IR_ERR_MODEL, n, "operands must have rank >= 1");
    if (a.rank == 1)
        a = (ir_shape){.rank = 2, .dims = {1, as->dims[0]}};
    if (b.rank == 1)
        b = (ir_shape){.rank = 2, .dims = {bs->dims[0], 1}};
    int64_t m = a.dims[a.rank - 2], k = a.dims[a.rank - 1], nn = b.dims[b.rank - 1];
    if (b.dims[b.rank - 2] != k)
        return ld_fail(d, IR_ERR_MODEL, n, "inner dimensions differ (%lld and %lld)", (long long)k,
                       (long long)b.dims[b.rank - 2]);
    int32_t nbd = (a.rank > b.rank ? a.rank : b.rank) - 2;
    if (nbd > K_GEMM_BATCH)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "more than %d batch dimensions", K_GEMM_BATCH);
    int64_t dims[K_GEMM_BATCH], sa[K_GEMM_BATCH], sb[K_GEMM_BATCH], batches = 1, ra = 1, rb = 1;
    for (int32_t i = nbd - 1; i >= 0; i--) {
        int32_t ia = i - (nbd - (a.rank - 2)), ib = i - (nbd - (b.rank - 2));
        int64_t da = ia >= 0 ? a.dims[ia] : 1, db = ib >= 0 ? b.dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return ld_fail(d, IR_ERR_MODEL, n, "batch dimensions %lld and %lld do not broadcast", (long long)da,
                           (long long)db);
        dims[i] = da > db ? da : db;
        sa[i] = da == 1 ? 0 : ra;
        sb[i] = db == 1 ? 0 : rb;
        ra *= da;
        rb *= db;
        batches *= dims[i];
    }
    bool fold = rb == 1; /* one B for every batch: stack A's rows */
    int64_t rows = fold ? m * ra : m;
    ld_gemm_plan t;
    ld_plan_gemm(p, fold ? 1 : batches, rows, nn, k, false, &t);
    struct k_gemm *g = cg_alloc(p, sizeof *g);
    if (!g)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    ld_gemm_init(g, &t, rows, nn, k);
    g->c = cg_buf(p, n->outputs[0]);
    if (!fold) {
        g->nbd = nbd;
        g->batches = batches;
        for (int32_t i = 0; i < nbd; i++) {
            g->bdim[i] = dims[i];
            g->a_bs[i] = sa[i] * m * k;
            g->b_bs[i] = sb[i] * k * nn;
        }
    }
    const float *ca = ld_const(p, n, 0), *cb = ld_const(p, n, 1);
    if (!fold && cb)
        for (int32_t i = 0; i < nbd; i++)
            g->b_bs[i] = sb[i]; /* in matrices; finish_gemm scales to packed ones */
    if (!fold && ca && !cb)
        for (int32_t i = 0; i < nbd; i++)
            g->a_bs[i] = sa[i];
    return finish_gemm(p, n, g, &t, ca, cb, fold ? 1 : ra, rb, out, d);
}
