/* lower_light_reduce.c - lowering of the ops that work along axes
 * (ReduceMean, ReduceMax, CumSum, ArgMax, TopK, BatchNormalization) and of
 * pooling (MaxPool, AveragePool, GlobalAveragePool).
 *
 * Axes and windows are resolved here from attributes and constant inputs;
 * axes that arrive as run-time tensors (ReduceMean from opset 18, CumSum's
 * axis) are handed to the kernel. MaxPool without the Indices output on
 * float32/float64/int8/uint8 takes the fast row kernel; every other pooling
 * form the reference-exact generic one. */
#include <string.h>

#include "lower_light.h"

static const ir_shape *vshape(cg_program *p, int32_t v)
{
    return &lw_val(p, v)->shape;
}
static ir_dtype vtype(cg_program *p, int32_t v)
{
    return lw_val(p, v)->dtype;
}

static bool numeric(ir_dtype t)
{
    return t != IR_BOOL && t != IR_STRING && ir_dtype_size(t) != 0;
}

/* ---- ReduceMean, ReduceMax ----------------------------------------------------- */

/* Axes: attribute up to opset 17, input 1 from 18 (constant, or read by
 * the kernel). */
static ir_status reduce_axes(cg_program *p, const ir_node *n, struct k_reduce *k, ir_diag *d)
{
    int64_t axes[64], count = 0;
    if (ir_node_opset(cg_graph(p), n) < 18) {
        const int64_t *a;
        size_t c = ir_attr_ints(n, "axes", &a);
        if (c > 64)
            return lw_fail(d, n, "%zu axes", c);
        for (size_t i = 0; i < c; i++)
            axes[i] = a[i];
        count = (int64_t)c;
    } else if (lw_has(n, 1)) {
        const ir_tensor *t = lw_const(p, n, 1);
        if (!t) {
            k->axes = lw_in(p, n, 1);
            k->naxes = ir_shape_numel(vshape(p, n->inputs[1]));
            if (vtype(p, n->inputs[1]) != IR_I64)
                return lw_fail(d, n, "axes are not int64");
            return IR_OK;
        }
        if ((count = ir_tensor_ints(t, axes, 64)) < 0)
            return lw_fail(d, n, "axes are not int64 (at most 64)");
    }
    bool all = count == 0 && !k->noop;
    for (int32_t i = 0; i < k->rank; i++)
        k->red[i] = all;
    for (int64_t i = 0; i < count; i++) {
        int32_t a;
        if (!ir_axis_norm(axes[i], k->rank, &a))
            return lw_fail(d, n, "axis %lld out of range", (long long)axes[i]);
        k->red[a] = 1;
    }
    return IR_OK;
}

ir_status cg_lower_light_reduce(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    struct k_reduce k = {.op = n->op == IR_OP_REDUCEMAX,
                         .dtype = vtype(p, n->inputs[0]),
                         .x = lw_in(p, n, 0),
                         .out = lw_out(p, n, 0),
                         .axes = -1,
                         .rank = x->rank};
    k.noop = ir_attr_int(n, "noop_with_empty_axes", 0) != 0;
    if (x->rank > K_WALK_RANK)
        return lw_fail(d, n, "rank %d", (int)x->rank);
    if ((st = reduce_axes(p, n, &k, d)))
        return st;
    memcpy(k.dims, x->dims, (size_t)x->rank * sizeof x->dims[0]);
    k.n_out = ir_shape_numel(vshape(p, n->outputs[0]));
    int64_t numel = ir_shape_numel(x), per = k.n_out > 0 ? numel / k.n_out + 1 : 1;
    int64_t tasks = lw_split(p, k.n_out, 4.0 * (double)per, 1, &k.chunk);
    return lw_emit(p, out, "reduce", &k, sizeof k, tasks, d);
}

/* ---- CumSum, ArgMax, TopK --------------------------------------------------------- */

ir_status cg_lower_light_cumsum(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    struct k_cumsum k = {.dtype = vtype(p, n->inputs[0]),
                         .x = lw_in(p, n, 0),
                         .out = lw_out(p, n, 0),
                         .axis_buf = -1,
                         .rank = x->rank};
    k.exclusive = ir_attr_int(n, "exclusive", 0) != 0;
    k.reverse = ir_attr_int(n, "reverse", 0) != 0;
    const ir_tensor *t = lw_const(p, n, 1);
    int64_t axis;
    if (x->rank < 1 || x->rank > K_WALK_RANK || !numeric(k.dtype))
        return lw_fail(d, n, "rank %d, dtype %s", (int)x->rank, ir_dtype_name((ir_dtype)k.dtype));
    if (t && ir_tensor_ints(t, &axis, 1) == 1) {
        k.axis = (int32_t)(axis < 0 ? axis + x->rank : axis);
        if (k.axis < 0 || k.axis >= x->rank)
            return lw_fail(d, n, "axis %lld out of range", (long long)axis);
    } else {
        k.axis_buf = lw_in(p, n, 1);
        k.axis_dt = vtype(p, n->inputs[1]);
        if (k.axis_dt != K_I32 && k.axis_dt != K_I64)
            return lw_fail(d, n, "axis is not int32/int64");
    }
    memcpy(k.dims, x->dims, (size_t)x->rank * sizeof x->dims[0]);
    return lw_emit(p, out, "cumsum", &k, sizeof k, 1, d);
}

/* [outer, len, inner] around axis a. */
static void split_axis(const ir_shape *s, int32_t a, int64_t *outer, int64_t *len, int64_t *inner)
{
    *outer = *inner = 1;
    for (int32_t i = 0; i < s->rank; i++)
        if (i != a)
            *(i < a ? outer : inner) *= s->dims[i];
    *len = s->dims[a];
}

ir_status cg_lower_light_argmax(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    struct k_argmax k = {
        .dtype = vtype(p, n->inputs[0]), .x = lw_in(p, n, 0), .out = lw_out(p, n, 0)};
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 0), x->rank, &a) || !numeric(k.dtype))
        return lw_fail(d, n, "axis out of range or dtype %s", ir_dtype_name((ir_dtype)k.dtype));
    k.last = ir_attr_int(n, "select_last_index", 0) != 0;
    split_axis(x, a, &k.outer, &k.len, &k.inner);
    int64_t tasks = lw_split(p, k.outer * k.inner, 8.0 * (double)k.len, 1, &k.chunk);
    return lw_emit(p, out, "argmax", &k, sizeof k, tasks, d);
}

/* k is the output's length along the axis. */
ir_status cg_lower_light_topk(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    struct k_topk k = {.dtype = vtype(p, n->inputs[0]),
                       .x = lw_in(p, n, 0),
                       .values = lw_out(p, n, 0),
                       .indices = lw_out(p, n, 1)};
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", -1), x->rank, &a) || !numeric(k.dtype))
        return lw_fail(d, n, "axis out of range or dtype %s", ir_dtype_name((ir_dtype)k.dtype));
    int32_t ov = n->outputs[0] >= 0 ? n->outputs[0] : n->outputs[1];
    k.largest = ir_attr_int(n, "largest", 1) != 0;
    k.k = vshape(p, ov)->dims[a];
    split_axis(x, a, &k.outer, &k.len, &k.inner);
    if (k.k > k.len)
        return lw_fail(d, n, "k = %lld exceeds the axis (%lld)", (long long)k.k, (long long)k.len);
    int64_t tasks = lw_split(p, k.outer * k.inner, 64.0 * (double)k.len, 1, &k.chunk);
    out->scratch_bytes = (uint64_t)(2 * (k.len > 0 ? k.len : 1)) * 8;
    return lw_emit(p, out, "topk", &k, sizeof k, tasks, d);
}

/* ---- BatchNormalization --------------------------------------------------------------- */

ir_status cg_lower_light_batchnorm(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    struct k_batchnorm k = {
        .dtype = vtype(p, n->inputs[0]), .x = lw_in(p, n, 0), .out = lw_out(p, n, 0)};
    int32_t *bufs[4] = {&k.scale, &k.bias, &k.mean, &k.var},
            *dts[4] = {&k.scale_dt, &k.bias_dt, &k.mean_dt, &k.var_dt};
    if (x->rank < 2)
        return lw_fail(d, n, "rank %d", (int)x->rank);
    k.nb = x->dims[0];
    k.ch = x->dims[1];
    k.sp = k.nb * k.ch > 0 ? ir_shape_numel(x) / (k.nb * k.ch) : 0;
    for (uint32_t i = 1; i < 5; i++) {
        if (!lw_has(n, i) || ir_shape_numel(vshape(p, n->inputs[i])) != k.ch)
            return lw_fail(d, n, "input %u must have C = %lld elements", i, (long long)k.ch);
        *bufs[i - 1] = lw_in(p, n, i);
        *dts[i - 1] = vtype(p, n->inputs[i]);
    }
    k.training = ir_node_opset(cg_graph(p), n) >= 14 ? ir_attr_int(n, "training_mode", 0) != 0
                                                     : n->n_outputs > 1;
    k.rmean = lw_out(p, n, 1);
    k.rvar = lw_out(p, n, 2);
    k.eps = ir_attr_float(n, "epsilon", 1e-5f);
    k.momentum = ir_attr_float(n, "momentum", 0.9f);
    int64_t tasks =
        lw_split(p, k.ch, (k.training ? 24.0 : 8.0) * (double)(k.nb * k.sp), 1, &k.chunk);
    return lw_emit(p, out, "batchnorm", &k, sizeof k, tasks, d);
}

/* ---- pooling ------------------------------------------------------------------------------ */

/* The window in 3-D, as ir/ref_linalg.c derives it: auto_pad SAME takes the
 * total padding from the output size, the odd one at the end (SAME_UPPER)
 * or the beginning (SAME_LOWER). */
static ir_status pool_window(cg_program *p, const ir_node *n, const ir_shape *x, const ir_shape *y,
                             struct k_win *w, ir_diag *d)
{
    int32_t nsp = x->rank - 2;
    const int64_t *ks, *s, *dl, *pd;
    if (nsp < 1 || nsp > 3 || y->rank != x->rank ||
        ir_attr_ints(n, "kernel_shape", &ks) != (size_t)nsp)
        return lw_fail(d, n, "input rank %d with kernel_shape of another rank", (int)x->rank);
    const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
    size_t ns = ir_attr_ints(n, "strides", &s), nd = ir_attr_ints(n, "dilations", &dl);
    size_t np = ir_attr_ints(n, "pads", &pd);
    if (n->op == IR_OP_AVGPOOL && ir_node_opset(cg_graph(p), n) < 19)
        nd = 0;
    for (int32_t j = 0; j < 3; j++)
        w->in[j] = w->k[j] = w->s[j] = w->dil[j] = w->out[j] = 1, w->pb[j] = w->pe[j] = 0;
    for (int32_t i = 0; i < nsp; i++) {
        int32_t j = i + 3 - nsp;
        w->in[j] = x->dims[2 + i];
        w->out[j] = y->dims[2 + i];
        w->k[j] = ks[i];
        w->s[j] = ns == (size_t)nsp ? s[i] : 1;
        w->dil[j] = nd == (size_t)nsp ? dl[i] : 1;
        if (w->k[j] < 1 || w->s[j] < 1 || w->dil[j] < 1)
            return lw_fail(d, n, "kernel, strides and dilations must be >= 1");
        int64_t total = (w->out[j] - 1) * w->s[j] + (w->k[j] - 1) * w->dil[j] + 1 - w->in[j];
        total = total > 0 ? total : 0;
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            w->pb[j] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pe[j] = total - w->pb[j];
        } else if (strcmp(ap, "VALID") && np == 2 * (size_t)nsp) {
            w->pb[j] = pd[i];
            w->pe[j] = pd[i + nsp];
        }
    }
    return IR_OK;
}

static bool maxpool_fast(ir_dtype t)
{
    return t == IR_F32 || t == IR_F64 || t == IR_I8 || t == IR_U8;
}

ir_status cg_lower_light_pool(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]), *y = vshape(p, n->outputs[0]);
    ir_dtype t = vtype(p, n->inputs[0]);
    struct k_win w;
    if (!numeric(t) || (st = pool_window(p, n, x, y, &w, d)))
        return st ? st : lw_fail(d, n, "dtype %s", ir_dtype_name(t));
    int64_t planes = x->dims[0] * x->dims[1], osp = w.out[0] * w.out[1] * w.out[2];
    double taps = (double)(w.k[0] * w.k[1] * w.k[2]);
    bool max = n->op == IR_OP_MAXPOOL;
    if (max && lw_out(p, n, 1) < 0 && maxpool_fast(t)) {
        struct k_maxpool k = {
            .dtype = t, .x = lw_in(p, n, 0), .out = lw_out(p, n, 0), .planes = planes, .w = w};
        k.rows = planes * w.out[0] * w.out[1];
        int64_t tasks =
            lw_split(p, k.rows, taps * (double)(w.out[2] * ir_dtype_size(t)), 1, &k.chunk);
        out->flops = (double)k.rows * (double)w.out[2] * taps;
        return lw_emit(p, out, "maxpool", &k, sizeof k, tasks, d);
    }
    struct k_pool k = {.max = max,
                       .dtype = t,
                       .x = lw_in(p, n, 0),
                       .out = lw_out(p, n, 0),
                       .indices = max ? lw_out(p, n, 1) : -1,
                       .planes = planes,
                       .w = w};
    k.include_pad = ir_attr_int(n, "count_include_pad", 0) != 0;
    k.colmajor = ir_attr_int(n, "storage_order", 0) != 0;
    int64_t tasks = lw_split(p, planes, 16.0 * taps * (double)osp, 1, &k.chunk);
    out->flops = (double)planes * (double)osp * taps;
    return lw_emit(p, out, "pool", &k, sizeof k, tasks, d);
}

ir_status cg_lower_light_globalpool(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    struct k_globalpool k = {
        .dtype = vtype(p, n->inputs[0]), .x = lw_in(p, n, 0), .out = lw_out(p, n, 0)};
    k.planes = ir_shape_numel(vshape(p, n->outputs[0]));
    k.sp = k.planes > 0 ? ir_shape_numel(vshape(p, n->inputs[0])) / k.planes : 0;
    if (!numeric(k.dtype))
        return lw_fail(d, n, "dtype %s", ir_dtype_name((ir_dtype)k.dtype));
    int64_t tasks = lw_split(p, k.planes, 8.0 * (double)k.sp, 1, &k.chunk);
    return lw_emit(p, out, "globalpool", &k, sizeof k, tasks, d);
}
