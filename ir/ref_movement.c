/* ref_movement.c - reference kernels for the data-movement and
 * shape-arithmetic ops whose shape hooks are in shape_movement.c: Reshape,
 * Flatten, Unsqueeze, Squeeze (a copy), Transpose, Concat, Gather, Shape,
 * ConstantOfShape, Constant, Expand, Tile and Range.
 *
 * These kernels move elements without looking at them, so they work on
 * every dtype by element size: one memcpy of dtype-size bytes per element,
 * or per contiguous run where the layout gives one. They are also the engine
 * of constant folding for DETR's shape arithmetic, so the output shape is
 * taken from the pre-allocated out tensor (the shape hook computed it from
 * the same inputs) and only what the hook cannot have checked - index values
 * seen for the first time - is validated here. */
#include <stdarg.h>
#include <string.h>

#include "kernels.h"

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define fail(n, st, d, ...) ir_fail_node(d, st, n, __VA_ARGS__)

/* Copies every element of out from src at the offset given by the element
 * strides st (seen from out's shape). */
static void gather_strided(ir_tensor *out, const ir_tensor *src, const int64_t *st)
{
    size_t es = ir_dtype_size(out->dtype);
    uint8_t *o = out->data;
    const uint8_t *s = src->data;
    if (ir_tensor_numel(out) <= 0)
        return;
    ir_index it;
    ir_index_init(&it, &out->shape);
    do {
        memcpy(o, s + (size_t)ir_index_offset(&it, st) * es, es);
        o += es;
    } while (ir_index_next(&it));
}

/* ---- Reshape, Flatten, Unsqueeze, Squeeze: same bytes, new shape -------- */

ir_status ir_ref_reshape(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                         ir_tensor *const *out, ir_diag *d)
{
    if (in[0]->nbytes != out[0]->nbytes)
        return fail(n, IR_ERR_INTERNAL, d, "input has %llu bytes, output %llu",
                    (unsigned long long)in[0]->nbytes, (unsigned long long)out[0]->nbytes);
    if (out[0]->data != in[0]->data && in[0]->nbytes)
        memmove(out[0]->data, in[0]->data, (size_t)in[0]->nbytes);
    return IR_OK;
}

ir_status ir_ref_flatten(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                         ir_tensor *const *out, ir_diag *d)
{
    return ir_ref_reshape(g, n, in, out, d);
}

ir_status ir_ref_unsqueeze(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                           ir_tensor *const *out, ir_diag *d)
{
    return ir_ref_reshape(g, n, in, out, d);
}

ir_status ir_ref_squeeze(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                         ir_tensor *const *out, ir_diag *d)
{
    return ir_ref_reshape(g, n, in, out, d);
}

/* ---- Transpose ---------------------------------------------------------- */

ir_status ir_ref_transpose(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                           ir_tensor *const *out, ir_diag *d)
{
    const ir_shape *x = &in[0]->shape;
    const int64_t *perm;
    size_t k = ir_attr_ints(n, "perm", &perm);
    int64_t xs[IR_MAX_RANK], st[IR_MAX_RANK];
    if (ir_node_attr(n, "perm") && k != (size_t)x->rank)
        return fail(n, IR_ERR_MODEL, d, "perm has %zu entries, expected %d", k, (int)x->rank);
    ir_shape_strides(x, xs);
    for (int32_t i = 0; i < x->rank; i++) {
        int64_t p = perm ? perm[i] : x->rank - 1 - i;
        if (p < 0 || p >= x->rank)
            return fail(n, IR_ERR_MODEL, d, "perm[%d] = %lld is out of range", (int)i,
                        (long long)p);
        st[i] = xs[p];
    }
    gather_strided(out[0], in[0], st);
    return IR_OK;
}

/* ---- Concat ------------------------------------------------------------- */

ir_status ir_ref_concat(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_shape *os = &out[0]->shape;
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 1), os->rank, &a))
        return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                    (long long)ir_attr_int(n, "axis", 1), (int)os->rank);
    size_t es = ir_dtype_size(out[0]->dtype);
    int64_t outer = 1, inner = 1;
    for (int32_t i = 0; i < a; i++)
        outer *= os->dims[i];
    for (int32_t i = a + 1; i < os->rank; i++)
        inner *= os->dims[i];
    uint8_t *o = out[0]->data;
    size_t total = 0;
    for (uint32_t i = 0; i < n->n_inputs; i++)
        total += (size_t)in[i]->nbytes;
    if (total != out[0]->nbytes)
        return fail(n, IR_ERR_INTERNAL, d, "inputs hold %zu bytes, output %llu", total,
                    (unsigned long long)out[0]->nbytes);
    for (int64_t j = 0; j < outer; j++) {
        for (uint32_t i = 0; i < n->n_inputs; i++) {
            size_t chunk = (size_t)(in[i]->shape.dims[a] * inner) * es;
            if (!chunk)
                continue;
            memcpy(o, (const uint8_t *)in[i]->data + (size_t)j * chunk, chunk);
            o += chunk;
        }
    }
    return IR_OK;
}

/* ---- Gather ------------------------------------------------------------- */

ir_status ir_ref_gather(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0], *idx = in[1];
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 0), x->shape.rank, &a))
        return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                    (long long)ir_attr_int(n, "axis", 0), (int)x->shape.rank);
    int64_t outer = 1, inner = 1, dim = x->shape.dims[a], cnt = ir_tensor_numel(idx);
    for (int32_t i = 0; i < a; i++)
        outer *= x->shape.dims[i];
    for (int32_t i = a + 1; i < x->shape.rank; i++)
        inner *= x->shape.dims[i];
    for (int64_t i = 0; i < cnt; i++) {
        int64_t v = ir_tensor_get_i64(idx, i);
        if (v < -dim || v >= dim)
            return fail(n, IR_ERR_MODEL, d,
                        "index %lld (indices element %lld) is out of range for axis %d of size "
                        "%lld",
                        (long long)v, (long long)i, (int)a, (long long)dim);
    }
    size_t chunk = (size_t)inner * ir_dtype_size(x->dtype);
    uint8_t *o = out[0]->data;
    const uint8_t *s = x->data;
    for (int64_t j = 0; j < outer; j++) {
        for (int64_t i = 0; i < cnt; i++, o += chunk) {
            int64_t v = ir_tensor_get_i64(idx, i);
            v = v < 0 ? v + dim : v;
            memcpy(o, s + (size_t)(j * dim + v) * chunk, chunk);
        }
    }
    return IR_OK;
}

/* ---- Shape -------------------------------------------------------------- */

ir_status ir_ref_shape(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    int32_t rank = in[0]->shape.rank;
    int64_t s = 0, e = rank;
    if (ir_node_opset(g, n) >= 15) {
        s = ir_attr_int(n, "start", 0);
        e = ir_attr_int(n, "end", rank);
    }
    s = s < 0 ? s + rank : s;
    e = e < 0 ? e + rank : e;
    s = s < 0 ? 0 : s > rank ? rank : s;
    e = e < 0 ? 0 : e > rank ? rank : e;
    if (ir_tensor_numel(out[0]) != (e > s ? e - s : 0))
        return fail(n, IR_ERR_INTERNAL, d, "output has %lld elements, expected %lld",
                    (long long)ir_tensor_numel(out[0]), (long long)(e > s ? e - s : 0));
    for (int64_t i = s; i < e; i++)
        ir_tensor_set_i64(out[0], i - s, in[0]->shape.dims[i]);
    return IR_OK;
}

/* ---- ConstantOfShape and Constant --------------------------------------- */

/* Fills out with copies of the single element at src (same dtype). */
static void fill(ir_tensor *out, const void *src)
{
    size_t es = ir_dtype_size(out->dtype);
    int64_t cnt = ir_tensor_numel(out);
    uint8_t *o = out->data;
    for (int64_t i = 0; i < cnt; i++, o += es)
        memcpy(o, src, es);
}

ir_status ir_ref_constantofshape(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                                 ir_tensor *const *out, ir_diag *d)
{
    const ir_attr *va = ir_node_attr(n, "value");
    if (!va) {
        float zero = 0;
        if (out[0]->dtype != IR_F32)
            return fail(n, IR_ERR_INTERNAL, d, "output is not float32");
        fill(out[0], &zero);
        return IR_OK;
    }
    if (va->type != IR_ATTR_TENSOR || !va->tensor || ir_tensor_numel(va->tensor) != 1 ||
        va->tensor->dtype != out[0]->dtype)
        return fail(n, IR_ERR_MODEL, d, "attribute 'value' is not a one-element tensor");
    fill(out[0], va->tensor->data);
    return IR_OK;
}

ir_status ir_ref_constant(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                          ir_tensor *const *out, ir_diag *d)
{
    const ir_attr *a;
    ir_tensor *o = out[0];
    if ((a = ir_node_attr(n, "value")) && a->type == IR_ATTR_TENSOR && a->tensor) {
        if (a->tensor->nbytes != o->nbytes || a->tensor->dtype != o->dtype)
            return fail(n, IR_ERR_INTERNAL, d, "output does not match attribute 'value'");
        if (o->nbytes)
            memcpy(o->data, a->tensor->data, (size_t)o->nbytes);
    } else if ((a = ir_node_attr(n, "value_float")) && a->type == IR_ATTR_FLOAT) {
        ir_tensor_set_f64(o, 0, a->f);
    } else if ((a = ir_node_attr(n, "value_int")) && a->type == IR_ATTR_INT) {
        ir_tensor_set_i64(o, 0, a->i);
    } else if ((a = ir_node_attr(n, "value_floats")) && a->type == IR_ATTR_FLOATS &&
               (int64_t)a->n == ir_tensor_numel(o)) {
        for (size_t i = 0; i < a->n; i++)
            ir_tensor_set_f64(o, (int64_t)i, a->floats[i]);
    } else if ((a = ir_node_attr(n, "value_ints")) && a->type == IR_ATTR_INTS &&
               (int64_t)a->n == ir_tensor_numel(o)) {
        for (size_t i = 0; i < a->n; i++)
            ir_tensor_set_i64(o, (int64_t)i, a->ints[i]);
    } else {
        return fail(n, IR_ERR_UNSUPPORTED, d, "no supported value attribute");
    }
    return IR_OK;
}

/* ---- Expand and Tile ---------------------------------------------------- */

ir_status ir_ref_expand(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    int64_t st[IR_MAX_RANK];
    if (in[0]->shape.rank > out[0]->shape.rank)
        return fail(n, IR_ERR_INTERNAL, d, "output rank below input rank");
    ir_broadcast_strides(&in[0]->shape, &out[0]->shape, st);
    gather_strided(out[0], in[0], st);
    return IR_OK;
}

ir_status ir_ref_tile(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    const ir_shape *x = &in[0]->shape, *os = &out[0]->shape;
    int64_t st[IR_MAX_RANK];
    if (x->rank != os->rank)
        return fail(n, IR_ERR_INTERNAL, d, "output rank differs from input rank");
    if (ir_tensor_numel(out[0]) <= 0)
        return IR_OK;
    ir_shape_strides(x, st);
    size_t es = ir_dtype_size(out[0]->dtype);
    uint8_t *o = out[0]->data;
    const uint8_t *s = in[0]->data;
    ir_index it;
    ir_index_init(&it, os);
    do {
        int64_t off = 0;
        for (int32_t i = 0; i < x->rank; i++)
            off += (it.idx[i] % x->dims[i]) * st[i];
        memcpy(o, s + (size_t)off * es, es);
        o += es;
    } while (ir_index_next(&it));
    return IR_OK;
}

/* ---- Range -------------------------------------------------------------- */

/* Element i is start + i * delta (the closest to numpy's arange; ONNX's
 * function body accumulates, which differs by rounding only). */
ir_status ir_ref_range(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    int64_t cnt = ir_tensor_numel(out[0]);
    ir_dtype t = out[0]->dtype;
    if (t == IR_F32 || t == IR_F64) {
        double s = ir_tensor_get_f64(in[0], 0), dl = ir_tensor_get_f64(in[2], 0);
        for (int64_t i = 0; i < cnt; i++)
            ir_tensor_set_f64(out[0], i, s + (double)i * dl);
    } else {
        int64_t s = ir_tensor_get_i64(in[0], 0), dl = ir_tensor_get_i64(in[2], 0);
        for (int64_t i = 0; i < cnt; i++)
            ir_tensor_set_i64(out[0], i, (int64_t)((uint64_t)s + (uint64_t)i * (uint64_t)dl));
    }
    return IR_OK;
}
