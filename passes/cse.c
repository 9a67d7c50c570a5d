/* cse.c - common subexpression elimination.
 *
 * Two live nodes with the same op, inputs and attributes compute the same
 * values; the later one's outputs are redirected to the earlier one's.
 * Equal small constants are merged first, so nodes that read two copies of
 * the same constant are recognised as equal too (DETR's six decoder layers
 * repeat the same query-position additions, with the constants duplicated
 * by the exporter). Hashes make it O(n) expected. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

#define CONST_HASH_MAX (1u << 20)

static uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001b3ULL; }

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = mix(h, b[i]);
    return h;
}

static uint64_t hash_const(const ir_tensor *t)
{
    uint64_t h = mix(0xcbf29ce484222325ULL, (uint64_t)t->dtype);
    h = hash_bytes(h, t->shape.dims, sizeof(int64_t) * (size_t)t->shape.rank);
    return hash_bytes(mix(h, (uint64_t)t->shape.rank), t->data, (size_t)t->nbytes);
}

static bool attr_equal(const ir_attr *a, const ir_attr *b)
{
    if (strcmp(a->name, b->name) || a->type != b->type)
        return false;
    switch (a->type) {
    case IR_ATTR_INT: return a->i == b->i;
    case IR_ATTR_FLOAT: return !memcmp(&a->f, &b->f, sizeof a->f);
    case IR_ATTR_STRING: return a->s_len == b->s_len && !memcmp(a->s, b->s, a->s_len);
    case IR_ATTR_INTS: return a->n == b->n && !memcmp(a->ints, b->ints, a->n * sizeof *a->ints);
    case IR_ATTR_FLOATS: return a->n == b->n && !memcmp(a->floats, b->floats, a->n * sizeof *a->floats);
    case IR_ATTR_TENSOR:
        return a->tensor && b->tensor && a->tensor->dtype == b->tensor->dtype &&
               ir_shape_equal(&a->tensor->shape, &b->tensor->shape) &&
               a->tensor->nbytes == b->tensor->nbytes &&
               !memcmp(a->tensor->data, b->tensor->data, (size_t)a->tensor->nbytes);
    default: return false; /* other kinds are never merged */
    }
}

static bool nodes_equal(const ir_node *a, const ir_node *b)
{
    if (a->op != b->op || a->op >= IR_OP_COUNT || a->n_inputs != b->n_inputs ||
        a->n_outputs != b->n_outputs || a->n_attrs != b->n_attrs)
        return false;
    if (memcmp(a->inputs, b->inputs, a->n_inputs * sizeof *a->inputs))
        return false;
    for (uint32_t k = 0; k < a->n_attrs; k++) /* exporters write attributes in one order */
        if (!attr_equal(&a->attrs[k], &b->attrs[k]))
            return false;
    return true;
}

static uint64_t hash_node(const ir_node *n)
{
    uint64_t h = mix(0xcbf29ce484222325ULL, (uint64_t)n->op);
    for (uint32_t k = 0; k < n->n_inputs; k++)
        h = mix(h, (uint64_t)(uint32_t)n->inputs[k]);
    return mix(h, n->n_attrs);
}

/* Open-addressing table of (hash, index). */
typedef struct {
    uint64_t *hash;
    int32_t *idx;
    uint32_t mask;
} table;

static bool table_init(table *t, uint32_t n)
{
    uint32_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    t->hash = calloc(cap, sizeof *t->hash);
    t->idx = malloc(cap * sizeof *t->idx);
    t->mask = cap - 1;
    if (t->idx)
        memset(t->idx, 0xff, cap * sizeof *t->idx);
    return t->hash && t->idx;
}

static void table_free(table *t)
{
    free(t->hash);
    free(t->idx);
}

static bool dedupe_constants(ir_graph *g)
{
    table t;
    bool changed = false;
    if (!table_init(&t, g->n_values)) {
        table_free(&t);
        return false;
    }
    for (uint32_t v = 0; v < g->n_values; v++) {
        const ir_tensor *c = pass_const(g, (int32_t)v);
        if (!c || c->nbytes > CONST_HASH_MAX || (g->values[v].flags & IR_VALUE_OUTPUT))
            continue;
        uint64_t h = hash_const(c);
        uint32_t s = (uint32_t)h & t.mask;
        for (; t.idx[s] >= 0; s = (s + 1) & t.mask) {
            const ir_tensor *o = g->values[t.idx[s]].data;
            if (t.hash[s] == h && o->dtype == c->dtype && ir_shape_equal(&o->shape, &c->shape) &&
                !memcmp(o->data, c->data, (size_t)c->nbytes))
                break;
        }
        if (t.idx[s] >= 0) {
            ir_graph_replace_uses(g, (int32_t)v, t.idx[s]);
            changed = true;
        } else {
            t.idx[s] = (int32_t)v;
            t.hash[s] = h;
        }
    }
    table_free(&t);
    return changed;
}

static bool outputs_are_graph_outputs(const ir_graph *g, const ir_node *n)
{
    for (uint32_t k = 0; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0 && (g->values[n->outputs[k]].flags & IR_VALUE_OUTPUT))
            return true;
    return false;
}

ir_status pass_cse(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = dedupe_constants(g);
    table t;
    if (!table_init(&t, g->n_nodes)) {
        table_free(&t);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead)
            continue;
        uint64_t h = hash_node(n);
        uint32_t s = (uint32_t)h & t.mask;
        for (; t.idx[s] >= 0; s = (s + 1) & t.mask)
            if (t.hash[s] == h && nodes_equal(&g->nodes[t.idx[s]], n))
                break;
        if (t.idx[s] < 0) {
            t.idx[s] = (int32_t)i;
            t.hash[s] = h;
            continue;
        }
        const ir_node *first = &g->nodes[t.idx[s]];
        bool missing = false;
        for (uint32_t k = 0; k < n->n_outputs; k++)
            missing |= n->outputs[k] >= 0 && first->outputs[k] < 0;
        if (missing || outputs_are_graph_outputs(g, n))
            continue;
        for (uint32_t k = 0; k < n->n_outputs; k++)
            if (n->outputs[k] >= 0 && first->outputs[k] >= 0)
                ir_graph_replace_uses(g, n->outputs[k], first->outputs[k]);
        n->dead = true;
        *changed = true;
    }
    table_free(&t);
    return IR_OK;
}
