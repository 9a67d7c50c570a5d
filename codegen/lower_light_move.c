/* lower_light_move.c - lowering of the data-movement ops: Transpose,
 * Expand, Tile and Slice as strided views, Slice with run-time parameters,
 * Concat, Split, Gather, Pad, and the ops whose output is known at compile
 * time or is a fill (Shape, Constant, ConstantOfShape), and Range.
 *
 * Shapes are static, so most parameters that ONNX passes as tensors are
 * read off the output shape instead of the tensor (Tile's repeats, Expand's
 * shape, Split's sizes); only those the result depends on beyond the shape
 * (Slice's starts and steps, Pad's pads, Range's start) are read at run
 * time when they are not constants. */
#include <string.h>

#include "lower_light.h"

static int32_t esize(cg_program *p, int32_t v)
{
    return (int32_t)ir_dtype_size(lw_val(p, v)->dtype);
}

static const ir_shape *vshape(cg_program *p, int32_t v)
{
    return &lw_val(p, v)->shape;
}

/* A walk that reads its innermost dim with a large stride and the one
 * before contiguously (a transpose) goes tile by tile. */
static ir_status emit_tiles(cg_program *p, const ir_node *n, const struct k_view *v,
                            cg_lowered *out, ir_diag *d)
{
    struct k_transpose k = {.es = v->es, .x = v->x, .out = v->out, .w = v->w};
    int32_t r = k.w.rank;
    int64_t outer = k.w.total / (k.w.dims[r - 2] * k.w.dims[r - 1]);
    k.n_tiles = outer * ((k.w.dims[r - 2] + K_TILE - 1) / K_TILE) *
                ((k.w.dims[r - 1] + K_TILE - 1) / K_TILE);
    double per_tile = (double)k.w.total / (double)k.n_tiles * 2.0 * k.es;
    int64_t tasks = lw_split(p, k.n_tiles, per_tile, 1, &k.tiles_per_task);
    return lw_emit(p, out, "transpose", &k, sizeof k, tasks, d);
}

/* A view of input 0 over output 0, walked densely: one operand. */
static ir_status emit_view(cg_program *p, const ir_node *n, const lw_view *v, cg_lowered *out,
                           ir_diag *d)
{
    struct k_view k = {.es = esize(p, n->inputs[0]), .x = lw_in(p, n, 0), .out = lw_out(p, n, 0)};
    if (!lw_walk(&k.w, v))
        return lw_fail(d, n, "the strided copy needs more than %d dimensions", K_WALK_RANK);
    int32_t r = k.w.rank;
    if (r >= 2 && k.w.st[0][r - 2] == 1 && k.w.st[0][r - 1] > 1 && k.w.dims[r - 1] >= 8 &&
        k.w.dims[r - 2] >= 8)
        return emit_tiles(p, n, &k, out, d);
    int64_t tasks = lw_split(p, k.w.total, 2.0 * k.es, 16, &k.w.chunk);
    return lw_emit(p, out, "view", &k, sizeof k, tasks, d);
}

static void view_init(lw_view *v, const ir_shape *os)
{
    memset(v, 0, sizeof *v);
    v->nops = 1;
    v->rank = os->rank;
    memcpy(v->dims, os->dims, (size_t)os->rank * sizeof os->dims[0]);
}

ir_status cg_lower_light_transpose(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    const int64_t *perm;
    size_t k = ir_attr_ints(n, "perm", &perm);
    int64_t xs[IR_MAX_RANK];
    lw_view v;
    if (ir_node_attr(n, "perm") && k != (size_t)x->rank)
        return lw_fail(d, n, "perm has %zu entries for rank %d", k, (int)x->rank);
    lw_strides(x, xs);
    view_init(&v, vshape(p, n->outputs[0]));
    for (int32_t i = 0; i < x->rank; i++) {
        int64_t a = perm ? perm[i] : x->rank - 1 - i;
        if (a < 0 || a >= x->rank)
            return lw_fail(d, n, "perm[%d] = %lld is out of range", (int)i, (long long)a);
        v.st[0][i] = xs[a];
    }
    return emit_view(p, n, &v, out, d);
}

ir_status cg_lower_light_expand(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *os = vshape(p, n->outputs[0]);
    int64_t s[IR_MAX_RANK];
    lw_view v;
    if (vshape(p, n->inputs[0])->rank > os->rank)
        return lw_fail(d, n, "output rank below input rank");
    view_init(&v, os);
    ir_broadcast_strides(vshape(p, n->inputs[0]), os, s);
    memcpy(v.st[0], s, (size_t)os->rank * sizeof s[0]);
    return emit_view(p, n, &v, out, d);
}

/* Axis i of Tile becomes (repeats, dim) with strides (0, stride). */
ir_status cg_lower_light_tile(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]), *os = vshape(p, n->outputs[0]);
    int64_t xs[IR_MAX_RANK];
    lw_view v = {.nops = 1};
    if (x->rank != os->rank)
        return lw_fail(d, n, "output rank differs from input rank");
    lw_strides(x, xs);
    for (int32_t i = 0; i < x->rank; i++) {
        int64_t rep = x->dims[i] > 0 ? os->dims[i] / x->dims[i] : 0;
        if (x->dims[i] > 0 && rep * x->dims[i] != os->dims[i])
            return lw_fail(d, n, "output dim %d is not a multiple of the input's", (int)i);
        v.dims[v.rank] = x->dims[i] > 0 ? rep : 0;
        v.st[0][v.rank++] = 0;
        v.dims[v.rank] = x->dims[i];
        v.st[0][v.rank++] = xs[i];
    }
    return emit_view(p, n, &v, out, d);
}

/* ---- Slice -------------------------------------------------------------------- */

typedef struct {
    int64_t v[4][IR_MAX_RANK]; /* starts, ends, axes, steps */
    int64_t count;
    bool has[4];
} slice_params;

/* Reads the parameters from attributes (opset < 10) or constant inputs;
 * false when one of them is only known at run time. */
static bool slice_known(cg_program *p, const ir_node *n, slice_params *s)
{
    static const char *const names[4] = {"starts", "ends", "axes", "steps"};
    memset(s, 0, sizeof *s);
    s->count = -1;
    bool attrs = ir_node_opset(cg_graph(p), n) < 10;
    for (uint32_t i = 0; i < 4; i++) {
        int64_t c = -1;
        if (attrs) {
            const int64_t *a;
            size_t k = ir_attr_ints(n, names[i], &a);
            if (ir_node_attr(n, names[i]) && k <= IR_MAX_RANK) {
                if (k)
                    memcpy(s->v[i], a, k * sizeof *a);
                c = (int64_t)k;
            }
        } else if (lw_has(n, i + 1)) {
            const ir_tensor *t = lw_const(p, n, i + 1);
            if (!t)
                return false;
            c = ir_tensor_ints(t, s->v[i], IR_MAX_RANK);
        }
        s->has[i] = c >= 0;
        if (i == 0)
            s->count = c;
    }
    return true;
}

/* The spec's clamping of one axis (as ir/ref_slice.c); returns the length. */
static int64_t slice_dim(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first)
{
    *first = 0;
    if (dim == 0)
        return 0;
    start = start < 0 ? start + dim : start;
    end = end < 0 ? end + dim : end;
    uint64_t diff, us;
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
        diff = end > start ? (uint64_t)(end - start) : 0;
        us = (uint64_t)step;
    } else {
        start = start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
        end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
        diff = start > end ? (uint64_t)(start - end) : 0;
        us = (uint64_t)0 - (uint64_t)step;
    }
    *first = start;
    return (int64_t)(diff / us + (diff % us != 0));
}

static ir_status slice_view(cg_program *p, const ir_node *n, const slice_params *s, cg_lowered *out,
                            ir_diag *d)
{
    const ir_shape *x = vshape(p, n->inputs[0]), *os = vshape(p, n->outputs[0]);
    int64_t xs[IR_MAX_RANK];
    lw_view v;
    lw_strides(x, xs);
    view_init(&v, os);
    memcpy(v.st[0], xs, (size_t)x->rank * sizeof xs[0]);
    for (int64_t i = 0; i < s->count; i++) {
        int64_t a = s->has[2] ? s->v[2][i] : i, step = s->has[3] ? s->v[3][i] : 1, first;
        a = a < 0 ? a + x->rank : a;
        if (a < 0 || a >= x->rank || step == 0)
            return lw_fail(d, n, "bad axis or step in entry %lld", (long long)i);
        if (slice_dim(x->dims[a], s->v[0][i], s->v[1][i], step, &first) != os->dims[a])
            return lw_fail(d, n, "axis %lld: the output length disagrees with the parameters",
                           (long long)a);
        v.base[0] += first * xs[a];
        v.st[0][a] = step * xs[a];
    }
    return emit_view(p, n, &v, out, d);
}

static int32_t int_dt(cg_program *p, const ir_node *n, uint32_t i)
{
    return lw_has(n, i) ? (int32_t)lw_val(p, n->inputs[i])->dtype : K_I64;
}

ir_status cg_lower_light_slice(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    slice_params s;
    if (slice_known(p, n, &s)) {
        if (s.count < 0 || !s.has[1])
            return lw_fail(d, n, "starts or ends missing");
        return slice_view(p, n, &s, out, d);
    }
    const ir_shape *x = vshape(p, n->inputs[0]), *os = vshape(p, n->outputs[0]);
    struct k_slice k = {
        .es = esize(p, n->inputs[0]), .x = lw_in(p, n, 0), .out = lw_out(p, n, 0), .rank = x->rank};
    k.starts = lw_in(p, n, 1), k.ends = lw_in(p, n, 2), k.axes = lw_in(p, n, 3),
    k.steps = lw_in(p, n, 4);
    k.starts_dt = int_dt(p, n, 1), k.ends_dt = int_dt(p, n, 2), k.axes_dt = int_dt(p, n, 3);
    k.steps_dt = int_dt(p, n, 4);
    for (uint32_t i = 1; i < 5; i++)
        if (lw_has(n, i) && int_dt(p, n, i) != K_I32 && int_dt(p, n, i) != K_I64)
            return lw_fail(d, n, "input %u is not int32/int64", i);
    const ir_shape *ss = vshape(p, n->inputs[1]);
    k.n = ss->rank == 1 ? ss->dims[0] : 1;
    if (x->rank < 1 || k.n > x->rank)
        return lw_fail(d, n, "input rank %d with %lld slice entries", (int)x->rank, (long long)k.n);
    memcpy(k.in, x->dims, (size_t)x->rank * sizeof x->dims[0]);
    memcpy(k.outd, os->dims, (size_t)os->rank * sizeof os->dims[0]);
    k.total = ir_shape_numel(os);
    int64_t tasks = lw_split(p, k.total, 2.0 * k.es, 16, &k.chunk);
    return lw_emit(p, out, "slice", &k, sizeof k, tasks, d);
}

/* ---- Concat and Split ----------------------------------------------------------- */

/* Fills the concat descriptor for the big tensor `bigv` and parts[i]
 * (values, -1 for an omitted Split output of size sizes[i]). */
static ir_status concat_emit(cg_program *p, const ir_node *n, int32_t bigv, const int32_t *parts,
                             const int64_t *sizes, uint32_t np, int32_t axis, cg_lowered *out,
                             ir_diag *d)
{
    const ir_shape *bs = vshape(p, bigv);
    int64_t es = esize(p, bigv), outer = 1, inner = es, off = 0, start = 0;
    size_t size = sizeof(struct k_concat) + np * sizeof(struct k_concat_part);
    struct k_concat *k = cg_alloc(p, size);
    if (!k)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (int32_t i = 0; i < bs->rank; i++)
        *(i < axis ? &outer : &inner) *= i == axis ? 1 : bs->dims[i];
    k->big = cg_buf(p, bigv);
    k->split = n->op == IR_OP_SPLIT;
    k->n = (int32_t)np;
    k->outer = outer;
    k->row = bs->dims[axis] * inner;
    for (uint32_t i = 0; i < np; i++) {
        struct k_concat_part *pt = &k->part[i];
        pt->buf = parts[i] >= 0 ? cg_buf(p, parts[i]) : -1;
        pt->chunk = sizes[i] * inner;
        pt->off = off;
        pt->start = start;
        off += pt->chunk;
        start += outer * pt->chunk;
    }
    if (off != k->row)
        return lw_fail(d, n, "the parts add up to %lld bytes per row, expected %lld",
                       (long long)off, (long long)k->row);
    k->total = start;
    int64_t tasks = lw_split(p, k->total, 2, 64, &k->task_bytes);
    out->kernel = "concat";
    out->desc = k;
    out->desc_size = size;
    out->n_tasks = tasks;
    return IR_OK;
}

ir_status cg_lower_light_concat(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *os = vshape(p, n->outputs[0]);
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 1), os->rank, &a))
        return lw_fail(d, n, "axis out of range");
    int64_t sizes[4096];
    if (n->n_inputs > 4096)
        return lw_fail(d, n, "too many inputs");
    for (uint32_t i = 0; i < n->n_inputs; i++) {
        if (n->inputs[i] < 0)
            return lw_fail(d, n, "input %u is omitted", i);
        sizes[i] = vshape(p, n->inputs[i])->dims[a];
    }
    return concat_emit(p, n, n->outputs[0], n->inputs, sizes, n->n_inputs, a, out, d);
}

/* Split sizes: the outputs' shapes; an omitted output gets what the
 * others leave (one omitted) or the equal split (several). */
ir_status cg_lower_light_split(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    int32_t a;
    int64_t sizes[4096], known = 0;
    uint32_t missing = 0, nout = n->n_outputs;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 0), x->rank, &a) || nout > 4096 || nout == 0)
        return lw_fail(d, n, "bad axis or output count");
    for (uint32_t i = 0; i < nout; i++) {
        sizes[i] = n->outputs[i] >= 0 ? vshape(p, n->outputs[i])->dims[a] : -1;
        missing += sizes[i] < 0;
        known += sizes[i] < 0 ? 0 : sizes[i];
    }
    int64_t eq = (x->dims[a] + nout - 1) / nout;
    for (uint32_t i = 0; i < nout; i++)
        if (sizes[i] < 0)
            sizes[i] = missing == 1   ? x->dims[a] - known
                       : i + 1 < nout ? eq
                                      : x->dims[a] - eq * (nout - 1);
    return concat_emit(p, n, n->inputs[0], n->outputs, sizes, nout, a, out, d);
}

/* ---- Gather ----------------------------------------------------------------------- */

ir_status cg_lower_light_gather(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    int32_t a;
    if (!ir_axis_norm(ir_attr_int(n, "axis", 0), x->rank, &a))
        return lw_fail(d, n, "axis out of range");
    struct k_gather k = {
        .x = lw_in(p, n, 0), .idx = lw_in(p, n, 1), .out = lw_out(p, n, 0), .outer = 1};
    k.idx_dt = lw_val(p, n->inputs[1])->dtype;
    if (k.idx_dt != K_I32 && k.idx_dt != K_I64)
        return lw_fail(d, n, "indices are %s, expected int32 or int64",
                       ir_dtype_name((ir_dtype)k.idx_dt));
    k.row_bytes = esize(p, n->inputs[0]);
    for (int32_t i = 0; i < x->rank; i++)
        *(i < a ? &k.outer : &k.row_bytes) *= i == a ? 1 : x->dims[i];
    k.dim = x->dims[a];
    k.cnt = ir_shape_numel(vshape(p, n->inputs[1]));
    int64_t tasks =
        lw_split(p, k.outer * k.cnt, 2.0 * (double)k.row_bytes + 8, 1, &k.rows_per_task);
    return lw_emit(p, out, "gather", &k, sizeof k, tasks, d);
}

/* ---- Shape, Constant, ConstantOfShape, Range ------------------------------------------- */

/* Output 0 holds the constant t: a copy from a new constant buffer. */
static ir_status emit_constant(cg_program *p, const ir_node *n, const void *data, uint64_t bytes,
                               cg_lowered *out, ir_diag *d)
{
    int32_t src = cg_const(p, data, bytes);
    if (src < 0)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    return cg_light_copy(p, src, lw_out(p, n, 0), bytes, out, d);
}

ir_status cg_lower_light_shape(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]);
    int64_t rank = x->rank, s = 0, e = rank, dims[IR_MAX_RANK];
    if (ir_node_opset(cg_graph(p), n) >= 15) {
        s = ir_attr_int(n, "start", 0);
        e = ir_attr_int(n, "end", rank);
    }
    s = s < 0 ? s + rank : s;
    e = e < 0 ? e + rank : e;
    s = s < 0 ? 0 : s > rank ? rank : s;
    e = e < 0 ? 0 : e > rank ? rank : e;
    int64_t cnt = e > s ? e - s : 0;
    if (ir_shape_numel(vshape(p, n->outputs[0])) != cnt ||
        lw_val(p, n->outputs[0])->dtype != IR_I64)
        return ir_fail(d, IR_ERR_INTERNAL, "node '%s' (Shape): unexpected output", ir_q(n->name));
    for (int64_t i = s; i < e; i++)
        dims[i - s] = x->dims[i];
    return emit_constant(p, n, dims, (uint64_t)cnt * 8, out, d);
}

/* Constant (any form): evaluated by the reference kernel at compile time. */
ir_status cg_lower_light_constant(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    ir_tensor *t = NULL;
    if (!st)
        st = ir_ref_node(cg_graph(p), n, NULL, &t, d);
    if (!st)
        st = emit_constant(p, n, t->data, t->nbytes, out, d);
    ir_tensor_release(t);
    return st;
}

ir_status cg_lower_light_constantofshape(cg_program *p, const ir_node *n, cg_lowered *out,
                                         ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_value *o = lw_val(p, n->outputs[0]);
    const ir_attr *va = ir_node_attr(n, "value");
    struct k_copy k = {
        .src = -1, .dst = -1, .fill = lw_out(p, n, 0), .fill_es = (int32_t)ir_dtype_size(o->dtype)};
    if (va && (va->type != IR_ATTR_TENSOR || !va->tensor || ir_tensor_numel(va->tensor) != 1 ||
               va->tensor->dtype != o->dtype))
        return lw_fail(d, n, "attribute 'value' is not a one-element tensor of the output's dtype");
    if (va)
        memcpy(&k.fill_bits, va->tensor->data, (size_t)k.fill_es);
    k.fill_count = ir_shape_numel(&o->shape);
    int64_t tasks = lw_split(p, k.fill_count, k.fill_es, 64, &k.fill_chunk);
    return lw_emit(p, out, "copy", &k, sizeof k, tasks, d);
}

ir_status cg_lower_light_range(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_value *o = lw_val(p, n->outputs[0]);
    struct k_range k = {.dtype = o->dtype,
                        .start = lw_in(p, n, 0),
                        .delta = lw_in(p, n, 2),
                        .out = lw_out(p, n, 0)};
    k.n = ir_shape_numel(&o->shape);
    if (o->dtype != IR_F32 && o->dtype != IR_F64 && o->dtype != IR_I16 && o->dtype != IR_I32 &&
        o->dtype != IR_I64)
        return lw_fail(d, n, "dtype %s", ir_dtype_name(o->dtype));
    return lw_emit(p, out, "range", &k, sizeof k, 1, d);
}

/* ---- Pad ---------------------------------------------------------------------------- */

static ir_status pad_mode(const ir_node *n, int32_t *mode, ir_diag *d)
{
    static const char *const names[] = {"constant", "reflect", "edge", "wrap"};
    const char *m = ir_attr_string(n, "mode", "constant");
    for (int32_t i = 0; i < 4; i++)
        if (!strcmp(m, names[i])) {
            *mode = i;
            return IR_OK;
        }
    return lw_fail(d, n, "mode '%s'", ir_q(m));
}

/* The pads: attributes before opset 11, else input 1 (and axes, input 3,
 * from opset 18), constant or left to the kernel. */
static ir_status pad_pads(cg_program *p, const ir_node *n, struct k_pad *k, ir_diag *d)
{
    int64_t pads[2 * IR_MAX_RANK], axes[IR_MAX_RANK], np, na = k->rank;
    bool with_axes = ir_node_opset(cg_graph(p), n) >= 18 && lw_has(n, 3);
    if (ir_node_opset(cg_graph(p), n) < 11) {
        const int64_t *a;
        np = (int64_t)ir_attr_ints(n, ir_node_opset(cg_graph(p), n) < 2 ? "paddings" : "pads", &a);
        if (np == 2 * k->rank)
            memcpy(pads, a, (size_t)np * sizeof *a);
    } else {
        const ir_tensor *pt = lw_const(p, n, 1), *at = with_axes ? lw_const(p, n, 3) : NULL;
        if (!lw_has(n, 1))
            return lw_fail(d, n, "input 1 (pads) is missing");
        if (!pt || (with_axes && !at)) { /* read by the kernel */
            k->pads = lw_in(p, n, 1), k->pads_dt = lw_val(p, n->inputs[1])->dtype;
            k->npads = ir_shape_numel(vshape(p, n->inputs[1]));
            k->axes = with_axes ? lw_in(p, n, 3) : -1,
            k->axes_dt = with_axes ? lw_val(p, n->inputs[3])->dtype : 0;
            k->naxes = with_axes ? ir_shape_numel(vshape(p, n->inputs[3])) : k->rank;
            return IR_OK;
        }
        np = ir_tensor_ints(pt, pads, 2 * IR_MAX_RANK);
        na = at ? ir_tensor_ints(at, axes, IR_MAX_RANK) : k->rank;
    }
    if (np != 2 * na || na < 0)
        return lw_fail(d, n, "pads have %lld entries for %lld axes", (long long)np, (long long)na);
    for (int64_t i = 0; i < na; i++) {
        int64_t a = with_axes ? axes[i] : i;
        a = a < 0 ? a + k->rank : a;
        if (a < 0 || a >= k->rank)
            return lw_fail(d, n, "axes[%lld] out of range", (long long)i);
        k->begin[a] = pads[i];
        k->end[a] = pads[na + i];
    }
    return IR_OK;
}

/* The constant: attribute 'value' before opset 11, else input 2. */
static ir_status pad_value(cg_program *p, const ir_node *n, struct k_pad *k, ir_dtype t, ir_diag *d)
{
    uint8_t buf[16] = {0};
    ir_tensor tmp = {.dtype = t, .shape = {.rank = 0}, .data = buf, .nbytes = 16};
    if (ir_node_opset(cg_graph(p), n) < 11) {
        ir_tensor_set_f64(&tmp, 0, ir_attr_float(n, "value", 0.0f));
    } else if (lw_has(n, 2) && ir_shape_numel(vshape(p, n->inputs[2])) > 0) {
        const ir_tensor *c = lw_const(p, n, 2);
        if (lw_val(p, n->inputs[2])->dtype != t || ir_shape_numel(vshape(p, n->inputs[2])) != 1)
            return lw_fail(d, n, "constant_value is not one element of the data's dtype");
        if (c)
            memcpy(buf, c->data, (size_t)k->es);
        else
            k->cval = lw_in(p, n, 2);
    }
    memcpy(&k->cbits, buf, (size_t)k->es);
    return IR_OK;
}

ir_status cg_lower_light_pad(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_shape *x = vshape(p, n->inputs[0]), *os = vshape(p, n->outputs[0]);
    if (x->rank == 0)
        return cg_light_copy(p, lw_in(p, n, 0), lw_out(p, n, 0), (uint64_t)esize(p, n->inputs[0]),
                             out, d);
    struct k_pad k = {.es = esize(p, n->inputs[0]),
                      .x = lw_in(p, n, 0),
                      .out = lw_out(p, n, 0),
                      .rank = x->rank,
                      .pads = -1,
                      .axes = -1,
                      .cval = -1};
    if ((st = pad_mode(n, &k.mode, d)) || (st = pad_pads(p, n, &k, d)) ||
        (st = pad_value(p, n, &k, lw_val(p, n->inputs[0])->dtype, d)))
        return st;
    memcpy(k.in, x->dims, (size_t)x->rank * sizeof x->dims[0]);
    memcpy(k.outd, os->dims, (size_t)os->rank * sizeof os->dims[0]);
    k.rows = 1;
    for (int32_t i = 0; i + 1 < os->rank; i++)
        k.rows *= os->dims[i];
    k.rows = os->dims[os->rank - 1] > 0 ? k.rows : 0;
    int64_t tasks =
        lw_split(p, k.rows, 2.0 * k.es * (double)os->dims[os->rank - 1], 1, &k.rows_per_task);
    return lw_emit(p, out, "pad", &k, sizeof k, tasks, d);
}
