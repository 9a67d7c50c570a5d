/* materialize_outputs.c - makes every graph output the result of a node.
 *
 * Folding can turn an output into a constant (Shape of a static input, a
 * Constant op). Compiled code writes outputs into the caller's buffers from
 * kernels, so such an output gets an Identity node copying the constant into
 * it; the output keeps its name (the constant is renamed). A graph input
 * that is also an output is left alone: it cannot be renamed (the compiler
 * refuses it, the reference engine copies it). */
#include <stdio.h>
#include <string.h>

#include "passes.h"

ir_status pass_materialize_outputs(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        bool twice = false; /* the same value listed as two outputs */
        for (uint32_t j = 0; j < k; j++)
            twice |= g->outputs[j] == v;
        if ((g->values[v].producer >= 0 && !twice) || (g->values[v].flags & IR_VALUE_INPUT))
            continue;
        char name[512];
        snprintf(name, sizeof name, "%s.source", g->values[v].name);
        ir_dtype dt = g->values[v].dtype;
        ir_shape s = g->values[v].shape;
        int32_t nv = ir_graph_add_value(g, g->values[v].name, dt, &s);
        if (nv < 0)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        if (!twice)
            g->values[v].name = ir_arena_strdup(g->arena, name);
        g->values[v].flags &= ~(uint32_t)IR_VALUE_OUTPUT;
        for (uint32_t j = 0; j < g->n_outputs; j++)
            if (g->outputs[j] == v)
                g->values[v].flags |= IR_VALUE_OUTPUT; /* still another output */
        g->outputs[k] = nv;
        g->values[nv].flags |= IR_VALUE_OUTPUT;
        if (ir_graph_add_node(g, IR_OP_IDENTITY, name, &v, 1, &nv, 1) < 0)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        *changed = true;
    }
    return IR_OK;
}
