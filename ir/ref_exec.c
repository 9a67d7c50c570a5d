/* ref_exec.c - the reference engine: runs a graph node by node with the
 * scalar kernels of ops.def.
 *
 * It is the oracle for every pass and kernel and the evaluator behind
 * constant folding, so it favours obviousness: each node's shape hook runs on
 * the node's concrete inputs (so symbolic dims need no separate binding
 * step), outputs are freshly allocated, and each intermediate is freed right
 * after its last use so DETR-size graphs fit comfortably in memory. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static ir_status check_output(const ir_node *n, uint32_t k, const ir_operand *o, ir_diag *d)
{
    if (!ir_shape_static(&o->shape) || !ir_dtype_supported(o->dtype))
        return ir_fail(d, IR_ERR_INTERNAL,
                       "node '%s' (%s): output %u has no static shape and type although all "
                       "inputs are known",
                       ir_q(n->name), n->op_type, k);
    return IR_OK;
}

ir_status ir_ref_node(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor **out, ir_diag *d)
{
    if (n->op >= IR_OP_COUNT)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "node '%s': op %s is not supported", ir_q(n->name),
                       ir_q(n->op_type));
    uint32_t ni = n->n_inputs, no = n->n_outputs;
    ir_operand *ops = calloc((size_t)ni + no + 2, sizeof *ops);
    ir_tensor **outs = calloc((size_t)no + 1, sizeof *outs);
    ir_status st = IR_OK;
    if (!ops || !outs) {
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        goto out;
    }
    ir_operand *oin = ops, *oout = ops + ni + 1;
    for (uint32_t k = 0; k < ni; k++) {
        oin[k].shape.rank = -1;
        if (in[k]) {
            oin[k].dtype = in[k]->dtype;
            oin[k].shape = in[k]->shape;
            oin[k].value = in[k];
        }
    }
    for (uint32_t k = 0; k < no; k++)
        oout[k].shape.rank = -1;
    if ((st = ir_shape_table[n->op](g, n, oin, oout, d)))
        goto out;
    for (uint32_t k = 0; k < no; k++) {
        if (n->outputs[k] < 0)
            continue;
        if ((st = check_output(n, k, &oout[k], d)))
            goto out;
        outs[k] = ir_tensor_alloc(oout[k].dtype, &oout[k].shape);
        if (!outs[k]) {
            char b[256];
            ir_shape_format(&oout[k].shape, b, sizeof b);
            st = ir_fail(d, IR_ERR_NOMEM, "node '%s' (%s): cannot allocate output %u (%s%s)",
                         ir_q(n->name), n->op_type, k, ir_dtype_short(oout[k].dtype), b);
            goto out;
        }
    }
    st = ir_ref_table[n->op](g, n, in, outs, d);
out:
    for (uint32_t k = 0; k < no; k++) {
        if (st == IR_OK && outs)
            out[k] = outs[k];
        else if (outs)
            ir_tensor_release(outs[k]);
    }
    free(outs);
    free(ops);
    return st;
}

static ir_status bind_input(const ir_graph *g, uint32_t i, const ir_tensor *t, ir_diag *d)
{
    const ir_value *v = &g->values[g->inputs[i]];
    char a[256], b[256];
    if (!t)
        return ir_fail(d, IR_ERR_USAGE, "input '%s' is missing", ir_q(v->name));
    if (v->dtype != IR_UNDEF && t->dtype != v->dtype)
        return ir_fail(d, IR_ERR_USAGE, "input '%s' is %s, expected %s", ir_q(v->name),
                       ir_dtype_name(t->dtype), ir_dtype_name(v->dtype));
    bool ok = v->shape.rank < 0 || v->shape.rank == t->shape.rank;
    for (int32_t k = 0; ok && v->shape.rank >= 0 && k < v->shape.rank; k++)
        ok = v->shape.dims[k] < 0 || v->shape.dims[k] == t->shape.dims[k];
    if (!ok) {
        ir_shape_format(&t->shape, a, sizeof a);
        ir_shape_format(&v->shape, b, sizeof b);
        return ir_fail(d, IR_ERR_USAGE, "input '%s' has shape %s, expected %s", ir_q(v->name), a, b);
    }
    return IR_OK;
}

/* last[v] = index of the last node reading v (graph outputs: n_nodes). */
static int32_t *last_uses(const ir_graph *g)
{
    int32_t *last = malloc((g->n_values ? g->n_values : 1) * sizeof *last);
    if (!last)
        return NULL;
    for (uint32_t v = 0; v < g->n_values; v++)
        last[v] = -1;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] >= 0)
                last[g->nodes[i].inputs[k]] = (int32_t)i;
    for (uint32_t k = 0; k < g->n_outputs; k++)
        last[g->outputs[k]] = (int32_t)g->n_nodes;
    return last;
}

typedef struct {
    const ir_graph *g;
    ir_tensor **slot; /* current tensor of each value */
    bool *owned;      /* slot allocated by the engine */
    int32_t *last;
} engine;

static void engine_release(engine *e, int32_t v)
{
    if (v >= 0 && e->owned[v]) {
        ir_tensor_release(e->slot[v]);
        e->owned[v] = false;
    }
    if (v >= 0)
        e->slot[v] = NULL;
}

static ir_status run_node(engine *e, uint32_t i, ir_dump_fn dump, void *ctx, ir_diag *d)
{
    const ir_graph *g = e->g;
    const ir_node *n = &g->nodes[i];
    const ir_tensor *in_small[16];
    ir_tensor *out_small[16];
    const ir_tensor **in = in_small;
    ir_tensor **out = out_small;
    if (n->n_inputs > 16 || n->n_outputs > 16) {
        in = calloc(n->n_inputs + 1, sizeof *in);
        out = calloc(n->n_outputs + 1, sizeof *out);
        if (!in || !out) {
            free(in);
            free(out);
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        }
    }
    for (uint32_t k = 0; k < n->n_inputs; k++)
        in[k] = n->inputs[k] >= 0 ? e->slot[n->inputs[k]] : NULL;
    memset(out, 0, n->n_outputs * sizeof *out);
    ir_status st = ir_ref_node(g, n, in, out, d);
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        int32_t v = n->outputs[k];
        if (v < 0 || !out[k])
            continue;
        e->slot[v] = out[k];
        e->owned[v] = true;
        if (dump)
            dump(ctx, g, v, out[k]);
        if (e->last[v] < (int32_t)i)
            engine_release(e, v);
    }
    for (uint32_t k = 0; !st && k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && e->last[n->inputs[k]] == (int32_t)i)
            engine_release(e, n->inputs[k]);
    if (in != in_small) {
        free(in);
        free(out);
    }
    return st;
}

/* Hands the graph outputs to the caller; a value that is a graph input or
 * constant (or listed twice) is copied so every output is caller-owned. */
static ir_status take_outputs(engine *e, ir_tensor **outputs, ir_diag *d)
{
    const ir_graph *g = e->g;
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        ir_tensor *t = e->slot[v];
        if (!t)
            return ir_fail(d, IR_ERR_INTERNAL, "output '%s' was not computed", ir_q(g->values[v].name));
        if (e->owned[v]) {
            outputs[k] = t;
            e->owned[v] = false;
        } else {
            outputs[k] = ir_tensor_alloc(t->dtype, &t->shape);
            if (!outputs[k])
                return ir_fail(d, IR_ERR_NOMEM, "out of memory");
            memcpy(outputs[k]->data, t->data, t->nbytes);
        }
    }
    return IR_OK;
}

ir_status ir_ref_run(const ir_graph *g, ir_tensor *const *inputs, ir_tensor **outputs,
                     ir_dump_fn dump, void *dump_ctx, ir_diag *d)
{
    engine e = {g, calloc(g->n_values + 1, sizeof(ir_tensor *)), calloc(g->n_values + 1, 1),
                last_uses(g)};
    ir_status st = IR_OK;
    memset(outputs, 0, g->n_outputs * sizeof *outputs);
    if (!e.slot || !e.owned || !e.last) {
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        if ((st = bind_input(g, i, inputs[i], d)))
            goto out;
        e.slot[g->inputs[i]] = inputs[i];
    }
    for (uint32_t v = 0; v < g->n_values; v++)
        if ((g->values[v].flags & IR_VALUE_CONST) && !(g->values[v].flags & IR_VALUE_INPUT))
            e.slot[v] = g->values[v].data;
    for (uint32_t i = 0; i < g->n_nodes && !st; i++)
        st = run_node(&e, i, dump, dump_ctx, d);
    if (!st)
        st = take_outputs(&e, outputs, d);
    if (st)
        for (uint32_t k = 0; k < g->n_outputs; k++) {
            ir_tensor_release(outputs[k]);
            outputs[k] = NULL;
        }
out:
    for (uint32_t v = 0; e.owned && v < g->n_values; v++)
        if (e.owned[v])
            ir_tensor_release(e.slot[v]);
    free(e.slot);
    free(e.owned);
    free(e.last);
    return st;
}
