/* infer.c - shape and type inference over a graph.
 *
 * Runs each node's shape hook (ops.def) on what is known of its inputs:
 * dtype, shape, and the value when the input is a constant. The result is
 * reconciled with what the model declared (value_info, graph outputs): a
 * known dim fills an unknown one, and two known dims that differ are an
 * error naming the node and the value, since a model that lies about its
 * shapes cannot be compiled safely. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static ir_status merge_shape(const ir_node *n, ir_value *v, const ir_operand *o, ir_diag *d)
{
    if (v->dtype != IR_UNDEF && o->dtype != IR_UNDEF && v->dtype != o->dtype)
        return ir_fail(d, IR_ERR_MODEL,
                       "node '%s' (%s): output '%s' is %s, but the model declares %s",
                       ir_q(n->name), n->op_type, ir_q(v->name), ir_dtype_name(o->dtype),
                       ir_dtype_name(v->dtype));
    if (o->dtype != IR_UNDEF)
        v->dtype = o->dtype;
    if (o->shape.rank < 0)
        return IR_OK;
    if (v->shape.rank >= 0 && v->shape.rank != o->shape.rank) {
        char a[256], b[256];
        ir_shape_format(&o->shape, a, sizeof a);
        ir_shape_format(&v->shape, b, sizeof b);
        return ir_fail(d, IR_ERR_MODEL,
                       "node '%s' (%s): output '%s' has shape %s, but the model declares %s",
                       ir_q(n->name), n->op_type, ir_q(v->name), a, b);
    }
    ir_shape s = o->shape;
    for (int32_t i = 0; v->shape.rank >= 0 && i < s.rank; i++) {
        int64_t decl = v->shape.dims[i];
        if (s.dims[i] < 0 && decl >= 0) {
            s.dims[i] = decl;
        } else if (s.dims[i] >= 0 && decl >= 0 && s.dims[i] != decl) {
            char a[256], b[256];
            ir_shape_format(&o->shape, a, sizeof a);
            ir_shape_format(&v->shape, b, sizeof b);
            return ir_fail(d, IR_ERR_MODEL,
                           "node '%s' (%s): output '%s' has shape %s, but the model declares %s",
                           ir_q(n->name), n->op_type, ir_q(v->name), a, b);
        } else if (s.dims[i] < 0 && !s.sym[i]) {
            s.sym[i] = v->shape.sym[i];
        }
    }
    v->shape = s;
    return IR_OK;
}

static void gather_operands(const ir_graph *g, const ir_node *n, ir_operand *in)
{
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        memset(&in[k], 0, sizeof in[k]);
        in[k].shape.rank = -1;
        int32_t v = n->inputs[k];
        if (v < 0)
            continue;
        const ir_value *val = &g->values[v];
        in[k].dtype = val->dtype;
        in[k].shape = val->shape;
        in[k].value = (val->flags & IR_VALUE_CONST) ? val->data : NULL;
    }
}

ir_status ir_infer_node(ir_graph *g, const ir_node *n, ir_diag *d)
{
    if (n->op >= IR_OP_COUNT)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "node '%s': op %s is not supported", ir_q(n->name),
                       ir_q(n->op_type));
    ir_operand in_small[8], out_small[8];
    ir_operand *in = in_small, *out = out_small;
    ir_operand *heap = NULL;
    if (n->n_inputs > 8 || n->n_outputs > 8) {
        heap = calloc((size_t)n->n_inputs + n->n_outputs + 2, sizeof *heap);
        if (!heap)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        in = heap;
        out = heap + n->n_inputs + 1;
    }
    gather_operands(g, n, in);
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        memset(&out[k], 0, sizeof out[k]);
        out[k].shape.rank = -1;
    }
    ir_status st = ir_shape_table[n->op](g, n, in, out, d);
    for (uint32_t k = 0; !st && k < n->n_outputs; k++)
        if (n->outputs[k] >= 0)
            st = merge_shape(n, &g->values[n->outputs[k]], &out[k], d);
    free(heap);
    return st;
}

ir_status ir_infer_shapes(ir_graph *g, ir_diag *d)
{
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_status st = ir_infer_node(g, &g->nodes[i], d);
        if (st)
            return st;
    }
    return IR_OK;
}
