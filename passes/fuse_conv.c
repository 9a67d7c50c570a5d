/* fuse_conv.c - Conv + bias + residual Add + Relu into one FusedConv.
 *
 * After BN folding every ResNet convolution is Conv(x, W, b); a bottleneck
 * block ends with Add(conv, shortcut) -> Relu, and most convolutions are
 * followed by a Relu. The fused op applies the residual and the activation
 * while the output tile is still in registers, which saves one full pass
 * over the activation per op. The fused node takes the place of the last
 * op absorbed, so the residual is always computed before it. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "passes.h"

static ir_status make_fused(ir_graph *g, int32_t ci, int32_t at, int32_t residual, bool relu,
                            int32_t out, ir_diag *d)
{
    ir_node *conv = &g->nodes[ci], *dst = &g->nodes[at];
    int32_t ins[4] = {conv->inputs[0], conv->inputs[1], conv->n_inputs > 2 ? conv->inputs[2] : -1, residual};
    uint32_t n_in = residual >= 0 ? 4 : (ins[2] >= 0 ? 3 : 2);
    int32_t *arr = ir_arena_alloc(g->arena, sizeof ins, 4);
    if (!arr)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memcpy(arr, ins, sizeof ins);
    ir_node fused = *conv;
    fused.op = IR_OP_FUSED_CONV;
    fused.op_type = ir_op_table[IR_OP_FUSED_CONV].name;
    fused.domain = ir_op_table[IR_OP_FUSED_CONV].domain;
    fused.inputs = arr;
    fused.n_inputs = n_in;
    fused.outputs = dst->outputs;
    fused.outputs[0] = out;
    fused.n_outputs = 1;
    fused.dead = false;
    *dst = fused;
    if (relu) {
        ir_attr *a = ir_node_add_attr(g, dst, "activation", IR_ATTR_STRING);
        if (!a)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        a->s = "relu";
        a->s_len = 4;
    }
    g->values[out].producer = at;
    if (at != ci)
        g->nodes[ci].dead = true;
    return IR_OK;
}

static ir_status fuse_one(ir_graph *g, int32_t ci, const uint32_t *uses, pass_report *r, ir_diag *d)
{
    int32_t y = g->nodes[ci].outputs[0];
    int32_t at = ci, residual = -1, out = y;
    bool relu = false;
    int32_t next = pass_single_consumer(g, uses, y);
    if (next >= 0 && g->nodes[next].op == IR_OP_ADD) {
        ir_node *add = &g->nodes[next];
        int32_t other = add->inputs[0] == y ? add->inputs[1] : add->inputs[0];
        if (ir_shape_static(&g->values[other].shape) &&
            ir_shape_equal(&g->values[other].shape, &g->values[y].shape) && other != y &&
            g->values[other].dtype == IR_F32) {
            residual = other;
            at = next;
            out = add->outputs[0];
            next = pass_single_consumer(g, uses, out);
        } else {
            pass_decline(r, FUSE_CONV_ADD_RELU, pass_node_label(g, add),
                         "Add after %s not fused: its other operand does not have the convolution's shape",
                         pass_node_label(g, &g->nodes[ci]));
        }
    }
    if (next >= 0 && g->nodes[next].op == IR_OP_RELU) {
        relu = true;
        if (at != ci)
            g->nodes[at].dead = true;
        at = next;
        out = g->nodes[next].outputs[0];
    }
    if (at == ci)
        return IR_OK;
    r->matched[FUSE_CONV_ADD_RELU]++;
    return make_fused(g, ci, at, residual, relu, out, d);
}

ir_status pass_fuse_conv(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed)
{
    uint32_t *uses = ir_graph_use_counts(g);
    if (!uses)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    uint32_t before = c->report->matched[FUSE_CONV_ADD_RELU];
    ir_status st = IR_OK;
    for (uint32_t i = 0; i < g->n_nodes && !st; i++)
        if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_CONV && g->values[g->nodes[i].outputs[0]].dtype == IR_F32)
            st = fuse_one(g, (int32_t)i, uses, c->report, d);
    *changed = c->report->matched[FUSE_CONV_ADD_RELU] != before;
    free(uses);
    return st;
}
