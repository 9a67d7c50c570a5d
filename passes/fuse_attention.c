/* fuse_attention.c - multi-head attention, from the Q/K/V projections to
 * the output projection, into one internal Attention op.
 *
 * The match is anchored on a Softmax and walks the graph as PyTorch exports
 * nn.MultiheadAttention (sequence-first tensors [seq, batch, embed]):
 *
 *   q = x_q @ Wq + bq        (MatMul+Add, or Gemm)   likewise k, v
 *   qh = Transpose(Reshape(q, [L, N*H, hd]), [1,0,2])   (and * or / a scalar)
 *   kT = Transpose(Reshape(k, [S, N*H, hd]), [1,2,0])
 *   s  = MatMul(qh, kT)  (* scalar) (+ additive mask)
 *   o  = MatMul(Softmax(s, last axis), vh)
 *   y  = Reshape(Transpose(o, [1,0,2]), [L*N, E]) @ Wo + bo  (-> [L, N, Eo])
 *
 * Queries and keys may be different tensors (cross-attention: keys from the
 * encoder memory + pos). A constant all-zero mask (what a folded
 * key-padding mask of an unpadded image becomes) is dropped; any other mask,
 * constant or computed at run time, becomes the op's mask input. Every
 * candidate Softmax that does not fit is reported with the first reason. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

#define MAX_DEAD 32

typedef struct {
    int32_t in, w, b; /* projection input; weight and bias constants */
    bool w_t;         /* weight stored [out, in] (Gemm transB) */
} proj;

typedef struct {
    ir_graph *g;
    const uint32_t *uses;
    pass_report *r;
    const char *anchor;
    ir_node *dead[MAX_DEAD];
    int n_dead;
    proj q, k, v, o;
    int32_t mask, out;
    int32_t q_const; /* constant per-head queries [N*H, L, hd], or -1 */
    double scale;
    int64_t nh, hd, batch;
    ir_node *last;
} attn;

static bool decline(attn *a, const char *why)
{
    pass_decline(a->r, FUSE_ATTENTION, a->anchor, "%s", why);
    return false;
}

static bool absorb(attn *a, ir_node *n)
{
    if (a->n_dead == MAX_DEAD)
        return false;
    a->dead[a->n_dead++] = n;
    return true;
}

/* Producer of v with op `op`, used only by the pattern (one consumer). */
static ir_node *only(attn *a, int32_t v, ir_op op)
{
    ir_node *n = pass_producer(a->g, v, op);
    if (!n || a->uses[v] != 1 || (a->g->values[v].flags & IR_VALUE_OUTPUT))
        return NULL;
    return n;
}

static bool perm_is(const ir_node *t, const int64_t *want, size_t n)
{
    const int64_t *p;
    return ir_attr_ints(t, "perm", &p) == n && !memcmp(p, want, n * sizeof *p);
}

static bool const_2d(const ir_graph *g, int32_t v) { const ir_tensor *t = pass_const(g, v); return t && t->dtype == IR_F32 && t->shape.rank == 2; }
static bool const_1d(const ir_graph *g, int32_t v) { const ir_tensor *t = pass_const(g, v); return t && t->dtype == IR_F32 && t->shape.rank == 1; }

/* v = x @ W + b (MatMul + Add, either operand order, or Gemm). */
static bool match_proj(attn *a, int32_t v, proj *p, const char *what)
{
    ir_graph *g = a->g;
    ir_node *n;
    p->b = -1;
    p->w_t = false;
    if ((n = only(a, v, IR_OP_GEMM))) {
        if (ir_attr_int(n, "transA", 0) || ir_attr_float(n, "alpha", 1) != 1 || ir_attr_float(n, "beta", 1) != 1 ||
            !const_2d(g, n->inputs[1]) || (n->n_inputs > 2 && !const_1d(g, n->inputs[2])))
            return decline(a, what);
        p->in = n->inputs[0];
        p->w = n->inputs[1];
        p->w_t = ir_attr_int(n, "transB", 0) != 0;
        p->b = n->n_inputs > 2 ? n->inputs[2] : -1;
        return absorb(a, n);
    }
    if ((n = only(a, v, IR_OP_ADD))) {
        int bi = const_1d(g, n->inputs[0]) ? 0 : 1;
        if (!const_1d(g, n->inputs[bi]))
            return decline(a, what);
        p->b = n->inputs[bi];
        absorb(a, n);
        v = n->inputs[1 - bi];
    }
    if (!(n = only(a, v, IR_OP_MATMUL)) || !const_2d(g, n->inputs[1]))
        return decline(a, what);
    p->in = n->inputs[0];
    p->w = n->inputs[1];
    return absorb(a, n);
}

/* v = Transpose(Reshape(p, [seq, N*H, hd]), perm): returns p's value. */
static int32_t match_heads(attn *a, int32_t v, const int64_t *perm, const char *what)
{
    ir_graph *g = a->g;
    ir_node *t = only(a, v, IR_OP_TRANSPOSE);
    ir_node *r = t ? only(a, t->inputs[0], IR_OP_RESHAPE) : NULL;
    if (!t || !perm_is(t, perm, 3) || !r)
        return decline(a, what), -1;
    const ir_shape *rs = &g->values[r->outputs[0]].shape, *ps = &g->values[r->inputs[0]].shape;
    if (rs->rank != 3 || ps->rank != 3 || !ir_shape_static(rs) || rs->dims[0] != ps->dims[0] ||
        rs->dims[1] % ps->dims[1] || rs->dims[1] * rs->dims[2] != ps->dims[1] * ps->dims[2])
        return decline(a, "the head split is not a Reshape [seq, batch, embed] -> [seq, batch*heads, head_dim]"), -1;
    if (a->nh && (a->nh != rs->dims[1] || a->hd != rs->dims[2]))
        return decline(a, "queries, keys and values are split into different heads"), -1;
    a->nh = rs->dims[1];
    a->hd = rs->dims[2];
    a->batch = ps->dims[1];
    absorb(a, t);
    absorb(a, r);
    return r->inputs[0];
}

/* Peels Mul/Div by scalar constants off v into a->scale; a Mul/Div by a
 * constant that is not one scalar is a different computation: -1. */
static int32_t peel_scale(attn *a, int32_t v)
{
    for (;;) {
        ir_node *n = only(a, v, IR_OP_MUL);
        if (!n)
            n = only(a, v, IR_OP_DIV);
        double c;
        if (!n)
            return v;
        int ci = n->op == IR_OP_MUL && pass_const(a->g, n->inputs[0]) ? 0 : 1;
        if (!pass_const(a->g, n->inputs[ci]))
            return v;
        if (!pass_const_scalar(a->g, n->inputs[ci], &c) || c == 0 || !isfinite(c))
            return decline(a, "the scores are scaled by a constant that is not a single non-zero scalar"), -1;
        a->scale = n->op == IR_OP_MUL ? a->scale * c : a->scale / c;
        absorb(a, n);
        v = n->inputs[1 - ci];
    }
}

static bool all_zero(const ir_tensor *t)
{
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        if (ir_tensor_get_f64(t, i) != 0)
            return false;
    return true;
}

/* The Softmax input: [scale] ([mask +] scores); returns the QK^T MatMul. */
static ir_node *match_scores(attn *a, int32_t v)
{
    ir_graph *g = a->g;
    if ((v = peel_scale(a, v)) < 0)
        return NULL;
    ir_node *add = only(a, v, IR_OP_ADD);
    if (add) {
        int si = pass_producer(g, add->inputs[0], IR_OP_MATMUL) || pass_producer(g, add->inputs[0], IR_OP_MUL) ||
                         pass_producer(g, add->inputs[0], IR_OP_DIV) ? 0 : 1;
        int32_t m = add->inputs[1 - si];
        const ir_tensor *mt = pass_const(g, m);
        if (g->values[m].dtype != IR_F32)
            return decline(a, "the mask added to the scores is not float"), NULL;
        a->mask = mt && all_zero(mt) ? -1 : m;
        absorb(a, add);
        if ((v = peel_scale(a, add->inputs[si])) < 0)
            return NULL;
    }
    ir_node *mm = only(a, v, IR_OP_MATMUL);
    if (!mm) {
        char why[200];
        int32_t p = g->values[v].producer;
        snprintf(why, sizeof why, "the scores come from %s, expected (scaled, masked) MatMul(queries, keys^T)",
                 p >= 0 ? g->nodes[p].op_type : "a graph input or constant");
        return decline(a, why), NULL;
    }
    absorb(a, mm);
    return mm;
}

/* Softmax output -> MatMul with V -> merge heads -> output projection. */
static bool match_output(attn *a, ir_node *sm, int32_t *v_heads)
{
    ir_graph *g = a->g;
    static const int64_t p102[3] = {1, 0, 2};
    int32_t c = pass_single_consumer(g, a->uses, sm->outputs[0]);
    if (c < 0 || g->nodes[c].op != IR_OP_MATMUL || g->nodes[c].inputs[0] != sm->outputs[0])
        return decline(a, "the attention weights do not feed exactly one MatMul with the values");
    ir_node *pv = &g->nodes[c];
    *v_heads = pv->inputs[1];
    absorb(a, pv);
    int32_t t = pass_single_consumer(g, a->uses, pv->outputs[0]);
    if (t < 0 || g->nodes[t].op != IR_OP_TRANSPOSE || !perm_is(&g->nodes[t], p102, 3))
        return decline(a, "the per-head results are not transposed back to [seq, batch*heads, head_dim]");
    absorb(a, &g->nodes[t]);
    int32_t r = pass_single_consumer(g, a->uses, g->nodes[t].outputs[0]);
    if (r < 0 || g->nodes[r].op != IR_OP_RESHAPE)
        return decline(a, "the heads are not merged by a Reshape");
    absorb(a, &g->nodes[r]);
    int32_t merged = g->nodes[r].outputs[0], pc = pass_single_consumer(g, a->uses, merged);
    if (pc < 0)
        return decline(a, "the merged heads do not feed exactly one output projection");
    int32_t y = g->nodes[pc].outputs[0];
    int32_t after = pass_single_consumer(g, a->uses, y);
    if (g->nodes[pc].op == IR_OP_MATMUL && after >= 0 && g->nodes[after].op == IR_OP_ADD)
        y = g->nodes[after].outputs[0];
    if (!match_proj(a, y, &a->o, "the output projection is not MatMul+Add or Gemm with constant weights"))
        return false;
    a->out = y;
    int32_t rb = pass_single_consumer(g, a->uses, y);
    if (g->values[y].shape.rank == 2 && rb >= 0 && g->nodes[rb].op == IR_OP_RESHAPE) {
        absorb(a, &g->nodes[rb]);
        a->out = g->nodes[rb].outputs[0];
    }
    return true;
}

/* Finds the absorbed node that comes last in the graph: the fused op's slot. */
static void find_last(attn *a)
{
    a->last = a->dead[0];
    for (int i = 1; i < a->n_dead; i++)
        if (a->dead[i] > a->last)
            a->last = a->dead[i];
}

static bool match(attn *a, ir_node *sm)
{
    ir_graph *g = a->g;
    static const int64_t p102[3] = {1, 0, 2}, p120[3] = {1, 2, 0};
    int32_t rank = g->values[sm->inputs[0]].shape.rank, axis;
    int64_t dflt = ir_node_opset(g, sm) < 13 ? 1 : -1;
    if (rank != 3 || !ir_axis_norm(ir_attr_int(sm, "axis", dflt), rank, &axis) || axis != rank - 1)
        return decline(a, "the Softmax is not over the last (key) axis of a rank-3 score tensor");
    ir_node *tin = pass_producer(g, sm->inputs[0], IR_OP_TRANSPOSE);
    const int64_t *perm;
    if (tin && ir_attr_ints(tin, "perm", &perm) == 3 && perm[2] != 2)
        return decline(a, "the Softmax runs over a transposed axis (not the key axis of the scores)");
    a->scale = 1.0;
    a->mask = -1;
    ir_node *qk = match_scores(a, sm->inputs[0]);
    if (!qk)
        return false;
    int32_t qh = peel_scale(a, qk->inputs[0]), vh, qp = -1;
    if (qh < 0)
        return false;
    int32_t kp = match_heads(a, qk->inputs[1], p120, "the keys are not split into heads and transposed by Reshape + Transpose [1,2,0]");
    if (kp < 0)
        return false;
    if (pass_const(g, qh)) /* queries that do not depend on the input (DETR's first decoder layer) */
        a->q_const = qh;
    else if ((qp = match_heads(a, qh, p102, "the queries are not split into heads by Reshape + Transpose [1,0,2]")) < 0)
        return false;
    if (!match_output(a, sm, &vh))
        return false;
    int32_t vp = match_heads(a, vh, p102, "the values are not split into heads by Reshape + Transpose [1,0,2]");
    if (vp < 0)
        return false;
    if ((qp >= 0 && !match_proj(a, qp, &a->q, "the query projection is not MatMul+Add or Gemm with constant weights")) ||
        !match_proj(a, kp, &a->k, "the key projection is not MatMul+Add or Gemm with constant weights") ||
        !match_proj(a, vp, &a->v, "the value projection is not MatMul+Add or Gemm with constant weights"))
        return false;
    if (a->n_dead >= MAX_DEAD)
        return decline(a, "the pattern has more nodes than an attention block");
    absorb(a, sm);
    find_last(a);
    return true;
}

/* Weight as a [in, out] constant (transposing a Gemm transB weight). */
static int32_t weight_in_out(ir_graph *g, const proj *p)
{
    if (!p->w_t)
        return p->w;
    const ir_tensor *w = pass_const(g, p->w);
    int64_t rows = w->shape.dims[0], cols = w->shape.dims[1];
    ir_shape s = {2, {cols, rows}};
    ir_tensor *t;
    char name[300];
    snprintf(name, sizeof name, "%s.T", g->values[p->w].name);
    int32_t v = pass_new_const(g, name, IR_F32, &s, &t);
    if (v < 0)
        return -1;
    w = pass_const(g, p->w);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            ((float *)t->data)[j * rows + i] = ((const float *)w->data)[i * cols + j];
    return v;
}

static int32_t bias_or_zero(ir_graph *g, const proj *p, int64_t n)
{
    if (p->b >= 0)
        return p->b;
    ir_shape s = {1, {n}};
    ir_tensor *t;
    char name[300];
    snprintf(name, sizeof name, "%s.zero_bias", g->values[p->w].name);
    return pass_new_const(g, name, IR_F32, &s, &t);
}

/* Checks the projections' sizes against the head split. */
static bool check_dims(attn *a)
{
    ir_graph *g = a->g;
    int64_t e = a->nh / a->batch * a->hd;
    const proj *ps[4] = {&a->q, &a->k, &a->v, &a->o};
    if (a->q_const >= 0) {
        const ir_shape *qs = &g->values[a->q_const].shape;
        if (qs->rank != 3 || qs->dims[0] != a->nh || qs->dims[2] != a->hd)
            return decline(a, "the constant queries are not [batch*heads, seq, head_dim]");
    }
    for (int i = a->q_const >= 0 ? 1 : 0; i < 4; i++) {
        const ir_tensor *w = pass_const(g, ps[i]->w);
        int64_t out = w->shape.dims[ps[i]->w_t ? 0 : 1], in = w->shape.dims[ps[i]->w_t ? 1 : 0];
        const ir_shape *xs = &g->values[ps[i]->in].shape;
        if (i < 3 && (out != e || xs->rank != 3 || xs->dims[1] != a->batch || xs->dims[2] != in))
            return decline(a, "a projection's size does not match the head split (batch * heads * head_dim)");
        if (i == 3 && in != e)
            return decline(a, "the output projection's input size is not heads * head_dim");
        if (ps[i]->b >= 0 && ir_tensor_numel(pass_const(g, ps[i]->b)) != out)
            return decline(a, "a projection bias does not have one value per output feature");
    }
    if (g->values[a->out].shape.rank != 3)
        return decline(a, "the attention result is not reshaped back to [seq, batch, embed]");
    return true;
}

/* Constant per-head queries [N*H, L, hd] back to [L, N, E] (already
 * projected: the op then skips the query projection). */
static int32_t unsplit_queries(attn *a)
{
    ir_graph *g = a->g;
    const ir_tensor *qh = pass_const(g, a->q_const);
    int64_t nh = qh->shape.dims[0], L = qh->shape.dims[1], hd = qh->shape.dims[2];
    int64_t N = a->batch, H = nh / N;
    ir_shape s = {3, {L, N, H * hd}};
    ir_tensor *t;
    char name[300];
    snprintf(name, sizeof name, "%s.merged_heads", g->values[a->q_const].name);
    int32_t v = pass_new_const(g, name, IR_F32, &s, &t);
    if (v < 0)
        return -1;
    qh = pass_const(g, a->q_const);
    for (int64_t n = 0; n < N; n++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t l = 0; l < L; l++)
                memcpy((float *)t->data + (l * N + n) * H * hd + h * hd,
                       (const float *)qh->data + ((n * H + h) * L + l) * hd, (size_t)hd * sizeof(float));
    return v;
}

static ir_status rewrite(attn *a, ir_diag *d)
{
    ir_graph *g = a->g;
    if (!check_dims(a))
        return IR_OK;
    if (a->q_const >= 0) {
        a->q.in = unsplit_queries(a);
        if (a->q.in < 0)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    int64_t e = a->nh / a->batch * a->hd, eo = pass_const(g, a->o.w)->shape.dims[a->o.w_t ? 0 : 1];
    bool qc = a->q_const >= 0;
    int32_t in[12] = {a->q.in, a->k.in, a->v.in,
                      qc ? -1 : weight_in_out(g, &a->q), qc ? -1 : bias_or_zero(g, &a->q, e),
                      weight_in_out(g, &a->k), bias_or_zero(g, &a->k, e),
                      weight_in_out(g, &a->v), bias_or_zero(g, &a->v, e),
                      weight_in_out(g, &a->o), bias_or_zero(g, &a->o, eo), a->mask};
    if (a->q_const >= 0)
        in[3] = in[4] = -1; /* queries already projected */
    for (int i = a->q_const >= 0 ? 5 : 3; i < 11; i++)
        if (in[i] < 0)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory fusing attention at %s", a->anchor);
    int32_t *ins = ir_arena_alloc(g->arena, sizeof in, 4);
    int32_t *outs = ir_arena_alloc(g->arena, sizeof(int32_t), 4);
    if (!ins || !outs)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memcpy(ins, in, sizeof in);
    outs[0] = a->out;
    for (int i = 0; i < a->n_dead; i++)
        a->dead[i]->dead = true;
    ir_node *n = a->last;
    n->dead = false;
    n->op = IR_OP_ATTENTION;
    n->op_type = ir_op_table[n->op].name;
    n->domain = ir_op_table[n->op].domain;
    n->inputs = ins;
    n->n_inputs = a->mask >= 0 ? 12 : 11;
    n->outputs = outs;
    n->n_outputs = 1;
    n->attrs = NULL;
    n->n_attrs = 0;
    g->values[a->out].producer = (int32_t)(n - g->nodes);
    ir_attr *at = ir_node_add_attr(g, n, "num_heads", IR_ATTR_INT);
    if (at)
        at->i = a->nh / a->batch;
    if (at && (at = ir_node_add_attr(g, n, "scale", IR_ATTR_FLOAT))) /* moves earlier attributes */
        at->f = (float)a->scale;
    if (!at)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    a->r->matched[FUSE_ATTENTION]++;
    return IR_OK;
}

ir_status pass_fuse_attention(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    uint32_t before = c->report->matched[FUSE_ATTENTION];
    ir_status st = IR_OK;
    for (uint32_t i = 0; i < g->n_nodes && !st; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || n->op != IR_OP_SOFTMAX || g->values[n->inputs[0]].dtype != IR_F32)
            continue;
        attn a = {.g = g, .uses = uses, .r = c->report, .anchor = pass_node_label(g, n), .q_const = -1};
        if (match(&a, n))
            st = rewrite(&a, d);
    }
    *changed = c->report->matched[FUSE_ATTENTION] != before;
    free(uses);
    return st;
}
