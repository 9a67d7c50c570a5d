/* fold_constants.c - evaluates at compile time every node whose inputs are
 * all known, with the reference kernels.
 *
 * At a static input shape this removes DETR's whole shape-arithmetic web
 * (Shape, Gather, Unsqueeze, Concat, ...) and the mask / sine positional
 * encoding subgraph, which depends only on the input's shape. Shape is
 * folded from the static shape of its input even when the input's data is
 * not known. Nodes are inferred just before they are considered, so a
 * Reshape whose target shape was folded a moment earlier gets a static
 * output. A size limit keeps folding from materializing huge tensors (an
 * Expand to gigabytes stays a run-time op, or is refused later). */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

/* Copies a malloc'd result into the graph's arena as value v's constant. */
static ir_status adopt(ir_graph *g, int32_t v, const ir_tensor *t, ir_diag *d)
{
    ir_tensor *c = ir_tensor_new(g, t->dtype, &t->shape);
    if (!c)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory folding '%s'", ir_q(g->values[v].name));
    if (t->nbytes)
        memcpy(c->data, t->data, (size_t)t->nbytes);
    ir_value_set_const(g, v, c);
    g->values[v].producer = -1;
    return IR_OK;
}

/* Shape(x) with x's shape static: an int64 constant, honouring start/end. */
static ir_status fold_shape(ir_graph *g, ir_node *n, bool *done, ir_diag *d)
{
    const ir_value *x = &g->values[n->inputs[0]];
    *done = false;
    if (!ir_shape_static(&x->shape))
        return IR_OK;
    int64_t r = x->shape.rank, s = ir_attr_int(n, "start", 0), e = ir_attr_int(n, "end", r);
    s = s < 0 ? s + r : s;
    e = e < 0 ? e + r : e;
    s = s < 0 ? 0 : s > r ? r : s;
    e = e < 0 ? 0 : e > r ? r : e;
    ir_shape os = {1, {e > s ? e - s : 0}};
    ir_tensor *t = ir_tensor_new(g, IR_I64, &os);
    if (!t)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (int64_t i = s; i < e; i++)
        ((int64_t *)t->data)[i - s] = x->shape.dims[i];
    ir_value_set_const(g, n->outputs[0], t);
    g->values[n->outputs[0]].producer = -1;
    n->dead = true;
    *done = true;
    return IR_OK;
}

static bool all_inputs_const(const ir_graph *g, const ir_node *n, uint64_t *in_bytes)
{
    *in_bytes = 0;
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        int32_t v = n->inputs[k];
        if (v < 0)
            continue;
        if (!pass_const(g, v))
            return false;
        *in_bytes += g->values[v].data->nbytes;
    }
    return true;
}

/* Predicted output bytes from inferred shapes; UINT64_MAX if unknown. */
static uint64_t out_bytes(const ir_graph *g, const ir_node *n)
{
    uint64_t total = 0;
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        int32_t v = n->outputs[k];
        if (v < 0)
            continue;
        int64_t cnt = ir_shape_numel(&g->values[v].shape);
        uint64_t b;
        if (cnt < 0 || !ir_mul_overflow_u64((uint64_t)cnt, ir_dtype_size(g->values[v].dtype), &b))
            return UINT64_MAX;
        total += b;
    }
    return total;
}

static ir_status fold_node(ir_graph *g, ir_node *n, const pass_options *o, bool *done, ir_diag *d)
{
    uint64_t in_bytes, ob;
    *done = false;
    if (!all_inputs_const(g, n, &in_bytes))
        return IR_OK;
    ob = out_bytes(g, n);
    if (ob > o->fold_limit || (ob > (16u << 20) && ob > 2 * in_bytes))
        return IR_OK;
    const ir_tensor *in_small[16], **in = in_small;
    ir_tensor *out_small[16], **out = out_small;
    if (n->n_inputs > 16 || n->n_outputs > 16) {
        in = calloc(n->n_inputs + 1, sizeof *in);
        out = calloc(n->n_outputs + 1, sizeof *out);
    }
    ir_status st = in && out ? IR_OK : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; !st && k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? g->values[n->inputs[k]].data : NULL;
    if (!st)
        memset(out, 0, n->n_outputs * sizeof *out);
    if (!st)
        st = ir_ref_node(g, n, in, out, d);
    for (uint32_t k = 0; !st && k < n->n_outputs; k++)
        if (n->outputs[k] >= 0 && out[k])
            st = adopt(g, n->outputs[k], out[k], d);
    for (uint32_t k = 0; out && k < n->n_outputs; k++)
        ir_tensor_release(out[k]);
    if (in != in_small) {
        free(in);
        free(out);
    }
    if (!st) {
        n->dead = true;
        *done = true;
    }
    return st;
}

ir_status pass_fold_constants(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || n->op >= IR_OP_COUNT)
            continue;
        ir_status st = ir_infer_node(g, n, d);
        if (st)
            return st;
        if (!(ir_op_table[n->op].flags & IR_OPF_FOLD))
            continue;
        bool done = false;
        if (n->op == IR_OP_SHAPE)
            st = fold_shape(g, n, &done, d);
        else
            st = fold_node(g, n, c->opt, &done, d);
        if (st)
            return st;
        *changed |= done;
    }
    return IR_OK;
}
