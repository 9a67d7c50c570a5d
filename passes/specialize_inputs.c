/* specialize_inputs.c - graph inputs whose values decide shapes or modes.
 *
 * Compiled code needs every shape at compile time and compiles inference
 * only. A few models compute a shape from an input's value (ONNX's window
 * functions run Range(0, size, 1) on an input `size`; Reshape, Expand, Tile
 * or ConstantOfShape to a shape given as input) or pass Dropout's
 * training_mode as an input. `onnxc run` compiles after reading its inputs,
 * so it can specialize: the uses of such an input become a constant holding
 * this run's value, the optimizer folds it through, and the compiled code
 * is valid for that value only (the JIT already specializes on input shapes
 * the same way). `onnxc compile` cannot know the values and refuses, naming
 * the node. Only small inputs (SPEC_MAX_ELEMS elements) are specialized: a
 * large tensor deciding a shape stays an error.
 *
 * Which operands of a node decide its output shape is read off the graph:
 * a node whose output shape is not static while its inputs' shapes are,
 * after optimization with bound input shapes, depends on the values of its
 * non-constant operands, except
 * the data operand 0 of ops taking parameters after it (Reshape's data,
 * Slice's data); Range and single-input ops (ConstantOfShape) use all. The
 * walk back from those operands to graph inputs does not cross Shape, whose
 * result depends on its input's shape only. Nodes whose input shapes are
 * unknown are effects of such a node: callers optimize again after each
 * round of specialization until nothing changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

#define SPEC_MAX_ELEMS 64

typedef struct {
    uint32_t input;  /* index into g->inputs */
    int32_t node;    /* a node whose shape or mode it decides */
    bool mode;       /* decides a mode (Dropout), not a shape */
} value_use;

typedef struct {
    value_use *u;
    uint32_t n, cap;
    uint8_t *seen;   /* per value: already walked */
} use_list;

static bool shape_known(const ir_graph *g, int32_t v)
{
    return v < 0 || ir_shape_static(&g->values[v].shape);
}

static bool is_const(const ir_graph *g, int32_t v)
{
    return v < 0 || (g->values[v].flags & IR_VALUE_CONST);
}

/* Records graph input v (once per input) as deciding node ni. */
static bool add_use(const ir_graph *g, use_list *l, int32_t v, int32_t ni, bool mode)
{
    uint32_t k = 0;
    while (k < g->n_inputs && g->inputs[k] != v)
        k++;
    for (uint32_t i = 0; i < l->n; i++)
        if (l->u[i].input == k)
            return true;
    if (!IR_GROW(l->u, l->cap, l->n, 8))
        return false;
    l->u[l->n++] = (value_use){k, ni, mode};
    return true;
}

/* Walks back from value v to the graph inputs it is computed from. */
static bool walk(const ir_graph *g, use_list *l, int32_t v, int32_t ni, bool mode)
{
    int32_t *stack = malloc((size_t)g->n_values * sizeof *stack);
    uint32_t sp = 0;
    bool ok = stack != NULL;
    if (ok && !is_const(g, v) && !l->seen[v])
        stack[sp++] = v, l->seen[v] = 1;
    while (ok && sp) {
        int32_t x = stack[--sp];
        const ir_value *val = &g->values[x];
        if (val->flags & IR_VALUE_INPUT) {
            ok = add_use(g, l, x, ni, mode);
            continue;
        }
        if (val->producer < 0 || g->nodes[val->producer].op == IR_OP_SHAPE)
            continue;
        const ir_node *p = &g->nodes[val->producer];
        for (uint32_t i = 0; i < p->n_inputs; i++) {
            int32_t y = p->inputs[i];
            if (!is_const(g, y) && !l->seen[y])
                stack[sp++] = y, l->seen[y] = 1;
        }
    }
    free(stack);
    return ok;
}

/* The operands of node n whose values decide a shape or a mode. */
static bool node_uses(const ir_graph *g, use_list *l, int32_t ni)
{
    const ir_node *n = &g->nodes[ni];
    if (n->dead)
        return true;
    if (n->op == IR_OP_DROPOUT) { /* training_mode, then the ratio it may use */
        int32_t tm = n->n_inputs > 2 ? n->inputs[2] : -1;
        const ir_tensor *t = tm >= 0 ? g->values[tm].data : NULL;
        if (tm < 0 || (t && ir_tensor_numel(t) == 1 && ir_tensor_get_f64(t, 0) == 0))
            return true;
        return walk(g, l, tm, ni, true) && walk(g, l, n->inputs[1], ni, true);
    }
    bool dynamic = false, inputs_known = true;
    for (uint32_t i = 0; i < n->n_outputs; i++)
        dynamic |= !shape_known(g, n->outputs[i]);
    for (uint32_t i = 0; i < n->n_inputs; i++)
        inputs_known &= shape_known(g, n->inputs[i]);
    if (!dynamic || !inputs_known) /* an unknown input shape: an effect, not the cause */
        return true;
    uint32_t first = n->op == IR_OP_RANGE || n->n_inputs == 1 ? 0 : 1;
    for (uint32_t i = first; i < n->n_inputs; i++)
        if (!walk(g, l, n->inputs[i], ni, false))
            return false;
    return true;
}

static ir_status find_uses(const ir_graph *g, use_list *l, ir_diag *d)
{
    memset(l, 0, sizeof *l);
    l->seen = calloc(g->n_values + 1, 1);
    bool ok = l->seen != NULL;
    for (uint32_t i = 0; ok && i < g->n_nodes; i++)
        ok = node_uses(g, l, (int32_t)i);
    free(l->seen);
    l->seen = NULL;
    return ok ? IR_OK : ir_fail(d, IR_ERR_NOMEM, "out of memory finding the inputs that decide shapes");
}

static const char *what_decided(const value_use *u)
{
    return u->mode ? "mode (training or inference)" : "output shape";
}

ir_status passes_refuse_value_inputs(const ir_graph *g, ir_diag *d)
{
    use_list l;
    ir_status st = find_uses(g, &l, d);
    if (!st && l.n) {
        const char *in = ir_q(g->values[g->inputs[l.u[0].input]].name);
        st = ir_fail_node(d, IR_ERR_UNSUPPORTED, &g->nodes[l.u[0].node],
                          "its %s depends on the value of input '%s', which onnxc compile cannot know: make it "
                          "a constant of the model, or use `onnxc run`, which compiles for the values it is "
                          "given", what_decided(&l.u[0]), in);
    }
    free(l.u);
    return st;
}

/* Prints at most 8 elements of t, e.g. "[10]" or "[1, 0, ...]". */
static void format_values(const ir_tensor *t, char *buf, size_t len)
{
    int64_t n = ir_tensor_numel(t);
    size_t o = (size_t)snprintf(buf, len, "[");
    for (int64_t i = 0; i < n && i < 8 && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%.9g", i ? ", " : "", ir_tensor_get_f64(t, i));
    if (o < len)
        snprintf(buf + o, len - o, "%s]", n > 8 ? ", ..." : "");
}

/* Replaces every node use of graph input k by a constant copy of t. */
static ir_status bind_input(ir_graph *g, uint32_t k, const ir_tensor *t, ir_diag *d)
{
    int32_t v = g->inputs[k];
    char name[300];
    snprintf(name, sizeof name, "%.200s:specialized", g->values[v].name);
    ir_tensor *c;
    int32_t cv = pass_new_const(g, name, t->dtype, &t->shape, &c);
    if (cv < 0)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory specializing input '%s'", ir_q(g->values[v].name));
    memcpy(c->data, t->data, t->nbytes);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t j = 0; j < g->nodes[i].n_inputs; j++)
            if (g->nodes[i].inputs[j] == v)
                g->nodes[i].inputs[j] = cv;
    return IR_OK;
}

ir_status passes_specialize_inputs(ir_graph *g, ir_tensor *const *in, FILE *log, bool *changed, ir_diag *d)
{
    use_list l;
    *changed = false;
    ir_status st = find_uses(g, &l, d);
    for (uint32_t i = 0; !st && i < l.n; i++) {
        const value_use *u = &l.u[i];
        const ir_tensor *t = in[u->input];
        const char *name = ir_q(g->values[g->inputs[u->input]].name);
        int64_t n = ir_tensor_numel(t);
        if (n > SPEC_MAX_ELEMS) {
            st = ir_fail_node(d, IR_ERR_UNSUPPORTED, &g->nodes[u->node],
                              "its %s depends on the values of input '%s', which has %lld elements (compiled code "
                              "specializes on inputs of at most %d): only the reference engine runs it",
                              what_decided(u), name, (long long)n, SPEC_MAX_ELEMS);
            break;
        }
        if (log) {
            char vals[200];
            format_values(t, vals, sizeof vals);
            fprintf(log, "onnxc: specialized on input '%s' = %s: it decides the %s of node '%s' (%s); the compiled "
                         "code is valid for this value only\n", name, vals, what_decided(u),
                    ir_q(g->nodes[u->node].name), ir_op_name(g->nodes[u->node].op));
        }
        st = bind_input(g, u->input, t, d);
        *changed = !st;
    }
    free(l.u);
    return st;
}
