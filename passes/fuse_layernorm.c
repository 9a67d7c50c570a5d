/* fuse_layernorm.c - LayerNorm from its primitive chain or from
 * LayerNormalization, into one internal LayerNorm, with the residual Add
 * before it when there is one.
 *
 * At opset <= 16 PyTorch exports LayerNorm as
 *   m = ReduceMean(x, trailing axes)   d = Sub(x, m)   p = Pow(d, 2)
 *   v = ReduceMean(p, same axes)       s = Sqrt(Add(v, eps))
 *   y = Add(Mul(Div(d, s), gamma), beta)
 * The match starts at the first ReduceMean and follows single consumers;
 * every step that does not fit records a reason (a Pow exponent other than 2,
 * axes that are not the trailing dims, a non-constant gamma, an intermediate
 * used outside the chain, ...). If x = Add(a, b) is used only by the chain,
 * the Add is absorbed as LayerNorm's residual input; if the sum is also used
 * elsewhere (pre-norm transformers), the fused op outputs it as well. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

typedef struct {
    ir_graph *g;
    const uint32_t *uses;
    pass_report *r;
    const char *anchor;
} ln_ctx;

/* Normalized trailing axes of a reduce node: returns the first axis or -1. */
static int32_t trailing_axis(const ir_graph *g, const ir_node *n)
{
    int32_t rank = g->values[n->inputs[0]].shape.rank;
    int64_t axes[IR_MAX_RANK];
    int64_t na;
    const int64_t *attr;
    size_t nattr = ir_attr_ints(n, "axes", &attr);
    if (n->n_inputs > 1 && n->inputs[1] >= 0) {
        na = ir_tensor_ints(pass_const(g, n->inputs[1]), axes, IR_MAX_RANK);
    } else {
        na = (int64_t)nattr;
        for (int64_t i = 0; i < na && i < IR_MAX_RANK; i++)
            axes[i] = attr[i];
    }
    if (rank < 1 || na < 1 || na > rank || ir_attr_int(n, "keepdims", 1) != 1)
        return -1;
    bool seen[IR_MAX_RANK] = {false};
    for (int64_t i = 0; i < na; i++) {
        int32_t a;
        if (!ir_axis_norm(axes[i], rank, &a) || seen[a])
            return -1;
        seen[a] = true;
    }
    for (int32_t a = rank - (int32_t)na; a < rank; a++)
        if (!seen[a])
            return -1;
    return rank - (int32_t)na;
}

/* The single consumer of v with op `op` taking v as input `pos` (-1: any). */
static ir_node *next_op(ln_ctx *c, int32_t v, ir_op op, const char *step)
{
    int32_t i = pass_single_consumer(c->g, c->uses, v);
    if (i < 0 || c->g->nodes[i].op != op) {
        pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "expected %s to feed only a %s, %s", step,
                     ir_op_name(op), i < 0 ? "but it has several or no consumers" : "but found a different op");
        return NULL;
    }
    return &c->g->nodes[i];
}

static int32_t other_input(const ir_node *n, int32_t v) { return n->inputs[0] == v ? n->inputs[1] : n->inputs[0]; }

#define LN_MAX_BRANCH 8

typedef struct {
    int32_t gamma, beta, out;
    ir_node *mul, *add;
} ln_branch;

typedef struct {
    int32_t x, gamma, beta, out, axis;
    double eps;
    ir_node *chain[8]; /* absorbed nodes, in order */
    int n_chain;
    ir_node *last;     /* the node the fused op replaces */
    ln_branch branch[LN_MAX_BRANCH];
    int n_branch;      /* 1 + LayerNorms sharing these statistics */
} ln_match;

/* The normalized value's consumers: Mul(gamma) -> Add(beta) each. Several
 * happen when CSE merged the statistics of two LayerNorms of one tensor
 * (pre-norm DETR normalizes each decoder output twice): every branch
 * becomes a LayerNorm of its own. */
static bool match_affine(ln_ctx *c, ir_node *dv2, ln_match *lm)
{
    ir_graph *g = c->g;
    int32_t cons[LN_MAX_BRANCH];
    uint32_t nc = ir_value_consumers(g, dv2->outputs[0], cons, LN_MAX_BRANCH);
    if (nc == 0 || nc > LN_MAX_BRANCH || c->uses[dv2->outputs[0]] != nc ||
        (g->values[dv2->outputs[0]].flags & IR_VALUE_OUTPUT))
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the normalized value is used by something other than gamma Muls"),
               false;
    lm->n_branch = 0;
    for (uint32_t k = 0; k < nc; k++) {
        ir_node *mul = &g->nodes[cons[k]];
        if (mul->op != IR_OP_MUL)
            return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the normalized value feeds a %s, expected a Mul by gamma",
                                mul->op_type), false;
        ir_node *badd = next_op(c, mul->outputs[0], IR_OP_ADD, "the scaled value");
        if (!badd)
            return false;
        ln_branch *b = &lm->branch[lm->n_branch++];
        *b = (ln_branch){other_input(mul, dv2->outputs[0]), other_input(badd, mul->outputs[0]), badd->outputs[0], mul,
                         badd};
        if (!pass_const(g, b->gamma) || !pass_const(g, b->beta))
            return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "gamma or beta is not a constant"), false;
    }
    lm->gamma = lm->branch[0].gamma;
    lm->beta = lm->branch[0].beta;
    lm->out = lm->branch[0].out;
    lm->last = lm->branch[0].add;
    return true;
}

/* Matches the primitive chain starting at ReduceMean node m. */
static bool match_chain(ln_ctx *c, ir_node *m, ln_match *lm)
{
    ir_graph *g = c->g;
    lm->x = m->inputs[0];
    lm->axis = trailing_axis(g, m);
    if (lm->axis < 0)
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "ReduceMean axes are not the trailing dims"), false;
    int32_t cons[3];
    if (ir_value_consumers(g, m->outputs[0], cons, 3) != 1 || g->nodes[cons[0]].op != IR_OP_SUB ||
        g->nodes[cons[0]].inputs[0] != lm->x || g->nodes[cons[0]].inputs[1] != m->outputs[0])
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the mean is not subtracted from the input"), false;
    ir_node *sub = &g->nodes[cons[0]];
    int32_t dv = sub->outputs[0];
    if (ir_value_consumers(g, dv, cons, 3) != 2 || c->uses[dv] != 2)
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "x - mean must feed exactly a Pow and a Div"), false;
    ir_node *pw = &g->nodes[cons[0]], *dv2 = &g->nodes[cons[1]];
    if (pw->op == IR_OP_DIV) {
        ir_node *t = pw;
        pw = dv2;
        dv2 = t;
    }
    double e;
    if (pw->op != IR_OP_POW || dv2->op != IR_OP_DIV || dv2->inputs[0] != dv)
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "x - mean must feed exactly a Pow and a Div"), false;
    if (!pass_const_scalar(g, pw->inputs[1], &e) || e != 2.0)
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the variance uses Pow with an exponent other than 2"), false;
    ir_node *m2 = next_op(c, pw->outputs[0], IR_OP_REDUCEMEAN, "(x - mean)^2");
    if (!m2)
        return false;
    if (trailing_axis(g, m2) != lm->axis)
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the two ReduceMeans use different axes"), false;
    ir_node *add = next_op(c, m2->outputs[0], IR_OP_ADD, "the variance");
    if (!add)
        return false;
    if (!pass_const_scalar(g, other_input(add, m2->outputs[0]), &lm->eps))
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "epsilon is not a scalar constant"), false;
    ir_node *sq = next_op(c, add->outputs[0], IR_OP_SQRT, "variance + epsilon");
    if (!sq)
        return false;
    if (pass_single_consumer(g, c->uses, sq->outputs[0]) != (int32_t)(dv2 - g->nodes) || dv2->inputs[1] != sq->outputs[0])
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "the standard deviation does not divide x - mean"), false;
    return match_affine(c, dv2, lm) && (memcpy(lm->chain, (ir_node *[]){m, sub, pw, m2, add, sq, dv2}, 7 * sizeof(ir_node *)),
                                        lm->n_chain = 7, true);
}

/* The residual Add producing x, if it can be absorbed: both operands
 * non-constant with x's shape, and every consumer of x outside the chain
 * placed after the fused node (which takes the last node's position). */
static ir_node *residual_add(ln_ctx *c, const ln_match *lm, bool *keep_sum)
{
    ir_graph *g = c->g;
    ir_node *ra = pass_producer(g, lm->x, IR_OP_ADD);
    if (!ra || pass_const(g, ra->inputs[0]) || pass_const(g, ra->inputs[1]))
        return NULL;
    for (int k = 0; k < 2; k++)
        if (!ir_shape_equal(&g->values[ra->inputs[k]].shape, &g->values[lm->x].shape))
            return NULL;
    int32_t cons[64];
    uint32_t nc = ir_value_consumers(g, lm->x, cons, 64), chain_uses = 0;
    if (nc > 64)
        return NULL;
    int32_t last = (int32_t)(lm->last - g->nodes);
    for (uint32_t i = 0; i < nc; i++) {
        bool in_chain = false;
        for (int j = 0; j < lm->n_chain; j++)
            in_chain |= cons[i] == (int32_t)(lm->chain[j] - g->nodes);
        chain_uses += in_chain;
        if (!in_chain && cons[i] < last)
            return NULL;
    }
    *keep_sum = c->uses[lm->x] > chain_uses;
    return ra;
}

static ir_status rewrite(ln_ctx *c, ln_match *lm, ir_diag *d)
{
    ir_graph *g = c->g;
    bool keep_sum = false;
    /* branch 0's Mul is absorbed like the chain; later branches become
     * LayerNorms of x of their own (no residual: x stays) */
    if (lm->n_branch)
        lm->chain[lm->n_chain++] = lm->branch[0].mul;
    ir_node *ra = lm->n_branch > 1 ? NULL : residual_add(c, lm, &keep_sum);
    int32_t *ins = ir_arena_alloc(g->arena, 4 * sizeof(int32_t), 4);
    int32_t *outs = ir_arena_alloc(g->arena, 2 * sizeof(int32_t), 4);
    if (!ins || !outs)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    ins[0] = ra ? ra->inputs[0] : lm->x;
    ins[1] = lm->gamma;
    ins[2] = lm->beta;
    ins[3] = ra ? ra->inputs[1] : -1;
    outs[0] = lm->out;
    outs[1] = lm->x;
    for (int j = 0; j < lm->n_chain; j++)
        lm->chain[j]->dead = true;
    ir_node *n = lm->last;
    int32_t slot = (int32_t)(n - g->nodes);
    n->op = IR_OP_LAYERNORM_FUSED;
    n->op_type = ir_op_table[n->op].name;
    n->domain = ir_op_table[n->op].domain;
    n->inputs = ins;
    n->n_inputs = ra ? 4 : 3;
    n->outputs = outs;
    n->n_outputs = ra && keep_sum ? 2 : 1;
    n->attrs = NULL;
    n->n_attrs = 0;
    if (ra) {
        ra->dead = true;
        if (keep_sum)
            g->values[lm->x].producer = slot;
    }
    ir_attr *at = ir_node_add_attr(g, n, "axis", IR_ATTR_INT);
    if (at)
        at->i = lm->axis;
    if (at && (at = ir_node_add_attr(g, n, "epsilon", IR_ATTR_FLOAT))) /* moves earlier attributes */
        at->f = (float)lm->eps;
    if (!at)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    c->r->matched[FUSE_LAYERNORM]++;
    for (int k = 1; k < lm->n_branch; k++) {
        ln_match one = *lm;
        one.n_chain = 1;
        one.chain[0] = lm->branch[k].mul;
        one.n_branch = 0;
        one.gamma = lm->branch[k].gamma;
        one.beta = lm->branch[k].beta;
        one.out = lm->branch[k].out;
        one.last = lm->branch[k].add;
        ir_status st = rewrite(c, &one, d);
        if (st)
            return st;
    }
    return IR_OK;
}

/* LayerNormalization (opset 17) -> the internal op, same semantics. */
static bool match_onnx_ln(ln_ctx *c, ir_node *n, ln_match *lm, ir_diag *d, ir_status *st)
{
    ir_graph *g = c->g;
    *st = IR_OK;
    for (uint32_t k = 1; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0 && c->uses[n->outputs[k]])
            return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "its Mean/InvStdDev outputs are used"), false;
    int32_t rank = g->values[n->inputs[0]].shape.rank;
    if (rank < 1 || !ir_axis_norm(ir_attr_int(n, "axis", -1), rank, &lm->axis))
        return pass_decline(c->r, FUSE_LAYERNORM, c->anchor, "its axis is out of range"), false;
    lm->x = n->inputs[0];
    lm->gamma = n->inputs[1];
    lm->beta = n->n_inputs > 2 ? n->inputs[2] : -1;
    lm->eps = ir_attr_float(n, "epsilon", 1e-5f);
    lm->out = n->outputs[0];
    lm->n_chain = 0;
    lm->last = n;
    if (lm->beta < 0) {
        ir_tensor *t;
        char name[300];
        snprintf(name, sizeof name, "%s.zero_bias", g->values[lm->gamma].name);
        lm->beta = pass_new_const(g, name, IR_F32, &g->values[lm->gamma].shape, &t);
        if (lm->beta < 0)
            *st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        lm->last = &g->nodes[n - g->nodes];
    }
    return *st == IR_OK;
}

ir_status pass_fuse_layernorm(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    ln_ctx lc = {g, uses, c->report, NULL};
    uint32_t before = c->report->matched[FUSE_LAYERNORM];
    ir_status st = IR_OK;
    for (uint32_t i = 0; i < g->n_nodes && !st; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || (n->op != IR_OP_REDUCEMEAN && n->op != IR_OP_LAYERNORM))
            continue;
        if (g->values[n->inputs[0]].dtype != IR_F32)
            continue;
        if (n->op == IR_OP_REDUCEMEAN) { /* a chain starts at the mean of x */
            int32_t cons;
            if (ir_value_consumers(g, n->outputs[0], &cons, 1) < 1 || g->nodes[cons].op != IR_OP_SUB)
                continue;
        }
        lc.anchor = pass_node_label(g, n);
        ln_match lm = {0};
        bool ok = n->op == IR_OP_LAYERNORM ? match_onnx_ln(&lc, n, &lm, d, &st) : match_chain(&lc, n, &lm);
        if (ok && !st)
            st = rewrite(&lc, &lm, d);
    }
    *changed = c->report->matched[FUSE_LAYERNORM] != before;
    free(uses);
    return st;
}
