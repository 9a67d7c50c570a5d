/* plan_memory.c - one arena for every intermediate tensor.
 *
 * Each intermediate (a value produced by a node that is neither a constant
 * nor a graph output) lives from its producer to its last consumer. An op
 * flagged in-place in ops.def may write its output over input 0 when that
 * input dies at the op and has the same size: the two share one buffer.
 * Buffers are then placed greedily, largest first, each at the lowest
 * offset where it does not overlap (in address and in time) any buffer
 * already placed - the classic greedy-by-size heuristic, which lands close
 * to the lower bound (the most bytes ever live at once) on DETR. Offsets are
 * 64-byte aligned for the vector kernels. */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define ALIGN 64u

typedef struct {
    uint64_t bytes, offset;
    int32_t first, last;
} buffer;

static uint64_t value_bytes(const ir_graph *g, int32_t v)
{
    int64_t n = ir_shape_numel(&g->values[v].shape);
    uint64_t b = (uint64_t)n * ir_dtype_size(g->values[v].dtype);
    return (b + ALIGN - 1) / ALIGN * ALIGN;
}

static bool is_intermediate(const ir_graph *g, int32_t v)
{
    const ir_value *val = &g->values[v];
    return v >= 0 && val->producer >= 0 && !(val->flags & (IR_VALUE_CONST | IR_VALUE_OUTPUT | IR_VALUE_INPUT));
}

static int cmp_size(const void *a, const void *b, void *ctx)
{
    const buffer *bufs = ctx;
    const buffer *x = &bufs[*(const int32_t *)a], *y = &bufs[*(const int32_t *)b];
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return x->first - y->first;
}

static int cmp_offset(const void *a, const void *b, void *ctx)
{
    const buffer *bufs = ctx;
    uint64_t x = bufs[*(const int32_t *)a].offset, y = bufs[*(const int32_t *)b].offset;
    return x < y ? -1 : x > y;
}

/* Places every buffer; returns the arena size. */
static uint64_t place(buffer *b, uint32_t nb, int32_t *order, int32_t *placed)
{
    for (uint32_t i = 0; i < nb; i++)
        order[i] = (int32_t)i;
    qsort_r(order, nb, sizeof *order, cmp_size, b);
    uint64_t arena = 0;
    uint32_t np = 0;
    for (uint32_t i = 0; i < nb; i++) {
        buffer *cur = &b[order[i]];
        uint32_t nov = 0;
        for (uint32_t j = 0; j < np; j++) { /* placed buffers alive at the same time */
            buffer *o = &b[placed[j]];
            if (o->first <= cur->last && cur->first <= o->last)
                placed[np + nov++] = placed[j];
        }
        qsort_r(placed + np, nov, sizeof *placed, cmp_offset, b);
        uint64_t off = 0;
        for (uint32_t j = 0; j < nov; j++) {
            buffer *o = &b[placed[np + j]];
            if (o->offset >= off + cur->bytes)
                break;
            if (o->offset + o->bytes > off)
                off = o->offset + o->bytes;
        }
        cur->offset = off;
        placed[np++] = order[i];
        if (off + cur->bytes > arena)
            arena = off + cur->bytes;
    }
    return arena;
}

static uint64_t lower_bound(const ir_graph *g, const buffer *b, uint32_t nb)
{
    uint64_t *live = calloc(g->n_nodes + 1, sizeof *live), best = 0;
    if (!live)
        return 0;
    for (uint32_t i = 0; i < nb; i++)
        for (int32_t t = b[i].first; t <= b[i].last; t++)
            live[t] += b[i].bytes;
    for (uint32_t t = 0; t < g->n_nodes; t++)
        best = live[t] > best ? live[t] : best;
    free(live);
    return best;
}

/* Assigns each intermediate a buffer, merging in-place pairs. */
static uint32_t make_buffers(const ir_graph *g, mem_plan *p, int32_t *buf_of, buffer *b, const int32_t *last_use)
{
    uint32_t nb = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (uint32_t k = 0; k < n->n_outputs; k++) {
            int32_t v = n->outputs[k];
            if (!is_intermediate(g, v))
                continue;
            mem_slot *s = &p->slots[p->n_slots++];
            *s = (mem_slot){v, value_bytes(g, v), 0, (int32_t)i, (int32_t)i, -1};
            int32_t src = n->n_inputs ? n->inputs[0] : -1;
            bool inplace = k == 0 && (ir_op_table[n->op].flags & IR_OPF_INPLACE) && is_intermediate(g, src) &&
                           buf_of[src] >= 0 && last_use[src] == (int32_t)i &&
                           value_bytes(g, src) == s->bytes;
            for (uint32_t j = 1; inplace && j < n->n_inputs; j++)
                inplace = n->inputs[j] != src; /* the input must die here, and only once */
            if (inplace) {
                buf_of[v] = buf_of[src];
                s->inplace_of = src;
            } else {
                buf_of[v] = (int32_t)nb;
                b[nb++] = (buffer){s->bytes, 0, (int32_t)i, (int32_t)i};
            }
        }
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            int32_t v = n->inputs[k];
            if (is_intermediate(g, v) && buf_of[v] >= 0 && b[buf_of[v]].last < (int32_t)i)
                b[buf_of[v]].last = (int32_t)i;
        }
    }
    return nb;
}

ir_status plan_memory(const ir_graph *g, mem_plan *p, ir_diag *d)
{
    memset(p, 0, sizeof *p);
    for (uint32_t v = 0; v < g->n_values; v++)
        if (is_intermediate(g, (int32_t)v) && !ir_shape_static(&g->values[v].shape))
            return ir_fail(d, IR_ERR_UNSUPPORTED, "memory plan: value '%s' has no static shape "
                           "(bind the inputs with --input-shape)", ir_q(g->values[v].name));
    p->slots = calloc(g->n_values + 1, sizeof *p->slots);
    int32_t *buf_of = malloc((g->n_values + 1) * sizeof *buf_of);
    buffer *b = calloc(g->n_values + 1, sizeof *b);
    int32_t *order = malloc((g->n_values + 1) * sizeof *order);
    int32_t *placed = malloc(2 * (g->n_values + 1) * sizeof *placed);
    ir_status st = IR_OK;
    if (!p->slots || !buf_of || !b || !order || !placed) {
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory planning memory");
        goto out;
    }
    memset(buf_of, 0xff, (g->n_values + 1) * sizeof *buf_of);
    for (uint32_t v = 0; v < g->n_values; v++)
        order[v] = -1;
    for (uint32_t k = 0; k < g->n_nodes; k++) /* order doubles as last-use table here */
        for (uint32_t j = 0; j < g->nodes[k].n_inputs; j++)
            if (g->nodes[k].inputs[j] >= 0)
                order[g->nodes[k].inputs[j]] = (int32_t)k;
    for (uint32_t v = 0; v < g->n_values; v++)
        placed[v] = order[v];
    uint32_t nb = make_buffers(g, p, buf_of, b, placed);
    for (uint32_t i = 0; i < p->n_slots; i++) /* last use of each value itself */
        if (placed[p->slots[i].value] > p->slots[i].last)
            p->slots[i].last = placed[p->slots[i].value];
    p->arena_bytes = place(b, nb, order, placed);
    p->lower_bound = lower_bound(g, b, nb);
    for (uint32_t i = 0; i < p->n_slots; i++) {
        mem_slot *s = &p->slots[i];
        s->offset = b[buf_of[s->value]].offset;
        p->total_bytes += s->bytes;
    }
out:
    free(buf_of);
    free(b);
    free(order);
    free(placed);
    if (st)
        mem_plan_free(p);
    return st;
}

void mem_plan_free(mem_plan *p)
{
    free(p->slots);
    memset(p, 0, sizeof *p);
}
