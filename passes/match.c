/* match.c - small queries pattern-matching passes share: single consumers,
 * constants and scalars, producers of a given op, new constants. */
#include <string.h>

#include "kernels.h"
#include "passes.h"

int32_t pass_single_consumer(const ir_graph *g, const uint32_t *uses, int32_t v)
{
    if (v < 0 || uses[v] != 1 || (g->values[v].flags & IR_VALUE_OUTPUT))
        return -1;
    int32_t node;
    return ir_value_consumers(g, v, &node, 1) == 1 ? node : -1;
}

const ir_tensor *pass_const(const ir_graph *g, int32_t v)
{
    if (v < 0 || !(g->values[v].flags & IR_VALUE_CONST) || (g->values[v].flags & IR_VALUE_INPUT))
        return NULL;
    return g->values[v].data;
}

bool pass_const_scalar(const ir_graph *g, int32_t v, double *out)
{
    const ir_tensor *t = pass_const(g, v);
    if (!t)
        return false;
    int64_t n = ir_tensor_numel(t);
    if (n < 1)
        return false;
    double first = ir_tensor_get_f64(t, 0);
    for (int64_t i = 1; i < n; i++)
        if (ir_tensor_get_f64(t, i) != first)
            return false;
    *out = first;
    return true;
}

int32_t pass_new_const(ir_graph *g, const char *name, ir_dtype dt, const ir_shape *s, ir_tensor **t)
{
    ir_tensor *tt = ir_tensor_new(g, dt, s);
    if (!tt)
        return -1;
    int32_t v = ir_graph_add_value(g, name, dt, s);
    if (v < 0)
        return -1;
    ir_value_set_const(g, v, tt);
    *t = tt;
    return v;
}

ir_node *pass_producer(ir_graph *g, int32_t v, ir_op op)
{
    if (v < 0)
        return NULL;
    int32_t p = g->values[v].producer;
    if (p < 0 || g->nodes[p].dead || g->nodes[p].op != op)
        return NULL;
    return &g->nodes[p];
}

const char *pass_node_label(const ir_graph *g, const ir_node *n)
{
    static _Thread_local char buf[4][160];
    static _Thread_local unsigned next;
    char *b = buf[next++ % 4];
    if (n->name && *n->name)
        snprintf(b, sizeof buf[0], "%s", ir_q(n->name));
    else
        snprintf(b, sizeof buf[0], "#%u (%s)", (unsigned)(n - g->nodes), n->op_type);
    return b;
}
