/* stats.c - the numbers `onnxc inspect` reports: the op histogram and the
 * parameter counts. Kept in ir/ so passes can report the same figures for
 * optimized graphs. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static int cmp_count(const void *a, const void *b)
{
    const ir_op_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    int c = strcmp(x->domain, y->domain);
    return c ? c : strcmp(x->op_type, y->op_type);
}

uint32_t ir_op_histogram(ir_graph *g, ir_op_count **out)
{
    ir_op_count *h = ir_arena_alloc(g->arena, (g->n_nodes ? g->n_nodes : 1) * sizeof *h, 8);
    uint32_t n = 0;
    if (!h) {
        *out = NULL;
        return 0;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *nd = &g->nodes[i];
        uint32_t j = 0;
        while (j < n && (strcmp(h[j].op_type, nd->op_type) || strcmp(h[j].domain, nd->domain)))
            j++;
        if (j == n)
            h[n++] = (ir_op_count){nd->op_type, nd->domain, 0};
        h[j].count++;
    }
    qsort(h, n, sizeof *h, cmp_count);
    *out = h;
    return n;
}

void ir_param_stats(const ir_graph *g, uint64_t *count, uint64_t *elements, uint64_t *bytes)
{
    *count = *elements = *bytes = 0;
    for (uint32_t v = 0; v < g->n_values; v++) {
        const ir_value *val = &g->values[v];
        if (!(val->flags & IR_VALUE_CONST) || val->producer >= 0 || !val->data)
            continue;
        (*count)++;
        int64_t n = ir_shape_numel(&val->data->shape);
        *elements += n > 0 ? (uint64_t)n : 0;
        *bytes += val->data->nbytes;
    }
}
