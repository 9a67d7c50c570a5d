/* simplify.c - removes operations that do nothing at the bound shapes:
 * Identity, Dropout (inference), Cast to the same type, Reshape / Flatten /
 * Squeeze / Unsqueeze / Expand whose output shape equals the input's,
 * identity Transposes, Transpose pairs that cancel, Reshape chains
 * (Reshape(Reshape(x)) becomes one Reshape of x), chains of shape-only ops
 * that end in the shape they started from (Unsqueeze(Squeeze(x))), a Split
 * or Concat of one piece, and a Pad by zeros.
 *
 * A graph output keeps its name (it is the model's interface): when the
 * removed node produced one, its source value takes the name over. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

static bool same_shape(const ir_graph *g, int32_t a, int32_t b)
{
    const ir_value *x = &g->values[a], *y = &g->values[b];
    return ir_shape_static(&x->shape) && ir_shape_static(&y->shape) && x->dtype == y->dtype &&
           ir_shape_equal(&x->shape, &y->shape);
}

static bool identity_perm(const ir_node *n, int32_t rank)
{
    const int64_t *p;
    size_t np = ir_attr_ints(n, "perm", &p);
    if (!np)
        return rank <= 1;
    for (size_t i = 0; i < np; i++)
        if (p[i] != (int64_t)i)
            return false;
    return true;
}

static bool reshape_like(ir_op op)
{
    return op == IR_OP_RESHAPE || op == IR_OP_FLATTEN || op == IR_OP_SQUEEZE || op == IR_OP_UNSQUEEZE;
}

static bool zero_pads(const ir_graph *g, const ir_node *n)
{
    const ir_tensor *p = n->n_inputs > 1 ? pass_const(g, n->inputs[1]) : NULL;
    double v;
    if (n->n_inputs > 2 && n->inputs[2] >= 0 && !pass_const(g, n->inputs[2]))
        return false;
    if (p)
        return pass_const_scalar(g, n->inputs[1], &v) && v == 0;
    const int64_t *pads;
    size_t np = ir_attr_ints(n, "pads", &pads);
    for (size_t i = 0; i < np; i++)
        if (pads[i])
            return false;
    return n->n_inputs == 1;
}

/* Walks back through shape-only ops from n; returns the first value with
 * n's output shape (so the whole chain is a no-op), or -1. */
static int32_t shape_chain_source(ir_graph *g, const ir_node *n)
{
    int32_t out = n->outputs[0], v = n->inputs[0];
    for (int depth = 0; depth < 16 && v >= 0; depth++) {
        if (same_shape(g, v, out))
            return v;
        int32_t p = g->values[v].producer;
        if (p < 0 || !reshape_like(g->nodes[p].op))
            return -1;
        v = g->nodes[p].inputs[0];
    }
    return -1;
}

/* Is node n a no-op from input 0 to output 0? */
static bool is_noop(const ir_graph *g, const ir_node *n)
{
    int32_t in = n->n_inputs ? n->inputs[0] : -1, out = n->outputs[0];
    if (in < 0 || out < 0)
        return false;
    switch (n->op) {
    case IR_OP_IDENTITY: return true;
    case IR_OP_DROPOUT: return n->n_outputs < 2 || n->outputs[1] < 0;
    case IR_OP_CAST: return g->values[in].dtype == g->values[out].dtype && g->values[in].dtype != IR_UNDEF;
    case IR_OP_RESHAPE:
    case IR_OP_FLATTEN:
    case IR_OP_SQUEEZE:
    case IR_OP_UNSQUEEZE:
    case IR_OP_EXPAND: return same_shape(g, in, out);
    case IR_OP_TRANSPOSE: return g->values[in].shape.rank >= 0 && identity_perm(n, g->values[in].shape.rank);
    case IR_OP_SPLIT: return n->n_outputs == 1 && same_shape(g, in, out);
    case IR_OP_CONCAT: return n->n_inputs == 1 && same_shape(g, in, out);
    case IR_OP_PAD: return same_shape(g, in, out) && zero_pads(g, n);
    default: return false;
    }
}

/* Transpose(Transpose(x, p1), p2) with p1 then p2 the identity. */
static int32_t cancel_transposes(ir_graph *g, const ir_node *n)
{
    if (n->op != IR_OP_TRANSPOSE)
        return -1;
    ir_node *inner = pass_producer(g, n->inputs[0], IR_OP_TRANSPOSE);
    if (!inner)
        return -1;
    const int64_t *p1, *p2;
    size_t n1 = ir_attr_ints(inner, "perm", &p1), n2 = ir_attr_ints(n, "perm", &p2);
    if (!n1 || n1 != n2)
        return -1;
    for (size_t i = 0; i < n2; i++)
        if (p2[i] < 0 || (size_t)p2[i] >= n1 || p1[p2[i]] != (int64_t)i)
            return -1;
    return inner->inputs[0];
}

/* Reshape(Reshape(x)) -> Reshape(x) when the outer target is constant. */
static bool merge_reshapes(ir_graph *g, ir_node *n)
{
    if (n->op != IR_OP_RESHAPE || n->n_inputs < 2 || !pass_const(g, n->inputs[1]))
        return false;
    ir_node *inner = pass_producer(g, n->inputs[0], IR_OP_RESHAPE);
    if (!inner || ir_attr_int(n, "allowzero", 0) || !ir_shape_static(&g->values[n->outputs[0]].shape))
        return false;
    const ir_tensor *t = pass_const(g, n->inputs[1]);
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        if (ir_tensor_get_i64(t, i) == 0) /* 0 copies a dim of the (changing) input */
            return false;
    n->inputs[0] = inner->inputs[0];
    return true;
}

ir_status pass_simplify(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || n->n_outputs < 1 || n->outputs[0] < 0)
            continue;
        if (merge_reshapes(g, n))
            *changed = true;
        int32_t src = is_noop(g, n) ? n->inputs[0] : cancel_transposes(g, n);
        if (src < 0 && reshape_like(n->op))
            src = shape_chain_source(g, n);
        int32_t out = n->outputs[0];
        if (src < 0)
            continue;
        if (g->values[out].flags & IR_VALUE_OUTPUT) {
            /* the source takes over the output's name, if it is free to */
            ir_value *sv = &g->values[src];
            if (sv->producer < 0 || (sv->flags & (IR_VALUE_OUTPUT | IR_VALUE_INPUT | IR_VALUE_CONST)) ||
                sv->dtype != g->values[out].dtype || !ir_shape_equal(&sv->shape, &g->values[out].shape))
                continue;
            sv->name = g->values[out].name;
        }
        ir_graph_replace_uses(g, out, src);
        n->dead = true;
        *changed = true;
    }
    return IR_OK;
}
