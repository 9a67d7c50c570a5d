/* ref_reduce.c - reference kernels that work along axes: Softmax,
 * ReduceMean and ReduceMax, CumSum, ArgMax, TopK, LayerNormalization and
 * BatchNormalization.
 *
 * Most of them see the input as [outer, len, inner] around one axis and
 * handle each of the outer*inner lines of `len` elements on its own. They
 * read and write elements through the tensor.c accessors (any dtype, one
 * switch per element): these ops are a small share of a model's work, and
 * the accessors keep every kernel short. Floating-point sums are taken in
 * double; orderings (max, arg max, top-k) compare elements in their own
 * dtype, so int64 and uint64 values order exactly, and NaN counts as the
 * largest value, as numpy's max/argmax treat it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define bad(d, st, n, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static ir_status nomem(const ir_node *n, ir_diag *d)
{
    return bad(d, IR_ERR_NOMEM, n, "out of memory for a scratch buffer");
}

static bool is_float(ir_dtype t)
{
    return t == IR_F32 || t == IR_F64 || t == IR_F16 || t == IR_BF16;
}

static bool is_signed(ir_dtype t)
{
    return t == IR_I8 || t == IR_I16 || t == IR_I32 || t == IR_I64;
}

/* Orders elements i and j of t: > 0 when t[i] > t[j]; NaN is largest. */
static int cmp_elem(const ir_tensor *t, int64_t i, int64_t j)
{
    if (is_float(t->dtype)) {
        double a = ir_tensor_get_f64(t, i), b = ir_tensor_get_f64(t, j);
        if (a != a || b != b)
            return (a != a) - (b != b);
        return (a > b) - (a < b);
    }
    if (is_signed(t->dtype)) {
        int64_t a = ir_tensor_get_i64(t, i), b = ir_tensor_get_i64(t, j);
        return (a > b) - (a < b);
    }
    uint64_t a = (uint64_t)ir_tensor_get_i64(t, i), b = (uint64_t)ir_tensor_get_i64(t, j);
    return (a > b) - (a < b);
}

static void copy_elem(ir_tensor *dst, int64_t i, const ir_tensor *src, int64_t j)
{
    size_t es = ir_dtype_size(src->dtype);
    memcpy((char *)dst->data + (size_t)i * es, (const char *)src->data + (size_t)j * es, es);
}

/* [outer, len, inner] around axis a. */
static void split_axis(const ir_shape *s, int32_t a, int64_t *outer, int64_t *len, int64_t *inner)
{
    *outer = *inner = 1;
    for (int32_t i = 0; i < a; i++)
        *outer *= s->dims[i];
    *len = s->dims[a];
    for (int32_t i = a + 1; i < s->rank; i++)
        *inner *= s->dims[i];
}

static ir_status get_axis(const ir_node *n, int64_t axis, int32_t rank, int32_t *a, ir_diag *d)
{
    if (!ir_axis_norm(axis, rank, a))
        return bad(d, IR_ERR_MODEL, n, "axis %lld is out of range for an input of rank %d",
                   (long long)axis, (int)rank);
    return IR_OK;
}

/* ---- Softmax ------------------------------------------------------------ */

/* Opset 13 normalizes along one axis (default -1); before that the input is
 * flattened to 2-D at the axis (default 1) and each row is normalized. */
ir_status ir_ref_softmax(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                         ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    bool v13 = ir_node_opset(g, n) >= 13;
    int32_t a;
    ir_status st = get_axis(n, ir_attr_int(n, "axis", v13 ? -1 : 1), x->shape.rank, &a, d);
    if (st)
        return st;
    int64_t outer, len, inner;
    split_axis(&x->shape, a, &outer, &len, &inner);
    if (!v13) {
        len *= inner;
        inner = 1;
    }
    double *e = malloc((size_t)(len > 0 ? len : 1) * sizeof *e);
    if (!e)
        return nomem(n, d);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * len * inner + i;
            double mx = -INFINITY, sum = 0;
            for (int64_t k = 0; k < len; k++) {
                e[k] = ir_tensor_get_f64(x, base + k * inner);
                mx = e[k] > mx ? e[k] : mx;
            }
            for (int64_t k = 0; k < len; k++) {
                e[k] = exp(e[k] - mx);
                sum += e[k];
            }
            for (int64_t k = 0; k < len; k++)
                ir_tensor_set_f64(out[0], base + k * inner, e[k] / sum);
        }
    }
    free(e);
    return IR_OK;
}

/* ---- ReduceMean, ReduceMax ---------------------------------------------- */

/* Marks the reduced axes (attribute axes up to opset 17, input 1 from 18;
 * none given: all, or none with noop_with_empty_axes). */
static ir_status reduced_axes(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                              bool *red, ir_diag *d)
{
    int32_t rank = in[0]->shape.rank;
    int64_t axes[64], count = 0;
    if (ir_node_opset(g, n) < 18) {
        const int64_t *p;
        size_t k = ir_attr_ints(n, "axes", &p);
        if (k > 64)
            return bad(d, IR_ERR_MODEL, n, "attribute axes has %zu entries", k);
        if (k)
            memcpy(axes, p, k * sizeof *p);
        count = (int64_t)k;
    } else if (n->n_inputs > 1 && in[1]) {
        count = ir_tensor_ints(in[1], axes, 64);
        if (count < 0)
            return bad(d, IR_ERR_MODEL, n, "input 1 (axes) must be int64 with at most 64 entries");
    }
    bool all = count == 0 && !ir_attr_int(n, "noop_with_empty_axes", 0);
    for (int32_t i = 0; i < rank; i++)
        red[i] = all;
    for (int64_t i = 0; i < count; i++) {
        int32_t a;
        ir_status st = get_axis(n, axes[i], rank, &a, d);
        if (st)
            return st;
        red[a] = true;
    }
    return IR_OK;
}

/* Output of an empty ReduceMax: the dtype's lowest value. */
static void set_lowest(ir_tensor *t, int64_t i)
{
    static const int64_t lowest[] = {
        [IR_I8] = INT8_MIN, [IR_I16] = INT16_MIN, [IR_I32] = INT32_MIN, [IR_I64] = INT64_MIN};
    if (is_float(t->dtype))
        ir_tensor_set_f64(t, i, -INFINITY);
    else
        ir_tensor_set_i64(t, i, is_signed(t->dtype) ? lowest[t->dtype] : 0);
}

/* Walks the input once; each element lands on the output element whose
 * coordinates it shares outside the reduced axes (stride 0 on those). */
ir_status ir_ref_reduce(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    bool red[IR_MAX_RANK];
    ir_status st = reduced_axes(g, n, in, red, d);
    if (st)
        return st;
    ir_shape keep = x->shape;
    for (int32_t i = 0; i < keep.rank; i++)
        keep.dims[i] = red[i] ? 1 : keep.dims[i];
    int64_t ost[IR_MAX_RANK], m = ir_tensor_numel(out[0]);
    ir_shape_strides(&keep, ost);
    for (int32_t i = 0; i < keep.rank; i++)
        ost[i] = red[i] ? 0 : ost[i];
    size_t cap = (size_t)(m > 0 ? m : 1);
    double *sum = calloc(cap, sizeof *sum);
    int64_t *cnt = calloc(cap, sizeof *cnt), *best = calloc(cap, sizeof *best);
    if (!sum || !cnt || !best) {
        free(sum);
        free(cnt);
        free(best);
        return nomem(n, d);
    }
    bool max = n->op == IR_OP_REDUCEMAX;
    ir_index it;
    ir_index_init(&it, &x->shape);
    for (int64_t i = 0; !it.empty; i++) {
        int64_t o = ir_index_offset(&it, ost);
        if (!max)
            sum[o] += ir_tensor_get_f64(x, i);
        else if (!cnt[o] || cmp_elem(x, i, best[o]) > 0)
            best[o] = i;
        cnt[o]++;
        if (!ir_index_next(&it))
            break;
    }
    for (int64_t o = 0; o < m; o++) {
        if (!max)
            ir_tensor_set_f64(out[0], o, sum[o] / (double)cnt[o]);
        else if (cnt[o])
            copy_elem(out[0], o, x, best[o]);
        else
            set_lowest(out[0], o);
    }
    free(sum);
    free(cnt);
    free(best);
    return IR_OK;
}

/* ---- CumSum ------------------------------------------------------------- */

ir_status ir_ref_cumsum(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    int64_t axis;
    int32_t a;
    if (ir_tensor_ints(in[1], &axis, 1) != 1)
        return bad(d, IR_ERR_MODEL, n, "input 1 (axis) must be one int32 or int64 value");
    ir_status st = get_axis(n, axis, x->shape.rank, &a, d);
    if (st)
        return st;
    bool excl = ir_attr_int(n, "exclusive", 0) != 0, rev = ir_attr_int(n, "reverse", 0) != 0;
    bool fl = is_float(x->dtype);
    int64_t outer, len, inner;
    split_axis(&x->shape, a, &outer, &len, &inner);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            double facc = 0;
            uint64_t iacc = 0; /* integers wrap */
            for (int64_t j = 0; j < len; j++) {
                int64_t e = o * len * inner + (rev ? len - 1 - j : j) * inner + i;
                if (excl) {
                    if (fl)
                        ir_tensor_set_f64(out[0], e, facc);
                    else
                        ir_tensor_set_i64(out[0], e, (int64_t)iacc);
                }
                if (fl)
                    facc += ir_tensor_get_f64(x, e);
                else
                    iacc += (uint64_t)ir_tensor_get_i64(x, e);
                if (!excl) {
                    if (fl)
                        ir_tensor_set_f64(out[0], e, facc);
                    else
                        ir_tensor_set_i64(out[0], e, (int64_t)iacc);
                }
            }
        }
    }
    return IR_OK;
}

/* ---- ArgMax ------------------------------------------------------------- */

ir_status ir_ref_argmax(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    int32_t a;
    ir_status st = get_axis(n, ir_attr_int(n, "axis", 0), x->shape.rank, &a, d);
    if (st)
        return st;
    bool last = ir_attr_int(n, "select_last_index", 0) != 0;
    int64_t outer, len, inner;
    split_axis(&x->shape, a, &outer, &len, &inner);
    if (len == 0 && outer * inner > 0)
        return bad(d, IR_ERR_MODEL, n, "cannot take the arg max over an axis of size 0");
    int64_t *o = out[0]->data;
    for (int64_t p = 0; p < outer; p++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = p * len * inner + i, best = 0;
            for (int64_t k = 1; k < len; k++) {
                int c = cmp_elem(x, base + k * inner, base + best * inner);
                if (c > 0 || (c == 0 && last))
                    best = k;
            }
            o[p * inner + i] = best;
        }
    }
    return IR_OK;
}

/* ---- TopK --------------------------------------------------------------- */

typedef struct {
    const ir_tensor *x;
    int64_t base, inner;
    bool largest;
} topk_line;

/* Does position i come strictly before j? Equal values keep index order
 * (the sort is stable), so the lower index comes first, as ONNX asks. */
static bool topk_before(const topk_line *l, int64_t i, int64_t j)
{
    int c = cmp_elem(l->x, l->base + i * l->inner, l->base + j * l->inner);
    return l->largest ? c > 0 : c < 0;
}

static void merge_sort(int64_t *v, int64_t *tmp, int64_t n, const topk_line *l)
{
    if (n < 2)
        return;
    int64_t h = n / 2, i = 0, j = h, k = 0;
    merge_sort(v, tmp, h, l);
    merge_sort(v + h, tmp, n - h, l);
    while (i < h && j < n)
        tmp[k++] = topk_before(l, v[j], v[i]) ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, (size_t)n * sizeof *v);
}

ir_status ir_ref_topk(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    int32_t a;
    ir_status st = get_axis(n, ir_attr_int(n, "axis", -1), x->shape.rank, &a, d);
    if (st)
        return st;
    int64_t outer, len, inner, k = out[0]->shape.dims[a];
    split_axis(&x->shape, a, &outer, &len, &inner);
    topk_line l = {x, 0, inner, ir_attr_int(n, "largest", 1) != 0};
    int64_t *v = malloc((size_t)(len > 0 ? len : 1) * 2 * sizeof *v);
    if (!v)
        return nomem(n, d);
    for (int64_t p = 0; p < outer; p++) {
        for (int64_t i = 0; i < inner; i++) {
            l.base = p * len * inner + i;
            for (int64_t j = 0; j < len; j++)
                v[j] = j;
            merge_sort(v, v + len, len, &l);
            for (int64_t j = 0; j < k; j++) {
                int64_t o = p * k * inner + j * inner + i;
                copy_elem(out[0], o, x, l.base + v[j] * inner);
                if (out[1])
                    ((int64_t *)out[1]->data)[o] = v[j];
            }
        }
    }
    free(v);
    return IR_OK;
}

/* ---- LayerNormalization ------------------------------------------------- */

/* Expands Scale or B (unidirectionally broadcast to the normalized shape
 * x.shape[a:]) into a dense array of `inner` doubles. */
static double *expand_param(const ir_tensor *p, const ir_shape *x, int32_t a, int64_t inner)
{
    double *v = malloc((size_t)(inner > 0 ? inner : 1) * sizeof *v);
    if (!v)
        return NULL;
    ir_shape norm = {.rank = x->rank - a};
    memcpy(norm.dims, x->dims + a, (size_t)norm.rank * sizeof norm.dims[0]);
    int64_t st[IR_MAX_RANK];
    ir_broadcast_strides(&p->shape, &norm, st);
    ir_index it;
    ir_index_init(&it, &norm);
    int64_t j = 0;
    do {
        if (!it.empty)
            v[j++] = ir_tensor_get_f64(p, ir_index_offset(&it, st));
    } while (ir_index_next(&it));
    return v;
}

static void layernorm_row(const ir_tensor *x, ir_tensor *y, int64_t base, int64_t inner, double eps,
                          const double *scale, const double *bias, double *stat)
{
    double mean = 0, var = 0;
    for (int64_t j = 0; j < inner; j++)
        mean += ir_tensor_get_f64(x, base + j);
    mean /= (double)inner;
    for (int64_t j = 0; j < inner; j++) {
        double c = ir_tensor_get_f64(x, base + j) - mean;
        var += c * c;
    }
    var /= (double)inner;
    double inv = 1.0 / sqrt(var + eps);
    for (int64_t j = 0; j < inner; j++) {
        double v = (ir_tensor_get_f64(x, base + j) - mean) * inv * scale[j];
        ir_tensor_set_f64(y, base + j, bias ? v + bias[j] : v);
    }
    stat[0] = mean;
    stat[1] = inv;
}

ir_status ir_ref_layernorm(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                           ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    int32_t a;
    ir_status st = get_axis(n, ir_attr_int(n, "axis", -1), x->shape.rank, &a, d);
    if (st)
        return st;
    if (n->n_inputs < 2 || !in[1])
        return bad(d, IR_ERR_MODEL, n, "input 1 (Scale) is missing");
    int64_t outer, len, inner;
    split_axis(&x->shape, a, &outer, &len, &inner);
    inner *= len;
    double eps = ir_attr_float(n, "epsilon", 1e-5f);
    double *scale = expand_param(in[1], &x->shape, a, inner);
    double *bias = n->n_inputs > 2 && in[2] ? expand_param(in[2], &x->shape, a, inner) : NULL;
    if (!scale || (n->n_inputs > 2 && in[2] && !bias)) {
        free(scale);
        free(bias);
        return nomem(n, d);
    }
    for (int64_t o = 0; o < outer; o++) {
        double stat[2];
        layernorm_row(x, out[0], o * inner, inner, eps, scale, bias, stat);
        for (uint32_t k = 1; k < 3 && k < n->n_outputs; k++)
            if (out[k])
                ir_tensor_set_f64(out[k], o, stat[k - 1]);
    }
    free(scale);
    free(bias);
    return IR_OK;
}

/* ---- BatchNormalization ------------------------------------------------- */

/* Mean and population variance of channel c over N and the spatial dims. */
static void channel_stats(const ir_tensor *x, int64_t c, double *mean, double *var)
{
    int64_t nb = x->shape.dims[0], ch = x->shape.dims[1], sp = ir_tensor_numel(x) / (nb * ch);
    double s = 0, q = 0, cnt = (double)(nb * sp);
    for (int64_t b = 0; b < nb; b++)
        for (int64_t i = 0; i < sp; i++)
            s += ir_tensor_get_f64(x, (b * ch + c) * sp + i);
    *mean = s / cnt;
    for (int64_t b = 0; b < nb; b++)
        for (int64_t i = 0; i < sp; i++) {
            double v = ir_tensor_get_f64(x, (b * ch + c) * sp + i) - *mean;
            q += v * v;
        }
    *var = q / cnt;
}

/* Inference normalizes with the given mean and variance; training mode
 * (training_mode=1, or extra outputs before opset 14) with the batch's, and
 * also outputs the updated running statistics. */
ir_status ir_ref_batchnorm(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                           ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *x = in[0];
    bool training =
        ir_node_opset(g, n) >= 14 ? ir_attr_int(n, "training_mode", 0) != 0 : n->n_outputs > 1;
    double eps = ir_attr_float(n, "epsilon", 1e-5f), mom = ir_attr_float(n, "momentum", 0.9f);
    int64_t numel = ir_tensor_numel(x), nb = x->shape.dims[0], ch = x->shape.dims[1];
    int64_t sp = nb * ch > 0 ? numel / (nb * ch) : 0;
    for (uint32_t i = 1; i < 5; i++)
        if (ir_tensor_numel(in[i]) != ch)
            return bad(d, IR_ERR_MODEL, n, "input %u must have C = %lld elements", i,
                       (long long)ch);
    for (int64_t c = 0; c < ch; c++) {
        double mean = ir_tensor_get_f64(in[3], c), var = ir_tensor_get_f64(in[4], c);
        if (training && nb * sp > 0) {
            double bm, bv;
            channel_stats(x, c, &bm, &bv);
            for (uint32_t k = 1; k < 3 && k < n->n_outputs; k++)
                if (out[k])
                    ir_tensor_set_f64(out[k], c,
                                      (k == 1 ? mean : var) * mom + (k == 1 ? bm : bv) * (1 - mom));
            mean = bm;
            var = bv;
        }
        double s = ir_tensor_get_f64(in[1], c) / sqrt(var + eps), b = ir_tensor_get_f64(in[2], c);
        for (int64_t bi = 0; bi < nb; bi++)
            for (int64_t i = 0; i < sp; i++) {
                int64_t e = (bi * ch + c) * sp + i;
                ir_tensor_set_f64(out[0], e, (ir_tensor_get_f64(x, e) - mean) * s + b);
            }
    }
    return IR_OK;
}
