/* rewrite.c - the primitives passes rewrite graphs with: redirecting uses,
 * counting them, finding consumers, and compacting after nodes die.
 *
 * Passes mark nodes dead instead of deleting them, so node indices stay
 * valid while a pass runs; the pipeline compacts between passes. Use counts
 * are recomputed on demand rather than maintained (QBE's filluse style): a
 * pass that needs them asks, and nothing goes stale. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

void ir_graph_replace_uses(ir_graph *g, int32_t from, int32_t to)
{
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == from)
                n->inputs[k] = to;
    }
    for (uint32_t k = 0; k < g->n_outputs; k++)
        if (g->outputs[k] == from) {
            g->outputs[k] = to;
            g->values[to].flags |= IR_VALUE_OUTPUT;
        }
}

uint32_t *ir_graph_use_counts(const ir_graph *g)
{
    uint32_t *uses = calloc(g->n_values + 1, sizeof *uses);
    if (!uses)
        return NULL;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0)
                uses[n->inputs[k]]++;
    }
    for (uint32_t k = 0; k < g->n_outputs; k++)
        uses[g->outputs[k]]++;
    return uses;
}

uint32_t ir_value_consumers(const ir_graph *g, int32_t v, int32_t *nodes, uint32_t max)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == v) {
                if (c < max)
                    nodes[c] = (int32_t)i;
                c++;
                break;
            }
    }
    return c;
}

static void remap(int32_t *ops, uint32_t n, const int32_t *map)
{
    for (uint32_t k = 0; k < n; k++)
        if (ops[k] >= 0)
            ops[k] = map[ops[k]];
}

bool ir_graph_compact(ir_graph *g)
{
    int32_t *map = malloc((g->n_values + 1) * sizeof *map);
    bool *live = calloc(g->n_values + 1, 1);
    if (!map || !live) {
        free(map);
        free(live);
        return false;
    }
    uint32_t nn = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        for (uint32_t k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0)
                live[n->inputs[k]] = true;
        for (uint32_t k = 0; k < n->n_outputs; k++)
            if (n->outputs[k] >= 0)
                live[n->outputs[k]] = true;
        g->nodes[nn++] = *n;
    }
    g->n_nodes = nn;
    for (uint32_t k = 0; k < g->n_inputs; k++)
        live[g->inputs[k]] = true;
    for (uint32_t k = 0; k < g->n_outputs; k++)
        live[g->outputs[k]] = true;
    uint32_t nv = 0;
    for (uint32_t v = 0; v < g->n_values; v++) {
        map[v] = live[v] ? (int32_t)nv : -1;
        if (live[v])
            g->values[nv++] = g->values[v];
    }
    g->n_values = nv;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        remap(g->nodes[i].inputs, g->nodes[i].n_inputs, map);
        remap(g->nodes[i].outputs, g->nodes[i].n_outputs, map);
    }
    remap(g->inputs, g->n_inputs, map);
    remap(g->outputs, g->n_outputs, map);
    for (uint32_t v = 0; v < g->n_values; v++)
        g->values[v].producer = -1;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_outputs; k++)
            if (g->nodes[i].outputs[k] >= 0)
                g->values[g->nodes[i].outputs[k]].producer = (int32_t)i;
    free(map);
    free(live);
    return true;
}
