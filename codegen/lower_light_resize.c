/* lower_light_resize.c - lowering of Resize (opsets 10 to 19, the forms
 * ir/ref_resize.c supports).
 *
 * The attributes become descriptor codes; scales, sizes and roi are passed
 * as buffers whether constant or not (the kernel finishes the plan from
 * them, so both cases share one path). What the lowering must know ahead is
 * the most taps a coordinate can need on each axis, for the kernel's
 * scratch tables: 1 for nearest, 2 or 4 for linear and cubic, more with
 * antialias when downsampling, bounded from the static output size (a scale
 * s gives floor(s * in) or round(s * in) outputs, so s >= (out - 0.5) / in). */
#include <math.h>
#include <string.h>

#include "lower_light.h"

static ir_status pick(const ir_node *n, const char *name, const char *dflt,
                      const char *const *names, int count, int32_t *out, ir_diag *d)
{
    const char *s = ir_attr_string(n, name, dflt);
    for (int i = 0; i < count; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return IR_OK;
        }
    return lw_fail(d, n, "%s '%s' is not supported", name, ir_q(s));
}

static ir_status resize_attrs(const ir_node *n, int64_t opset, struct k_resize *k, ir_diag *d)
{
    static const char *const modes[] = {"nearest", "linear", "cubic"};
    static const char *const cts[] = {
        "half_pixel",           "pytorch_half_pixel", "align_corners",       "asymmetric",
        "tf_half_pixel_for_nn", "tf_crop_and_resize", "half_pixel_symmetric"};
    static const char *const nms[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    static const char *const kas[] = {"stretch", "not_larger", "not_smaller"};
    ir_status st = pick(n, "mode", "nearest", modes, opset < 11 ? 2 : 3, &k->mode, d);
    k->cubic_a = -0.75;
    if (st || opset < 11) {
        k->ct = K_CT_ASYMMETRIC;
        k->nm = K_NM_SIMPLE;
        return st;
    }
    if ((st = pick(n, "coordinate_transformation_mode", "half_pixel", cts, opset < 19 ? 6 : 7,
                   &k->ct, d)) ||
        (st = pick(n, "nearest_mode", "round_prefer_floor", nms, 4, &k->nm, d)))
        return st;
    k->cubic_a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
    k->exclude_outside = ir_attr_int(n, "exclude_outside", 0) != 0;
    k->extrapolation = ir_attr_float(n, "extrapolation_value", 0.0f);
    if (opset >= 18) {
        k->antialias = ir_attr_int(n, "antialias", 0) != 0;
        return pick(n, "keep_aspect_ratio_policy", "stretch", kas, 3, &k->keep, d);
    }
    return IR_OK;
}

/* The axes attribute (all axes when absent); on[] marks them. */
static ir_status resize_axes(const ir_node *n, struct k_resize *k, bool *on, ir_diag *d)
{
    const int64_t *ax;
    size_t c = ir_attr_ints(n, "axes", &ax);
    k->n_axes = ax ? (int32_t)c : k->rank;
    for (int32_t i = 0; i < k->rank; i++)
        on[i] = !ax, k->axes[i] = i;
    if (ax && c > (size_t)k->rank)
        return lw_fail(d, n, "axes has %zu entries for rank %d", c, (int)k->rank);
    for (size_t i = 0; ax && i < c; i++) {
        int32_t v;
        if (!ir_axis_norm(ax[i], k->rank, &v) || on[v])
            return lw_fail(d, n, "axes[%zu] is out of range or repeated", i);
        on[v] = true;
        k->axes[i] = v;
    }
    return IR_OK;
}

/* Buffer of optional input i when given and not empty, else -1. */
static int32_t opt_buf(cg_program *p, const ir_node *n, int i, int32_t *dt)
{
    if (i < 0 || !lw_has(n, (uint32_t)i) || ir_shape_numel(&lw_val(p, n->inputs[i])->shape) == 0)
        return -1;
    *dt = lw_val(p, n->inputs[i])->dtype;
    return lw_in(p, n, (uint32_t)i);
}

/* Most taps per output coordinate of axis ax; 0 if too many. */
static int32_t max_taps(const struct k_resize *k, bool on, int32_t ax)
{
    if (k->mode == K_RM_NEAREST)
        return 1;
    double support = k->mode == K_RM_LINEAR ? 1 : 2, sk = 1;
    if (k->antialias && on && k->outd[ax] > 0 && k->in[ax] > 0) {
        double s = ((double)k->outd[ax] - 0.5) / (double)k->in[ax] * (1 - 1e-9);
        sk = s < 1 ? s : 1;
    }
    double m = 2 - 2 * (floor(-support / sk) + 1);
    return m > (double)(1 << 24) ? 0 : (int32_t)m;
}

static ir_status resize_inputs(cg_program *p, const ir_node *n, int64_t opset, struct k_resize *k,
                               ir_diag *d)
{
    int32_t dt = 0;
    k->roi = opt_buf(p, n, opset < 11 ? -1 : 1, &k->roi_dt);
    k->scales = opt_buf(p, n, opset < 11 ? 1 : 2, &k->scales_dt);
    k->sizes = opt_buf(p, n, opset < 11 ? -1 : 3, &dt);
    if ((k->scales >= 0) == (k->sizes >= 0))
        return lw_fail(d, n, "needs exactly one of scales and sizes");
    if (k->sizes >= 0 && dt != K_I64)
        return lw_fail(d, n, "sizes are not int64");
    if (k->scales >= 0 && k->scales_dt != K_F32 && k->scales_dt != K_F64 && k->scales_dt != K_F16 &&
        k->scales_dt != K_BF16)
        return lw_fail(d, n, "scales are not floats");
    if (k->ct == K_CT_TF_CROP_AND_RESIZE && k->roi < 0)
        return lw_fail(d, n, "tf_crop_and_resize needs input 1 (roi)");
    int32_t v = n->inputs[k->scales >= 0 ? (opset < 11 ? 1 : 2) : 3];
    if (ir_shape_numel(&lw_val(p, v)->shape) != k->n_axes)
        return lw_fail(d, n, "scales or sizes have %lld entries, expected %d",
                       (long long)ir_shape_numel(&lw_val(p, v)->shape), (int)k->n_axes);
    return IR_OK;
}

ir_status cg_lower_light_resize(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = &lw_val(p, n->inputs[0])->shape, *y = &lw_val(p, n->outputs[0])->shape;
    int64_t opset = ir_node_opset(cg_graph(p), n);
    struct k_resize k = {.dtype = lw_val(p, n->inputs[0])->dtype,
                         .x = lw_in(p, n, 0),
                         .out = lw_out(p, n, 0),
                         .rank = x->rank};
    bool on[K_WALK_RANK];
    if (x->rank < 1 || x->rank > K_WALK_RANK || y->rank != x->rank)
        return lw_fail(d, n, "rank %d", (int)x->rank);
    if ((st = resize_attrs(n, opset, &k, d)) || (st = resize_axes(n, &k, on, d)) ||
        (st = resize_inputs(p, n, opset, &k, d)))
        return st;
    bool fl = k.dtype == K_F32 || k.dtype == K_F64 || k.dtype == K_F16 || k.dtype == K_BF16;
    if (k.mode != K_RM_NEAREST && !fl)
        return lw_fail(d, n, "linear or cubic on %s data", ir_dtype_name((ir_dtype)k.dtype));
    uint64_t scratch = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        k.in[i] = x->dims[i];
        k.outd[i] = y->dims[i];
        k.scale[i] = on[i] ? 0 : 1;
        k.roi_lo[i] = 0;
        k.roi_hi[i] = 1;
    }
    for (int32_t i = 0; i < x->rank; i++) {
        if (!(k.taps[i] = max_taps(&k, on[i], i)))
            return lw_fail(d, n, "the antialias filter would need more than 2^24 taps per axis");
        scratch += (uint64_t)(16 * k.outd[i] * k.taps[i] + 5 * k.outd[i] + 7) / 8 * 8;
    }
    k.total = ir_shape_numel(y);
    double taps = 1;
    for (int32_t i = 0; i < x->rank; i++)
        taps *= k.taps[i];
    int64_t tasks = lw_split(p, k.total, 16.0 * taps, 1, &k.chunk);
    out->scratch_bytes = scratch;
    return lw_emit(p, out, "resize", &k, sizeof k, tasks, d);
}
