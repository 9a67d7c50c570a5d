/* prune_outputs.c - keeps only the graph outputs the user asked for
 * (`--outputs pred_logits,pred_boxes`), so dead-code elimination can drop
 * everything that only fed the others (DETR's auxiliary heads). */
#include <string.h>

#include "passes.h"

ir_status pass_prune_outputs(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    const pass_options *o = c->opt;
    *changed = false;
    if (!o->outputs)
        return IR_OK;
    for (uint32_t i = 0; i < o->n_outputs; i++) {
        bool found = false;
        for (uint32_t k = 0; k < g->n_outputs && !found; k++)
            found = !strcmp(g->values[g->outputs[k]].name, o->outputs[i]);
        if (!found) {
            char list[600] = "";
            size_t n = 0;
            for (uint32_t k = 0; k < g->n_outputs && n < sizeof list - 100; k++)
                n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "",
                                      ir_q(g->values[g->outputs[k]].name));
            return ir_fail(d, IR_ERR_USAGE, "--outputs: the model has no output '%s' (outputs: %s)",
                           ir_q(o->outputs[i]), list);
        }
    }
    uint32_t kept = 0;
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        bool keep = false;
        for (uint32_t i = 0; i < o->n_outputs && !keep; i++)
            keep = !strcmp(g->values[v].name, o->outputs[i]);
        if (keep)
            g->outputs[kept++] = v;
        else
            g->values[v].flags &= ~(uint32_t)IR_VALUE_OUTPUT;
    }
    *changed = kept != g->n_outputs;
    g->n_outputs = kept;
    return IR_OK;
}
