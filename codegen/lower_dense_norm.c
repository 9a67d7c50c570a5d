/* lower_dense_norm.c - lowering of the normalizations: onnxc LayerNorm
 * (with its residual add and optional sum output), LayerNormalization
 * (opset 17, output 0 only) and Softmax (every opset's meaning).
 *
 * The kernels read scale and bias as full rows of the normalized size (or a
 * single broadcast value); constant parameters of any broadcastable shape
 * are expanded here into such rows, run-time ones must already be one. */
#include <stdlib.h>
#include <string.h>

#include "lower_dense.h"

/* Rows per task for `rows` rows of `len` elements: enough tasks for the
 * threads when there is enough work. */
static int64_t rows_per_task(const cg_program *p, int64_t rows, int64_t len)
{
    int64_t total = rows * len, tasks = total / 16384;
    int64_t most = 16 * (int64_t)cg_threads_hint(p);
    tasks = tasks < 1 ? 1 : tasks > most ? most : tasks;
    tasks = tasks > rows ? (rows > 0 ? rows : 1) : tasks;
    return rows > 0 ? (rows + tasks - 1) / tasks : 1;
}

/* Buffer holding parameter input i as a row of `inner` values (broadcast
 * over the normalized dims norm[0..nr)), or a single value (*bcast). */
static ir_status param_row(cg_program *p, const ir_node *n, uint32_t i, const int64_t *norm, int32_t nr,
                           int64_t inner, int32_t *buf, int32_t *bcast, ir_diag *d)
{
    const ir_value *v = ld_in(p, n, i);
    int64_t cnt = ld_numel(v);
    *bcast = cnt == 1 && inner != 1;
    bool exact = v->shape.rank <= nr && cnt == inner;
    if (exact || *bcast) {
        *buf = cg_buf(p, n->inputs[i]);
        return *buf < 0 ? ld_fail(d, IR_ERR_NOMEM, n, "out of memory") : IR_OK;
    }
    const float *c = ld_const(p, n, i);
    if (!c || v->shape.rank > nr)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "input %u (%lld values) must be constant or hold all %lld "
                       "normalized values", i, (long long)cnt, (long long)inner);
    int64_t st[IR_MAX_RANK], acc = 1;
    for (int32_t k = nr - 1; k >= 0; k--) { /* right-aligned broadcast strides */
        int32_t kv = k - (nr - v->shape.rank);
        int64_t dim = kv >= 0 ? v->shape.dims[kv] : 1;
        if (dim != 1 && dim != norm[k])
            return ld_fail(d, IR_ERR_MODEL, n, "input %u does not broadcast to the normalized dims", i);
        st[k] = dim == 1 ? 0 : acc;
        acc *= dim;
    }
    float *row = malloc((size_t)inner * sizeof *row + 4);
    if (!row)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    for (int64_t e = 0; e < inner; e++) {
        int64_t rem = e, src = 0;
        for (int32_t k = nr - 1; k >= 0; k--) {
            src += rem % norm[k] * st[k];
            rem /= norm[k];
        }
        row[e] = c[src];
    }
    *buf = cg_const(p, row, (uint64_t)inner * sizeof *row);
    *bcast = 0;
    free(row);
    return *buf < 0 ? ld_fail(d, IR_ERR_NOMEM, n, "out of memory") : IR_OK;
}

/* onnxc.LayerNorm(X, S, B, R?) -> Y, sum?  and  LayerNormalization(X, S, B?). */
ir_status cg_lower_layernorm(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    bool fused = n->op == IR_OP_LAYERNORM_FUSED;
    if (!fused && ir_attr_int(n, "stash_type", 1) != 1)
        return ld_fail(d, IR_ERR_UNSUPPORTED, n, "stash_type other than float32 is not supported");
    const ir_value *x = ld_in(p, n, 0);
    int64_t axis = ir_attr_int(n, "axis", -1), rank = x->shape.rank;
    if (axis < -rank || axis >= rank || (!fused && !ld_in(p, n, 1)))
        return ld_fail(d, IR_ERR_MODEL, n, "axis %lld is out of range, or the scale is missing", (long long)axis);
    axis = axis < 0 ? axis + rank : axis;
    int64_t inner = 1;
    for (int64_t i = axis; i < rank; i++)
        inner *= x->shape.dims[i];
    struct k_layernorm *k = cg_alloc(p, sizeof *k);
    if (!k)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(k, 0, sizeof *k);
    k->inner = inner;
    k->rows = inner ? ld_numel(x) / inner : 0;
    k->eps = ir_attr_float(n, "epsilon", 1e-5f);
    k->x = cg_buf(p, n->inputs[0]);
    k->y = cg_buf(p, n->outputs[0]);
    k->r = fused ? cg_buf(p, ld_in(p, n, 3) ? n->inputs[3] : -1) : -1;
    k->sum = fused && n->n_outputs > 1 ? cg_buf(p, n->outputs[1]) : -1;
    k->bias = -1;
    /* LayerNormalization's optional Mean and InvStdDev: one value per row */
    k->mean = !fused && n->n_outputs > 1 ? cg_buf(p, n->outputs[1]) : -1;
    k->invstd = !fused && n->n_outputs > 2 ? cg_buf(p, n->outputs[2]) : -1;
    st = param_row(p, n, 1, x->shape.dims + axis, (int32_t)(rank - axis), inner, &k->scale, &k->scale_bcast, d);
    if (!st && ld_in(p, n, 2))
        st = param_row(p, n, 2, x->shape.dims + axis, (int32_t)(rank - axis), inner, &k->bias, &k->bias_bcast, d);
    if (st)
        return st;
    k->per_task = rows_per_task(p, k->rows, inner);
    out->kernel = "layernorm";
    out->desc = k;
    out->desc_size = sizeof *k;
    out->n_tasks = k->rows > 0 ? (k->rows + k->per_task - 1) / k->per_task : 1;
    out->scratch_bytes = k->r >= 0 && k->sum < 0 ? (uint64_t)inner * 4 + 64 : 0;
    out->flops = 8.0 * (double)k->rows * (double)inner;
    return IR_OK;
}

/* Opset 13 normalizes along one axis (default -1); earlier opsets flatten
 * the input to 2-D at the axis (default 1) and normalize each row. */
ir_status cg_lower_softmax(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = ld_check_f32(p, n, d);
    if (st)
        return st;
    const ir_value *x = ld_in(p, n, 0);
    bool v13 = ir_node_opset(cg_graph(p), n) >= 13;
    int64_t rank = x->shape.rank, axis = ir_attr_int(n, "axis", v13 ? -1 : 1);
    if (axis < -rank || axis >= rank || (rank == 0 && axis != 0 && axis != -1))
        return ld_fail(d, IR_ERR_MODEL, n, "axis %lld is out of range for rank %lld", (long long)axis,
                       (long long)rank);
    axis = axis < 0 ? axis + rank : axis;
    struct k_softmax *k = cg_alloc(p, sizeof *k);
    if (!k)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(k, 0, sizeof *k);
    k->outer = k->len = k->inner = 1;
    for (int64_t i = 0; i < rank; i++) {
        int64_t dim = x->shape.dims[i];
        if (i < axis)
            k->outer *= dim;
        else if (i == axis || !v13)
            k->len *= dim;
        else
            k->inner *= dim;
    }
    k->x = cg_buf(p, n->inputs[0]);
    k->y = cg_buf(p, n->outputs[0]);
    k->per_task = rows_per_task(p, k->outer, k->len * k->inner);
    out->kernel = "softmax";
    out->desc = k;
    out->desc_size = sizeof *k;
    out->n_tasks = k->outer > 0 ? (k->outer + k->per_task - 1) / k->per_task : 1;
    out->flops = 5.0 * (double)ld_numel(x);
    return IR_OK;
}
