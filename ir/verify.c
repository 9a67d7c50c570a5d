/* verify.c - structural checks of a graph: topological sorting, the
 * verifier that runs after every pass, and the supported-op check.
 *
 * Models arrive from untrusted files, so every check produces a message that
 * names the node (by name, or by index and op when unnamed) and the value
 * involved. The sort is stable: a graph already in order keeps its order, so
 * printed graphs stay comparable with the model. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* "node 'conv1' (Conv)" or "node #12 (Conv)" for unnamed nodes. */
static const char *node_ref(const ir_graph *g, const ir_node *n, char *buf, size_t len)
{
    if (n->name && *n->name)
        snprintf(buf, len, "node '%s' (%s)", ir_q(n->name), ir_q(n->op_type));
    else
        snprintf(buf, len, "node #%u (%s)", (unsigned)(n - g->nodes), ir_q(n->op_type));
    return buf;
}

static bool value_is_source(const ir_value *v)
{
    return (v->flags & (IR_VALUE_INPUT | IR_VALUE_CONST)) != 0;
}

/* Finds each value's producing node; fails on a value produced twice or
 * produced while also being an input/initializer. */
static ir_status find_producers(ir_graph *g, int32_t *prod, ir_diag *d)
{
    char b1[256], b2[256];
    for (uint32_t v = 0; v < g->n_values; v++)
        prod[v] = -1;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (uint32_t k = 0; k < n->n_outputs; k++) {
            int32_t v = n->outputs[k];
            if (v < 0)
                continue;
            if ((uint32_t)v >= g->n_values)
                return ir_fail(d, IR_ERR_INTERNAL, "%s: output %u out of range",
                               node_ref(g, n, b1, sizeof b1), k);
            if (prod[v] >= 0)
                return ir_fail(d, IR_ERR_MODEL, "value '%s' is produced twice: by %s and by %s",
                               ir_q(g->values[v].name), node_ref(g, &g->nodes[prod[v]], b1, sizeof b1),
                               node_ref(g, n, b2, sizeof b2));
            if (value_is_source(&g->values[v]))
                return ir_fail(d, IR_ERR_MODEL,
                               "value '%s' is produced by %s but is also a graph input or initializer",
                               ir_q(g->values[v].name), node_ref(g, n, b1, sizeof b1));
            prod[v] = (int32_t)i;
        }
    }
    return IR_OK;
}

/* Checks that every node input is defined somewhere. */
static ir_status check_defined(const ir_graph *g, const int32_t *prod, ir_diag *d)
{
    char b[256];
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            int32_t v = n->inputs[k];
            if (v < 0)
                continue;
            if ((uint32_t)v >= g->n_values)
                return ir_fail(d, IR_ERR_INTERNAL, "%s: input %u out of range",
                               node_ref(g, n, b, sizeof b), k);
            if (prod[v] < 0 && !value_is_source(&g->values[v]))
                return ir_fail(d, IR_ERR_MODEL,
                               "%s: input %u '%s' is not defined (no node, initializer or graph "
                               "input produces it)",
                               node_ref(g, n, b, sizeof b), k, ir_q(g->values[v].name));
        }
    }
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        if (prod[v] < 0 && !value_is_source(&g->values[v]))
            return ir_fail(d, IR_ERR_MODEL, "graph output '%s' is not produced by any node",
                           ir_q(g->values[v].name));
    }
    return IR_OK;
}

/* Min-heap of node indices: the stable choice is the lowest ready index. */
static void heap_push(int32_t *h, uint32_t *n, int32_t x)
{
    uint32_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > x) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

static int32_t heap_pop(int32_t *h, uint32_t *n)
{
    int32_t top = h[0], x = h[--*n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= x)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = x;
    return top;
}

typedef struct {
    int32_t *prod, *indeg, *heap, *order, *users, *user_start;
} sort_tmp;

static void sort_tmp_free(sort_tmp *t)
{
    free(t->prod);
    free(t->indeg);
    free(t->heap);
    free(t->order);
    free(t->users);
    free(t->user_start);
}

/* Builds the consumer lists (node -> nodes using its outputs) as CSR. */
static bool build_users(const ir_graph *g, sort_tmp *t)
{
    uint64_t edges = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        edges += g->nodes[i].n_inputs;
    t->user_start = calloc(g->n_nodes + 1, sizeof(int32_t));
    t->users = malloc((edges ? edges : 1) * sizeof(int32_t));
    if (!t->user_start || !t->users || edges > INT32_MAX)
        return false;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) {
            int32_t v = g->nodes[i].inputs[k];
            if (v >= 0 && t->prod[v] >= 0) {
                t->user_start[t->prod[v] + 1]++;
                t->indeg[i]++;
            }
        }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        t->user_start[i + 1] += t->user_start[i];
    int32_t *fill = calloc(g->n_nodes + 1, sizeof(int32_t));
    if (!fill)
        return false;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) {
            int32_t v = g->nodes[i].inputs[k];
            if (v >= 0 && t->prod[v] >= 0) {
                int32_t p = t->prod[v];
                t->users[t->user_start[p] + fill[p]++] = (int32_t)i;
            }
        }
    free(fill);
    return true;
}

static ir_status apply_order(ir_graph *g, const int32_t *order)
{
    if (!g->n_nodes)
        return IR_OK;
    ir_node *nodes = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(ir_node));
    if (!nodes)
        return IR_ERR_NOMEM;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        nodes[i] = g->nodes[order[i]];
    memcpy(g->nodes, nodes, g->n_nodes * sizeof(ir_node));
    free(nodes);
    for (uint32_t v = 0; v < g->n_values; v++)
        g->values[v].producer = -1;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t k = 0; k < g->nodes[i].n_outputs; k++)
            if (g->nodes[i].outputs[k] >= 0)
                g->values[g->nodes[i].outputs[k]].producer = (int32_t)i;
    return IR_OK;
}

ir_status ir_toposort(ir_graph *g, ir_diag *d)
{
    sort_tmp t = {0};
    uint32_t nn = g->n_nodes ? g->n_nodes : 1;
    t.prod = malloc((g->n_values ? g->n_values : 1) * sizeof(int32_t));
    t.indeg = calloc(nn, sizeof(int32_t));
    t.heap = malloc(nn * sizeof(int32_t));
    t.order = malloc(nn * sizeof(int32_t));
    ir_status st = IR_ERR_NOMEM;
    if (!t.prod || !t.indeg || !t.heap || !t.order) {
        ir_fail(d, st, "out of memory sorting %u nodes", g->n_nodes);
        goto out;
    }
    if ((st = find_producers(g, t.prod, d)) || (st = check_defined(g, t.prod, d)))
        goto out;
    if (!build_users(g, &t)) {
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory sorting %u nodes", g->n_nodes);
        goto out;
    }
    uint32_t hn = 0, done = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (!t.indeg[i])
            heap_push(t.heap, &hn, (int32_t)i);
    while (hn) {
        int32_t i = heap_pop(t.heap, &hn);
        t.order[done++] = i;
        for (int32_t u = t.user_start[i]; u < t.user_start[i + 1]; u++)
            if (--t.indeg[t.users[u]] == 0)
                heap_push(t.heap, &hn, t.users[u]);
    }
    if (done < g->n_nodes) {
        char b[256];
        for (uint32_t i = 0; i < g->n_nodes; i++)
            if (t.indeg[i]) {
                st = ir_fail(d, IR_ERR_MODEL, "the graph has a cycle: %s depends on its own output",
                             node_ref(g, &g->nodes[i], b, sizeof b));
                goto out;
            }
    }
    st = apply_order(g, t.order);
    if (st)
        ir_fail(d, st, "out of memory sorting %u nodes", g->n_nodes);
out:
    sort_tmp_free(&t);
    return st;
}

static ir_status verify_node(const ir_graph *g, uint32_t i, ir_diag *d)
{
    const ir_node *n = &g->nodes[i];
    char b[256];
    if (n->op < IR_OP_COUNT) {
        const ir_op_info *o = &ir_op_table[n->op];
        if (n->n_inputs < o->min_in || n->n_inputs > o->max_in)
            return ir_fail(d, IR_ERR_MODEL, "%s: has %u inputs, expected %u to %u",
                           node_ref(g, n, b, sizeof b), n->n_inputs, o->min_in, o->max_in);
        if (n->n_outputs < o->min_out || n->n_outputs > o->max_out)
            return ir_fail(d, IR_ERR_MODEL, "%s: has %u outputs, expected %u to %u",
                           node_ref(g, n, b, sizeof b), n->n_outputs, o->min_out, o->max_out);
    }
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        int32_t v = n->inputs[k];
        if (v < 0)
            continue;
        if ((uint32_t)v >= g->n_values)
            return ir_fail(d, IR_ERR_INTERNAL, "%s: input %u refers to value %d of %u",
                           node_ref(g, n, b, sizeof b), k, v, g->n_values);
        const ir_value *val = &g->values[v];
        if (!value_is_source(val) && (val->producer < 0 || (uint32_t)val->producer >= i))
            return ir_fail(d, IR_ERR_MODEL, "%s: input %u '%s' is used before it is defined",
                           node_ref(g, n, b, sizeof b), k, ir_q(val->name));
    }
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        int32_t v = n->outputs[k];
        if (v >= 0 && ((uint32_t)v >= g->n_values || g->values[v].producer != (int32_t)i))
            return ir_fail(d, IR_ERR_INTERNAL, "%s: output %u has an inconsistent producer",
                           node_ref(g, n, b, sizeof b), k);
    }
    return IR_OK;
}

static ir_status verify_value(const ir_graph *g, uint32_t v, ir_diag *d)
{
    const ir_value *val = &g->values[v];
    if (val->shape.rank > IR_MAX_RANK)
        return ir_fail(d, IR_ERR_INTERNAL, "value '%s': rank %d", ir_q(val->name), val->shape.rank);
    if (!(val->flags & IR_VALUE_CONST))
        return IR_OK;
    const ir_tensor *t = val->data;
    uint64_t bytes;
    int64_t numel = t ? ir_shape_numel(&t->shape) : -1;
    if (!t || numel < 0 || !ir_mul_overflow_u64((uint64_t)numel, ir_dtype_size(t->dtype), &bytes) ||
        bytes != t->nbytes || (bytes && !t->data))
        return ir_fail(d, IR_ERR_INTERNAL, "constant '%s': data size inconsistent with its shape",
                       ir_q(val->name));
    return IR_OK;
}

ir_status ir_verify(const ir_graph *g, ir_diag *d)
{
    ir_status st;
    for (uint32_t v = 0; v < g->n_values; v++)
        if ((st = verify_value(g, v, d)))
            return st;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if ((st = verify_node(g, i, d)))
            return st;
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        if (v < 0 || (uint32_t)v >= g->n_values)
            return ir_fail(d, IR_ERR_INTERNAL, "graph output %u refers to no value", k);
        if (g->values[v].producer < 0 && !value_is_source(&g->values[v]))
            return ir_fail(d, IR_ERR_MODEL, "graph output '%s' is not produced by any node",
                           ir_q(g->values[v].name));
    }
    return IR_OK;
}

static int cmp_unknown(const void *a, const void *b, void *ctx)
{
    const ir_graph *g = ctx;
    const ir_node *x = &g->nodes[*(const uint32_t *)a], *y = &g->nodes[*(const uint32_t *)b];
    int c = strcmp(x->domain, y->domain);
    c = c ? c : strcmp(x->op_type, y->op_type);
    return c ? c : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

typedef struct {
    uint32_t first, count;
} op_group;

static int cmp_group(const void *a, const void *b)
{
    uint32_t x = ((const op_group *)a)->first, y = ((const op_group *)b)->first;
    return (x > y) - (x < y);
}

/* Appends "Op (N nodes, first 'x')" for each distinct unknown op, in order
 * of first appearance. Sorting makes it O(n log n) whatever the model holds;
 * every kind and node is counted even when the message is full. */
static void list_unknown(const ir_graph *g, char *buf, size_t len, uint32_t *kinds, uint32_t *count)
{
    uint32_t *idx = malloc((g->n_nodes + 1) * sizeof *idx), n = 0, ng = 0;
    op_group *grp = malloc((g->n_nodes + 1) * sizeof *grp);
    size_t o = strlen(buf);
    if (!idx || !grp) {
        free(idx);
        free(grp);
        return;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == IR_OP_UNKNOWN)
            idx[n++] = i;
    qsort_r(idx, n, sizeof *idx, cmp_unknown, (void *)g);
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && !strcmp(g->nodes[idx[j]].op_type, g->nodes[idx[i]].op_type) &&
               !strcmp(g->nodes[idx[j]].domain, g->nodes[idx[i]].domain))
            j++;
        grp[ng++] = (op_group){idx[i], j - i};
        i = j;
    }
    qsort(grp, ng, sizeof *grp, cmp_group);
    *count = n;
    *kinds = ng;
    for (uint32_t k = 0; k < ng && o + 1 < len; k++) {
        const ir_node *first = &g->nodes[grp[k].first];
        char ref[256];
        o += (size_t)snprintf(buf + o, len - o, "%s%s%s%s (%u node%s, first %s)", k ? ", " : "",
                              *first->domain ? ir_q(first->domain) : "", *first->domain ? "." : "",
                              ir_q(first->op_type), grp[k].count, grp[k].count > 1 ? "s" : "",
                              node_ref(g, first, ref, sizeof ref));
    }
    if (o + 1 >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
    free(idx);
    free(grp);
}

ir_status ir_check_supported(const ir_graph *g, ir_diag *d)
{
    char list[900] = "";
    uint32_t kinds = 0, count = 0;
    list_unknown(g, list, sizeof list, &kinds, &count);
    if (kinds)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%u unsupported op%s in %u node%s: %s", kinds,
                       kinds > 1 ? "s" : "", count, count > 1 ? "s" : "", list);
    char b[256];
    /* attributes that only pre-opset-7 forms have: those forms differ */
    static const char *legacy[] = {"broadcast", "consumed_inputs", "is_test", "spatial"};
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (size_t k = 0; k < sizeof legacy / sizeof *legacy; k++)
            if (ir_node_attr(n, legacy[k]))
                return ir_fail(d, IR_ERR_UNSUPPORTED,
                               "%s uses the legacy (opset < 7) form of its op (attribute '%s'), which onnxc "
                               "does not support",
                               node_ref(g, n, b, sizeof b), legacy[k]);
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        int64_t v = ir_node_opset(g, n);
        if (v < ir_op_table[n->op].since)
            return ir_fail(d, IR_ERR_MODEL, "%s: the op exists from opset %d, the model imports %s%s%lld",
                           node_ref(g, n, b, sizeof b), ir_op_table[n->op].since,
                           *n->domain ? ir_q(n->domain) : "ai.onnx", " version ", (long long)v);
    }
    return IR_OK;
}
