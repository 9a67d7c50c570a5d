/* fold_batchnorm.c - folds per-channel affine ops after a convolution into
 * its weights and bias.
 *
 * Frozen BatchNorm (DETR's backbone) arrives as Conv -> Mul(scale) ->
 * Add(shift) with constant per-channel operands; exported BatchNorm arrives
 * as BatchNormalization. Either way y = conv(x, W) * s + t becomes
 * conv(x, W * s[oc]) + (b * s + t): the ops disappear at compile time. Sub
 * and Div by constants fold the same way. A chain is absorbed as long as the
 * conv's result has one consumer and the operand is a per-channel constant;
 * a candidate that looks like BN but cannot fold is reported with why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

typedef struct {
    double *scale, *shift; /* per output channel, accumulated */
    int64_t channels;
} affine;

/* If t is a per-channel constant for an NC... output of rank `rank` with C
 * channels, returns the stride over channels (0: one value for all), else -1. */
static int64_t channel_stride(const ir_tensor *t, int32_t rank, int64_t C)
{
    if (!t || t->shape.rank > rank || (t->dtype != IR_F32 && t->dtype != IR_F64))
        return -1;
    int64_t stride = 0;
    for (int32_t j = 0; j < t->shape.rank; j++) {
        int32_t axis = rank - t->shape.rank + j;
        int64_t dim = t->shape.dims[j];
        if (axis == 1 && dim == C && C != 1)
            stride = 1;
        else if (dim != 1)
            return -1;
    }
    return stride;
}

/* Applies one Mul/Add/Sub/Div node with constant operand to the affine map;
 * returns false (and a reason) if it does not fit. */
static bool absorb(const ir_graph *g, const ir_node *n, int32_t y, affine *a, int32_t rank,
                   const char **why)
{
    int32_t other = n->inputs[0] == y ? n->inputs[1] : n->inputs[0];
    bool y_first = n->inputs[0] == y;
    const ir_tensor *t = pass_const(g, other);
    int64_t st = channel_stride(t, rank, a->channels);
    if (!t) {
        *why = "its other operand is not a constant";
        return false;
    }
    if (st < 0) {
        *why = "its constant operand is not per-channel";
        return false;
    }
    if ((n->op == IR_OP_SUB || n->op == IR_OP_DIV) && !y_first) {
        *why = "the convolution is the right-hand operand of a Sub/Div";
        return false;
    }
    for (int64_t c = 0; c < a->channels; c++) {
        double v = ir_tensor_get_f64(t, c * st);
        switch (n->op) {
        case IR_OP_MUL: a->scale[c] *= v, a->shift[c] *= v; break;
        case IR_OP_DIV: a->scale[c] /= v, a->shift[c] /= v; break;
        case IR_OP_ADD: a->shift[c] += v; break;
        default: a->shift[c] -= v; break;
        }
    }
    return true;
}

static bool absorb_bn(const ir_graph *g, const ir_node *n, affine *a, const char **why)
{
    const ir_tensor *sc = pass_const(g, n->inputs[1]), *b = pass_const(g, n->inputs[2]);
    const ir_tensor *m = pass_const(g, n->inputs[3]), *v = pass_const(g, n->inputs[4]);
    if (!sc || !b || !m || !v) {
        *why = "its scale, bias, mean or variance is not constant";
        return false;
    }
    if (ir_tensor_numel(sc) != a->channels || ir_tensor_numel(b) != a->channels ||
        ir_tensor_numel(m) != a->channels || ir_tensor_numel(v) != a->channels) {
        *why = "its parameters do not have one value per channel";
        return false;
    }
    if (n->n_outputs > 1 && n->outputs[1] >= 0) {
        *why = "it is in training mode (running statistics are outputs)";
        return false;
    }
    double eps = ir_attr_float(n, "epsilon", 1e-5f);
    for (int64_t c = 0; c < a->channels; c++) {
        double s = ir_tensor_get_f64(sc, c) / sqrt(ir_tensor_get_f64(v, c) + eps);
        a->scale[c] *= s;
        a->shift[c] = (a->shift[c] - ir_tensor_get_f64(m, c)) * s + ir_tensor_get_f64(b, c);
    }
    return true;
}

static bool is_affine_op(ir_op op)
{
    return op == IR_OP_MUL || op == IR_OP_ADD || op == IR_OP_SUB || op == IR_OP_DIV ||
           op == IR_OP_BATCHNORM;
}

/* Writes the new weight and bias constants and rewires the conv. */
static ir_status rewrite_conv(ir_graph *g, int32_t ci, const affine *a, int32_t last_out, ir_diag *d)
{
    ir_node *conv = &g->nodes[ci];
    const ir_tensor *w = pass_const(g, conv->inputs[1]);
    const ir_tensor *b = conv->n_inputs > 2 ? pass_const(g, conv->inputs[2]) : NULL;
    char name[512];
    ir_tensor *nw, *nb;
    snprintf(name, sizeof name, "%s.folded_weight", g->values[conv->inputs[1]].name);
    int32_t wv = pass_new_const(g, name, IR_F32, &w->shape, &nw);
    ir_shape bs = {1, {a->channels}};
    snprintf(name, sizeof name, "%s.folded_bias", g->values[conv->inputs[1]].name);
    int32_t bv = pass_new_const(g, name, IR_F32, &bs, &nb);
    if (wv < 0 || bv < 0)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory folding BN into %s", pass_node_label(g, conv));
    conv = &g->nodes[ci];
    int64_t per = ir_tensor_numel(w) / a->channels;
    for (int64_t c = 0; c < a->channels; c++) {
        for (int64_t i = 0; i < per; i++)
            ((float *)nw->data)[c * per + i] = (float)(((const float *)w->data)[c * per + i] * a->scale[c]);
        double bias = b ? ir_tensor_get_f64(b, c) : 0.0;
        ((float *)nb->data)[c] = (float)(bias * a->scale[c] + a->shift[c]);
    }
    int32_t ins[3] = {conv->inputs[0], wv, bv};
    int32_t *arr = ir_arena_alloc(g->arena, sizeof ins, 4);
    if (!arr)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memcpy(arr, ins, sizeof ins);
    conv->inputs = arr;
    conv->n_inputs = 3;
    conv->outputs[0] = last_out;
    g->values[last_out].producer = ci;
    return IR_OK;
}

static bool conv_foldable(const ir_graph *g, const ir_node *conv, int64_t *channels)
{
    const ir_tensor *w = pass_const(g, conv->inputs[1]);
    const ir_value *y = &g->values[conv->outputs[0]];
    if (!w || w->dtype != IR_F32 || y->shape.rank < 3 || y->dtype != IR_F32)
        return false;
    if (conv->n_inputs > 2 && conv->inputs[2] >= 0 && !pass_const(g, conv->inputs[2]))
        return false;
    *channels = w->shape.dims[0];
    return *channels > 0;
}

static ir_status fold_one(ir_graph *g, int32_t ci, const uint32_t *uses, pass_report *r, ir_diag *d)
{
    int64_t C;
    if (!conv_foldable(g, &g->nodes[ci], &C))
        return IR_OK;
    affine a = {calloc((size_t)C, sizeof(double)), calloc((size_t)C, sizeof(double)), C};
    if (!a.scale || !a.shift) {
        free(a.scale);
        free(a.shift);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    for (int64_t c = 0; c < C; c++)
        a.scale[c] = 1.0;
    int32_t y = g->nodes[ci].outputs[0], rank = g->values[y].shape.rank, absorbed = 0;
    int32_t blocker = -1;
    const char *why = NULL;
    for (;;) {
        int32_t next = pass_single_consumer(g, uses, y);
        if (next < 0)
            break;
        ir_node *n = &g->nodes[next];
        if (!is_affine_op(n->op))
            break;
        bool ok = ir_shape_equal(&g->values[n->outputs[0]].shape, &g->values[y].shape);
        if (!ok)
            why = "it broadcasts the convolution's output to a larger shape";
        else
            ok = n->op == IR_OP_BATCHNORM ? absorb_bn(g, n, &a, &why) : absorb(g, n, y, &a, rank, &why);
        if (!ok) {
            blocker = next;
            break;
        }
        n->dead = true;
        y = n->outputs[0];
        absorbed++;
    }
    ir_status st = IR_OK;
    if (absorbed) {
        st = rewrite_conv(g, ci, &a, y, d);
        r->matched[FUSE_CONV_BN]++;
    }
    /* an Add of a computed tensor is a residual connection, not a BN */
    if (blocker >= 0 && why && strcmp(why, "its other operand is not a constant"))
        pass_decline(r, FUSE_CONV_BN, pass_node_label(g, &g->nodes[blocker]),
                     "%s after %s not folded into it: %s", g->nodes[blocker].op_type,
                     pass_node_label(g, &g->nodes[ci]), why);
    free(a.scale);
    free(a.shift);
    return st;
}

ir_status pass_fold_batchnorm(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    *changed = false;
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    ir_status st = IR_OK;
    uint32_t before = c->report->matched[FUSE_CONV_BN];
    for (uint32_t i = 0; i < g->n_nodes && !st; i++)
        if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_CONV)
            st = fold_one(g, (int32_t)i, uses, c->report, d);
    *changed = c->report->matched[FUSE_CONV_BN] != before;
    free(uses);
    return st;
}
