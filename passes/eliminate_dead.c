/* eliminate_dead.c - removes nodes none of whose outputs is used by a live
 * node or a graph output. Walking backwards once finds whole dead chains,
 * since a node is only visited after everything that could use it. */
#include <stdlib.h>

#include "passes.h"

ir_status pass_eliminate_dead(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    *changed = false;
    for (uint32_t i = g->n_nodes; i-- > 0;) {
        ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        bool used = false;
        for (uint32_t k = 0; k < n->n_outputs && !used; k++)
            used = n->outputs[k] >= 0 && uses[n->outputs[k]] > 0;
        if (used)
            continue;
        n->dead = true;
        *changed = true;
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0)
                uses[n->inputs[k]]--;
    }
    free(uses);
    return IR_OK;
}
