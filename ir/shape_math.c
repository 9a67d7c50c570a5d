/* shape_math.c - shape and type inference for the math ops: elementwise
 * arithmetic, comparisons, unary functions, Cast, Dropout, reductions,
 * ArgMax, TopK, the normalizations, MatMul and Gemm. (Conv and pooling live
 * with their kernels in ref_conv.c, because both sides need the same window
 * geometry.)
 *
 * These hooks are the first line of defence against a hostile model: every
 * operand rank, axis, attribute and dtype combination the kernels rely on is
 * checked here, and each failure names the node, the op and what was
 * expected. Where an output shape depends on an input's value (ReduceMean
 * axes as an input, TopK's k) the value is used when known; otherwise the
 * hook gives what it can (the rank) with unknown dims. */
#include <stdio.h>
#include <string.h>

#include "kernels.h"

/* ---- helpers ------------------------------------------------------------ */

enum { K_FLOAT = 1, K_SINT = 2, K_UINT = 4, K_BOOL = 8, K_NUM = K_FLOAT | K_SINT | K_UINT };

static uint32_t kind_of(ir_dtype t)
{
    switch (t) {
    case IR_F32:
    case IR_F64:
    case IR_F16:
    case IR_BF16: return K_FLOAT;
    case IR_I8:
    case IR_I16:
    case IR_I32:
    case IR_I64: return K_SINT;
    case IR_U8:
    case IR_U16:
    case IR_U32:
    case IR_U64: return K_UINT;
    case IR_BOOL: return K_BOOL;
    default: return 0;
    }
}

static const char *kind_text(uint32_t mask)
{
    switch (mask) {
    case K_FLOAT: return "a floating-point type";
    case K_BOOL: return "bool";
    case K_NUM: return "a numeric type";
    case K_FLOAT | K_SINT: return "a floating-point or signed integer type";
    case K_NUM | K_BOOL: return "a numeric or bool type";
    default: return "another type";
    }
}

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define bad(d, st, n, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static bool present(const ir_node *n, const ir_operand *in, uint32_t i)
{
    return i < n->n_inputs && n->inputs[i] >= 0 && in[i].dtype != IR_UNDEF;
}

static ir_status need(const ir_node *n, const ir_operand *in, uint32_t i, ir_diag *d)
{
    if (!present(n, in, i))
        return bad(d, IR_ERR_MODEL, n, "input %u is missing", i);
    return IR_OK;
}

static ir_status need_kind(const ir_node *n, const ir_operand *in, uint32_t i, uint32_t mask,
                           ir_diag *d)
{
    ir_status st = need(n, in, i, d);
    if (st)
        return st;
    if (in[i].dtype == IR_STRING)
        return bad(d, IR_ERR_UNSUPPORTED, n, "input %u has dtype string, which is not supported",
                   i);
    if (!(kind_of(in[i].dtype) & mask))
        return bad(d, IR_ERR_MODEL, n, "input %u has dtype %s, expected %s", i,
                   ir_dtype_name(in[i].dtype), kind_text(mask));
    return IR_OK;
}

static ir_status same_dtype(const ir_node *n, const ir_operand *in, uint32_t i, uint32_t j,
                            ir_diag *d)
{
    if (in[i].dtype != in[j].dtype)
        return bad(d, IR_ERR_MODEL, n, "input %u has dtype %s, expected %s (the dtype of input %u)",
                   j, ir_dtype_name(in[j].dtype), ir_dtype_name(in[i].dtype), i);
    return IR_OK;
}

static void set_out(const ir_node *n, ir_operand *out, uint32_t k, ir_dtype t, const ir_shape *s)
{
    if (k >= n->n_outputs)
        return;
    memset(&out[k], 0, sizeof out[k]);
    out[k].dtype = t;
    if (s)
        out[k].shape = *s;
    else
        out[k].shape.rank = -1;
}

/* Is operand shape `s` a single element (rank 0, or all dims 1)? Unknown
 * shapes pass: the kernel checks again on concrete data. */
static bool maybe_scalar(const ir_shape *s)
{
    for (int32_t i = 0; i < s->rank; i++)
        if (s->dims[i] != 1 && s->dims[i] >= 0)
            return false;
    return true;
}

/* Unidirectional broadcasting of s into target (Gemm's C, LayerNorm's
 * Scale): s right-aligned, each dim 1 or equal to the target's. */
static ir_status check_unidir(const ir_node *n, uint32_t i, const ir_shape *s,
                              const ir_shape *target, ir_diag *d)
{
    if (s->rank < 0 || target->rank < 0)
        return IR_OK;
    char a[256], b[256];
    ir_shape_format(s, a, sizeof a);
    ir_shape_format(target, b, sizeof b);
    if (s->rank > target->rank)
        return bad(d, IR_ERR_MODEL, n, "input %u has shape %s, which cannot broadcast to %s", i, a,
                   b);
    for (int32_t k = 0; k < s->rank; k++) {
        int64_t v = s->dims[k], t = target->dims[k + target->rank - s->rank];
        if (v >= 0 && t >= 0 && v != 1 && v != t)
            return bad(d, IR_ERR_MODEL, n, "input %u has shape %s, which cannot broadcast to %s", i,
                       a, b);
    }
    return IR_OK;
}

/* ---- elementwise -------------------------------------------------------- */

/* Add Sub Mul Div Pow Max Min: numeric operands of one dtype (Pow from
 * opset 12 takes any numeric exponent), numpy broadcasting. */
ir_status ir_shape_broadcast(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    if (n->n_inputs < 1 || (n->op != IR_OP_MAX && n->op != IR_OP_MIN && n->n_inputs != 2))
        return bad(d, IR_ERR_MODEL, n, "has %u inputs, expected %s", n->n_inputs,
                   n->op == IR_OP_MAX || n->op == IR_OP_MIN ? "at least 1" : "2");
    bool mixed_pow = n->op == IR_OP_POW && ir_node_opset(g, n) >= 12;
    ir_status st = need_kind(n, in, 0, K_NUM, d);
    ir_shape s = in[0].shape;
    for (uint32_t i = 1; !st && i < n->n_inputs; i++) {
        st = need_kind(n, in, i, K_NUM, d);
        if (!st && !mixed_pow)
            st = same_dtype(n, in, 0, i, d);
        const ir_shape *pair[2] = {&s, &in[i].shape};
        ir_shape r;
        if (!st && !(st = ir_broadcast_shapes(n, pair, 2, &r, d)))
            s = r;
    }
    if (st)
        return st;
    set_out(n, out, 0, in[0].dtype, &s);
    return IR_OK;
}

/* Equal Less Greater (same dtype) and And Or (bool): bool result. */
ir_status ir_shape_compare(const ir_graph *g, const ir_node *n, const ir_operand *in,
                           ir_operand *out, ir_diag *d)
{
    if (n->n_inputs != 2)
        return bad(d, IR_ERR_MODEL, n, "has %u inputs, expected 2", n->n_inputs);
    uint32_t mask = K_NUM;
    if (n->op == IR_OP_AND || n->op == IR_OP_OR)
        mask = K_BOOL;
    else if (n->op == IR_OP_EQUAL)
        mask = K_NUM | K_BOOL;
    ir_status st = need_kind(n, in, 0, mask, d);
    if (!st)
        st = need_kind(n, in, 1, mask, d);
    if (!st)
        st = same_dtype(n, in, 0, 1, d);
    const ir_shape *s[2] = {&in[0].shape, &in[1].shape};
    ir_shape r;
    if (!st)
        st = ir_broadcast_shapes(n, s, 2, &r, d);
    if (st)
        return st;
    set_out(n, out, 0, IR_BOOL, &r);
    return IR_OK;
}

ir_status ir_shape_where(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                         ir_diag *d)
{
    if (n->n_inputs != 3)
        return bad(d, IR_ERR_MODEL, n, "has %u inputs, expected 3", n->n_inputs);
    ir_status st = need_kind(n, in, 0, K_BOOL, d);
    if (!st)
        st = need_kind(n, in, 1, K_NUM | K_BOOL, d);
    if (!st)
        st = need_kind(n, in, 2, K_NUM | K_BOOL, d);
    if (!st)
        st = same_dtype(n, in, 1, 2, d);
    const ir_shape *s[3] = {&in[0].shape, &in[1].shape, &in[2].shape};
    ir_shape r;
    if (!st)
        st = ir_broadcast_shapes(n, s, 3, &r, d);
    if (st)
        return st;
    set_out(n, out, 0, in[1].dtype, &r);
    return IR_OK;
}

static uint32_t unary_kinds(const ir_graph *g, const ir_node *n)
{
    int64_t opset = ir_node_opset(g, n);
    switch (n->op) {
    case IR_OP_NOT: return K_BOOL;
    case IR_OP_ERF:
    case IR_OP_ABS:
    case IR_OP_CUMSUM: return K_NUM;
    case IR_OP_NEG: return K_FLOAT | K_SINT;
    case IR_OP_RELU: return opset >= 14 ? K_FLOAT | K_SINT : K_FLOAT;
    case IR_OP_CLIP: return opset >= 12 ? K_NUM : K_FLOAT;
    case IR_OP_IDENTITY: return K_NUM | K_BOOL;
    default: return K_FLOAT;
    }
}

static ir_status check_axis(const ir_node *n, int64_t axis, int32_t rank, int32_t *out, ir_diag *d)
{
    if (!ir_axis_norm(axis, rank, out))
        return bad(d, IR_ERR_MODEL, n, "axis %lld is out of range for an input of rank %d",
                   (long long)axis, (int)rank);
    return IR_OK;
}

static ir_status check_softmax(const ir_graph *g, const ir_node *n, const ir_operand *in,
                               ir_diag *d)
{
    int64_t axis = ir_attr_int(n, "axis", ir_node_opset(g, n) >= 13 ? -1 : 1);
    int32_t a;
    if (in[0].shape.rank < 0)
        return IR_OK;
    return check_axis(n, axis, in[0].shape.rank, &a, d);
}

static ir_status check_cumsum(const ir_node *n, const ir_operand *in, ir_diag *d)
{
    ir_status st = need(n, in, 1, d);
    if (st)
        return st;
    if (in[1].dtype != IR_I32 && in[1].dtype != IR_I64)
        return bad(d, IR_ERR_MODEL, n, "input 1 (axis) has dtype %s, expected int32 or int64",
                   ir_dtype_name(in[1].dtype));
    if (in[1].shape.rank > 1 || !maybe_scalar(&in[1].shape))
        return bad(d, IR_ERR_MODEL, n, "input 1 (axis) must be a scalar");
    int64_t axis;
    int32_t a;
    if (in[1].value && in[0].shape.rank >= 0 && ir_tensor_ints(in[1].value, &axis, 1) == 1)
        return check_axis(n, axis, in[0].shape.rank, &a, d);
    return IR_OK;
}

static ir_status check_clip(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_diag *d)
{
    if (ir_node_opset(g, n) < 11)
        return IR_OK; /* min and max are float attributes */
    for (uint32_t i = 1; i < 3; i++) {
        if (!present(n, in, i))
            continue;
        ir_status st = same_dtype(n, in, 0, i, d);
        if (st)
            return st;
        if (!maybe_scalar(&in[i].shape))
            return bad(d, IR_ERR_MODEL, n, "input %u (%s) must be a scalar", i,
                       i == 1 ? "min" : "max");
    }
    return IR_OK;
}

/* Unary functions, Identity, Clip, Softmax and CumSum: same dtype and shape
 * as input 0. */
ir_status ir_shape_unary(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                         ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, unary_kinds(g, n), d);
    if (st)
        return st;
    if (n->op == IR_OP_SOFTMAX)
        st = check_softmax(g, n, in, d);
    else if (n->op == IR_OP_CUMSUM)
        st = check_cumsum(n, in, d);
    else if (n->op == IR_OP_CLIP)
        st = check_clip(g, n, in, d);
    if (st)
        return st;
    set_out(n, out, 0, in[0].dtype, &in[0].shape);
    return IR_OK;
}

ir_status ir_shape_cast(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                        ir_diag *d)
{
    const ir_attr *to = ir_node_attr(n, "to");
    if (!to || to->type != IR_ATTR_INT)
        return bad(d, IR_ERR_MODEL, n, "attribute 'to' (an integer dtype code) is required");
    if (to->i == IR_STRING)
        return bad(d, IR_ERR_UNSUPPORTED, n, "casting to string is not supported");
    if (to->i <= 0 || to->i > 64 || !ir_dtype_supported((ir_dtype)to->i))
        return bad(d, IR_ERR_UNSUPPORTED, n, "attribute 'to' is %lld, not a dtype onnxc supports",
                   (long long)to->i);
    ir_status st = need_kind(n, in, 0, K_NUM | K_BOOL, d);
    if (st)
        return st;
    set_out(n, out, 0, (ir_dtype)to->i, &in[0].shape);
    return IR_OK;
}

/* Dropout in inference: the output is the input; the mask (opset >= 10
 * bool, before that the input's dtype) is all true. */
ir_status ir_shape_dropout(const ir_graph *g, const ir_node *n, const ir_operand *in,
                           ir_operand *out, ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, K_FLOAT, d);
    if (st)
        return st;
    if (present(n, in, 1)) {
        if (!(kind_of(in[1].dtype) & K_FLOAT) || !maybe_scalar(&in[1].shape))
            return bad(d, IR_ERR_MODEL, n, "input 1 (ratio) must be a floating-point scalar");
        if (in[1].value && ir_tensor_numel(in[1].value) == 1) {
            double r = ir_tensor_get_f64(in[1].value, 0);
            if (!(r >= 0 && r < 1))
                return bad(d, IR_ERR_MODEL, n, "ratio %g is outside [0, 1)", r);
        }
    }
    if (present(n, in, 2) && (in[2].dtype != IR_BOOL || !maybe_scalar(&in[2].shape)))
        return bad(d, IR_ERR_MODEL, n, "input 2 (training_mode) must be a bool scalar");
    float ratio = ir_attr_float(n, "ratio", 0.5f);
    if (!(ratio >= 0 && ratio < 1))
        return bad(d, IR_ERR_MODEL, n, "attribute ratio %g is outside [0, 1)", (double)ratio);
    set_out(n, out, 0, in[0].dtype, &in[0].shape);
    set_out(n, out, 1, ir_node_opset(g, n) >= 10 ? IR_BOOL : in[0].dtype, &in[0].shape);
    return IR_OK;
}

/* ---- reductions --------------------------------------------------------- */

/* Reads the axes of a ReduceMean/ReduceMax: attribute up to opset 17, input
 * 1 from 18. Returns the count, or -1 when the axes are an input whose
 * value is not known. */
static ir_status reduce_axes(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             int64_t *axes, int64_t *count, ir_diag *d)
{
    if (ir_node_opset(g, n) < 18) {
        const int64_t *a;
        size_t k = ir_attr_ints(n, "axes", &a);
        if (k > 64)
            return bad(d, IR_ERR_MODEL, n, "attribute axes has %zu entries", k);
        if (k)
            memcpy(axes, a, k * sizeof *a);
        *count = (int64_t)k;
        return IR_OK;
    }
    *count = 0;
    if (!present(n, in, 1))
        return IR_OK;
    if (in[1].dtype != IR_I64 || in[1].shape.rank > 1)
        return bad(d, IR_ERR_MODEL, n, "input 1 (axes) must be a 1-D int64 tensor");
    if (!in[1].value) {
        *count = in[1].shape.rank == 1 && in[1].shape.dims[0] == 0 ? 0 : -1;
        return IR_OK;
    }
    *count = ir_tensor_ints(in[1].value, axes, 64);
    if (*count < 0)
        return bad(d, IR_ERR_MODEL, n, "input 1 (axes) has more than 64 entries");
    return IR_OK;
}

ir_status ir_shape_reduce(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    uint32_t kinds = n->op == IR_OP_REDUCEMAX ? K_NUM | K_BOOL : K_NUM;
    ir_status st = need_kind(n, in, 0, kinds, d);
    int64_t axes[64], count = 0;
    if (!st)
        st = reduce_axes(g, n, in, axes, &count, d);
    if (st)
        return st;
    bool keep = ir_attr_int(n, "keepdims", 1) != 0;
    bool noop = ir_attr_int(n, "noop_with_empty_axes", 0) != 0;
    const ir_shape *x = &in[0].shape;
    ir_shape s = {.rank = -1};
    if (count < 0 || x->rank < 0) {
        if (keep && x->rank >= 0) { /* same rank, reduced dims unknown */
            s.rank = x->rank;
            for (int32_t i = 0; i < s.rank; i++)
                s.dims[i] = x->dims[i] == 1 ? 1 : -1;
        }
        set_out(n, out, 0, in[0].dtype, &s);
        return IR_OK;
    }
    bool reduced[IR_MAX_RANK] = {false};
    for (int64_t i = 0; i < count; i++) {
        int32_t a;
        if ((st = check_axis(n, axes[i], x->rank, &a, d)))
            return st;
        reduced[a] = true;
    }
    s.rank = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        bool r = count == 0 ? !noop : reduced[i];
        if (!r || keep) {
            s.dims[s.rank] = r ? 1 : x->dims[i];
            s.sym[s.rank++] = r ? NULL : x->sym[i];
        }
    }
    set_out(n, out, 0, in[0].dtype, &s);
    return IR_OK;
}

/* Shape of a single-axis reduction (ArgMax): the axis becomes 1 or goes. */
static ir_shape drop_axis(const ir_shape *x, int32_t axis, bool keep, int64_t keep_dim)
{
    ir_shape s = {.rank = 0};
    for (int32_t i = 0; i < x->rank; i++) {
        if (i == axis && !keep)
            continue;
        s.dims[s.rank] = i == axis ? keep_dim : x->dims[i];
        s.sym[s.rank++] = i == axis ? NULL : x->sym[i];
    }
    return s;
}

ir_status ir_shape_argmax(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, K_NUM, d);
    if (st)
        return st;
    int64_t axis = ir_attr_int(n, "axis", 0);
    bool keep = ir_attr_int(n, "keepdims", 1) != 0;
    const ir_shape *x = &in[0].shape;
    ir_shape s = {.rank = -1};
    if (x->rank >= 0) {
        int32_t a;
        if ((st = check_axis(n, axis, x->rank, &a, d)))
            return st;
        if (x->dims[a] == 0)
            return bad(d, IR_ERR_MODEL, n, "cannot take the arg max over axis %d of size 0",
                       (int)a);
        s = drop_axis(x, a, keep, 1);
    }
    set_out(n, out, 0, IR_I64, &s);
    return IR_OK;
}

/* TopK's k: attribute before opset 10, else a 1-element int64 input.
 * *k = -1 when not known. */
static ir_status topk_k(const ir_graph *g, const ir_node *n, const ir_operand *in, int64_t *k,
                        ir_diag *d)
{
    *k = -1;
    if (ir_node_opset(g, n) < 10) {
        const ir_attr *a = ir_node_attr(n, "k");
        if (!a || a->type != IR_ATTR_INT)
            return bad(d, IR_ERR_MODEL, n, "attribute 'k' is required before opset 10");
        *k = a->i;
    } else {
        ir_status st = need(n, in, 1, d);
        if (st)
            return st;
        if (in[1].dtype != IR_I64 || in[1].shape.rank > 1 || !maybe_scalar(&in[1].shape))
            return bad(d, IR_ERR_MODEL, n, "input 1 (k) must be a 1-element int64 tensor");
        if (!in[1].value)
            return IR_OK;
        if (ir_tensor_ints(in[1].value, k, 1) != 1)
            return bad(d, IR_ERR_MODEL, n, "input 1 (k) must hold exactly one value");
    }
    if (*k < 0)
        return bad(d, IR_ERR_MODEL, n, "k is %lld, expected >= 0", (long long)*k);
    return IR_OK;
}

ir_status ir_shape_topk(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                        ir_diag *d)
{
    int64_t k;
    ir_status st = need_kind(n, in, 0, K_NUM, d);
    if (!st)
        st = topk_k(g, n, in, &k, d);
    if (st)
        return st;
    const ir_shape *x = &in[0].shape;
    ir_shape s = {.rank = -1};
    if (x->rank >= 0) {
        int32_t a;
        if ((st = check_axis(n, ir_attr_int(n, "axis", -1), x->rank, &a, d)))
            return st;
        if (k >= 0 && x->dims[a] >= 0 && k > x->dims[a])
            return bad(d, IR_ERR_MODEL, n, "k is %lld, larger than dimension %d (%lld)",
                       (long long)k, (int)a, (long long)x->dims[a]);
        s = drop_axis(x, a, true, k);
    }
    set_out(n, out, 0, in[0].dtype, &s);
    set_out(n, out, 1, IR_I64, &s);
    return IR_OK;
}

/* ---- normalization ------------------------------------------------------ */

ir_status ir_shape_layernorm(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, K_FLOAT, d);
    for (uint32_t i = 1; !st && i < 3; i++)
        if (i == 1 || present(n, in, i))
            if (!(st = need(n, in, i, d)))
                st = same_dtype(n, in, 0, i, d);
    if (st)
        return st;
    int64_t stash = ir_attr_int(n, "stash_type", 1);
    if (stash <= 0 || stash > 64 || !(kind_of((ir_dtype)stash) & K_FLOAT))
        return bad(d, IR_ERR_MODEL, n, "stash_type %lld is not a floating-point dtype",
                   (long long)stash);
    const ir_shape *x = &in[0].shape;
    ir_shape stat = {.rank = -1};
    if (x->rank >= 0) {
        int32_t a;
        if ((st = check_axis(n, ir_attr_int(n, "axis", -1), x->rank, &a, d)))
            return st;
        ir_shape norm = {.rank = x->rank - a};
        memcpy(norm.dims, x->dims + a, (size_t)norm.rank * sizeof norm.dims[0]);
        for (uint32_t i = 1; !st && i < 3; i++)
            if (present(n, in, i))
                st = check_unidir(n, i, &in[i].shape, &norm, d);
        if (st)
            return st;
        stat = *x;
        for (int32_t i = a; i < x->rank; i++) {
            stat.dims[i] = 1;
            stat.sym[i] = NULL;
        }
    }
    set_out(n, out, 0, in[0].dtype, x);
    set_out(n, out, 1, (ir_dtype)stash, &stat);
    set_out(n, out, 2, (ir_dtype)stash, &stat);
    return IR_OK;
}

/* Scale, B, mean and var: 1-D of length C. */
static ir_status check_bn_params(const ir_graph *g, const ir_node *n, const ir_operand *in,
                                 ir_diag *d)
{
    static const char *names[5] = {"X", "scale", "B", "input_mean", "input_var"};
    int64_t c = in[0].shape.rank >= 2 ? in[0].shape.dims[1] : -1;
    for (uint32_t i = 1; i < 5; i++) {
        ir_status st = need_kind(n, in, i, K_FLOAT, d);
        if (!st && ir_node_opset(g, n) < 15)
            st = same_dtype(n, in, 0, i, d);
        if (st)
            return st;
        const ir_shape *s = &in[i].shape;
        if (s->rank >= 0 && (s->rank != 1 || (c >= 0 && s->dims[0] >= 0 && s->dims[0] != c)))
            return bad(d, IR_ERR_MODEL, n, "input %u (%s) must be 1-D of length C = %lld", i,
                       names[i], (long long)c);
    }
    return IR_OK;
}

ir_status ir_shape_batchnorm(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, K_FLOAT, d);
    if (st)
        return st;
    if (in[0].shape.rank >= 0 && in[0].shape.rank < 2)
        return bad(d, IR_ERR_MODEL, n, "input 0 has rank %d, expected >= 2 (N x C x ...)",
                   (int)in[0].shape.rank);
    if ((st = check_bn_params(g, n, in, d)))
        return st;
    int64_t opset = ir_node_opset(g, n);
    if (opset < 9 && ir_attr_int(n, "spatial", 1) == 0)
        return bad(d, IR_ERR_UNSUPPORTED, n, "spatial=0 is not supported");
    bool training = opset >= 14 ? ir_attr_int(n, "training_mode", 0) != 0 : n->n_outputs > 1;
    if (n->n_outputs > 1 && !training)
        return bad(d, IR_ERR_MODEL, n,
                   "outputs running_mean and running_var require training_mode=1");
    set_out(n, out, 0, in[0].dtype, &in[0].shape);
    ir_shape c = {.rank = 1, .dims = {in[0].shape.rank >= 2 ? in[0].shape.dims[1] : -1}};
    set_out(n, out, 1, in[3].dtype, &c);
    set_out(n, out, 2, in[4].dtype, &c);
    return IR_OK;
}

/* ---- MatMul and Gemm ---------------------------------------------------- */

ir_status ir_shape_matmul(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    ir_status st = need_kind(n, in, 0, K_NUM, d);
    if (!st && !(st = need_kind(n, in, 1, K_NUM, d)))
        st = same_dtype(n, in, 0, 1, d);
    if (st)
        return st;
    ir_shape a = in[0].shape, b = in[1].shape, s = {.rank = -1};
    for (uint32_t i = 0; i < 2; i++)
        if (in[i].shape.rank == 0)
            return bad(d, IR_ERR_MODEL, n, "input %u is a scalar, expected rank >= 1", i);
    if (a.rank < 0 || b.rank < 0) {
        set_out(n, out, 0, in[0].dtype, &s);
        return IR_OK;
    }
    if (a.rank == 1) /* [K] -> [1, K] */
        a = (ir_shape){.rank = 2, .dims = {1, a.dims[0]}, .sym = {NULL, a.sym[0]}};
    if (b.rank == 1) /* [K] -> [K, 1] */
        b = (ir_shape){.rank = 2, .dims = {b.dims[0], 1}, .sym = {b.sym[0], NULL}};
    int64_t ka = a.dims[a.rank - 1], kb = b.dims[b.rank - 2];
    if (ka >= 0 && kb >= 0 && ka != kb)
        return bad(d, IR_ERR_MODEL, n,
                   "inner dimensions differ: input 0 has %lld columns, input 1 has %lld rows",
                   (long long)ka, (long long)kb);
    ir_shape ba = a, bb = b;
    ba.rank -= 2;
    bb.rank -= 2;
    const ir_shape *pair[2] = {&ba, &bb};
    if ((st = ir_broadcast_shapes(n, pair, 2, &s, d)))
        return st;
    if (in[0].shape.rank > 1) {
        s.dims[s.rank] = a.dims[a.rank - 2];
        s.sym[s.rank++] = a.sym[a.rank - 2];
    }
    if (in[1].shape.rank > 1) {
        s.dims[s.rank] = b.dims[b.rank - 1];
        s.sym[s.rank++] = b.sym[b.rank - 1];
    }
    set_out(n, out, 0, in[0].dtype, &s);
    return IR_OK;
}

ir_status ir_shape_gemm(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                        ir_diag *d)
{
    ir_status st = IR_OK;
    for (uint32_t i = 0; !st && i < 3; i++)
        if (i < 2 || present(n, in, i))
            if (!(st = need_kind(n, in, i, K_NUM, d)) && i > 0)
                st = same_dtype(n, in, 0, i, d);
    if (st)
        return st;
    const ir_shape *a = &in[0].shape, *b = &in[1].shape;
    for (uint32_t i = 0; i < 2; i++)
        if (in[i].shape.rank >= 0 && in[i].shape.rank != 2)
            return bad(d, IR_ERR_MODEL, n, "input %u has rank %d, expected 2", i,
                       (int)in[i].shape.rank);
    bool ta = ir_attr_int(n, "transA", 0) != 0, tb = ir_attr_int(n, "transB", 0) != 0;
    ir_shape s = {.rank = 2, .dims = {-1, -1}};
    int64_t ka = -1, kb = -1;
    if (a->rank == 2) {
        s.dims[0] = a->dims[ta ? 1 : 0];
        s.sym[0] = a->sym[ta ? 1 : 0];
        ka = a->dims[ta ? 0 : 1];
    }
    if (b->rank == 2) {
        s.dims[1] = b->dims[tb ? 0 : 1];
        s.sym[1] = b->sym[tb ? 0 : 1];
        kb = b->dims[tb ? 1 : 0];
    }
    if (ka >= 0 && kb >= 0 && ka != kb)
        return bad(d, IR_ERR_MODEL, n, "inner dimensions differ: A gives K = %lld, B gives %lld",
                   (long long)ka, (long long)kb);
    if (present(n, in, 2) && (st = check_unidir(n, 2, &in[2].shape, &s, d)))
        return st;
    set_out(n, out, 0, in[0].dtype, &s);
    return IR_OK;
}
