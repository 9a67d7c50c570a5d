/* shape_conv.c - shape inference for the sliding-window ops: Conv, MaxPool,
 * AveragePool and GlobalAveragePool.
 *
 * All of them share one window geometry per spatial dim: input size, kernel
 * size, stride, dilation, begin and end pads (explicit, or from auto_pad
 * SAME_UPPER/SAME_LOWER/VALID) and, for pooling, ceil_mode. The geometry is
 * checked here in full - group=0, stride 0, negative pads, a kernel larger
 * than the padded input, channel counts that disagree with the weight - so
 * the kernels in ref_linalg.c can trust it. Output size per dim is
 * floor((in + pads - ((k - 1) * dilation + 1)) / stride) + 1, or ceil() with
 * ceil_mode, dropping a last window that would start in the end padding (as
 * PyTorch and onnxruntime do); SAME gives ceil(in / stride). */
#include <stdio.h>
#include <string.h>

#include "kernels.h"

#define MAX_SP 3             /* spatial dims handled: 1-D, 2-D, 3-D */
#define ATTR_MAX (1LL << 31) /* bound on kernel, stride, dilation, pads */

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define bad(d, st, n, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static bool is_float(ir_dtype t)
{
    return t == IR_F32 || t == IR_F64 || t == IR_F16 || t == IR_BF16;
}

static bool present(const ir_node *n, const ir_operand *in, uint32_t i)
{
    return i < n->n_inputs && n->inputs[i] >= 0 && in[i].dtype != IR_UNDEF;
}

static ir_status need_dtype(const ir_node *n, const ir_operand *in, uint32_t i, bool ints_ok,
                            ir_diag *d)
{
    if (!present(n, in, i))
        return bad(d, IR_ERR_MODEL, n, "input %u is missing", i);
    ir_dtype t = in[i].dtype;
    if (!is_float(t) && !(ints_ok && (t == IR_I8 || t == IR_U8)))
        return bad(d, IR_ERR_MODEL, n, "input %u has dtype %s, expected a floating-point type%s", i,
                   ir_dtype_name(t), ints_ok ? ", int8 or uint8" : "");
    if (i > 0 && t != in[0].dtype)
        return bad(d, IR_ERR_MODEL, n, "input %u has dtype %s, expected %s (the dtype of input 0)",
                   i, ir_dtype_name(t), ir_dtype_name(in[0].dtype));
    return IR_OK;
}

/* ---- window attributes ---------------------------------------------------- */

typedef struct {
    int32_t nsp;
    int64_t k[MAX_SP], s[MAX_SP], dil[MAX_SP], pads[2 * MAX_SP];
    int32_t auto_pad; /* 0 NOTSET, 1 SAME_UPPER, 2 SAME_LOWER, 3 VALID */
    bool ceil;
} window;

/* Reads an INTS attribute of exactly `count` values in [lo, ATTR_MAX];
 * absent: every value is dflt. */
static ir_status ints_attr(const ir_node *n, const char *name, int32_t count, int64_t lo,
                           int64_t dflt, int64_t *v, ir_diag *d)
{
    const int64_t *a;
    size_t k = ir_attr_ints(n, name, &a);
    if (!ir_node_attr(n, name)) {
        for (int32_t i = 0; i < count; i++)
            v[i] = dflt;
        return IR_OK;
    }
    if (k != (size_t)count)
        return bad(d, IR_ERR_MODEL, n, "attribute %s has %zu values, expected %d", name, k,
                   (int)count);
    for (int32_t i = 0; i < count; i++) {
        if (a[i] < lo || a[i] > ATTR_MAX)
            return bad(d, IR_ERR_MODEL, n, "attribute %s[%d] is %lld, expected %s", name, (int)i,
                       (long long)a[i], lo > 0 ? ">= 1" : ">= 0");
        v[i] = a[i];
    }
    return IR_OK;
}

static ir_status auto_pad_attr(const ir_node *n, int32_t *mode, ir_diag *d)
{
    static const char *names[4] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
    const char *s = ir_attr_string(n, "auto_pad", "NOTSET");
    for (int32_t i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *mode = i;
            return IR_OK;
        }
    return bad(d, IR_ERR_MODEL, n,
               "auto_pad is '%s', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID", ir_q(s));
}

/* kernel: from the weight's shape (Conv, entries may be -1) or NULL to
 * read kernel_shape (required for pooling). */
static ir_status window_init(const ir_graph *g, const ir_node *n, int32_t nsp,
                             const int64_t *kernel, window *w, ir_diag *d)
{
    bool pool = n->op == IR_OP_MAXPOOL || n->op == IR_OP_AVGPOOL;
    w->nsp = nsp;
    ir_status st = IR_OK;
    if (pool && !ir_node_attr(n, "kernel_shape"))
        return bad(d, IR_ERR_MODEL, n, "attribute kernel_shape is required");
    if (ir_node_attr(n, "kernel_shape"))
        st = ints_attr(n, "kernel_shape", nsp, 1, 1, w->k, d);
    for (int32_t i = 0; !st && kernel && i < nsp; i++) {
        if (ir_node_attr(n, "kernel_shape") && kernel[i] >= 0 && kernel[i] != w->k[i])
            return bad(d, IR_ERR_MODEL, n,
                       "kernel_shape[%d] is %lld but the weight's kernel is %lld", (int)i,
                       (long long)w->k[i], (long long)kernel[i]);
        if (kernel[i] == 0)
            return bad(d, IR_ERR_MODEL, n, "the weight's kernel has size 0 in spatial dim %d",
                       (int)i);
        if (!ir_node_attr(n, "kernel_shape"))
            w->k[i] = kernel[i] > ATTR_MAX ? ATTR_MAX : kernel[i];
    }
    bool dil = n->op != IR_OP_AVGPOOL || ir_node_opset(g, n) >= 19;
    if (!st)
        st = ints_attr(n, "strides", nsp, 1, 1, w->s, d);
    for (int32_t i = 0; i < nsp; i++)
        w->dil[i] = 1;
    if (!st && dil) /* AveragePool has dilations from opset 19 */
        st = ints_attr(n, "dilations", nsp, 1, 1, w->dil, d);
    if (!st)
        st = ints_attr(n, "pads", 2 * nsp, 0, 0, w->pads, d);
    if (!st)
        st = auto_pad_attr(n, &w->auto_pad, d);
    w->ceil = pool && ir_attr_int(n, "ceil_mode", 0) != 0;
    return st;
}

/* Output size of spatial dim i for input size `in` (-1 if unknown, and -1
 * for an unknown kernel). */
static ir_status window_out(const ir_node *n, const window *w, int32_t i, int64_t in, int64_t *out,
                            ir_diag *d)
{
    *out = -1;
    if (in < 0 || w->k[i] < 0)
        return IR_OK;
    if (in > (1LL << 60)) /* keeps the arithmetic below from overflowing */
        return bad(d, IR_ERR_MODEL, n, "spatial dim %d is %lld, too large", (int)i,
                   (long long)in);
    int64_t ek = (w->k[i] - 1) * w->dil[i] + 1, s = w->s[i];
    if (w->auto_pad == 1 || w->auto_pad == 2) {
        *out = (in + s - 1) / s;
        return IR_OK;
    }
    int64_t total = in + (w->auto_pad == 3 ? 0 : w->pads[i] + w->pads[i + w->nsp]);
    if (total < ek)
        return bad(d, IR_ERR_MODEL, n,
                   "spatial dim %d: the kernel spans %lld (size %lld, dilation %lld), more than "
                   "the padded input (%lld)",
                   (int)i, (long long)ek, (long long)w->k[i], (long long)w->dil[i],
                   (long long)total);
    if (!w->ceil) {
        *out = (total - ek) / s + 1;
        return IR_OK;
    }
    *out = (total - ek + s - 1) / s + 1;
    int64_t pb = w->auto_pad == 3 ? 0 : w->pads[i];
    if ((*out - 1) * s >= in + pb) /* the last window would start in the end padding */
        (*out)--;
    return IR_OK;
}

/* Fills out dims [2, 2 + nsp) of y from x's spatial dims. */
static ir_status window_shape(const ir_node *n, const window *w, const ir_shape *x, ir_shape *y,
                              ir_diag *d)
{
    for (int32_t i = 0; i < w->nsp; i++) {
        ir_status st = window_out(n, w, i, x->rank >= 0 ? x->dims[2 + i] : -1, &y->dims[2 + i], d);
        if (st)
            return st;
    }
    return IR_OK;
}

/* ---- Conv ----------------------------------------------------------------- */

/* X [N, C, spatial...], W [M, C/group, kernel...], B [M]. */
static ir_status check_conv_channels(const ir_node *n, const ir_operand *in, int64_t group,
                                     ir_diag *d)
{
    const ir_shape *x = &in[0].shape, *w = &in[1].shape;
    int64_t c = x->rank >= 2 ? x->dims[1] : -1, m = w->rank >= 1 ? w->dims[0] : -1;
    int64_t wc = w->rank >= 2 ? w->dims[1] : -1;
    if (c >= 0 && wc >= 0 && c != wc * group)
        return bad(d, IR_ERR_MODEL, n,
                   "input has %lld channels, but the weight expects %lld x group %lld = %lld",
                   (long long)c, (long long)wc, (long long)group, (long long)(wc * group));
    if (m >= 0 && m % group != 0)
        return bad(d, IR_ERR_MODEL, n, "%lld output channels do not divide into %lld groups",
                   (long long)m, (long long)group);
    if (present(n, in, 2)) {
        const ir_shape *b = &in[2].shape;
        if (b->rank >= 0 && (b->rank != 1 || (m >= 0 && b->dims[0] >= 0 && b->dims[0] != m)))
            return bad(d, IR_ERR_MODEL, n, "input 2 (B) must be 1-D of length M = %lld",
                       (long long)m);
    }
    return IR_OK;
}

static ir_status conv_rank(const ir_node *n, const ir_operand *in, int32_t *rank, ir_diag *d)
{
    int32_t rx = in[0].shape.rank, rw = in[1].shape.rank;
    if (rx >= 0 && rw >= 0 && rx != rw)
        return bad(d, IR_ERR_MODEL, n, "input has rank %d but the weight has rank %d", (int)rx,
                   (int)rw);
    *rank = rx >= 0 ? rx : rw;
    if (*rank >= 0 && *rank < 3)
        return bad(d, IR_ERR_MODEL, n, "input %u has rank %d, expected >= 3 (N x C x D1 ...)",
                   rx >= 0 ? 0u : 1u, (int)*rank);
    if (*rank > 2 + MAX_SP)
        return bad(d, IR_ERR_UNSUPPORTED, n, "%d spatial dimensions; at most %d are supported",
                   (int)(*rank - 2), MAX_SP);
    return IR_OK;
}

ir_status ir_shape_conv(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                        ir_diag *d)
{
    ir_status st = need_dtype(n, in, 0, false, d);
    if (!st)
        st = need_dtype(n, in, 1, false, d);
    if (!st && present(n, in, 2))
        st = need_dtype(n, in, 2, false, d);
    int64_t group = ir_attr_int(n, "group", 1);
    if (!st && (group < 1 || group > ATTR_MAX))
        st = bad(d, IR_ERR_MODEL, n, "group is %lld, expected >= 1", (long long)group);
    int32_t rank = -1;
    if (!st)
        st = conv_rank(n, in, &rank, d);
    if (!st)
        st = check_conv_channels(n, in, group, d);
    if (st)
        return st;
    ir_shape y = {.rank = rank};
    if (rank >= 0) {
        window w;
        int64_t kernel[MAX_SP];
        for (int32_t i = 0; i < rank - 2; i++)
            kernel[i] = in[1].shape.rank == rank ? in[1].shape.dims[2 + i] : -1;
        if ((st = window_init(g, n, rank - 2, kernel, &w, d)) ||
            (st = window_shape(n, &w, &in[0].shape, &y, d)))
            return st;
        y.dims[0] = in[0].shape.rank >= 0 ? in[0].shape.dims[0] : -1;
        y.sym[0] = in[0].shape.rank >= 0 ? in[0].shape.sym[0] : NULL;
        y.dims[1] = in[1].shape.rank >= 0 ? in[1].shape.dims[0] : -1;
    }
    memset(&out[0], 0, sizeof out[0]);
    out[0].dtype = in[0].dtype;
    out[0].shape = y;
    return IR_OK;
}

/* ---- pooling -------------------------------------------------------------- */

ir_status ir_shape_pool(const ir_graph *g, const ir_node *n, const ir_operand *in, ir_operand *out,
                        ir_diag *d)
{
    bool maxpool = n->op == IR_OP_MAXPOOL;
    ir_status st = need_dtype(n, in, 0, maxpool && ir_node_opset(g, n) >= 12, d);
    if (st)
        return st;
    const ir_attr *ks = ir_node_attr(n, "kernel_shape");
    if (!ks || ks->type != IR_ATTR_INTS || ks->n < 1 || ks->n > MAX_SP)
        return bad(d, ks && ks->n > MAX_SP ? IR_ERR_UNSUPPORTED : IR_ERR_MODEL, n,
                   "attribute kernel_shape must list 1 to %d kernel sizes", MAX_SP);
    int32_t nsp = (int32_t)ks->n;
    const ir_shape *x = &in[0].shape;
    if (x->rank >= 0 && x->rank != nsp + 2)
        return bad(d, IR_ERR_MODEL, n, "input 0 has rank %d, expected %d for a %d-D kernel",
                   (int)x->rank, (int)nsp + 2, (int)nsp);
    int64_t so = ir_attr_int(n, "storage_order", 0);
    if (so != 0 && so != 1)
        return bad(d, IR_ERR_MODEL, n, "storage_order is %lld, expected 0 or 1", (long long)so);
    window w;
    ir_shape y = {.rank = nsp + 2, .dims = {-1, -1}};
    if ((st = window_init(g, n, nsp, NULL, &w, d)) || (st = window_shape(n, &w, x, &y, d)))
        return st;
    for (int32_t i = 0; i < 2 && x->rank >= 0; i++) {
        y.dims[i] = x->dims[i];
        y.sym[i] = x->sym[i];
    }
    for (uint32_t k = 0; k < n->n_outputs && k < 2; k++) {
        memset(&out[k], 0, sizeof out[k]);
        out[k].dtype = k == 0 ? in[0].dtype : IR_I64;
        out[k].shape = y;
    }
    return IR_OK;
}

ir_status ir_shape_globalpool(const ir_graph *g, const ir_node *n, const ir_operand *in,
                              ir_operand *out, ir_diag *d)
{
    ir_status st = need_dtype(n, in, 0, false, d);
    if (st)
        return st;
    ir_shape y = in[0].shape;
    if (y.rank >= 0 && y.rank < 2)
        return bad(d, IR_ERR_MODEL, n, "input 0 has rank %d, expected >= 2 (N x C x ...)",
                   (int)y.rank);
    for (int32_t i = 2; i < y.rank; i++) {
        y.dims[i] = 1;
        y.sym[i] = NULL;
    }
    memset(&out[0], 0, sizeof out[0]);
    out[0].dtype = in[0].dtype;
    out[0].shape = y;
    return IR_OK;
}
