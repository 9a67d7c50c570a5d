/* shape_movement.c - shape and type inference for the data-movement and
 * shape-arithmetic ops: Reshape, Flatten, Transpose, Unsqueeze, Squeeze,
 * Concat, Gather, Shape, ConstantOfShape, Constant, Expand, Tile and Range.
 *
 * Most of DETR's nodes are these ops computing shapes from shapes, so each
 * hook keeps whatever it can know: a dimension copied from a symbolic input
 * dimension keeps its name, a shape operand whose value is unknown still
 * fixes the output rank, and every size read from a tensor value is checked
 * for overflow and against the 2^40-byte tensor limit here, before anything
 * downstream tries to allocate it. The kernels are in ref_movement.c; Slice
 * and Split, Pad and Resize keep hook and kernel in one file (ref_slice.c,
 * ref_pad.c, ref_resize.c) because both parse the same operands. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "kernels.h"

#define MAX_BYTES ((uint64_t)1 << 40)

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define fail(n, st, d, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static bool present(const ir_node *n, const ir_operand *in, uint32_t i)
{
    return i < n->n_inputs && n->inputs[i] >= 0 && in[i].dtype != IR_UNDEF;
}

static void set_out(ir_operand *o, ir_dtype t, const ir_shape *s)
{
    o->dtype = t;
    o->shape = *s;
    o->value = NULL;
}

static ir_shape unknown_dims(int32_t rank)
{
    ir_shape s = {.rank = rank};
    for (int32_t i = 0; i < rank && i < IR_MAX_RANK; i++)
        s.dims[i] = -1;
    return s;
}

static bool is_int_index(ir_dtype t) { return t == IR_I64 || t == IR_I32; }

/* Fails when the known dims of s already make a tensor of dtype t larger
 * than 2^40 bytes (or the element count overflows int64). */
static ir_status check_size(const ir_node *n, const ir_shape *s, ir_dtype t, ir_diag *d)
{
    uint64_t count = 1, bytes;
    bool overflow = false;
    for (int32_t i = 0; i < s->rank; i++) {
        if (s->dims[i] == 0)
            return IR_OK;
        if (s->dims[i] > 0 && (!ir_mul_overflow_u64(count, (uint64_t)s->dims[i], &count) ||
                               count > (uint64_t)INT64_MAX))
            overflow = true;
    }
    if (overflow)
        return fail(n, IR_ERR_MODEL, d, "output would have more than 2^63 elements");
    size_t es = ir_dtype_size(t) ? ir_dtype_size(t) : 1;
    if (!ir_mul_overflow_u64(count, es, &bytes) || bytes > MAX_BYTES)
        return fail(n, IR_ERR_UNSUPPORTED, d,
                    "output would have %llu elements (more than the 2^40-byte tensor limit)",
                    (unsigned long long)count);
    return IR_OK;
}

/* Reads the integer tensor t (`what` names it in messages) into v[0..max).
 * Returns the count, or -1 with d filled. */
static int64_t read_ints(const ir_node *n, const ir_tensor *t, const char *what, int64_t *v,
                         int64_t max, ir_diag *d)
{
    if (!is_int_index(t->dtype)) {
        fail(n, IR_ERR_MODEL, d, "%s has type %s, expected int64", what, ir_dtype_name(t->dtype));
        return -1;
    }
    if (t->shape.rank > 1) {
        fail(n, IR_ERR_MODEL, d, "%s has rank %d, expected a 1-D tensor", what, (int)t->shape.rank);
        return -1;
    }
    int64_t cnt = ir_tensor_numel(t);
    if (cnt < 0 || cnt > max) {
        fail(n, IR_ERR_UNSUPPORTED, d, "%s has %lld elements, at most %lld supported", what,
             (long long)cnt, (long long)max);
        return -1;
    }
    for (int64_t i = 0; i < cnt; i++)
        v[i] = ir_tensor_get_i64(t, i);
    return cnt;
}

/* The length of a 1-D operand whose value is unknown (-1 if unknown). */
static int64_t operand_len(const ir_operand *o)
{
    return o->shape.rank == 1 ? o->shape.dims[0] : o->shape.rank == 0 ? 1 : -1;
}

static void fmt_ints(char *buf, size_t cap, const int64_t *v, int64_t cnt)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int64_t i = 0; i < cnt && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? "," : "", (long long)v[i]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

/* ---- Reshape ------------------------------------------------------------ */

/* Element counts of a static reshape must match; -1 takes the rest. */
static ir_status reshape_static(const ir_node *n, const ir_shape *x, const int64_t *t, int64_t nt,
                                int32_t infer, ir_shape *o, ir_diag *d)
{
    int64_t total = ir_shape_numel(x), known;
    uint64_t prod = 1;
    char ts[256], xs[128];
    fmt_ints(ts, sizeof ts, t, nt);
    ir_shape_format(x, xs, sizeof xs);
    for (int32_t i = 0; i < o->rank; i++)
        if (i != infer && !ir_mul_overflow_u64(prod, (uint64_t)o->dims[i], &prod))
            return fail(n, IR_ERR_MODEL, d, "shape %s overflows", ts);
    if (prod > (uint64_t)INT64_MAX)
        return fail(n, IR_ERR_MODEL, d, "shape %s overflows", ts);
    known = (int64_t)prod;
    if (infer < 0) {
        if (known != total)
            return fail(n, IR_ERR_MODEL, d,
                        "cannot reshape %lld elements (input %s) into shape %s (%lld elements)",
                        (long long)total, xs, ts, (long long)known);
        return IR_OK;
    }
    if (known == 0 || total % known != 0)
        return fail(n, IR_ERR_MODEL, d,
                    "cannot reshape %lld elements (input %s) into shape %s: the other "
                    "dimensions hold %lld elements, so -1 cannot be inferred",
                    (long long)total, xs, ts, (long long)known);
    o->dims[infer] = total / known;
    return IR_OK;
}

/* With unknown input dims the -1 is still known when every unknown input dim
 * is copied by a 0 at the same position (the common [0, 0, -1] pattern). */
static void reshape_partial(const ir_shape *x, const bool *copied, int32_t infer, ir_shape *o)
{
    if (infer < 0)
        return;
    uint64_t in_rest = 1, out_rest = 1;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i < o->rank && copied[i])
            continue;
        if (x->dims[i] < 0 || !ir_mul_overflow_u64(in_rest, (uint64_t)x->dims[i], &in_rest))
            return;
    }
    for (int32_t i = 0; i < o->rank; i++) {
        if (i == infer || copied[i])
            continue;
        if (!ir_mul_overflow_u64(out_rest, (uint64_t)o->dims[i], &out_rest))
            return;
    }
    if (out_rest > 0 && in_rest % out_rest == 0 && in_rest <= (uint64_t)INT64_MAX)
        o->dims[infer] = (int64_t)(in_rest / out_rest);
}

static ir_status reshape_infer(const ir_node *n, const ir_operand *x, const int64_t *t, int64_t nt,
                               bool allowzero, ir_operand *out, ir_diag *d)
{
    ir_shape o = {.rank = (int32_t)nt};
    bool copied[IR_MAX_RANK] = {false}, zero = false;
    int32_t infer = -1;
    for (int32_t i = 0; i < o.rank; i++) {
        int64_t v = t[i];
        if (v < -1)
            return fail(n, IR_ERR_MODEL, d, "shape[%d] is %lld, expected >= -1", (int)i,
                        (long long)v);
        if (v == -1) {
            if (infer >= 0)
                return fail(n, IR_ERR_MODEL, d, "shape has more than one -1 (at %d and %d)",
                            (int)infer, (int)i);
            infer = i;
            o.dims[i] = -1;
        } else if (v == 0 && !allowzero) {
            copied[i] = true;
            if (x->shape.rank >= 0 && i >= x->shape.rank)
                return fail(n, IR_ERR_MODEL, d,
                            "shape[%d] is 0 (copy the input dimension) but the input has rank %d",
                            (int)i, (int)x->shape.rank);
            o.dims[i] = x->shape.rank >= 0 ? x->shape.dims[i] : -1;
            o.sym[i] = x->shape.rank >= 0 ? x->shape.sym[i] : NULL;
        } else {
            zero |= v == 0;
            o.dims[i] = v;
        }
    }
    if (zero && infer >= 0)
        return fail(n, IR_ERR_MODEL, d, "allowzero=1 with both 0 and -1 in the shape");
    ir_status st = IR_OK;
    if (ir_shape_static(&x->shape))
        st = reshape_static(n, &x->shape, t, nt, infer, &o, d);
    else if (x->shape.rank >= 0)
        reshape_partial(&x->shape, copied, infer, &o);
    if (st == IR_OK)
        st = check_size(n, &o, x->dtype, d);
    if (st == IR_OK)
        set_out(out, x->dtype, &o);
    return st;
}

ir_status ir_shape_reshape(const ir_graph *g, const ir_node *n, const ir_operand *in,
                           ir_operand *out, ir_diag *d)
{
    int64_t opset = ir_node_opset(g, n), t[IR_MAX_RANK], nt;
    if (opset < 5 && !present(n, in, 1)) {
        const int64_t *a;
        size_t k = ir_attr_ints(n, "shape", &a);
        if (!ir_node_attr(n, "shape"))
            return fail(n, IR_ERR_MODEL, d, "missing attribute 'shape'");
        if (k > IR_MAX_RANK)
            return fail(n, IR_ERR_UNSUPPORTED, d, "shape has %zu dims, at most %d supported", k,
                        IR_MAX_RANK);
        if (k)
            memcpy(t, a, k * sizeof *t);
        nt = (int64_t)k;
    } else {
        if (!present(n, in, 1))
            return fail(n, IR_ERR_MODEL, d, "input 1 (shape) is missing");
        if (!in[1].value) {
            int64_t len = operand_len(&in[1]);
            if (len > IR_MAX_RANK)
                return fail(n, IR_ERR_UNSUPPORTED, d, "shape has %lld dims, at most %d supported",
                            (long long)len, IR_MAX_RANK);
            ir_shape s = unknown_dims(len >= 0 ? (int32_t)len : -1);
            set_out(out, in[0].dtype, &s);
            return IR_OK;
        }
        nt = read_ints(n, in[1].value, "input 1 (shape)", t, IR_MAX_RANK, d);
        if (nt < 0)
            return d ? d->status : IR_ERR_MODEL;
    }
    bool allowzero = opset >= 14 && ir_attr_int(n, "allowzero", 0) != 0;
    return reshape_infer(n, &in[0], t, nt, allowzero, out, d);
}

/* ---- Flatten ------------------------------------------------------------ */

/* Product of dims [a, b) of s; -1 when unknown (a known 0 makes it 0). */
static int64_t dims_product(const ir_shape *s, int32_t a, int32_t b)
{
    uint64_t p = 1;
    bool unknown = false;
    for (int32_t i = a; i < b; i++) {
        if (s->dims[i] == 0)
            return 0;
        if (s->dims[i] < 0 || !ir_mul_overflow_u64(p, (uint64_t)s->dims[i], &p) ||
            p > (uint64_t)INT64_MAX)
            unknown = true;
    }
    return unknown ? -1 : (int64_t)p;
}

ir_status ir_shape_flatten(const ir_graph *g, const ir_node *n, const ir_operand *in,
                           ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    int64_t axis = ir_attr_int(n, "axis", 1);
    ir_shape o = unknown_dims(2);
    if (x->rank >= 0) {
        if (axis < -(int64_t)x->rank || axis > x->rank)
            return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                        (long long)axis, (int)x->rank);
        int32_t a = (int32_t)(axis < 0 ? axis + x->rank : axis);
        o.dims[0] = dims_product(x, 0, a);
        o.dims[1] = dims_product(x, a, x->rank);
        if (a == 1 && x->dims[0] < 0)
            o.sym[0] = x->sym[0];
        if (a == x->rank - 1 && x->dims[a] < 0)
            o.sym[1] = x->sym[a];
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

/* ---- Transpose ---------------------------------------------------------- */

ir_status ir_shape_transpose(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    const int64_t *perm;
    size_t k = ir_attr_ints(n, "perm", &perm);
    bool given = ir_node_attr(n, "perm") != NULL;
    if (!given && x->rank < 0) {
        ir_shape s = {.rank = -1};
        set_out(out, in[0].dtype, &s);
        return IR_OK;
    }
    int32_t r = given ? (int32_t)(k > IR_MAX_RANK ? IR_MAX_RANK + 1 : k) : x->rank;
    if (r > IR_MAX_RANK)
        return fail(n, IR_ERR_UNSUPPORTED, d, "perm has %zu entries, at most %d supported", k,
                    IR_MAX_RANK);
    if (given && x->rank >= 0 && r != x->rank)
        return fail(n, IR_ERR_MODEL, d, "perm has %d entries, expected %d (the input rank)",
                    (int)r, (int)x->rank);
    ir_shape o = {.rank = r};
    bool seen[IR_MAX_RANK] = {false};
    for (int32_t i = 0; i < r; i++) {
        int64_t p = given ? perm[i] : r - 1 - i;
        if (p < 0 || p >= r || seen[p]) {
            char ps[256];
            fmt_ints(ps, sizeof ps, perm, (int64_t)k);
            return fail(n, IR_ERR_MODEL, d, "perm %s is not a permutation of 0..%d", ps,
                        (int)r - 1);
        }
        seen[p] = true;
        o.dims[i] = x->rank >= 0 ? x->dims[p] : -1;
        o.sym[i] = x->rank >= 0 ? x->sym[p] : NULL;
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

/* ---- Unsqueeze and Squeeze ---------------------------------------------- */

/* The axes of Unsqueeze/Squeeze: an attribute up to opset 12, an input from
 * 13. Returns the count (0 when absent), -2 when given but unknown (then
 * *len holds the count if the operand's shape tells it, else -1), -1 on
 * error. */
static int64_t get_axes(const ir_graph *g, const ir_node *n, const ir_operand *in, int64_t *axes,
                        int64_t *len, ir_diag *d)
{
    if (ir_node_opset(g, n) < 13) {
        const int64_t *a;
        size_t k = ir_attr_ints(n, "axes", &a);
        if (k > IR_MAX_RANK) {
            fail(n, IR_ERR_UNSUPPORTED, d, "axes has %zu entries, at most %d supported", k,
                 IR_MAX_RANK);
            return -1;
        }
        if (k)
            memcpy(axes, a, k * sizeof *axes);
        return (int64_t)k;
    }
    if (!present(n, in, 1))
        return 0;
    if (!in[1].value) {
        *len = operand_len(&in[1]);
        return -2;
    }
    return read_ints(n, in[1].value, "input 1 (axes)", axes, IR_MAX_RANK, d);
}

/* Normalizes axes against rank r into mark[]; duplicates are an error. */
static ir_status mark_axes(const ir_node *n, const int64_t *axes, int64_t k, int32_t r, bool *mark,
                           ir_diag *d)
{
    for (int32_t i = 0; i < r; i++)
        mark[i] = false;
    for (int64_t i = 0; i < k; i++) {
        int32_t a;
        if (!ir_axis_norm(axes[i], r, &a))
            return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                        (long long)axes[i], (int)r);
        if (mark[a])
            return fail(n, IR_ERR_MODEL, d, "axis %lld is repeated", (long long)axes[i]);
        mark[a] = true;
    }
    return IR_OK;
}

ir_status ir_shape_unsqueeze(const ir_graph *g, const ir_node *n, const ir_operand *in,
                             ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    int64_t axes[IR_MAX_RANK], len = -1;
    int64_t k = get_axes(g, n, in, axes, &len, d);
    if (k == -1)
        return d ? d->status : IR_ERR_MODEL;
    if (k == 0 && ir_node_opset(g, n) < 13 && !ir_node_attr(n, "axes"))
        return fail(n, IR_ERR_MODEL, d, "missing attribute 'axes'");
    if (k == 0 && ir_node_opset(g, n) >= 13 && !present(n, in, 1))
        return fail(n, IR_ERR_MODEL, d, "input 1 (axes) is missing");
    int64_t cnt = k == -2 ? len : k;
    ir_shape o = {.rank = -1};
    if (x->rank >= 0 && cnt >= 0) {
        if (x->rank + cnt > IR_MAX_RANK)
            return fail(n, IR_ERR_UNSUPPORTED, d, "output rank %lld, at most %d supported",
                        (long long)(x->rank + cnt), IR_MAX_RANK);
        o = unknown_dims((int32_t)(x->rank + cnt));
    }
    if (k >= 0 && o.rank >= 0) {
        bool mark[IR_MAX_RANK];
        ir_status st = mark_axes(n, axes, k, o.rank, mark, d);
        if (st != IR_OK)
            return st;
        for (int32_t i = 0, j = 0; i < o.rank; i++) {
            o.dims[i] = mark[i] ? 1 : x->dims[j];
            o.sym[i] = mark[i] ? NULL : x->sym[j];
            j += !mark[i];
        }
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

ir_status ir_shape_squeeze(const ir_graph *g, const ir_node *n, const ir_operand *in,
                           ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    int64_t axes[IR_MAX_RANK], len = -1;
    int64_t k = get_axes(g, n, in, axes, &len, d);
    if (k == -1)
        return d ? d->status : IR_ERR_MODEL;
    ir_shape o = {.rank = -1};
    if (x->rank < 0) {
        set_out(out, in[0].dtype, &o);
        return IR_OK;
    }
    if (k == -2) { /* axes unknown: only the count may be known */
        if (len >= 0 && len <= x->rank)
            o = unknown_dims((int32_t)(x->rank - len));
        set_out(out, in[0].dtype, &o);
        return IR_OK;
    }
    bool mark[IR_MAX_RANK];
    ir_status st = mark_axes(n, axes, k, x->rank, mark, d);
    if (st != IR_OK)
        return st;
    for (int32_t i = 0; i < x->rank; i++) {
        if (k == 0 && x->dims[i] < 0) { /* squeeze-all with an unknown dim */
            set_out(out, in[0].dtype, &o);
            return IR_OK;
        }
        if (k == 0)
            mark[i] = x->dims[i] == 1;
        else if (mark[i] && x->dims[i] >= 0 && x->dims[i] != 1)
            return fail(n, IR_ERR_MODEL, d, "cannot squeeze axis %d: its size is %lld, not 1",
                        (int)i, (long long)x->dims[i]);
    }
    o.rank = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        if (mark[i])
            continue;
        o.dims[o.rank] = x->dims[i];
        o.sym[o.rank++] = x->sym[i];
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

/* ---- Concat ------------------------------------------------------------- */

/* Merges input i's dims into o (all but the concat axis must agree). */
static ir_status concat_merge(const ir_node *n, uint32_t i, const ir_shape *s, int32_t axis,
                              ir_shape *o, bool *sum_unknown, ir_diag *d)
{
    for (int32_t k = 0; k < o->rank; k++) {
        int64_t v = s->dims[k];
        if (k == axis) {
            if (v < 0 || *sum_unknown) {
                *sum_unknown = true;
            } else if (__builtin_add_overflow(o->dims[k], v, &o->dims[k])) {
                return fail(n, IR_ERR_MODEL, d, "concatenated dimension overflows");
            }
            continue;
        }
        if (v < 0)
            continue;
        if (o->dims[k] >= 0 && o->dims[k] != v)
            return fail(n, IR_ERR_MODEL, d,
                        "input %u has size %lld in dimension %d, expected %lld like the "
                        "inputs before it (only axis %d may differ)",
                        i, (long long)v, (int)k, (long long)o->dims[k], (int)axis);
        o->dims[k] = v;
        o->sym[k] = NULL;
    }
    return IR_OK;
}

ir_status ir_shape_concat(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    const ir_attr *aa = ir_node_attr(n, "axis");
    if (!aa && ir_node_opset(g, n) >= 4)
        return fail(n, IR_ERR_MODEL, d, "missing attribute 'axis'");
    int64_t axis = aa ? aa->i : 1;
    int32_t rank = -1;
    for (uint32_t i = 0; i < n->n_inputs; i++) {
        if (!present(n, in, i))
            return fail(n, IR_ERR_MODEL, d, "input %u is missing", i);
        if (in[i].dtype != in[0].dtype)
            return fail(n, IR_ERR_MODEL, d, "input %u has type %s, input 0 has %s", i,
                        ir_dtype_name(in[i].dtype), ir_dtype_name(in[0].dtype));
        if (in[i].shape.rank < 0)
            continue;
        if (rank >= 0 && in[i].shape.rank != rank)
            return fail(n, IR_ERR_MODEL, d, "input %u has rank %d, expected %d like the others",
                        i, (int)in[i].shape.rank, (int)rank);
        rank = in[i].shape.rank;
    }
    ir_shape o = unknown_dims(rank);
    if (rank >= 0) {
        int32_t a;
        if (!ir_axis_norm(axis, rank, &a))
            return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                        (long long)axis, (int)rank);
        for (int32_t k = 0; k < rank; k++)
            o.dims[k] = k == a ? 0 : -1;
        bool sum_unknown = false;
        for (uint32_t i = 0; i < n->n_inputs; i++) {
            if (in[i].shape.rank < 0) {
                sum_unknown = true;
                continue;
            }
            ir_status st = concat_merge(n, i, &in[i].shape, a, &o, &sum_unknown, d);
            if (st != IR_OK)
                return st;
        }
        for (int32_t k = 0; k < rank; k++) /* an unknown dim keeps input 0's symbol */
            if (o.dims[k] < 0 && k != a && in[0].shape.rank >= 0)
                o.sym[k] = in[0].shape.sym[k];
        if (sum_unknown)
            o.dims[a] = -1;
        ir_status st = check_size(n, &o, in[0].dtype, d);
        if (st != IR_OK)
            return st;
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

/* ---- Gather ------------------------------------------------------------- */

/* Checks known index values against the gathered dimension. */
static ir_status gather_check_indices(const ir_node *n, const ir_tensor *idx, int32_t axis,
                                      int64_t dim, ir_diag *d)
{
    int64_t cnt = ir_tensor_numel(idx);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t v = ir_tensor_get_i64(idx, i);
        if (v < -dim || v >= dim)
            return fail(n, IR_ERR_MODEL, d,
                        "index %lld (indices element %lld) is out of range for axis %d of size "
                        "%lld",
                        (long long)v, (long long)i, (int)axis, (long long)dim);
    }
    return IR_OK;
}

ir_status ir_shape_gather(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape, *q = &in[1].shape;
    if (!is_int_index(in[1].dtype))
        return fail(n, IR_ERR_MODEL, d, "indices have type %s, expected int32 or int64",
                    ir_dtype_name(in[1].dtype));
    int64_t axis = ir_attr_int(n, "axis", 0);
    ir_shape o = {.rank = -1};
    if (x->rank == 0)
        return fail(n, IR_ERR_MODEL, d, "data is a scalar, expected rank >= 1");
    if (x->rank > 0) {
        int32_t a;
        if (!ir_axis_norm(axis, x->rank, &a))
            return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                        (long long)axis, (int)x->rank);
        if (in[1].value && x->dims[a] >= 0) {
            ir_status st = gather_check_indices(n, in[1].value, a, x->dims[a], d);
            if (st != IR_OK)
                return st;
        }
        if (q->rank >= 0) {
            if (x->rank - 1 + q->rank > IR_MAX_RANK)
                return fail(n, IR_ERR_UNSUPPORTED, d, "output rank %d, at most %d supported",
                            (int)(x->rank - 1 + q->rank), IR_MAX_RANK);
            o.rank = 0;
            for (int32_t i = 0; i < a; i++, o.rank++)
                o.dims[o.rank] = x->dims[i], o.sym[o.rank] = x->sym[i];
            for (int32_t i = 0; i < q->rank; i++, o.rank++)
                o.dims[o.rank] = q->dims[i], o.sym[o.rank] = q->sym[i];
            for (int32_t i = a + 1; i < x->rank; i++, o.rank++)
                o.dims[o.rank] = x->dims[i], o.sym[o.rank] = x->sym[i];
        }
    }
    set_out(out, in[0].dtype, &o);
    return check_size(n, &o, in[0].dtype, d);
}

/* ---- Shape -------------------------------------------------------------- */

/* Clamps Shape's start/end (opset 15) into [0, rank]; returns the count.
 * Also used with the concrete rank by the kernel (ref_movement.c repeats
 * the same three lines). */
static int64_t shape_range(const ir_graph *g, const ir_node *n, int32_t rank, int64_t *start)
{
    int64_t s = 0, e = rank;
    if (ir_node_opset(g, n) >= 15) {
        s = ir_attr_int(n, "start", 0);
        e = ir_attr_int(n, "end", rank);
    }
    s = s < 0 ? s + rank : s;
    e = e < 0 ? e + rank : e;
    s = s < 0 ? 0 : s > rank ? rank : s;
    e = e < 0 ? 0 : e > rank ? rank : e;
    *start = s;
    return e > s ? e - s : 0;
}

ir_status ir_shape_shape(const ir_graph *g, const ir_node *n, const ir_operand *in,
                         ir_operand *out, ir_diag *d)
{
    ir_shape o = {.rank = 1, .dims = {-1}};
    if (in[0].shape.rank >= 0) {
        int64_t start;
        o.dims[0] = shape_range(g, n, in[0].shape.rank, &start);
    }
    set_out(out, IR_I64, &o);
    return IR_OK;
}

/* ---- ConstantOfShape ---------------------------------------------------- */

ir_status ir_shape_constantofshape(const ir_graph *g, const ir_node *n, const ir_operand *in,
                                   ir_operand *out, ir_diag *d)
{
    const ir_attr *va = ir_node_attr(n, "value");
    ir_dtype t = IR_F32;
    if (va) {
        if (va->type != IR_ATTR_TENSOR || !va->tensor)
            return fail(n, IR_ERR_MODEL, d, "attribute 'value' is not a tensor");
        if (ir_tensor_numel(va->tensor) != 1)
            return fail(n, IR_ERR_MODEL, d, "attribute 'value' has %lld elements, expected 1",
                        (long long)ir_tensor_numel(va->tensor));
        t = va->tensor->dtype;
        if (!ir_dtype_supported(t))
            return fail(n, IR_ERR_UNSUPPORTED, d, "attribute 'value' has type %s",
                        ir_dtype_name(t));
    }
    if (in[0].dtype != IR_I64)
        return fail(n, IR_ERR_MODEL, d, "input has type %s, expected int64",
                    ir_dtype_name(in[0].dtype));
    ir_shape o = {.rank = -1};
    if (in[0].value) {
        int64_t dims[IR_MAX_RANK];
        int64_t k = read_ints(n, in[0].value, "input 0 (shape)", dims, IR_MAX_RANK, d);
        if (k < 0)
            return d ? d->status : IR_ERR_MODEL;
        o.rank = (int32_t)k;
        for (int32_t i = 0; i < o.rank; i++) {
            if (dims[i] < 0)
                return fail(n, IR_ERR_MODEL, d, "shape[%d] is %lld, expected >= 0", (int)i,
                            (long long)dims[i]);
            o.dims[i] = dims[i];
        }
    } else {
        int64_t len = operand_len(&in[0]);
        if (len > IR_MAX_RANK)
            return fail(n, IR_ERR_UNSUPPORTED, d, "output rank %lld, at most %d supported",
                        (long long)len, IR_MAX_RANK);
        o = unknown_dims(len >= 0 ? (int32_t)len : -1);
    }
    ir_status st = check_size(n, &o, t, d);
    if (st == IR_OK)
        set_out(out, t, &o);
    return st;
}

/* ---- Constant ----------------------------------------------------------- */

static const char *const constant_attrs[] = {"value",        "sparse_value", "value_float",
                                             "value_floats", "value_int",    "value_ints",
                                             "value_string", "value_strings"};

ir_status ir_shape_constant(const ir_graph *g, const ir_node *n, const ir_operand *in,
                            ir_operand *out, ir_diag *d)
{
    const ir_attr *a = NULL;
    for (size_t i = 0; i < sizeof constant_attrs / sizeof *constant_attrs; i++) {
        const ir_attr *x = ir_node_attr(n, constant_attrs[i]);
        if (x && a)
            return fail(n, IR_ERR_MODEL, d, "has both '%s' and '%s', expected one value", a->name,
                        x->name);
        a = x ? x : a;
    }
    if (!a)
        return fail(n, IR_ERR_MODEL, d, "has no value attribute");
    ir_shape s = {.rank = 0};
    if (!strcmp(a->name, "value")) {
        if (a->type != IR_ATTR_TENSOR || !a->tensor)
            return fail(n, IR_ERR_MODEL, d, "attribute 'value' is not a tensor");
        if (!ir_dtype_supported(a->tensor->dtype))
            return fail(n, IR_ERR_UNSUPPORTED, d, "value of type %s is not supported",
                        ir_dtype_name(a->tensor->dtype));
        set_out(out, a->tensor->dtype, &a->tensor->shape);
        out->value = a->tensor;
        return IR_OK;
    }
    bool floats = !strcmp(a->name, "value_floats"), ints = !strcmp(a->name, "value_ints");
    if (!strcmp(a->name, "value_float") && a->type == IR_ATTR_FLOAT)
        set_out(out, IR_F32, &s);
    else if (!strcmp(a->name, "value_int") && a->type == IR_ATTR_INT)
        set_out(out, IR_I64, &s);
    else if ((floats && a->type == IR_ATTR_FLOATS) || (ints && a->type == IR_ATTR_INTS)) {
        s = (ir_shape){.rank = 1, .dims = {(int64_t)a->n}};
        set_out(out, floats ? IR_F32 : IR_I64, &s);
    } else if (!strcmp(a->name, "sparse_value") || !strncmp(a->name, "value_string", 12))
        return fail(n, IR_ERR_UNSUPPORTED, d, "attribute '%s' is not supported", a->name);
    else
        return fail(n, IR_ERR_MODEL, d, "attribute '%s' has the wrong type", a->name);
    return IR_OK;
}

/* ---- Expand ------------------------------------------------------------- */

ir_status ir_shape_expand(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    if (in[1].dtype != IR_I64)
        return fail(n, IR_ERR_MODEL, d, "input 1 (shape) has type %s, expected int64",
                    ir_dtype_name(in[1].dtype));
    ir_shape o = {.rank = -1};
    if (in[1].value) {
        int64_t v[IR_MAX_RANK];
        int64_t k = read_ints(n, in[1].value, "input 1 (shape)", v, IR_MAX_RANK, d);
        if (k < 0)
            return d ? d->status : IR_ERR_MODEL;
        ir_shape s = {.rank = (int32_t)k};
        for (int32_t i = 0; i < s.rank; i++) {
            if (v[i] < 0)
                return fail(n, IR_ERR_MODEL, d, "shape[%d] is %lld, expected >= 0", (int)i,
                            (long long)v[i]);
            s.dims[i] = v[i];
        }
        const ir_shape *both[2] = {x, &s};
        ir_status st = ir_broadcast_shapes(n, both, 2, &o, d);
        if (st == IR_OK)
            st = check_size(n, &o, in[0].dtype, d);
        if (st != IR_OK)
            return st;
    } else {
        int64_t len = operand_len(&in[1]);
        if (len > IR_MAX_RANK)
            return fail(n, IR_ERR_UNSUPPORTED, d, "shape has %lld dims, at most %d supported",
                        (long long)len, IR_MAX_RANK);
        if (x->rank >= 0 && len >= 0) { /* a known input dim != 1 survives */
            o = unknown_dims(x->rank > len ? x->rank : (int32_t)len);
            for (int32_t j = 0; j < x->rank; j++)
                if (x->dims[j] >= 0 && x->dims[j] != 1)
                    o.dims[j + o.rank - x->rank] = x->dims[j];
        }
    }
    set_out(out, in[0].dtype, &o);
    return IR_OK;
}

/* ---- Tile --------------------------------------------------------------- */

static ir_status tile_dim(const ir_node *n, int32_t i, int64_t rep, ir_shape *o, ir_diag *d)
{
    if (rep < 0)
        return fail(n, IR_ERR_MODEL, d, "repeats[%d] is %lld, expected >= 0", (int)i,
                    (long long)rep);
    if (rep == 0) {
        o->dims[i] = 0;
        o->sym[i] = NULL;
    } else if (o->dims[i] >= 0) {
        if (__builtin_mul_overflow(o->dims[i], rep, &o->dims[i]))
            return fail(n, IR_ERR_MODEL, d, "dimension %d overflows (repeated %lld times)",
                        (int)i, (long long)rep);
    } else if (rep != 1) {
        o->sym[i] = NULL;
    }
    return IR_OK;
}

/* Opset 1-5: Tile(input, tiles, axis) repeats one axis. */
static ir_status tile_v1(const ir_node *n, const ir_operand *in, ir_operand *out, ir_diag *d)
{
    ir_shape o = in[0].shape;
    if (!present(n, in, 2))
        return fail(n, IR_ERR_MODEL, d, "opset < 6 needs inputs tiles and axis");
    if (o.rank >= 0 && (!in[1].value || !in[2].value)) {
        o = unknown_dims(o.rank);
    } else if (o.rank >= 0) {
        int32_t a;
        int64_t axis = ir_tensor_get_i64(in[2].value, 0);
        if (ir_tensor_numel(in[1].value) != 1 || ir_tensor_numel(in[2].value) != 1 ||
            !ir_axis_norm(axis, o.rank, &a))
            return fail(n, IR_ERR_MODEL, d, "tiles and axis must be scalars and axis in range");
        ir_status st = tile_dim(n, a, ir_tensor_get_i64(in[1].value, 0), &o, d);
        if (st != IR_OK)
            return st;
    }
    set_out(out, in[0].dtype, &o);
    return check_size(n, &o, in[0].dtype, d);
}

ir_status ir_shape_tile(const ir_graph *g, const ir_node *n, const ir_operand *in,
                        ir_operand *out, ir_diag *d)
{
    if (ir_node_opset(g, n) < 6)
        return tile_v1(n, in, out, d);
    if (n->n_inputs != 2)
        return fail(n, IR_ERR_MODEL, d, "has %u inputs, expected 2 (input, repeats)",
                    n->n_inputs);
    if (in[1].dtype != IR_I64)
        return fail(n, IR_ERR_MODEL, d, "input 1 (repeats) has type %s, expected int64",
                    ir_dtype_name(in[1].dtype));
    ir_shape o = in[0].shape;
    if (in[1].value && o.rank >= 0) {
        int64_t rep[IR_MAX_RANK];
        int64_t k = read_ints(n, in[1].value, "input 1 (repeats)", rep, IR_MAX_RANK, d);
        if (k < 0)
            return d ? d->status : IR_ERR_MODEL;
        if (k != o.rank)
            return fail(n, IR_ERR_MODEL, d, "repeats has %lld entries, expected %d (the rank)",
                        (long long)k, (int)o.rank);
        for (int32_t i = 0; i < o.rank; i++) {
            ir_status st = tile_dim(n, i, rep[i], &o, d);
            if (st != IR_OK)
                return st;
        }
    } else if (o.rank >= 0) {
        o = unknown_dims(o.rank);
    }
    set_out(out, in[0].dtype, &o);
    return check_size(n, &o, in[0].dtype, d);
}

/* ---- Range -------------------------------------------------------------- */

/* max(ceil((limit - start) / delta), 0) without overflow, for integers. */
static uint64_t range_count_int(int64_t start, int64_t limit, int64_t delta)
{
    uint64_t diff, step;
    if (delta > 0) {
        if (limit <= start)
            return 0;
        diff = (uint64_t)limit - (uint64_t)start;
        step = (uint64_t)delta;
    } else {
        if (limit >= start)
            return 0;
        diff = (uint64_t)start - (uint64_t)limit;
        step = (uint64_t)0 - (uint64_t)delta;
    }
    return diff / step + (diff % step != 0);
}

ir_status ir_shape_range(const ir_graph *g, const ir_node *n, const ir_operand *in,
                         ir_operand *out, ir_diag *d)
{
    ir_dtype t = in[0].dtype;
    if (t != IR_F32 && t != IR_F64 && t != IR_I16 && t != IR_I32 && t != IR_I64)
        return fail(n, IR_ERR_MODEL, d, "start has type %s, expected float, double, int16, "
                    "int32 or int64", ir_dtype_name(t));
    for (uint32_t i = 0; i < 3; i++) {
        if (in[i].dtype != t)
            return fail(n, IR_ERR_MODEL, d, "input %u has type %s, input 0 has %s", i,
                        ir_dtype_name(in[i].dtype), ir_dtype_name(t));
        int64_t cnt = ir_shape_numel(&in[i].shape);
        if (ir_shape_static(&in[i].shape) && cnt != 1)
            return fail(n, IR_ERR_MODEL, d, "input %u has %lld elements, expected a scalar", i,
                        (long long)cnt);
    }
    ir_shape o = {.rank = 1, .dims = {-1}};
    if (in[0].value && in[1].value && in[2].value) {
        double count;
        if (t == IR_F32 || t == IR_F64) {
            double s = ir_tensor_get_f64(in[0].value, 0), l = ir_tensor_get_f64(in[1].value, 0),
                   dl = ir_tensor_get_f64(in[2].value, 0);
            if (dl == 0 || !isfinite(s) || !isfinite(l) || !isfinite(dl))
                return fail(n, IR_ERR_MODEL, d, "start %g, limit %g, delta %g: expected finite "
                            "values and a nonzero delta", s, l, dl);
            count = ceil((l - s) / dl);
            count = count > 0 ? count : 0;
        } else {
            int64_t dl = ir_tensor_get_i64(in[2].value, 0);
            if (dl == 0)
                return fail(n, IR_ERR_MODEL, d, "delta is 0");
            count = (double)range_count_int(ir_tensor_get_i64(in[0].value, 0),
                                             ir_tensor_get_i64(in[1].value, 0), dl);
        }
        if (count > 2147483648.0)
            return fail(n, IR_ERR_UNSUPPORTED, d,
                        "would produce %.0f elements, more than 2^31", count);
        o.dims[0] = (int64_t)count;
    }
    set_out(out, t, &o);
    return check_size(n, &o, t, d);
}
