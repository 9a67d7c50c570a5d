/* lower_light.c - lowering of the elementwise ops and the copies, and the
 * helpers every light lowering shares (lower_light.h).
 *
 * A lowering turns one node with static shapes into a light kernel's
 * descriptor: operand buffers, the output walk with its dimensions merged
 * (so an Add of [850,1,256] and [256] becomes a 850 x 256 loop whose inner
 * strides are 1 and 1), the op and dtype codes, and a task split that gives
 * both cores work on large nodes and keeps small ones in one task. It also
 * notices when the memory plan put an output over its input (in place), so
 * the kernel reads through the output pointer and LLVM sees one array, not
 * two that might overlap. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "lower_light.h"

/* ---- helpers -------------------------------------------------------------- */

const ir_value *lw_val(cg_program *p, int32_t v)
{
    return &cg_graph(p)->values[v];
}

bool lw_has(const ir_node *n, uint32_t i)
{
    return i < n->n_inputs && n->inputs[i] >= 0;
}

const ir_tensor *lw_const(cg_program *p, const ir_node *n, uint32_t i)
{
    if (!lw_has(n, i))
        return NULL;
    const ir_value *v = lw_val(p, n->inputs[i]);
    return (v->flags & IR_VALUE_CONST) && v->data ? v->data : NULL;
}

static ir_status check_value(cg_program *p, const ir_node *n, int32_t v, const char *what,
                             uint32_t i, ir_diag *d)
{
    const ir_value *val = lw_val(p, v);
    if (!ir_shape_static(&val->shape))
        return lw_fail(d, n, "%s %u ('%s') has no static shape", what, i, ir_q(val->name));
    if (ir_dtype_size(val->dtype) == 0 || val->dtype == IR_STRING)
        return lw_fail(d, n, "%s %u ('%s') has dtype %s, which compiled code does not handle", what,
                       i, ir_q(val->name), ir_dtype_name(val->dtype));
    return IR_OK;
}

ir_status lw_check(cg_program *p, const ir_node *n, ir_diag *d)
{
    ir_status st = IR_OK;
    for (uint32_t i = 0; !st && i < n->n_inputs; i++)
        if (n->inputs[i] >= 0)
            st = check_value(p, n, n->inputs[i], "input", i, d);
    for (uint32_t i = 0; !st && i < n->n_outputs; i++)
        if (n->outputs[i] >= 0)
            st = check_value(p, n, n->outputs[i], "output", i, d);
    return st;
}

int32_t lw_in(cg_program *p, const ir_node *n, uint32_t i)
{
    return lw_has(n, i) ? cg_buf(p, n->inputs[i]) : -1;
}

int32_t lw_out(cg_program *p, const ir_node *n, uint32_t i)
{
    return i < n->n_outputs && n->outputs[i] >= 0 ? cg_buf(p, n->outputs[i]) : -1;
}

bool lw_same(cg_program *p, int32_t a, int32_t b)
{
    if (a < 0 || b < 0)
        return false;
    const cg_buf_info *x = &p->bufs[a], *y = &p->bufs[b];
    return x->kind == ONNXC_BUF_ARENA && y->kind == ONNXC_BUF_ARENA && x->offset == y->offset;
}

int64_t lw_split(cg_program *p, int64_t items, double bytes_per_item, int64_t align, int64_t *chunk)
{
    if (items <= 0) {
        *chunk = 1;
        return 1;
    }
    double work = (double)items * bytes_per_item;
    int64_t threads = cg_threads_hint(p), tasks = 1;
    if (work >= 96.0 * 1024) {
        tasks = (int64_t)ceil(work / (192.0 * 1024));
        tasks = tasks < threads ? threads : tasks > 16 * threads ? 16 * threads : tasks;
    }
    tasks = tasks > items ? items : tasks;
    int64_t c = (items + tasks - 1) / tasks;
    c = align > 1 ? (c + align - 1) / align * align : c;
    *chunk = c < items ? c : items;
    return (items + *chunk - 1) / *chunk;
}

bool lw_walk(struct k_walk *w, const lw_view *v)
{
    memset(w, 0, sizeof *w);
    w->nops = v->nops;
    w->total = 1;
    for (int32_t k = 0; k < v->rank; k++)
        w->total *= v->dims[k];
    memcpy(w->base, v->base, sizeof w->base);
    int32_t r = 0;
    for (int32_t k = 0; k < v->rank && w->total > 0; k++) {
        if (v->dims[k] == 1)
            continue;
        bool merge = r > 0;
        for (int32_t j = 0; merge && j < v->nops; j++)
            merge = w->st[j][r - 1] == v->st[j][k] * v->dims[k];
        if (merge) {
            w->dims[r - 1] *= v->dims[k];
            for (int32_t j = 0; j < v->nops; j++)
                w->st[j][r - 1] = v->st[j][k];
            continue;
        }
        if (r == K_WALK_RANK)
            return false;
        w->dims[r] = v->dims[k];
        for (int32_t j = 0; j < v->nops; j++)
            w->st[j][r] = v->st[j][k];
        r++;
    }
    if (r == 0) {
        r = 1;
        w->dims[0] = w->total;
    }
    w->rank = r;
    return true;
}

void lw_strides(const ir_shape *s, int64_t *st)
{
    int64_t x = 1;
    for (int32_t k = s->rank - 1; k >= 0; k--) {
        st[k] = x;
        x *= s->dims[k];
    }
}

ir_status lw_emit(cg_program *p, cg_lowered *out, const char *kernel, const void *desc, size_t size,
                  int64_t n_tasks, ir_diag *d)
{
    void *copy = cg_alloc(p, size);
    if (!copy)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memcpy(copy, desc, size);
    out->kernel = kernel;
    out->desc = copy;
    out->desc_size = size;
    out->n_tasks = n_tasks;
    return IR_OK;
}

/* ---- copies ----------------------------------------------------------------- */

ir_status cg_light_copy(cg_program *p, int32_t src, int32_t dst, uint64_t bytes, cg_lowered *out,
                        ir_diag *d)
{
    struct k_copy k = {.src = src, .dst = dst, .fill = -1, .bytes = (int64_t)bytes};
    k.n_copy = lw_split(p, k.bytes, 2, 64, &k.chunk);
    memset(out, 0, sizeof *out);
    return lw_emit(p, out, "copy", &k, sizeof k, k.n_copy, d);
}

static uint64_t value_bytes(cg_program *p, int32_t v)
{
    const ir_value *val = lw_val(p, v);
    return (uint64_t)ir_shape_numel(&val->shape) * ir_dtype_size(val->dtype);
}

/* Identity, Reshape, Flatten, Squeeze, Unsqueeze: the same bytes. */
ir_status cg_lower_light_copy(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    if (value_bytes(p, n->inputs[0]) != value_bytes(p, n->outputs[0]))
        return ir_fail_node(d, IR_ERR_INTERNAL, n, "input and output sizes differ");
    return cg_light_copy(p, lw_in(p, n, 0), lw_out(p, n, 0), value_bytes(p, n->inputs[0]), out, d);
}

/* The bits of the value 1 in dtype t (Dropout's mask before opset 10). */
static int64_t one_bits(ir_dtype t)
{
    uint8_t buf[16] = {0};
    int64_t bits = 0;
    ir_tensor tmp = {.dtype = t, .shape = {.rank = 0}, .data = buf, .nbytes = 16};
    ir_tensor_set_f64(&tmp, 0, 1.0);
    memcpy(&bits, buf, ir_dtype_size(t));
    return bits;
}

/* A one-element constant input's value, or def when the input is omitted;
 * false when it is given but not such a constant. */
static bool const_scalar(cg_program *p, const ir_node *n, uint32_t i, double def, double *v)
{
    const ir_tensor *t = lw_const(p, n, i);
    *v = def;
    if (!lw_has(n, i))
        return true;
    if (!t || ir_tensor_numel(t) != 1)
        return false;
    *v = ir_tensor_get_f64(t, 0);
    return true;
}

/* Dropout that drops nothing: in inference, or in training with ratio 0
 * (the JIT specializes on run-time training_mode and ratio inputs): a copy,
 * and a mask of ones when asked for. Random dropout is refused, as by the
 * reference engine. */
ir_status cg_lower_light_dropout(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    double training, ratio;
    if (!const_scalar(p, n, 2, 0, &training))
        return lw_fail(d, n, "training_mode is not a constant: compiled code needs to know the mode");
    if (training != 0 && (!const_scalar(p, n, 1, 0.5, &ratio) || ratio != 0))
        return lw_fail(d, n, "training_mode=1 with a non-zero ratio (random dropout) is not supported");
    struct k_copy k = {.src = lw_in(p, n, 0), .dst = lw_out(p, n, 0), .fill = lw_out(p, n, 1)};
    k.bytes = (int64_t)value_bytes(p, n->inputs[0]);
    k.n_copy = lw_split(p, k.bytes, 2, 64, &k.chunk);
    int64_t tasks = k.n_copy;
    if (k.fill >= 0) {
        const ir_value *m = lw_val(p, n->outputs[1]);
        k.fill_es = (int32_t)ir_dtype_size(m->dtype);
        k.fill_bits = one_bits(m->dtype);
        k.fill_count = ir_shape_numel(&m->shape);
        tasks += lw_split(p, k.fill_count, k.fill_es, 64, &k.fill_chunk);
    }
    return lw_emit(p, out, "copy", &k, sizeof k, tasks, d);
}

/* ---- binary, variadic, comparisons ----------------------------------------- */

static int32_t binary_code(ir_op op)
{
    switch (op) {
    case IR_OP_ADD: return K_ADD;
    case IR_OP_SUB: return K_SUB;
    case IR_OP_MUL: return K_MUL;
    case IR_OP_DIV: return K_DIV;
    case IR_OP_POW: return K_POW;
    case IR_OP_MAX: return K_MAX;
    case IR_OP_MIN: return K_MIN;
    case IR_OP_EQUAL: return K_EQ;
    case IR_OP_LESS: return K_LT;
    case IR_OP_GREATER: return K_GT;
    case IR_OP_AND: return K_AND;
    default: return K_OR;
    }
}

/* The broadcast view of inputs 0..nops-1 over output 0. */
static void broadcast_view(cg_program *p, const ir_node *n, uint32_t nops, lw_view *v)
{
    const ir_shape *os = &lw_val(p, n->outputs[0])->shape;
    memset(v, 0, sizeof *v);
    v->rank = os->rank;
    v->nops = (int32_t)nops;
    memcpy(v->dims, os->dims, (size_t)os->rank * sizeof os->dims[0]);
    for (uint32_t j = 0; j < nops; j++) {
        int64_t st[IR_MAX_RANK];
        ir_broadcast_strides(&lw_val(p, n->inputs[j])->shape, os, st);
        memcpy(v->st[j], st, (size_t)os->rank * sizeof st[0]);
    }
}

ir_status cg_lower_light_binary(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    if (n->n_inputs > K_WALK_OPS)
        return lw_fail(d, n, "%u inputs, at most %d supported", n->n_inputs, K_WALK_OPS);
    for (uint32_t i = 0; i < n->n_inputs; i++)
        if (n->inputs[i] < 0)
            return lw_fail(d, n, "input %u is omitted", i);
    struct k_binary k = {.op = binary_code(n->op), .out = lw_out(p, n, 0)};
    k.dtype = lw_val(p, n->inputs[0])->dtype;
    k.dtype_b = n->n_inputs > 1 ? (int32_t)lw_val(p, n->inputs[1])->dtype : k.dtype;
    if (k.dtype == IR_BOOL && k.op != K_EQ && k.op != K_AND && k.op != K_OR)
        return lw_fail(d, n, "bool operands");
    for (uint32_t i = 0; i < n->n_inputs; i++)
        k.in[i] = lw_in(p, n, i);
    lw_view v;
    broadcast_view(p, n, n->n_inputs, &v);
    if (!lw_walk(&k.w, &v))
        return lw_fail(d, n, "the broadcast needs more than %d dimensions", K_WALK_RANK);
    const ir_value *o = lw_val(p, n->outputs[0]);
    k.inplace = k.op < K_EQ && lw_same(p, k.in[0], k.out) &&
                ir_shape_numel(&lw_val(p, n->inputs[0])->shape) == ir_shape_numel(&o->shape);
    double bpi = (double)ir_dtype_size(o->dtype) * (n->n_inputs + 1);
    int64_t tasks = lw_split(p, k.w.total, bpi, 16, &k.w.chunk);
    out->flops = (double)k.w.total * (n->n_inputs - 1);
    return lw_emit(p, out, "binary", &k, sizeof k, tasks, d);
}

ir_status cg_lower_light_where(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_value *o = lw_val(p, n->outputs[0]);
    struct k_where k = {.es = (int32_t)ir_dtype_size(o->dtype), .out = lw_out(p, n, 0)};
    k.cond = lw_in(p, n, 0);
    k.x = lw_in(p, n, 1);
    k.y = lw_in(p, n, 2);
    if (lw_val(p, n->inputs[0])->dtype != IR_BOOL)
        return lw_fail(d, n, "the condition is not bool");
    lw_view v;
    broadcast_view(p, n, 3, &v);
    if (!lw_walk(&k.w, &v))
        return lw_fail(d, n, "the broadcast needs more than %d dimensions", K_WALK_RANK);
    int64_t tasks = lw_split(p, k.w.total, 1 + 3.0 * k.es, 16, &k.w.chunk);
    return lw_emit(p, out, "where", &k, sizeof k, tasks, d);
}

/* ---- unary, Clip, Cast --------------------------------------------------------- */

static int32_t unary_code(ir_op op)
{
    switch (op) {
    case IR_OP_SQRT: return K_SQRT;
    case IR_OP_SIN: return K_SIN;
    case IR_OP_COS: return K_COS;
    case IR_OP_EXP: return K_EXP;
    case IR_OP_LOG: return K_LOG;
    case IR_OP_TANH: return K_TANH;
    case IR_OP_ERF: return K_ERF;
    case IR_OP_SIGMOID: return K_SIGMOID;
    case IR_OP_RELU: return K_RELU;
    case IR_OP_NEG: return K_NEG;
    case IR_OP_ABS: return K_ABS;
    case IR_OP_NOT: return K_NOT;
    default: return K_CLIP;
    }
}

/* Clip's bounds: float attributes before opset 11, else optional scalar
 * inputs of the data's dtype (absent: the type's extremes). */
static ir_status clip_bounds(cg_program *p, const ir_node *n, struct k_unary *k, ir_diag *d)
{
    if (ir_node_opset(cg_graph(p), n) < 11) {
        k->lo_f = ir_attr_float(n, "min", -FLT_MAX);
        k->hi_f = ir_attr_float(n, "max", FLT_MAX);
        return IR_OK;
    }
    k->lo_f = -INFINITY;
    k->hi_f = INFINITY;
    for (uint32_t i = 1; i < 3; i++) {
        if (!lw_has(n, i))
            continue;
        const ir_value *b = lw_val(p, n->inputs[i]);
        if (b->dtype != (ir_dtype)k->dtype || ir_shape_numel(&b->shape) != 1)
            return lw_fail(d, n, "input %u (%s) is not a scalar of the input's dtype", i,
                           i == 1 ? "min" : "max");
        *(i == 1 ? &k->lo : &k->hi) = lw_in(p, n, i);
    }
    return IR_OK;
}

ir_status cg_lower_light_unary(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_value *x = lw_val(p, n->inputs[0]);
    struct k_unary k = {.op = unary_code(n->op),
                        .dtype = x->dtype,
                        .x = lw_in(p, n, 0),
                        .out = lw_out(p, n, 0),
                        .lo = -1,
                        .hi = -1};
    bool fl = x->dtype == IR_F32 || x->dtype == IR_F64 || x->dtype == IR_F16 || x->dtype == IR_BF16;
    if (!fl && k.op != K_RELU && k.op != K_NEG && k.op != K_ABS && k.op != K_NOT &&
        k.op != K_CLIP && k.op != K_ERF)
        return lw_fail(d, n, "dtype %s", ir_dtype_name(x->dtype));
    if (k.op == K_CLIP && (st = clip_bounds(p, n, &k, d)))
        return st;
    k.total = ir_shape_numel(&x->shape);
    k.inplace = lw_same(p, k.x, k.out);
    bool heavy = k.op <= K_SIGMOID;
    int64_t tasks =
        lw_split(p, k.total, (heavy ? 32.0 : 2.0) * (double)ir_dtype_size(x->dtype), 16, &k.chunk);
    out->flops = (double)k.total;
    return lw_emit(p, out, "unary", &k, sizeof k, tasks, d);
}

ir_status cg_lower_light_cast(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d)
{
    ir_status st = lw_check(p, n, d);
    if (st)
        return st;
    const ir_value *x = lw_val(p, n->inputs[0]), *o = lw_val(p, n->outputs[0]);
    struct k_cast k = {
        .from = x->dtype, .to = o->dtype, .x = lw_in(p, n, 0), .out = lw_out(p, n, 0)};
    k.total = ir_shape_numel(&x->shape);
    double bpi = (double)(ir_dtype_size(x->dtype) + ir_dtype_size(o->dtype));
    int64_t tasks = lw_split(p, k.total, 2 * bpi, 16, &k.chunk);
    return lw_emit(p, out, "cast", &k, sizeof k, tasks, d);
}
