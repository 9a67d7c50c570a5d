/* ref_resize.c - Resize: shape hook and reference kernel.
 *
 * Resize has grown a parameter per opset: 10 takes scales only (asymmetric
 * coordinates, onnxruntime's "simple" nearest rounding), 11 adds roi and
 * sizes and the coordinate transformation, nearest rounding, cubic and
 * tf_crop_and_resize attributes, 18 adds axes, keep_aspect_ratio_policy
 * and antialias, 19 half_pixel_symmetric. Hook and kernel share the parser
 * (resize_attrs_read, resize_plan_make) so both see the same output size.
 *
 * The kernel is separable, as the spec defines it: for each axis and each
 * output coordinate it computes once the input indices and weights of the
 * taps (nearest: one tap; linear: 2; cubic: 4; with antialias, the filter
 * stretched by 1/scale when downsampling), then every output element is the
 * weighted sum over the product of its axes' taps. Edge taps are clamped
 * (the spec's edge padding) unless exclude_outside drops them. Nearest
 * copies elements and so works on every dtype; linear and cubic compute in
 * double and store into float32, float64, float16 or bfloat16. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

enum { RM_NEAREST, RM_LINEAR, RM_CUBIC };
enum {
    CT_HALF_PIXEL,
    CT_PYTORCH_HALF_PIXEL,
    CT_ALIGN_CORNERS,
    CT_ASYMMETRIC,
    CT_TF_HALF_PIXEL_FOR_NN,
    CT_TF_CROP_AND_RESIZE,
    CT_HALF_PIXEL_SYMMETRIC
};
enum { NM_ROUND_PREFER_FLOOR, NM_ROUND_PREFER_CEIL, NM_FLOOR, NM_CEIL, NM_SIMPLE };
enum { KA_STRETCH, KA_NOT_LARGER, KA_NOT_SMALLER };

static const char *const mode_names[] = {"nearest", "linear", "cubic"};
static const char *const ct_names[] = {"half_pixel",           "pytorch_half_pixel",
                                       "align_corners",        "asymmetric",
                                       "tf_half_pixel_for_nn", "tf_crop_and_resize",
                                       "half_pixel_symmetric"};
static const char *const nm_names[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
static const char *const ka_names[] = {"stretch", "not_larger", "not_smaller"};

typedef struct {
    int mode, ct, nm, keep;
    double cubic_a, extrapolation;
    bool exclude_outside, antialias;
    bool on_axis[IR_MAX_RANK]; /* axes the scales/sizes/roi entries are for */
    int64_t axes[IR_MAX_RANK];
    int32_t n_axes;
} resize_attrs;

typedef struct {
    int64_t out[IR_MAX_RANK]; /* -1 unknown */
    double scale[IR_MAX_RANK]; /* 0 unknown */
    double roi_lo[IR_MAX_RANK], roi_hi[IR_MAX_RANK];
} resize_plan;

/* What is known of an optional tensor input. */
enum { OP_ABSENT, OP_VALUE, OP_UNKNOWN };
typedef struct {
    int state;
    const ir_tensor *t;
} resize_input;

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define fail(n, st, d, ...) ir_fail_node(d, st, n, __VA_ARGS__)

/* Looks attribute `name` up in names[0..count); dflt when absent. */
static ir_status pick(const ir_node *n, const char *name, const char *dflt,
                      const char *const *names, int count, int *out, ir_diag *d)
{
    const char *s = ir_attr_string(n, name, dflt);
    for (int i = 0; i < count; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return IR_OK;
        }
    return fail(n, IR_ERR_UNSUPPORTED, d, "%s '%s' is not supported", name, ir_q(s));
}

static ir_status resize_axes(const ir_node *n, int32_t rank, resize_attrs *a, ir_diag *d)
{
    const int64_t *ax;
    size_t k = ir_attr_ints(n, "axes", &ax);
    a->n_axes = rank;
    for (int32_t i = 0; i < rank; i++)
        a->on_axis[i] = !ax, a->axes[i] = i;
    if (!ax)
        return IR_OK;
    if (k > (size_t)rank)
        return fail(n, IR_ERR_MODEL, d, "axes has %zu entries for rank %d", k, (int)rank);
    for (size_t i = 0; i < k; i++) {
        int32_t v;
        if (!ir_axis_norm(ax[i], rank, &v) || a->on_axis[v])
            return fail(n, IR_ERR_MODEL, d, "axes[%zu] = %lld is out of range or repeated", i,
                        (long long)ax[i]);
        a->on_axis[v] = true;
        a->axes[i] = v;
    }
    a->n_axes = (int32_t)k;
    return IR_OK;
}

static ir_status resize_attrs_read(const ir_graph *g, const ir_node *n, int32_t rank,
                                   resize_attrs *a, ir_diag *d)
{
    int64_t opset = ir_node_opset(g, n);
    memset(a, 0, sizeof *a);
    a->cubic_a = -0.75;
    ir_status st = pick(n, "mode", "nearest", mode_names, opset < 11 ? 2 : 3, &a->mode, d);
    if (st != IR_OK)
        return st;
    if (opset < 11) {
        a->ct = CT_ASYMMETRIC;
        a->nm = NM_SIMPLE;
        return resize_axes(n, rank, a, d);
    }
    if ((st = pick(n, "coordinate_transformation_mode", "half_pixel", ct_names,
                   opset < 19 ? 6 : 7, &a->ct, d)) != IR_OK ||
        (st = pick(n, "nearest_mode", "round_prefer_floor", nm_names, 4, &a->nm, d)) != IR_OK)
        return st;
    a->cubic_a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
    a->exclude_outside = ir_attr_int(n, "exclude_outside", 0) != 0;
    a->extrapolation = ir_attr_float(n, "extrapolation_value", 0.0f);
    if (opset >= 18) {
        a->antialias = ir_attr_int(n, "antialias", 0) != 0;
        if ((st = pick(n, "keep_aspect_ratio_policy", "stretch", ka_names, 3, &a->keep, d)) !=
            IR_OK)
            return st;
        return resize_axes(n, rank, a, d);
    }
    return resize_axes(n, rank, a, d);
}

/* Output size and scale from the scales input. */
static ir_status plan_scales(const ir_node *n, const resize_attrs *a, const ir_shape *x,
                             const ir_tensor *sc, resize_plan *p, ir_diag *d)
{
    if (sc->dtype != IR_F32 && sc->dtype != IR_F64 && sc->dtype != IR_F16 && sc->dtype != IR_BF16)
        return fail(n, IR_ERR_MODEL, d, "scales have type %s, expected float",
                    ir_dtype_name(sc->dtype));
    if (ir_tensor_numel(sc) != a->n_axes)
        return fail(n, IR_ERR_MODEL, d, "scales have %lld entries, expected %d",
                    (long long)ir_tensor_numel(sc), (int)a->n_axes);
    for (int32_t i = 0; i < a->n_axes; i++) {
        int32_t ax = (int32_t)a->axes[i];
        double s = ir_tensor_get_f64(sc, i);
        if (!(s > 0) || !isfinite(s))
            return fail(n, IR_ERR_MODEL, d, "scales[%d] is %g, expected > 0", (int)i, s);
        p->scale[ax] = s;
        if (x->dims[ax] < 0)
            continue;
        double o = floor(s * (double)x->dims[ax]);
        if (o > 4.6e18)
            return fail(n, IR_ERR_MODEL, d, "scales[%d] = %g makes axis %d overflow", (int)i, s,
                        (int)ax);
        p->out[ax] = (int64_t)o;
    }
    return IR_OK;
}

/* Output size and scale from the sizes input (with keep_aspect_ratio_policy). */
static ir_status plan_sizes(const ir_node *n, const resize_attrs *a, const ir_shape *x,
                            const ir_tensor *sz, resize_plan *p, ir_diag *d)
{
    if (sz->dtype != IR_I64 || ir_tensor_numel(sz) != a->n_axes)
        return fail(n, IR_ERR_MODEL, d, "sizes are %s with %lld entries, expected %d int64",
                    ir_dtype_name(sz->dtype), (long long)ir_tensor_numel(sz), (int)a->n_axes);
    double common = a->keep == KA_NOT_LARGER ? INFINITY : 0;
    bool all_known = true;
    for (int32_t i = 0; i < a->n_axes; i++) {
        int32_t ax = (int32_t)a->axes[i];
        int64_t s = ir_tensor_get_i64(sz, i), in = x->dims[ax];
        if (s < 0)
            return fail(n, IR_ERR_MODEL, d, "sizes[%d] is %lld, expected >= 0", (int)i,
                        (long long)s);
        if (in == 0 && s > 0)
            return fail(n, IR_ERR_MODEL, d, "cannot resize empty axis %d to %lld", (int)ax,
                        (long long)s);
        p->out[ax] = s;
        p->scale[ax] = in > 0 ? (double)s / (double)in : 0;
        all_known &= in > 0;
        if (in > 0)
            common = a->keep == KA_NOT_LARGER ? fmin(common, p->scale[ax])
                                              : fmax(common, p->scale[ax]);
    }
    if (a->keep == KA_STRETCH)
        return IR_OK;
    for (int32_t i = 0; i < a->n_axes && all_known; i++)
        if (common * (double)x->dims[a->axes[i]] > 4.6e18)
            return fail(n, IR_ERR_MODEL, d, "keep_aspect_ratio_policy makes axis %d overflow",
                        (int)a->axes[i]);
    for (int32_t i = 0; i < a->n_axes; i++) {
        int32_t ax = (int32_t)a->axes[i];
        p->scale[ax] = all_known ? common : 0;
        p->out[ax] = all_known ? (int64_t)(common * (double)x->dims[ax] + 0.5) : -1;
    }
    return IR_OK;
}

static ir_status plan_roi(const ir_node *n, const resize_attrs *a, const resize_input *roi,
                          resize_plan *p, ir_diag *d)
{
    if (a->ct != CT_TF_CROP_AND_RESIZE || roi->state == OP_UNKNOWN)
        return IR_OK;
    if (roi->state == OP_ABSENT)
        return fail(n, IR_ERR_MODEL, d, "tf_crop_and_resize needs input 1 (roi)");
    const ir_tensor *t = roi->t;
    if ((t->dtype != IR_F32 && t->dtype != IR_F64 && t->dtype != IR_F16) ||
        ir_tensor_numel(t) != 2 * a->n_axes)
        return fail(n, IR_ERR_MODEL, d, "roi is %s with %lld entries, expected %d floats",
                    ir_dtype_name(t->dtype), (long long)ir_tensor_numel(t), 2 * (int)a->n_axes);
    for (int32_t i = 0; i < a->n_axes; i++) {
        p->roi_lo[a->axes[i]] = ir_tensor_get_f64(t, i);
        p->roi_hi[a->axes[i]] = ir_tensor_get_f64(t, a->n_axes + i);
    }
    return IR_OK;
}

/* Output dims and scales of a Resize of x (dims may be unknown: -1). */
static ir_status resize_plan_make(const ir_node *n, const resize_attrs *a, const ir_shape *x,
                                  const resize_input *roi, const resize_input *scales,
                                  const resize_input *sizes, resize_plan *p, ir_diag *d)
{
    for (int32_t i = 0; i < x->rank; i++) {
        p->out[i] = a->on_axis[i] ? -1 : x->dims[i];
        p->scale[i] = a->on_axis[i] ? 0 : 1;
        p->roi_lo[i] = 0;
        p->roi_hi[i] = 1;
    }
    if (scales->state == OP_VALUE && sizes->state == OP_VALUE)
        return fail(n, IR_ERR_MODEL, d, "has both scales and sizes, expected one of them");
    if (scales->state == OP_ABSENT && sizes->state == OP_ABSENT)
        return fail(n, IR_ERR_MODEL, d, "has neither scales nor sizes");
    ir_status st = IR_OK;
    if (scales->state == OP_VALUE)
        st = plan_scales(n, a, x, scales->t, p, d);
    else if (sizes->state == OP_VALUE)
        st = plan_sizes(n, a, x, sizes->t, p, d);
    if (st == IR_OK)
        st = plan_roi(n, a, roi, p, d);
    return st;
}

static bool has_input(const ir_node *n, uint32_t i) { return i < n->n_inputs && n->inputs[i] >= 0; }

/* Indices of roi, scales, sizes for this opset (-1: not an input). */
static void resize_slots(const ir_graph *g, const ir_node *n, int *slot)
{
    bool v10 = ir_node_opset(g, n) < 11;
    slot[0] = v10 ? -1 : 1;
    slot[1] = v10 ? 1 : 2;
    slot[2] = v10 ? -1 : 3;
}

static bool float_type(ir_dtype t)
{
    return t == IR_F32 || t == IR_F64 || t == IR_F16 || t == IR_BF16;
}

ir_status ir_shape_resize(const ir_graph *g, const ir_node *n, const ir_operand *in,
                          ir_operand *out, ir_diag *d)
{
    const ir_shape *x = &in[0].shape;
    resize_attrs a;
    resize_input ri[3];
    int slot[3];
    resize_slots(g, n, slot);
    for (int i = 0; i < 3; i++) {
        int s = slot[i];
        ri[i] = (resize_input){OP_ABSENT, NULL};
        if (s < 0 || !has_input(n, (uint32_t)s) || in[s].dtype == IR_UNDEF)
            continue;
        const ir_tensor *t = in[s].value;
        bool empty = t ? ir_tensor_numel(t) == 0 : ir_shape_numel(&in[s].shape) == 0;
        ri[i] = (resize_input){empty ? OP_ABSENT : t ? OP_VALUE : OP_UNKNOWN, t};
    }
    ir_shape o = {.rank = -1};
    /* with the rank unknown, attributes are still checked (axes against the largest rank) */
    ir_status st = resize_attrs_read(g, n, x->rank >= 0 ? x->rank : IR_MAX_RANK, &a, d);
    if (st == IR_OK && a.mode != RM_NEAREST && !float_type(in[0].dtype))
        st = fail(n, IR_ERR_UNSUPPORTED, d, "mode '%s' on %s data (only float types)",
                  mode_names[a.mode], ir_dtype_name(in[0].dtype));
    if (st == IR_OK && x->rank >= 0) {
        resize_plan p;
        st = resize_plan_make(n, &a, x, &ri[0], &ri[1], &ri[2], &p, d);
        o.rank = x->rank;
        for (int32_t i = 0; i < x->rank; i++) {
            o.dims[i] = p.out[i];
            o.sym[i] = a.on_axis[i] ? NULL : x->sym[i];
        }
    }
    if (st != IR_OK)
        return st;
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

/* ---- kernel ------------------------------------------------------------- */

/* Per axis and output coordinate: up to `max` taps (input offset in
 * elements, weight), `count` used, and whether the coordinate falls outside
 * the tf_crop_and_resize box. */
typedef struct {
    int32_t max;
    int32_t *count;
    int64_t *off;
    double *w;
    uint8_t *outside;
} axis_taps;

/* The input coordinate of output coordinate o on axis ax. */
static double resize_coord(const resize_attrs *a, const resize_plan *p, int32_t ax, int64_t o,
                           int64_t in, int64_t out)
{
    double s = p->scale[ax], x = (double)o, out_f = s * (double)in, lo = p->roi_lo[ax],
           hi = p->roi_hi[ax];
    switch (a->ct) {
    case CT_PYTORCH_HALF_PIXEL:
        return out > 1 ? (x + 0.5) / s - 0.5 : 0;
    case CT_ALIGN_CORNERS:
        return out_f == 1 ? 0 : x * (double)(in - 1) / (out_f - 1);
    case CT_ASYMMETRIC:
        return x / s;
    case CT_TF_HALF_PIXEL_FOR_NN:
        return (x + 0.5) / s;
    case CT_TF_CROP_AND_RESIZE:
        return (out_f == 1 ? (hi - lo) * (double)(in - 1) / 2
                           : x * (hi - lo) * (double)(in - 1) / (out_f - 1)) +
               lo * (double)(in - 1);
    case CT_HALF_PIXEL_SYMMETRIC: {
        double off = (double)in / 2 * (1 - (double)out / out_f);
        return off + (x + 0.5) / s - 0.5;
    }
    default:
        return (x + 0.5) / s - 0.5;
    }
}

static int64_t nearest_index(const resize_attrs *a, double x, double s, int64_t in)
{
    double f = floor(x), r = x;
    if (x != f) {
        switch (a->nm) {
        case NM_ROUND_PREFER_CEIL: r = x - f < 0.5 ? f : f + 1; break;
        case NM_FLOOR: r = f; break;
        case NM_CEIL: r = f + 1; break;
        case NM_SIMPLE: r = s < 1 ? f + 1 : f; break;
        default: r = x - f <= 0.5 ? f : f + 1; break;
        }
    }
    return !(r >= 0) ? 0 : r > (double)(in - 1) ? in - 1 : (int64_t)r;
}

static double filter(const resize_attrs *a, double t)
{
    t = fabs(t);
    if (a->mode == RM_LINEAR)
        return t < 1 ? 1 - t : 0;
    double A = a->cubic_a;
    if (t <= 1)
        return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2)
        return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    return 0;
}

/* The taps of linear/cubic at input coordinate x; returns the count. */
static int32_t filter_taps(const resize_attrs *a, double x, double s, int64_t in, int64_t stride,
                           int32_t max, int64_t *off, double *w)
{
    double sk = a->antialias && s < 1 ? s : 1;
    double support = a->mode == RM_LINEAR ? 1 : 2;
    int64_t start = (int64_t)floor(-support / sk) + 1;
    double base = floor(x), ratio = x - base, sum = 0;
    if (ratio == 0) { /* the spec prefers the left pixel: ratio in (0, 1] */
        base -= 1;
        ratio = 1;
    }
    int32_t k = 0;
    for (int32_t i = 0; i < max; i++) {
        int64_t j = (int64_t)base + start + i;
        double wt = filter(a, ((double)(start + i) - ratio) * sk);
        if (a->exclude_outside && (j < 0 || j >= in))
            wt = 0;
        sum += wt;
        if (wt == 0)
            continue;
        j = j < 0 ? 0 : j >= in ? in - 1 : j;
        off[k] = j * stride;
        w[k++] = wt;
    }
    for (int32_t i = 0; i < k && sum != 0; i++)
        w[i] /= sum;
    if (k == 0) {
        off[0] = 0;
        w[0] = 0;
        k = 1;
    }
    return k;
}

static ir_status taps_build(const resize_attrs *a, const resize_plan *p, int32_t ax, int64_t in,
                            int64_t out, int64_t stride, axis_taps *t)
{
    double s = p->scale[ax], m = 1;
    if (a->mode != RM_NEAREST && out > 0) {
        double sk = a->antialias && s < 1 ? s : 1;
        m = 2 - 2 * (floor(-(a->mode == RM_LINEAR ? 1 : 2) / sk) + 1);
    }
    if (m > (double)(1 << 24))
        return IR_ERR_UNSUPPORTED;
    t->max = (int32_t)m;
    size_t cnt = (size_t)(out > 0 ? out : 1);
    t->count = malloc(cnt * sizeof *t->count);
    t->off = malloc(cnt * (size_t)t->max * sizeof *t->off);
    t->w = malloc(cnt * (size_t)t->max * sizeof *t->w);
    t->outside = malloc(cnt);
    if (!t->count || !t->off || !t->w || !t->outside)
        return IR_ERR_NOMEM;
    for (int64_t o = 0; o < out; o++) {
        double x = resize_coord(a, p, ax, o, in, out);
        size_t e = (size_t)o * (size_t)t->max;
        /* only tf_crop_and_resize can leave the input (or, with a NaN roi, produce NaN) */
        t->outside[o] = !(x >= 0 && x <= (double)(in - 1)) &&
                        (a->ct == CT_TF_CROP_AND_RESIZE || !isfinite(x));
        if (t->outside[o]) {
            t->count[o] = 1;
            t->off[e] = 0;
            t->w[e] = 0;
        } else if (a->mode == RM_NEAREST) {
            t->count[o] = 1;
            t->off[e] = nearest_index(a, x, s, in) * stride;
            t->w[e] = 1;
        } else {
            t->count[o] = filter_taps(a, x, s, in, stride, t->max, t->off + e, t->w + e);
        }
    }
    return IR_OK;
}

/* Weighted sum over the product of the taps of output position o. */
static double resize_point(const ir_tensor *x, const axis_taps *t, const int64_t *o, int32_t rank)
{
    int32_t k[IR_MAX_RANK] = {0};
    double acc = 0;
    for (;;) {
        double w = 1;
        int64_t off = 0;
        for (int32_t i = 0; i < rank; i++) {
            size_t e = (size_t)o[i] * (size_t)t[i].max + (size_t)k[i];
            w *= t[i].w[e];
            off += t[i].off[e];
        }
        acc += w * ir_tensor_get_f64(x, off);
        int32_t i = rank - 1;
        while (i >= 0 && ++k[i] == t[i].count[o[i]])
            k[i--] = 0;
        if (i < 0)
            return acc;
    }
}

static void resize_run(const resize_attrs *a, const ir_tensor *x, ir_tensor *y,
                       const axis_taps *t)
{
    int32_t rank = y->shape.rank;
    size_t es = ir_dtype_size(y->dtype);
    if (ir_tensor_numel(y) <= 0)
        return;
    ir_index it;
    ir_index_init(&it, &y->shape);
    int64_t i = 0;
    do {
        bool outside = false;
        for (int32_t k = 0; k < rank; k++)
            outside |= t[k].outside[it.idx[k]] != 0;
        if (outside) {
            ir_tensor_set_f64(y, i, a->extrapolation);
        } else if (a->mode == RM_NEAREST) {
            int64_t off = 0;
            for (int32_t k = 0; k < rank; k++)
                off += t[k].off[it.idx[k]];
            memcpy((uint8_t *)y->data + (size_t)i * es,
                   (const uint8_t *)x->data + (size_t)off * es, es);
        } else {
            ir_tensor_set_f64(y, i, resize_point(x, t, it.idx, rank));
        }
        i++;
    } while (ir_index_next(&it));
}

ir_status ir_ref_resize(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    const ir_shape *xs = &in[0]->shape;
    resize_attrs a;
    resize_input ri[3];
    resize_plan p;
    int slot[3];
    resize_slots(g, n, slot);
    for (int i = 0; i < 3; i++) {
        const ir_tensor *t = slot[i] >= 0 && has_input(n, (uint32_t)slot[i]) ? in[slot[i]] : NULL;
        ri[i] = (resize_input){t && ir_tensor_numel(t) > 0 ? OP_VALUE : OP_ABSENT, t};
    }
    ir_status st = resize_attrs_read(g, n, xs->rank, &a, d);
    if (st == IR_OK)
        st = resize_plan_make(n, &a, xs, &ri[0], &ri[1], &ri[2], &p, d);
    if (st != IR_OK)
        return st;
    for (int32_t i = 0; i < xs->rank; i++)
        if (p.out[i] != out[0]->shape.dims[i])
            return fail(n, IR_ERR_INTERNAL, d, "axis %d: output length %lld, expected %lld",
                        (int)i, (long long)out[0]->shape.dims[i], (long long)p.out[i]);
    axis_taps t[IR_MAX_RANK] = {{0}};
    int64_t strides[IR_MAX_RANK];
    ir_shape_strides(xs, strides);
    for (int32_t i = 0; i < xs->rank && st == IR_OK; i++)
        st = taps_build(&a, &p, i, xs->dims[i], p.out[i], strides[i], &t[i]);
    if (st == IR_OK)
        resize_run(&a, in[0], out[0], t);
    else if (st == IR_ERR_UNSUPPORTED)
        st = fail(n, st, d, "the antialias filter would need more than 2^24 taps per axis");
    else
        st = fail(n, IR_ERR_NOMEM, d, "out of memory for the interpolation tables");
    for (int32_t i = 0; i < xs->rank; i++) {
        free(t[i].count);
        free(t[i].off);
        free(t[i].w);
        free(t[i].outside);
    }
    return st;
}
