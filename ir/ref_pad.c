/* ref_pad.c - Pad: shape hook and reference kernel.
 *
 * Pad's parameters moved from attributes (opset 1-10: 'paddings'/'pads',
 * 'value') to inputs (11: pads, constant_value; 18: axes), and its modes grew
 * from constant/reflect/edge to wrap (19); hook and kernel share one parser
 * here. Negative pads crop: an axis is first cropped, then padded, so the
 * reflect, edge and wrap modes read the cropped data (as onnxruntime does).
 * The kernel maps every output index of each axis to an input index once,
 * then copies element by element, whatever the dtype. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };
static const char *const pad_mode_names[] = {"constant", "reflect", "edge", "wrap"};

typedef struct {
    int mode;
    bool known;              /* pads known */
    bool padded[IR_MAX_RANK]; /* axes the pads apply to (when known) */
    bool axes_known;
    int64_t begin[IR_MAX_RANK], end[IR_MAX_RANK];
    uint8_t cval[16]; /* the constant, in the data's dtype */
} pad_args;

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define fail(n, st, d, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static ir_status pad_mode(const ir_graph *g, const ir_node *n, int *mode, ir_diag *d)
{
    const char *m = ir_attr_string(n, "mode", "constant");
    for (int i = 0; i < 4; i++) {
        if (strcmp(m, pad_mode_names[i]))
            continue;
        if (i == PAD_WRAP && ir_node_opset(g, n) < 19)
            return fail(n, IR_ERR_MODEL, d, "mode 'wrap' needs opset 19, the model uses %lld",
                        (long long)ir_node_opset(g, n));
        *mode = i;
        return IR_OK;
    }
    return fail(n, IR_ERR_MODEL, d, "unknown mode '%s', expected constant, reflect, edge or wrap",
                ir_q(m));
}

/* Which axes the pads list (opset 18 input 'axes'); count or -1. */
static int64_t pad_axes(const ir_node *n, const ir_tensor *ax, int32_t rank, int64_t *axes,
                        ir_diag *d)
{
    if (!ax) {
        for (int32_t i = 0; i < rank; i++)
            axes[i] = i;
        return rank;
    }
    int64_t cnt = ir_tensor_numel(ax);
    bool seen[IR_MAX_RANK] = {false};
    if ((ax->dtype != IR_I64 && ax->dtype != IR_I32) || cnt > rank) {
        fail(n, IR_ERR_MODEL, d, "axes must be int32/int64 with at most %d entries", (int)rank);
        return -1;
    }
    for (int64_t i = 0; i < cnt; i++) {
        int32_t a;
        if (!ir_axis_norm(ir_tensor_get_i64(ax, i), rank, &a) || seen[a]) {
            fail(n, IR_ERR_MODEL, d, "axes[%lld] = %lld is out of range or repeated",
                 (long long)i, (long long)ir_tensor_get_i64(ax, i));
            return -1;
        }
        seen[a] = true;
        axes[i] = a;
    }
    return cnt;
}

/* Reads the pads: from attributes before opset 11, else from v[1] (pads),
 * v[3] (axes). v[i] NULL = unknown; has[i] = input given. */
static ir_status pad_pads(const ir_graph *g, const ir_node *n, const ir_tensor *const *v,
                          const bool *has, int32_t rank, pad_args *p, ir_diag *d)
{
    int64_t axes[IR_MAX_RANK], pads[2 * IR_MAX_RANK], na, np;
    p->known = p->axes_known = true;
    if (ir_node_opset(g, n) < 11) {
        const char *name = ir_node_opset(g, n) < 2 ? "paddings" : "pads";
        const int64_t *a;
        np = (int64_t)ir_attr_ints(n, name, &a);
        if (!a)
            return fail(n, IR_ERR_MODEL, d, "missing attribute '%s'", name);
        if (np == 2 * rank)
            memcpy(pads, a, (size_t)np * sizeof *a);
        na = pad_axes(n, NULL, rank, axes, d);
    } else {
        if (!has[1])
            return fail(n, IR_ERR_MODEL, d, "input 1 (pads) is missing");
        bool want_axes = has[3] && ir_node_opset(g, n) >= 18;
        p->axes_known = !want_axes || v[3];
        p->known = v[1] && p->axes_known;
        if (!p->known)
            return IR_OK;
        na = pad_axes(n, want_axes ? v[3] : NULL, rank, axes, d);
        if (na < 0)
            return d ? d->status : IR_ERR_MODEL;
        np = ir_tensor_numel(v[1]);
        if (v[1]->dtype != IR_I64 && v[1]->dtype != IR_I32)
            return fail(n, IR_ERR_MODEL, d, "pads have type %s, expected int64",
                        ir_dtype_name(v[1]->dtype));
        for (int64_t i = 0; i < np && np == 2 * na; i++)
            pads[i] = ir_tensor_get_i64(v[1], i);
    }
    if (np != 2 * na)
        return fail(n, IR_ERR_MODEL, d, "pads have %lld entries, expected %lld (2 per axis)",
                    (long long)np, (long long)(2 * na));
    for (int32_t i = 0; i < rank; i++)
        p->begin[i] = p->end[i] = 0;
    for (int64_t i = 0; i < na; i++) {
        p->begin[axes[i]] = pads[i];
        p->end[axes[i]] = pads[na + i];
    }
    return IR_OK;
}

/* The padding constant in dtype t: attribute 'value' before opset 11, else
 * input 2 (omitted or empty: zero). */
static ir_status pad_constant(const ir_graph *g, const ir_node *n, const ir_tensor *cv, ir_dtype t,
                              pad_args *p, ir_diag *d)
{
    ir_tensor tmp = {.dtype = t, .shape = {.rank = 0}, .data = p->cval, .nbytes = 16};
    memset(p->cval, 0, sizeof p->cval);
    if (ir_node_opset(g, n) < 11) {
        ir_tensor_set_f64(&tmp, 0, ir_attr_float(n, "value", 0.0f));
        return IR_OK;
    }
    if (!cv || ir_tensor_numel(cv) == 0)
        return IR_OK;
    if (cv->dtype != t || ir_tensor_numel(cv) != 1)
        return fail(n, IR_ERR_MODEL, d, "constant_value is %s with %lld elements, expected one "
                    "%s like the data", ir_dtype_name(cv->dtype), (long long)ir_tensor_numel(cv),
                    ir_dtype_name(t));
    memcpy(p->cval, cv->data, ir_dtype_size(t));
    return IR_OK;
}

/* Output length of axis i, checking crops and modes that need data. */
static ir_status pad_dim(const ir_node *n, const pad_args *p, int32_t i, int64_t dim,
                         int64_t *len, ir_diag *d)
{
    int64_t b = p->begin[i], e = p->end[i], crop = 0;
    if ((b < 0 && __builtin_add_overflow(crop, -b, &crop)) ||
        (e < 0 && __builtin_add_overflow(crop, -e, &crop)) || crop > dim)
        return fail(n, IR_ERR_MODEL, d, "pads %lld,%lld crop more than the %lld elements of axis "
                    "%d", (long long)b, (long long)e, (long long)dim, (int)i);
    if (__builtin_add_overflow(dim, b, len) || __builtin_add_overflow(*len, e, len))
        return fail(n, IR_ERR_MODEL, d, "pads %lld,%lld overflow axis %d", (long long)b,
                    (long long)e, (int)i);
    if (p->mode != PAD_CONSTANT && dim - crop == 0 && (b > 0 || e > 0))
        return fail(n, IR_ERR_MODEL, d, "cannot pad empty axis %d in mode '%s'", (int)i,
                    pad_mode_names[p->mode]);
    return IR_OK;
}

static bool has_input(const ir_node *n, uint32_t i) { return i < n->n_inputs && n->inputs[i] >= 0; }

ir_status ir_shape_pad(const ir_graph *g, const ir_node *n, const ir_operand *in,
                       ir_operand *out, ir_diag *d)
{
    const ir_tensor *v[4] = {NULL};
    bool has[4] = {true};
    for (uint32_t i = 1; i < 4; i++) {
        has[i] = has_input(n, i) && in[i].dtype != IR_UNDEF;
        v[i] = has[i] ? in[i].value : NULL;
    }
    if (has[2] && ir_node_opset(g, n) >= 11 && in[2].dtype != in[0].dtype)
        return fail(n, IR_ERR_MODEL, d, "constant_value has type %s, the data %s",
                    ir_dtype_name(in[2].dtype), ir_dtype_name(in[0].dtype));
    pad_args p;
    ir_status st = pad_mode(g, n, &p.mode, d);
    ir_shape o = in[0].shape;
    if (st == IR_OK && o.rank >= 0)
        st = pad_pads(g, n, v, has, o.rank, &p, d);
    if (st != IR_OK)
        return st;
    for (int32_t i = 0; i < o.rank; i++) {
        if (!p.known) {
            o.dims[i] = -1, o.sym[i] = NULL;
        } else if (o.dims[i] >= 0) {
            if ((st = pad_dim(n, &p, i, o.dims[i], &o.dims[i], d)) != IR_OK)
                return st;
        } else if (p.begin[i] || p.end[i]) {
            o.sym[i] = NULL;
        }
    }
    uint64_t cnt = 1, bytes;
    for (int32_t i = 0; i < o.rank; i++)
        if (o.dims[i] >= 0 && !ir_mul_overflow_u64(cnt, (uint64_t)o.dims[i], &cnt))
            return fail(n, IR_ERR_MODEL, d, "output would have more than 2^64 elements");
    if (!ir_mul_overflow_u64(cnt, ir_dtype_size(in[0].dtype), &bytes) ||
        bytes > ((uint64_t)1 << 40))
        return fail(n, IR_ERR_UNSUPPORTED, d, "output would have %llu elements (more than the "
                    "2^40-byte tensor limit)", (unsigned long long)cnt);
    out[0].dtype = in[0].dtype;
    out[0].shape = o;
    out[0].value = NULL;
    return IR_OK;
}

/* Maps output index o of an axis to an input index, -1 for the constant. */
static int64_t pad_map(const pad_args *p, int32_t i, int64_t dim, int64_t o)
{
    int64_t lo = p->begin[i] < 0 ? -p->begin[i] : 0;
    int64_t len = dim - lo - (p->end[i] < 0 ? -p->end[i] : 0);
    int64_t c = o - (p->begin[i] > 0 ? p->begin[i] : 0);
    if (c >= 0 && c < len)
        return lo + c;
    switch (p->mode) {
    case PAD_EDGE:
        c = c < 0 ? 0 : len - 1;
        break;
    case PAD_WRAP:
        c = ((c % len) + len) % len;
        break;
    case PAD_REFLECT:
        if (len == 1) {
            c = 0;
        } else {
            int64_t period = 2 * (len - 1);
            c = ((c % period) + period) % period;
            c = c < len ? c : period - c;
        }
        break;
    default:
        return -1;
    }
    return lo + c;
}

static ir_status pad_copy(const pad_args *p, const ir_tensor *x, ir_tensor *y, int64_t **map)
{
    const ir_shape *os = &y->shape;
    int64_t xs[IR_MAX_RANK];
    ir_shape_strides(&x->shape, xs);
    for (int32_t i = 0; i < os->rank; i++)
        for (int64_t o = 0; o < os->dims[i]; o++)
            map[i][o] = pad_map(p, i, x->shape.dims[i], o);
    size_t es = ir_dtype_size(y->dtype);
    uint8_t *dst = y->data;
    const uint8_t *src = x->data;
    if (ir_tensor_numel(y) <= 0)
        return IR_OK;
    ir_index it;
    ir_index_init(&it, os);
    do {
        int64_t off = 0;
        bool constant = false;
        for (int32_t i = 0; i < os->rank && !constant; i++) {
            int64_t m = map[i][it.idx[i]];
            constant = m < 0;
            off += m * xs[i];
        }
        memcpy(dst, constant ? p->cval : src + (size_t)off * es, es);
        dst += es;
    } while (ir_index_next(&it));
    return IR_OK;
}

ir_status ir_ref_pad(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                     ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *v[4] = {in[0]};
    bool has[4] = {true};
    for (uint32_t i = 1; i < 4; i++) {
        has[i] = has_input(n, i) && in[i];
        v[i] = has[i] ? in[i] : NULL;
    }
    const ir_shape *x = &in[0]->shape;
    pad_args p;
    ir_status st = pad_mode(g, n, &p.mode, d);
    if (st == IR_OK)
        st = pad_pads(g, n, v, has, x->rank, &p, d);
    if (st == IR_OK)
        st = pad_constant(g, n, v[2], in[0]->dtype, &p, d);
    for (int32_t i = 0; i < x->rank && st == IR_OK; i++) {
        int64_t len;
        st = pad_dim(n, &p, i, x->dims[i], &len, d);
        if (st == IR_OK && len != out[0]->shape.dims[i])
            st = fail(n, IR_ERR_INTERNAL, d, "axis %d: output length %lld, expected %lld",
                      (int)i, (long long)out[0]->shape.dims[i], (long long)len);
    }
    if (st != IR_OK)
        return st;
    int64_t total = 0, *map[IR_MAX_RANK];
    for (int32_t i = 0; i < x->rank; i++)
        total += out[0]->shape.dims[i];
    int64_t *buf = malloc((size_t)(total ? total : 1) * sizeof *buf);
    if (!buf)
        return fail(n, IR_ERR_NOMEM, d, "out of memory");
    int64_t o = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        map[i] = buf + o;
        o += out[0]->shape.dims[i];
    }
    st = pad_copy(&p, in[0], out[0], map);
    free(buf);
    return st;
}
