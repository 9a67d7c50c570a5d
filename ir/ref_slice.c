/* ref_slice.c - Slice and Split: shape hooks and reference kernels.
 *
 * Both ops cut a tensor along axes by parameters that may be attributes
 * (Slice 1-9, Split up to 12) or tensors (later opsets), so hook and kernel
 * share one parser here rather than each re-deriving the cut: the hook runs
 * it on whatever values are known, the kernel on the concrete tensors.
 * Slice follows the spec's clamping exactly (negative steps, INT64_MAX and
 * INT64_MIN as "to the end"), computed without overflow. */
#include <stdarg.h>
#include <string.h>

#include "kernels.h"

#define MAX_SPLIT 4096

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define fail(n, st, d, ...) ir_fail_node(d, st, n, __VA_ARGS__)

/* Reads a 1-D int32/int64 tensor of at most max elements. */
static int64_t read_ints(const ir_node *n, const ir_tensor *t, const char *what, int64_t *v,
                         int64_t max, ir_diag *d)
{
    if (t->dtype != IR_I64 && t->dtype != IR_I32) {
        fail(n, IR_ERR_MODEL, d, "%s has type %s, expected int32 or int64", what,
             ir_dtype_name(t->dtype));
        return -1;
    }
    int64_t cnt = ir_tensor_numel(t);
    if (t->shape.rank > 1 || cnt > max) {
        fail(n, IR_ERR_MODEL, d, "%s has shape of %lld elements (rank %d), expected a 1-D "
             "tensor of at most %lld", what, (long long)cnt, (int)t->shape.rank, (long long)max);
        return -1;
    }
    for (int64_t i = 0; i < cnt; i++)
        v[i] = ir_tensor_get_i64(t, i);
    return cnt;
}

/* ---- Slice -------------------------------------------------------------- */

/* starts/ends/axes/steps as given, before they meet the input's dims. */
typedef struct {
    int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
    int64_t count;
    bool known;      /* starts/ends (and steps) values known */
    bool axes_known; /* which axes are sliced is known */
} slice_args;

/* When starts/ends are unknown the sliced axes may still be: given, or
 * 0..len-1 with len the length of a starts/ends/steps operand (len_hint:
 * the length the hook knows from the operands' shapes, -1 if none). */
static void slice_axes_only(slice_args *a, const int64_t *cnt, const bool *unknown,
                            int64_t len_hint)
{
    a->count = -1;
    if (cnt[2] >= 0) {
        a->count = cnt[2];
    } else if (!unknown[2]) {
        for (int i = 0; i < 4 && a->count < 0; i++)
            if (i != 2 && cnt[i] >= 0)
                a->count = cnt[i];
        if (a->count < 0)
            a->count = len_hint;
        for (int64_t i = 0; i < a->count && i < IR_MAX_RANK; i++)
            a->axes[i] = i;
    }
    a->axes_known = a->count >= 0 && a->count <= IR_MAX_RANK;
}

/* Reads the slice arguments from attributes (opset < 10) or from the
 * tensors v[1..4] (NULL = unknown or omitted; has[i] says whether input i
 * is given at all). */
static ir_status slice_args_read(const ir_graph *g, const ir_node *n, const ir_tensor *const *v,
                                 const bool *has, int64_t len_hint, slice_args *a, ir_diag *d)
{
    int64_t cnt[4] = {-1, -1, -1, -1};
    bool unknown[4] = {false};
    int64_t *dst[4] = {a->starts, a->ends, a->axes, a->steps};
    static const char *const names[4] = {"starts", "ends", "axes", "steps"};
    a->known = a->axes_known = true;
    bool attrs = ir_node_opset(g, n) < 10;
    for (int i = 0; i < (attrs ? 3 : 4); i++) {
        if (attrs) {
            const int64_t *p;
            size_t k = ir_attr_ints(n, names[i], &p);
            if (!ir_node_attr(n, names[i]) && i < 2)
                return fail(n, IR_ERR_MODEL, d, "missing attribute '%s'", names[i]);
            if (!ir_node_attr(n, names[i]))
                continue;
            if (k > IR_MAX_RANK)
                return fail(n, IR_ERR_MODEL, d, "%s has %zu entries, at most %d supported",
                            names[i], k, IR_MAX_RANK);
            if (k)
                memcpy(dst[i], p, k * sizeof *p);
            cnt[i] = (int64_t)k;
        } else if (!has[i + 1]) {
            if (i < 2)
                return fail(n, IR_ERR_MODEL, d, "input %d (%s) is missing", i + 1, names[i]);
        } else if (!v[i + 1]) {
            a->known = false;
            unknown[i] = true;
        } else {
            char what[32];
            snprintf(what, sizeof what, "input %d (%s)", i + 1, names[i]);
            cnt[i] = read_ints(n, v[i + 1], what, dst[i], IR_MAX_RANK, d);
            if (cnt[i] < 0)
                return d ? d->status : IR_ERR_MODEL;
        }
    }
    if (!a->known) {
        slice_axes_only(a, cnt, unknown, len_hint);
        return IR_OK;
    }
    a->count = cnt[0];
    if (cnt[1] != cnt[0] || (cnt[2] >= 0 && cnt[2] != cnt[0]) || (cnt[3] >= 0 && cnt[3] != cnt[0]))
        return fail(n, IR_ERR_MODEL, d, "starts, ends, axes and steps have different lengths "
                    "(%lld, %lld, %lld, %lld)", (long long)cnt[0], (long long)cnt[1],
                    (long long)cnt[2], (long long)cnt[3]);
    for (int64_t i = 0; i < a->count; i++) {
        if (cnt[2] < 0)
            a->axes[i] = i;
        if (cnt[3] < 0)
            a->steps[i] = 1;
        if (a->steps[i] == 0)
            return fail(n, IR_ERR_MODEL, d, "steps[%lld] is 0", (long long)i);
    }
    return IR_OK;
}

/* Clamps one axis as the spec says; returns the output length and sets
 * *first to the first input index. */
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

/* Normalizes the axes against rank; marks which axis each entry slices. */
static ir_status slice_axes(const ir_node *n, slice_args *a, int32_t rank, ir_diag *d)
{
    bool seen[IR_MAX_RANK] = {false};
    for (int64_t i = 0; i < a->count; i++) {
        int32_t ax;
        if (!ir_axis_norm(a->axes[i], rank, &ax))
            return fail(n, IR_ERR_MODEL, d, "axes[%lld] = %lld is out of range for rank %d",
                        (long long)i, (long long)a->axes[i], (int)rank);
        if (seen[ax])
            return fail(n, IR_ERR_MODEL, d, "axis %d is sliced twice", (int)ax);
        seen[ax] = true;
        a->axes[i] = ax;
    }
    return IR_OK;
}

static bool has_input(const ir_node *n, uint32_t i) { return i < n->n_inputs && n->inputs[i] >= 0; }

ir_status ir_shape_slice(const ir_graph *g, const ir_node *n, const ir_operand *in,
                         ir_operand *out, ir_diag *d)
{
    const ir_tensor *v[5] = {NULL};
    bool has[5] = {true};
    for (uint32_t i = 1; i < 5; i++) {
        has[i] = has_input(n, i) && in[i].dtype != IR_UNDEF;
        v[i] = has[i] ? in[i].value : NULL;
    }
    ir_shape o = in[0].shape;
    int64_t hint = -1;
    for (uint32_t i = 1; i < 5 && hint < 0; i++)
        if (i != 3 && has[i] && in[i].shape.rank == 1)
            hint = in[i].shape.dims[0];
    slice_args a;
    ir_status st = slice_args_read(g, n, v, has, hint, &a, d);
    if (st != IR_OK)
        return st;
    if (o.rank >= 0 && !a.axes_known) {
        for (int32_t i = 0; i < o.rank; i++)
            o.dims[i] = -1, o.sym[i] = NULL;
    } else if (o.rank >= 0 && a.known) {
        if ((st = slice_axes(n, &a, o.rank, d)) != IR_OK)
            return st;
        for (int64_t i = 0; i < a.count; i++) {
            int32_t ax = (int32_t)a.axes[i];
            int64_t first;
            if (o.dims[ax] >= 0)
                o.dims[ax] = slice_dim(o.dims[ax], a.starts[i], a.ends[i], a.steps[i], &first);
            o.sym[ax] = NULL;
        }
    } else if (o.rank >= 0) { /* axes known, starts/ends not */
        for (int64_t i = 0; i < a.count; i++) {
            int32_t ax;
            if (!ir_axis_norm(a.axes[i], o.rank, &ax))
                return fail(n, IR_ERR_MODEL, d, "axes[%lld] = %lld is out of range for rank %d",
                            (long long)i, (long long)a.axes[i], (int)o.rank);
            o.dims[ax] = -1, o.sym[ax] = NULL;
        }
    }
    out[0].dtype = in[0].dtype;
    out[0].shape = o;
    out[0].value = NULL;
    return IR_OK;
}

ir_status ir_ref_slice(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *v[5] = {in[0]};
    bool has[5] = {true};
    for (uint32_t i = 1; i < 5; i++) {
        has[i] = has_input(n, i) && in[i];
        v[i] = has[i] ? in[i] : NULL;
    }
    const ir_shape *x = &in[0]->shape;
    slice_args a;
    ir_status st = slice_args_read(g, n, v, has, -1, &a, d);
    if (st == IR_OK)
        st = slice_axes(n, &a, x->rank, d);
    if (st != IR_OK)
        return st;
    int64_t xs[IR_MAX_RANK], step[IR_MAX_RANK], base = 0;
    ir_shape_strides(x, xs);
    for (int32_t i = 0; i < x->rank; i++)
        step[i] = xs[i];
    for (int64_t i = 0; i < a.count; i++) {
        int32_t ax = (int32_t)a.axes[i];
        int64_t first;
        int64_t len = slice_dim(x->dims[ax], a.starts[i], a.ends[i], a.steps[i], &first);
        if (len != out[0]->shape.dims[ax])
            return fail(n, IR_ERR_INTERNAL, d, "axis %d: output length %lld, expected %lld",
                        (int)ax, (long long)out[0]->shape.dims[ax], (long long)len);
        base += first * xs[ax];
        step[ax] = a.steps[i] * xs[ax];
    }
    if (ir_tensor_numel(out[0]) <= 0)
        return IR_OK;
    size_t es = ir_dtype_size(in[0]->dtype);
    uint8_t *o = out[0]->data;
    const uint8_t *s = (const uint8_t *)in[0]->data + (size_t)base * es;
    ir_index it;
    ir_index_init(&it, &out[0]->shape);
    do {
        memcpy(o, s + ir_index_offset(&it, step) * (int64_t)es, es);
        o += es;
    } while (ir_index_next(&it));
    return IR_OK;
}

/* ---- Split -------------------------------------------------------------- */

/* Explicit split sizes: input 1 from opset 13 (and optionally in opset 1),
 * attribute 'split' before. Returns the count, 0 if not given, -2 if given
 * but unknown, -1 on error. */
static int64_t split_explicit(const ir_graph *g, const ir_node *n, const ir_tensor *v1, bool has1,
                              int64_t *sizes, ir_diag *d)
{
    int64_t opset = ir_node_opset(g, n);
    if (has1 && (opset >= 13 || opset < 2)) {
        if (!v1)
            return -2;
        return read_ints(n, v1, "input 1 (split)", sizes, MAX_SPLIT, d);
    }
    const int64_t *p;
    size_t k = ir_attr_ints(n, "split", &p);
    if (opset >= 13 || !p)
        return 0;
    if (k > MAX_SPLIT) {
        fail(n, IR_ERR_UNSUPPORTED, d, "split has %zu entries, at most %d supported", k,
             MAX_SPLIT);
        return -1;
    }
    memcpy(sizes, p, k * sizeof *p);
    return (int64_t)k;
}

/* The size of each output along the axis (dim < 0: unknown, then *known
 * may come back false). */
static ir_status split_sizes(const ir_graph *g, const ir_node *n, const ir_tensor *v1, bool has1,
                             int64_t dim, int64_t *sizes, bool *known, ir_diag *d)
{
    uint32_t nout = n->n_outputs;
    int64_t k = split_explicit(g, n, v1, has1, sizes, d);
    const ir_attr *na = ir_node_opset(g, n) >= 18 ? ir_node_attr(n, "num_outputs") : NULL;
    *known = false;
    if (k == -1)
        return d ? d->status : IR_ERR_MODEL;
    if (na && k != 0)
        return fail(n, IR_ERR_MODEL, d, "has both 'num_outputs' and split sizes");
    if (k == -2)
        return IR_OK;
    if (k > 0) {
        int64_t sum = 0;
        if (k != nout)
            return fail(n, IR_ERR_MODEL, d, "split has %lld entries for %u outputs", (long long)k,
                        nout);
        for (int64_t i = 0; i < k; i++) {
            if (sizes[i] < 0 || __builtin_add_overflow(sum, sizes[i], &sum))
                return fail(n, IR_ERR_MODEL, d, "split[%lld] is %lld, expected >= 0",
                            (long long)i, (long long)sizes[i]);
        }
        if (dim >= 0 && sum != dim)
            return fail(n, IR_ERR_MODEL, d, "split sizes add up to %lld, the axis has %lld",
                        (long long)sum, (long long)dim);
        *known = true;
        return IR_OK;
    }
    if (na && na->i != nout)
        return fail(n, IR_ERR_MODEL, d, "num_outputs is %lld but the node has %u outputs",
                    (long long)na->i, nout);
    if (dim < 0)
        return IR_OK;
    int64_t chunk = (dim + nout - 1) / nout; /* opset 18: the last chunk may be smaller */
    if (!na && dim % nout != 0)
        return fail(n, IR_ERR_MODEL, d, "axis of size %lld cannot be split equally into %u "
                    "outputs", (long long)dim, nout);
    for (uint32_t i = 0; i < nout; i++)
        sizes[i] = i + 1 < nout ? chunk : dim - chunk * (int64_t)(nout - 1);
    if (sizes[nout - 1] < 0)
        return fail(n, IR_ERR_MODEL, d, "axis of size %lld cannot be split into %u chunks of "
                    "%lld", (long long)dim, nout, (long long)chunk);
    *known = true;
    return IR_OK;
}

ir_status ir_shape_split(const ir_graph *g, const ir_node *n, const ir_operand *in,
                         ir_operand *out, ir_diag *d)
{
    int64_t sizes[MAX_SPLIT];
    const ir_shape *x = &in[0].shape;
    bool has1 = has_input(n, 1) && in[1].dtype != IR_UNDEF, known = false;
    int32_t a = -1;
    if (n->n_outputs > MAX_SPLIT)
        return fail(n, IR_ERR_UNSUPPORTED, d, "%u outputs, at most %d supported", n->n_outputs,
                    MAX_SPLIT);
    if (x->rank >= 0 && !ir_axis_norm(ir_attr_int(n, "axis", 0), x->rank, &a))
        return fail(n, IR_ERR_MODEL, d, "axis %lld is out of range for rank %d",
                    (long long)ir_attr_int(n, "axis", 0), (int)x->rank);
    ir_status st = split_sizes(g, n, has1 ? in[1].value : NULL, has1, a >= 0 ? x->dims[a] : -1,
                               sizes, &known, d);
    if (st != IR_OK)
        return st;
    for (uint32_t i = 0; i < n->n_outputs; i++) {
        out[i].dtype = in[0].dtype;
        out[i].shape = *x;
        out[i].value = NULL;
        if (a >= 0) {
            out[i].shape.dims[a] = known ? sizes[i] : -1;
            out[i].shape.sym[a] = NULL;
        }
    }
    return IR_OK;
}

ir_status ir_ref_split(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    int64_t sizes[MAX_SPLIT];
    const ir_shape *x = &in[0]->shape;
    bool has1 = has_input(n, 1) && in[1], known;
    int32_t a;
    if (n->n_outputs > MAX_SPLIT || !ir_axis_norm(ir_attr_int(n, "axis", 0), x->rank, &a))
        return fail(n, IR_ERR_MODEL, d, "bad axis or output count");
    ir_status st = split_sizes(g, n, has1 ? in[1] : NULL, has1, x->dims[a], sizes, &known, d);
    if (st != IR_OK)
        return st;
    size_t es = ir_dtype_size(in[0]->dtype);
    int64_t outer = 1, inner = 1, off = 0;
    for (int32_t i = 0; i < a; i++)
        outer *= x->dims[i];
    for (int32_t i = a + 1; i < x->rank; i++)
        inner *= x->dims[i];
    size_t row = (size_t)(x->dims[a] * inner) * es;
    for (uint32_t k = 0; k < n->n_outputs; off += sizes[k], k++) {
        if (!out[k])
            continue;
        if (out[k]->shape.dims[a] != sizes[k])
            return fail(n, IR_ERR_INTERNAL, d, "output %u has the wrong size", k);
        size_t chunk = (size_t)(sizes[k] * inner) * es;
        const uint8_t *s = (const uint8_t *)in[0]->data + (size_t)(off * inner) * es;
        for (int64_t j = 0; j < outer && chunk; j++)
            memcpy((uint8_t *)out[k]->data + (size_t)j * chunk, s + (size_t)j * row, chunk);
    }
    return IR_OK;
}
