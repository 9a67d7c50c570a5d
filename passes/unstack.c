/* unstack.c - removes stack/unstack round trips.
 *
 * DETR stacks the six decoder layers' outputs (Unsqueeze each, Concat on the
 * new axis), runs the class and box heads on the stacked tensor, then takes
 * the slices apart again (Gather of the last one for pred_*, Split +
 * Squeeze for the auxiliary outputs). The stack costs copies and leaves
 * Unsqueeze/Concat/Gather/Split/Squeeze nodes in the graph for nothing. This
 * pass sinks a stack below every consumer that works slice by slice
 * (Transposes that keep the stacked axis in place, unary elementwise ops,
 * Linear, elementwise ops with a constant operand that does not reach the
 * stacked axis): the op is cloned per slice and a new stack is made of the
 * results. When the stack meets a Gather of a constant index, or a Split
 * into single slices followed by Squeezes, the slices are used directly.
 * What the stack still feeds afterwards keeps it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

#define MAX_SLICES 64

typedef struct {
    int32_t concat;  /* node index */
    int32_t axis;
    uint32_t n;
    int32_t slice[MAX_SLICES]; /* the values stacked (before Unsqueeze) */
} stack;

static bool unsqueeze_axis(const ir_graph *g, const ir_node *u, int32_t *axis)
{
    const int64_t *ax;
    int64_t tmp[IR_MAX_RANK];
    int64_t n;
    if (u->n_inputs > 1 && u->inputs[1] >= 0) {
        n = ir_tensor_ints(pass_const(g, u->inputs[1]), tmp, IR_MAX_RANK);
        ax = tmp;
    } else {
        n = (int64_t)ir_attr_ints(u, "axes", &ax);
    }
    int32_t rank = g->values[u->outputs[0]].shape.rank;
    return n == 1 && ir_axis_norm(ax[0], rank, axis);
}

/* Recognizes Concat(Unsqueeze(x_0), ..., Unsqueeze(x_n-1)) on one new axis,
 * and a lone Unsqueeze as a stack of one. */
static bool match_stack(ir_graph *g, int32_t ci, stack *s)
{
    const ir_node *c = &g->nodes[ci];
    if (c->op == IR_OP_UNSQUEEZE) {
        int32_t cons;
        if (ir_value_consumers(g, c->outputs[0], &cons, 1) == 1 && g->nodes[cons].op == IR_OP_CONCAT)
            return false; /* part of a bigger stack */
        s->concat = ci;
        s->n = 1;
        s->slice[0] = c->inputs[0];
        return unsqueeze_axis(g, c, &s->axis) && ir_shape_static(&g->values[c->inputs[0]].shape);
    }
    int32_t rank = g->values[c->outputs[0]].shape.rank;
    if (c->op != IR_OP_CONCAT || c->n_inputs > MAX_SLICES || rank < 1 ||
        !ir_axis_norm(ir_attr_int(c, "axis", 0), rank, &s->axis))
        return false;
    s->concat = ci;
    s->n = c->n_inputs;
    for (uint32_t k = 0; k < c->n_inputs; k++) {
        ir_node *u = pass_producer(g, c->inputs[k], IR_OP_UNSQUEEZE);
        int32_t ax;
        if (!u || !unsqueeze_axis(g, u, &ax) || ax != s->axis ||
            !ir_shape_static(&g->values[u->inputs[0]].shape))
            return false;
        s->slice[k] = u->inputs[0];
        if (!ir_shape_equal(&g->values[s->slice[k]].shape, &g->values[s->slice[0]].shape))
            return false;
    }
    return s->n > 0;
}

/* A new value named after `base`, typed like `like`. */
static int32_t new_value(ir_graph *g, int32_t base, uint32_t k, ir_dtype dt, const ir_shape *s)
{
    char name[512];
    snprintf(name, sizeof name, "%s.slice%u", g->values[base].name, k);
    return ir_graph_add_value(g, name, dt, s);
}

/* Appends a copy of node `ni` with input `pos` replaced by `in` and a new
 * output; returns the output value or -1. */
static int32_t clone_with(ir_graph *g, int32_t ni, uint32_t pos, int32_t in, uint32_t k, const ir_shape *os)
{
    ir_node copy = g->nodes[ni];
    int32_t out = new_value(g, copy.outputs[0], k, g->values[copy.outputs[0]].dtype, os);
    if (out < 0)
        return -1;
    int32_t ins[16];
    if (copy.n_inputs > 16)
        return -1;
    memcpy(ins, copy.inputs, copy.n_inputs * sizeof *ins);
    ins[pos] = in;
    char name[512];
    snprintf(name, sizeof name, "%s.slice%u", copy.name, k);
    int32_t n = ir_graph_add_node(g, copy.op, name, ins, copy.n_inputs, &out, 1);
    if (n < 0)
        return -1;
    g->nodes[n].op_type = copy.op_type;
    g->nodes[n].domain = copy.domain;
    g->nodes[n].attrs = copy.attrs;
    g->nodes[n].n_attrs = copy.n_attrs;
    return out;
}

/* The slice shape: the stacked shape without the stacked axis. */
static void drop_axis(const ir_shape *s, int32_t axis, ir_shape *out)
{
    *out = (ir_shape){.rank = s->rank - 1};
    for (int32_t i = 0, j = 0; i < s->rank; i++)
        if (i != axis) {
            out->dims[j] = s->dims[i];
            out->sym[j++] = s->sym[i];
        }
}

/* Uses `slice` where `old` was used; a graph output keeps its name. */
static bool adopt(ir_graph *g, int32_t old, int32_t slice)
{
    ir_value *s = &g->values[slice];
    if (!ir_shape_equal(&s->shape, &g->values[old].shape) || s->dtype != g->values[old].dtype ||
        (s->flags & (IR_VALUE_OUTPUT | IR_VALUE_INPUT | IR_VALUE_CONST)))
        return false;
    if (g->values[old].flags & IR_VALUE_OUTPUT)
        s->name = g->values[old].name;
    ir_graph_replace_uses(g, old, slice);
    return true;
}

/* Unsqueeze node ui (made with inputs {x, -1}) gets its axes in the form of
 * the graph's opset: an attribute before 13, a constant input from 13 on. */
static bool unsqueeze_set_axis(ir_graph *g, int32_t ui, int32_t axis)
{
    if (ir_node_opset(g, &g->nodes[ui]) >= 13) {
        ir_shape s = {.rank = 1, .dims = {1}};
        ir_tensor *t;
        char name[520];
        snprintf(name, sizeof name, "%s.axes", g->values[g->nodes[ui].outputs[0]].name);
        int32_t v = pass_new_const(g, name, IR_I64, &s, &t);
        if (v < 0)
            return false;
        ((int64_t *)t->data)[0] = axis;
        g->nodes[ui].inputs[1] = v;
        return true;
    }
    g->nodes[ui].n_inputs = 1;
    ir_attr *a = ir_node_add_attr(g, &g->nodes[ui], "axes", IR_ATTR_INTS);
    int64_t *ax = ir_arena_alloc(g->arena, sizeof *ax, 8);
    if (!a || !ax)
        return false;
    *ax = axis;
    a->ints = ax;
    a->n = 1;
    return true;
}

/* Stacks `vals` into value `out` (Unsqueeze each on `axis`, Concat). */
static bool restack(ir_graph *g, const int32_t *vals, uint32_t n, int32_t axis, int32_t out, const char *name)
{
    int32_t u[MAX_SLICES];
    for (uint32_t k = 0; k < n; k++) {
        ir_shape s = g->values[vals[k]].shape, us = {.rank = s.rank + 1};
        for (int32_t i = 0, j = 0; i < us.rank; i++)
            us.dims[i] = i == axis ? 1 : s.dims[j++];
        u[k] = new_value(g, vals[k], 1000 + k, g->values[vals[k]].dtype, &us);
        int32_t ins[2] = {vals[k], -1};
        int32_t ui = u[k] >= 0 ? ir_graph_add_node(g, IR_OP_UNSQUEEZE, name, ins, 2, &u[k], 1) : -1;
        if (ui < 0 || !unsqueeze_set_axis(g, ui, axis))
            return false;
    }
    int32_t ci = ir_graph_add_node(g, IR_OP_CONCAT, name, u, n, &out, 1);
    ir_attr *a = ci >= 0 ? ir_node_add_attr(g, &g->nodes[ci], "axis", IR_ATTR_INT) : NULL;
    if (a)
        a->i = axis;
    return a != NULL;
}

/* Can node n (consuming the stack value sv at input pos) run slice by slice? */
static bool per_slice(const ir_graph *g, const ir_node *n, int32_t sv, int32_t axis, uint32_t *pos)
{
    int32_t rank = g->values[sv].shape.rank;
    *pos = n->inputs[0] == sv ? 0 : 1;
    if (n->op == IR_OP_TRANSPOSE) {
        const int64_t *p;
        return ir_attr_ints(n, "perm", &p) == (size_t)rank && p[axis] == axis;
    }
    if (n->op == IR_OP_LINEAR)
        return *pos == 0 && axis < rank - 1;
    if (!(ir_op_table[n->op].flags & IR_OPF_ELTWISE) || n->n_outputs != 1 || n->op == IR_OP_WHERE)
        return false;
    if (n->n_inputs == 1)
        return true;
    const ir_tensor *other = n->n_inputs == 2 ? pass_const(g, n->inputs[1 - *pos]) : NULL;
    return other && other->shape.rank <= rank - 1 - axis &&
           ir_shape_equal(&g->values[n->outputs[0]].shape, &g->values[sv].shape);
}

/* Clones per-slice node ni for every slice and restacks its output. */
static bool sink(ir_graph *g, const stack *s, int32_t ni, uint32_t pos)
{
    int32_t outs[MAX_SLICES];
    ir_shape os;
    drop_axis(&g->values[g->nodes[ni].outputs[0]].shape, s->axis, &os);
    for (uint32_t k = 0; k < s->n; k++) {
        outs[k] = clone_with(g, ni, pos, s->slice[k], k, &os);
        if (outs[k] < 0)
            return false;
        ir_node *c = &g->nodes[g->values[outs[k]].producer];
        if (c->op == IR_OP_TRANSPOSE) { /* the perm without the stacked axis */
            const int64_t *p;
            size_t np = ir_attr_ints(c, "perm", &p);
            ir_attr *na = ir_arena_alloc(g->arena, sizeof *na, 8);
            int64_t *perm = ir_arena_alloc(g->arena, np * sizeof *perm, 8);
            if (!na || !perm)
                return false;
            size_t j = 0;
            for (size_t i = 0; i < np; i++)
                if ((int32_t)i != s->axis)
                    perm[j++] = p[i] > s->axis ? p[i] - 1 : p[i];
            *na = (ir_attr){.name = "perm", .type = IR_ATTR_INTS, .ints = perm, .n = np - 1};
            c->attrs = na;
            c->n_attrs = 1;
        }
    }
    int32_t out = g->nodes[ni].outputs[0];
    g->nodes[ni].dead = true;
    g->values[out].producer = -1;
    return restack(g, outs, s->n, s->axis, out, g->nodes[ni].name);
}

/* Gather(stack, constant scalar k, axis) -> slice k. */
static bool take_gather(ir_graph *g, const stack *s, ir_node *n)
{
    int32_t axis;
    int32_t rank = g->values[n->inputs[0]].shape.rank;
    const ir_tensor *idx = pass_const(g, n->inputs[1]);
    if (n->inputs[0] != g->nodes[s->concat].outputs[0] || !idx || idx->shape.rank != 0 ||
        !ir_axis_norm(ir_attr_int(n, "axis", 0), rank, &axis) || axis != s->axis)
        return false;
    int64_t k = ir_tensor_get_i64(idx, 0);
    k = k < 0 ? k + (int64_t)s->n : k;
    if (k < 0 || k >= (int64_t)s->n || !adopt(g, n->outputs[0], s->slice[k]))
        return false;
    n->dead = true;
    return true;
}

/* Split(stack, axis) into single slices whose users are all Squeeze(axis). */
static bool take_split(ir_graph *g, const stack *s, ir_node *n)
{
    int32_t axis, rank = g->values[n->inputs[0]].shape.rank;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 0), rank, &axis) || axis != s->axis || n->n_outputs != s->n)
        return false;
    bool all = true;
    for (uint32_t j = 0; j < n->n_outputs; j++) {
        int32_t cons[8];
        uint32_t nc = ir_value_consumers(g, n->outputs[j], cons, 8);
        bool ok = nc <= 8 && g->values[n->outputs[j]].shape.dims[axis] == 1 &&
                  !(g->values[n->outputs[j]].flags & IR_VALUE_OUTPUT);
        for (uint32_t c = 0; ok && c < nc; c++) {
            ir_node *q = &g->nodes[cons[c]];
            ok = q->op == IR_OP_SQUEEZE && g->values[q->outputs[0]].shape.rank == rank - 1 &&
                 adopt(g, q->outputs[0], s->slice[j]);
            if (ok)
                q->dead = true;
        }
        all &= ok;
    }
    return all;
}

/* Slice(stack) along the stacked axis with step 1: a smaller stack. */
static bool take_slice(ir_graph *g, const stack *s, ir_node *n)
{
    int32_t rank = g->values[n->inputs[0]].shape.rank, axis = -1;
    int64_t st[IR_MAX_RANK], en[IR_MAX_RANK], ax[IR_MAX_RANK], sp[IR_MAX_RANK];
    if (n->n_inputs < 3 || ir_tensor_ints(pass_const(g, n->inputs[1]), st, IR_MAX_RANK) != 1 ||
        ir_tensor_ints(pass_const(g, n->inputs[2]), en, IR_MAX_RANK) != 1)
        return false;
    if (n->n_inputs > 3 && n->inputs[3] >= 0 && ir_tensor_ints(pass_const(g, n->inputs[3]), ax, IR_MAX_RANK) != 1)
        return false;
    if (n->n_inputs > 4 && n->inputs[4] >= 0 &&
        (ir_tensor_ints(pass_const(g, n->inputs[4]), sp, IR_MAX_RANK) != 1 || sp[0] != 1))
        return false;
    if (!ir_axis_norm(n->n_inputs > 3 && n->inputs[3] >= 0 ? ax[0] : 0, rank, &axis) || axis != s->axis)
        return false;
    int64_t len = (int64_t)s->n, b = st[0] < 0 ? st[0] + len : st[0], e = en[0] < 0 ? en[0] + len : en[0];
    b = b < 0 ? 0 : b > len ? len : b;
    e = e < 0 ? 0 : e > len ? len : e;
    if (e <= b)
        return false;
    int32_t out = n->outputs[0];
    n->dead = true;
    g->values[out].producer = -1;
    return restack(g, s->slice + b, (uint32_t)(e - b), s->axis, out, n->name);
}

static bool rewrite_stack(ir_graph *g, const stack *s)
{
    int32_t sv = g->nodes[s->concat].outputs[0], cons[32];
    if (g->values[sv].flags & IR_VALUE_OUTPUT)
        return false;
    uint32_t nc = ir_value_consumers(g, sv, cons, 32);
    bool changed = false;
    for (uint32_t c = 0; c < nc && c < 32; c++) {
        ir_node *n = &g->nodes[cons[c]];
        uint32_t pos;
        if (n->op == IR_OP_GATHER)
            changed |= take_gather(g, s, n);
        else if (n->op == IR_OP_SPLIT)
            changed |= take_split(g, s, n);
        else if (n->op == IR_OP_SLICE)
            changed |= take_slice(g, s, n);
        else if (per_slice(g, n, sv, s->axis, &pos))
            changed |= sink(g, s, cons[c], pos);
    }
    return changed;
}

ir_status pass_unstack(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    for (int round = 0; round < 16; round++) {
        bool any = false;
        uint32_t n = g->n_nodes; /* nodes appended this round wait for the next */
        for (uint32_t i = 0; i < n; i++) {
            stack s;
            if (!g->nodes[i].dead && match_stack(g, (int32_t)i, &s))
                any |= rewrite_stack(g, &s);
        }
        if (!any)
            break;
        *changed = true;
        if (!ir_graph_compact(g))
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        ir_status st = ir_toposort(g, d);
        if (st)
            return st;
    }
    return IR_OK;
}
