/* fuse_linear.c - MatMul/Gemm + bias (+ Relu) into one Linear op.
 *
 * The transformer's feed-forward layers and DETR's class and box heads are
 * x @ W + b with constant W and b, often followed by a Relu; as one op the
 * bias and activation are applied in the GEMM's epilogue. Gemm's transposed
 * weights are transposed once here, at compile time, so every Linear reads
 * W as [K, N]. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

typedef struct {
    int32_t x, w, b, out;
    bool w_t, relu;
    ir_node *nodes[3];
    int n;
} lin;

static bool const_rank(const ir_graph *g, int32_t v, int32_t rank)
{
    const ir_tensor *t = pass_const(g, v);
    return t && t->dtype == IR_F32 && t->shape.rank == rank;
}

static int32_t transpose_const(ir_graph *g, int32_t wv)
{
    const ir_tensor *w = pass_const(g, wv);
    int64_t rows = w->shape.dims[0], cols = w->shape.dims[1];
    ir_shape s = {2, {cols, rows}};
    ir_tensor *t;
    char name[300];
    snprintf(name, sizeof name, "%s.T", g->values[wv].name);
    int32_t v = pass_new_const(g, name, IR_F32, &s, &t);
    if (v < 0)
        return -1;
    w = pass_const(g, wv);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            ((float *)t->data)[j * rows + i] = ((const float *)w->data)[i * cols + j];
    return v;
}

/* Matches the head node (MatMul or Gemm) and what follows it. */
static bool match(ir_graph *g, const uint32_t *uses, ir_node *n, lin *l, pass_report *r)
{
    memset(l, 0, sizeof *l);
    l->b = -1;
    l->x = n->inputs[0];
    l->w = n->inputs[1];
    if (g->values[l->x].shape.rank < 1 || g->values[l->x].dtype != IR_F32 || !const_rank(g, l->w, 2))
        return false;
    l->nodes[l->n++] = n;
    l->out = n->outputs[0];
    if (n->op == IR_OP_GEMM) {
        if (ir_attr_int(n, "transA", 0) || ir_attr_float(n, "alpha", 1) != 1 || ir_attr_float(n, "beta", 1) != 1) {
            pass_decline(r, FUSE_LINEAR, pass_node_label(g, n), "Gemm with transA or alpha/beta other than 1");
            return false;
        }
        l->w_t = ir_attr_int(n, "transB", 0) != 0;
        if (n->n_inputs > 2 && n->inputs[2] >= 0) {
            if (!const_rank(g, n->inputs[2], 1)) {
                pass_decline(r, FUSE_LINEAR, pass_node_label(g, n), "Gemm's C is not a 1-D constant bias");
                return false;
            }
            l->b = n->inputs[2];
        }
    } else {
        int32_t c = pass_single_consumer(g, uses, l->out);
        ir_node *add = c >= 0 && g->nodes[c].op == IR_OP_ADD ? &g->nodes[c] : NULL;
        int bi = add && const_rank(g, add->inputs[0], 1) ? 0 : 1;
        if (add && const_rank(g, add->inputs[bi], 1) &&
            ir_shape_equal(&g->values[add->outputs[0]].shape, &g->values[l->out].shape)) {
            l->b = add->inputs[bi];
            l->out = add->outputs[0];
            l->nodes[l->n++] = add;
        }
    }
    int64_t nout = pass_const(g, l->w)->shape.dims[l->w_t ? 0 : 1];
    if (l->b >= 0 && ir_tensor_numel(pass_const(g, l->b)) != nout)
        return false;
    int32_t c = pass_single_consumer(g, uses, l->out);
    if (c >= 0 && g->nodes[c].op == IR_OP_RELU) {
        l->relu = true;
        l->out = g->nodes[c].outputs[0];
        l->nodes[l->n++] = &g->nodes[c];
    }
    return true;
}

static ir_status rewrite(ir_graph *g, lin *l, ir_diag *d)
{
    int32_t w = l->w_t ? transpose_const(g, l->w) : l->w;
    int32_t *ins = ir_arena_alloc(g->arena, 3 * sizeof(int32_t), 4);
    int32_t *outs = ir_arena_alloc(g->arena, sizeof(int32_t), 4);
    if (w < 0 || !ins || !outs)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    ins[0] = l->x;
    ins[1] = w;
    ins[2] = l->b;
    outs[0] = l->out;
    ir_node *n = l->nodes[l->n - 1];
    for (int i = 0; i < l->n - 1; i++)
        l->nodes[i]->dead = true;
    n->op = IR_OP_LINEAR;
    n->op_type = ir_op_table[n->op].name;
    n->domain = ir_op_table[n->op].domain;
    n->inputs = ins;
    n->n_inputs = l->b >= 0 ? 3 : 2;
    n->outputs = outs;
    n->n_outputs = 1;
    n->attrs = NULL;
    n->n_attrs = 0;
    g->values[l->out].producer = (int32_t)(n - g->nodes);
    if (l->relu) {
        ir_attr *a = ir_node_add_attr(g, n, "activation", IR_ATTR_STRING);
        if (!a)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        a->s = "relu";
        a->s_len = 4;
    }
    return IR_OK;
}

ir_status pass_fuse_linear(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    uint32_t before = c->report->matched[FUSE_LINEAR], n0 = g->n_values;
    ir_status st = IR_OK;
    for (uint32_t i = 0; i < g->n_nodes && !st; i++) {
        ir_node *n = &g->nodes[i];
        lin l;
        if (n->dead || (n->op != IR_OP_MATMUL && n->op != IR_OP_GEMM) || n->inputs[1] >= (int32_t)n0)
            continue;
        if (!match(g, uses, n, &l, c->report))
            continue;
        st = rewrite(g, &l, d);
        c->report->matched[FUSE_LINEAR]++;
    }
    *changed = c->report->matched[FUSE_LINEAR] != before;
    free(uses);
    return st;
}
