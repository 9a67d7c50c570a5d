/* ref_eltwise.c - reference kernels of the elementwise ops: arithmetic,
 * comparisons and logic (binary), Max/Min (variadic), Where, the unary
 * functions, Clip, Cast, Identity and Dropout.
 *
 * One scheme serves every dtype. The output is walked in runs of up to
 * CHUNK elements along its last dimension; each operand's run is loaded
 * (with its broadcast stride, 0 on broadcast dims) into a row of a wide type
 * - double for the floating types, int64 for the signed and uint64 for the
 * unsigned ones and bool - computed there, and converted back on store.
 * Doubles hold every f16/bf16/f32 value exactly, and +, -, *, / and sqrt
 * computed in double then rounded to f32 give the f32 result exactly, so the
 * wide type changes nothing but the number of code paths. Integer arithmetic
 * wraps (it is done in uint64), integer division truncates like C, and an
 * integer division by zero is an error rather than a trap. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels.h"

#define CHUNK 256
#define MAX_OPS 3

typedef enum { W_F, W_I, W_U } wclass;

typedef union {
    double f[CHUNK];
    int64_t i[CHUNK];
    uint64_t u[CHUNK];
} wrow;

/* node errors: "node 'NAME' (Op): reason" (ir_fail_node) */
#define bad(d, st, n, ...) ir_fail_node(d, st, n, __VA_ARGS__)

static wclass wclass_of(ir_dtype t)
{
    switch (t) {
    case IR_F32:
    case IR_F64:
    case IR_F16:
    case IR_BF16: return W_F;
    case IR_I8:
    case IR_I16:
    case IR_I32:
    case IR_I64: return W_I;
    default: return W_U;
    }
}

/* ---- rows: load, convert, store ----------------------------------------- */

static void load_row(const ir_tensor *t, int64_t off, int64_t stride, int64_t n, wrow *r)
{
#define LOAD(T, field, conv)                                                                       \
    {                                                                                              \
        const T *p = (const T *)t->data + off;                                                     \
        for (int64_t k = 0; k < n; k++)                                                            \
            r->field[k] = conv(p[k * stride]);                                                     \
    }                                                                                              \
    break
    switch (t->dtype) {
    case IR_F32: LOAD(float, f, (double));
    case IR_F64: LOAD(double, f, (double));
    case IR_F16: LOAD(uint16_t, f, ir_f16_to_f32);
    case IR_BF16: LOAD(uint16_t, f, ir_bf16_to_f32);
    case IR_I8: LOAD(int8_t, i, (int64_t));
    case IR_I16: LOAD(int16_t, i, (int64_t));
    case IR_I32: LOAD(int32_t, i, (int64_t));
    case IR_I64: LOAD(int64_t, i, (int64_t));
    case IR_U8: LOAD(uint8_t, u, (uint64_t));
    case IR_U16: LOAD(uint16_t, u, (uint64_t));
    case IR_U32: LOAD(uint32_t, u, (uint64_t));
    case IR_U64: LOAD(uint64_t, u, (uint64_t));
    case IR_BOOL: LOAD(uint8_t, u, !!);
    default: memset(r, 0, sizeof *r);
    }
#undef LOAD
}

/* r must hold values of t's class (see row_convert). */
static void store_row(ir_tensor *t, int64_t off, int64_t n, const wrow *r)
{
#define STORE(T, field, conv)                                                                      \
    {                                                                                              \
        T *p = (T *)t->data + off;                                                                 \
        for (int64_t k = 0; k < n; k++)                                                            \
            p[k] = conv(r->field[k]);                                                              \
    }                                                                                              \
    break
    switch (t->dtype) {
    case IR_F32: STORE(float, f, (float));
    case IR_F64: STORE(double, f, (double));
    case IR_F16: STORE(uint16_t, f, ir_f32_to_f16);
    case IR_BF16: STORE(uint16_t, f, ir_f32_to_bf16);
    case IR_I8: STORE(int8_t, i, (int8_t));
    case IR_I16: STORE(int16_t, i, (int16_t));
    case IR_I32: STORE(int32_t, i, (int32_t));
    case IR_I64: STORE(int64_t, i, (int64_t));
    case IR_U8: STORE(uint8_t, u, (uint8_t));
    case IR_U16: STORE(uint16_t, u, (uint16_t));
    case IR_U32: STORE(uint32_t, u, (uint32_t));
    case IR_U64: STORE(uint64_t, u, (uint64_t));
    case IR_BOOL: STORE(uint8_t, u, !!);
    default: break;
    }
#undef STORE
}

/* Float to integer truncates toward zero; NaN gives 0 and values beyond
 * the range saturate, where C would leave the result undefined. */
static int64_t f_to_i64(double v)
{
    if (v != v)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

static uint64_t f_to_u64(double v)
{
    if (v < 0)
        return (uint64_t)f_to_i64(v); /* wraps like numpy's astype */
    if (v >= 18446744073709551615.0)
        return UINT64_MAX;
    return v == v ? (uint64_t)v : 0;
}

/* Converts a row from class `from` to the class of dtype `to` (bool: 0/1
 * by != 0, so 0.5 is true). Signed and unsigned share bits. */
static void row_convert(wrow *r, int64_t n, wclass from, ir_dtype to)
{
    wclass c = wclass_of(to);
    if (to == IR_BOOL) {
        for (int64_t k = 0; k < n; k++)
            r->u[k] = from == W_F ? r->f[k] != 0 : r->u[k] != 0;
    } else if (from == W_F && c == W_I) {
        for (int64_t k = 0; k < n; k++)
            r->i[k] = f_to_i64(r->f[k]);
    } else if (from == W_F && c == W_U) {
        for (int64_t k = 0; k < n; k++)
            r->u[k] = f_to_u64(r->f[k]);
    } else if (from == W_I && c == W_F) {
        for (int64_t k = 0; k < n; k++)
            r->f[k] = (double)r->i[k];
    } else if (from == W_U && c == W_F) {
        for (int64_t k = 0; k < n; k++)
            r->f[k] = (double)r->u[k];
    }
}

/* ---- walking the output in runs ----------------------------------------- */

typedef struct {
    int64_t out;             /* element offset of the run in the output */
    int64_t off[MAX_OPS];    /* each operand's element offset */
    int64_t stride[MAX_OPS]; /* and stride along the run (0 if broadcast) */
    int64_t n;               /* elements in the run, 1..CHUNK */
} run;

typedef ir_status (*run_fn)(void *ctx, const run *r);

/* Calls fn for every run of the output shape `out`, with the operands
 * `ops` broadcast to it. */
static ir_status for_each_run(const ir_shape *out, const ir_tensor *const *ops, uint32_t nops,
                              run_fn fn, void *ctx)
{
    int64_t st[MAX_OPS][IR_MAX_RANK];
    for (uint32_t i = 0; i < nops; i++)
        ir_broadcast_strides(&ops[i]->shape, out, st[i]);
    if (ir_shape_numel(out) <= 0)
        return IR_OK;
    ir_shape outer = *out;
    int64_t inner = 1;
    if (out->rank > 0)
        inner = out->dims[--outer.rank];
    ir_index it;
    ir_index_init(&it, &outer);
    run r = {0};
    int64_t row = 0;
    do {
        for (int64_t c0 = 0; c0 < inner; c0 += CHUNK) {
            r.out = row + c0;
            r.n = inner - c0 < CHUNK ? inner - c0 : CHUNK;
            for (uint32_t i = 0; i < nops; i++) {
                r.stride[i] = out->rank > 0 ? st[i][out->rank - 1] : 0;
                r.off[i] = ir_index_offset(&it, st[i]) + c0 * r.stride[i];
            }
            ir_status s = fn(ctx, &r);
            if (s)
                return s;
        }
        row += inner;
    } while (ir_index_next(&it));
    return IR_OK;
}

/* ---- binary arithmetic, comparison, logic ------------------------------- */

static void arith_f(ir_op op, wrow *a, const wrow *b, int64_t n)
{
    double *x = a->f;
    const double *y = b->f;
    switch (op) {
    case IR_OP_ADD:
        for (int64_t k = 0; k < n; k++)
            x[k] += y[k];
        break;
    case IR_OP_SUB:
        for (int64_t k = 0; k < n; k++)
            x[k] -= y[k];
        break;
    case IR_OP_MUL:
        for (int64_t k = 0; k < n; k++)
            x[k] *= y[k];
        break;
    case IR_OP_DIV:
        for (int64_t k = 0; k < n; k++)
            x[k] /= y[k];
        break;
    case IR_OP_POW:
        for (int64_t k = 0; k < n; k++)
            x[k] = pow(x[k], y[k]);
        break;
    /* NaN wins, as in numpy's maximum/minimum */
    case IR_OP_MAX:
        for (int64_t k = 0; k < n; k++)
            x[k] = (y[k] > x[k] || y[k] != y[k]) ? y[k] : x[k];
        break;
    case IR_OP_MIN:
        for (int64_t k = 0; k < n; k++)
            x[k] = (y[k] < x[k] || y[k] != y[k]) ? y[k] : x[k];
        break;
    default: break;
    }
}

static uint64_t upow(uint64_t b, uint64_t e)
{
    uint64_t r = 1;
    for (; e; e >>= 1, b *= b)
        if (e & 1)
            r *= b;
    return r;
}

/* Integer Pow: base and exponent integers of class ca and cb. A negative
 * exponent gives the truncated real result (0 unless the base is +-1). */
static void pow_int(wrow *a, wclass ca, const wrow *b, wclass cb, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        if (cb == W_I && b->i[k] < 0) {
            int64_t base = ca == W_I ? a->i[k] : (a->u[k] == 1 ? 1 : 0);
            a->i[k] = base == 1 ? 1 : base == -1 ? ((b->i[k] & 1) ? -1 : 1) : 0;
        } else {
            a->u[k] = upow(a->u[k], b->u[k]);
        }
    }
}

static ir_status arith_int(const ir_node *n, wclass c, wrow *a, const wrow *b, int64_t m,
                           ir_diag *d)
{
    for (int64_t k = 0; k < m; k++) {
        uint64_t x = a->u[k], y = b->u[k];
        bool lt = c == W_I ? a->i[k] < b->i[k] : x < y;
        switch (n->op) {
        case IR_OP_ADD: a->u[k] = x + y; break;
        case IR_OP_SUB: a->u[k] = x - y; break;
        case IR_OP_MUL: a->u[k] = x * y; break;
        case IR_OP_MAX: a->u[k] = lt ? y : x; break;
        case IR_OP_MIN: a->u[k] = lt ? x : y; break;
        case IR_OP_DIV:
            if (y == 0)
                return bad(d, IR_ERR_MODEL, n, "integer division by zero");
            if (c == W_U)
                a->u[k] = x / y;
            else if (!(a->i[k] == INT64_MIN && b->i[k] == -1)) /* else it wraps to itself */
                a->i[k] = a->i[k] / b->i[k];
            break;
        default: break;
        }
    }
    return IR_OK;
}

static void compare(ir_op op, wclass c, wrow *a, const wrow *b, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        bool r;
        if (op == IR_OP_AND || op == IR_OP_OR) {
            r = op == IR_OP_AND ? (a->u[k] && b->u[k]) : (a->u[k] || b->u[k]);
        } else if (c == W_F) {
            r = op == IR_OP_EQUAL  ? a->f[k] == b->f[k]
                : op == IR_OP_LESS ? a->f[k] < b->f[k]
                                   : a->f[k] > b->f[k];
        } else if (c == W_I) {
            r = op == IR_OP_EQUAL  ? a->i[k] == b->i[k]
                : op == IR_OP_LESS ? a->i[k] < b->i[k]
                                   : a->i[k] > b->i[k];
        } else {
            r = op == IR_OP_EQUAL  ? a->u[k] == b->u[k]
                : op == IR_OP_LESS ? a->u[k] < b->u[k]
                                   : a->u[k] > b->u[k];
        }
        a->u[k] = r;
    }
}

typedef struct {
    const ir_node *n;
    const ir_tensor *a, *b;
    ir_tensor *out;
    ir_diag *d;
} binary_ctx;

/* One run of a binary op: result in row a, in the class of out's dtype. */
static ir_status binary_run(void *vctx, const run *r)
{
    binary_ctx *cx = vctx;
    wrow a, b;
    wclass ca = wclass_of(cx->a->dtype), cb = wclass_of(cx->b->dtype);
    load_row(cx->a, r->off[0], r->stride[0], r->n, &a);
    load_row(cx->b, r->off[1], r->stride[1], r->n, &b);
    ir_op op = cx->n->op;
    ir_status st = IR_OK;
    if (op == IR_OP_EQUAL || op == IR_OP_LESS || op == IR_OP_GREATER || op == IR_OP_AND ||
        op == IR_OP_OR) {
        compare(op, ca, &a, &b, r->n);
    } else if (op == IR_OP_POW && ca != W_F && cb != W_F) {
        pow_int(&a, ca, &b, cb, r->n);
    } else if (ca == W_F || cb == W_F) { /* Pow may mix a float and an integer */
        row_convert(&a, r->n, ca, IR_F64);
        row_convert(&b, r->n, cb, IR_F64);
        arith_f(op, &a, &b, r->n);
        row_convert(&a, r->n, W_F, cx->out->dtype);
    } else {
        st = arith_int(cx->n, ca, &a, &b, r->n, cx->d);
    }
    if (!st)
        store_row(cx->out, r->out, r->n, &a);
    return st;
}

ir_status ir_ref_binary(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                        ir_tensor *const *out, ir_diag *d)
{
    binary_ctx cx = {n, in[0], in[1], out[0], d};
    return for_each_run(&out[0]->shape, in, 2, binary_run, &cx);
}

/* ---- Max and Min over n inputs ------------------------------------------ */

static ir_status copy_run(void *vctx, const run *r)
{
    binary_ctx *cx = vctx;
    wrow a;
    load_row(cx->a, r->off[0], r->stride[0], r->n, &a);
    store_row(cx->out, r->out, r->n, &a);
    return IR_OK;
}

/* out = in[0] broadcast, then out = op(out, in[i]) for each further input. */
ir_status ir_ref_variadic(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                          ir_tensor *const *out, ir_diag *d)
{
    binary_ctx cx = {n, in[0], NULL, out[0], d};
    ir_status st = for_each_run(&out[0]->shape, in, 1, copy_run, &cx);
    for (uint32_t i = 1; !st && i < n->n_inputs; i++) {
        const ir_tensor *ops[2] = {out[0], in[i]};
        cx.a = out[0];
        cx.b = in[i];
        st = for_each_run(&out[0]->shape, ops, 2, binary_run, &cx);
    }
    return st;
}

/* ---- Where -------------------------------------------------------------- */

static void copy_elem(void *dst, const void *src, size_t es)
{
    switch (es) {
    case 1: memcpy(dst, src, 1); break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, es);
    }
}

static ir_status where_run(void *vctx, const run *r)
{
    const ir_tensor *const *t = vctx; /* cond, x, y, out */
    size_t es = ir_dtype_size(t[3]->dtype);
    const uint8_t *c = (const uint8_t *)t[0]->data;
    const char *x = t[1]->data, *y = t[2]->data;
    char *o = t[3]->data;
    for (int64_t k = 0; k < r->n; k++) {
        const char *src = c[r->off[0] + k * r->stride[0]]
                              ? x + (size_t)(r->off[1] + k * r->stride[1]) * es
                              : y + (size_t)(r->off[2] + k * r->stride[2]) * es;
        copy_elem(o + (size_t)(r->out + k) * es, src, es);
    }
    return IR_OK;
}

ir_status ir_ref_where(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    const ir_tensor *t[4] = {in[0], in[1], in[2], out[0]};
    return for_each_run(&out[0]->shape, in, 3, where_run, (void *)t);
}

/* ---- unary functions and Clip ------------------------------------------- */

static void unary_f(ir_op op, double *x, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        double v = x[k];
        switch (op) {
        case IR_OP_SQRT: v = sqrt(v); break;
        case IR_OP_SIN: v = sin(v); break;
        case IR_OP_COS: v = cos(v); break;
        case IR_OP_EXP: v = exp(v); break;
        case IR_OP_LOG: v = log(v); break;
        case IR_OP_TANH: v = tanh(v); break;
        case IR_OP_ERF: v = erf(v); break;
        case IR_OP_SIGMOID: v = 1.0 / (1.0 + exp(-v)); break;
        case IR_OP_RELU: v = v < 0 ? 0 : v; break;
        case IR_OP_NEG: v = -v; break;
        case IR_OP_ABS: v = fabs(v); break;
        default: break;
        }
        x[k] = v;
    }
}

static void unary_int(ir_op op, wclass c, wrow *r, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        bool neg = c == W_I && r->i[k] < 0;
        switch (op) {
        case IR_OP_RELU: r->u[k] = neg ? 0 : r->u[k]; break;
        case IR_OP_NEG: r->u[k] = 0 - r->u[k]; break;
        case IR_OP_ABS: r->u[k] = neg ? 0 - r->u[k] : r->u[k]; break;
        case IR_OP_NOT: r->u[k] = !r->u[k]; break;
        default: break;
        }
    }
}

static ir_status unary_run(void *vctx, const run *r)
{
    binary_ctx *cx = vctx;
    wrow a;
    wclass c = wclass_of(cx->a->dtype);
    ir_op op = cx->n->op;
    load_row(cx->a, r->off[0], r->stride[0], r->n, &a);
    bool real = op != IR_OP_RELU && op != IR_OP_NEG && op != IR_OP_ABS && op != IR_OP_NOT;
    if (c == W_F || real) { /* Erf of an integer is computed in double */
        row_convert(&a, r->n, c, IR_F64);
        unary_f(op, a.f, r->n);
        row_convert(&a, r->n, W_F, cx->out->dtype);
    } else {
        unary_int(op, c, &a, r->n);
    }
    store_row(cx->out, r->out, r->n, &a);
    return IR_OK;
}

ir_status ir_ref_unary(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                       ir_tensor *const *out, ir_diag *d)
{
    binary_ctx cx = {n, in[0], NULL, out[0], d};
    return for_each_run(&out[0]->shape, in, 1, unary_run, &cx);
}

typedef struct {
    const ir_tensor *x;
    ir_tensor *out;
    wrow lo, hi; /* element 0: the bounds, in x's class */
} clip_ctx;

static ir_status clip_run(void *vctx, const run *r)
{
    clip_ctx *cx = vctx;
    wrow a;
    wclass c = wclass_of(cx->x->dtype);
    load_row(cx->x, r->off[0], r->stride[0], r->n, &a);
    for (int64_t k = 0; k < r->n; k++) {
        if (c == W_F) {
            double v = a.f[k] < cx->lo.f[0] ? cx->lo.f[0] : a.f[k];
            a.f[k] = v > cx->hi.f[0] ? cx->hi.f[0] : v;
        } else if (c == W_I) {
            int64_t v = a.i[k] < cx->lo.i[0] ? cx->lo.i[0] : a.i[k];
            a.i[k] = v > cx->hi.i[0] ? cx->hi.i[0] : v;
        } else {
            uint64_t v = a.u[k] < cx->lo.u[0] ? cx->lo.u[0] : a.u[k];
            a.u[k] = v > cx->hi.u[0] ? cx->hi.u[0] : v;
        }
    }
    store_row(cx->out, r->out, r->n, &a);
    return IR_OK;
}

/* Bound i (1 = min, 2 = max) of Clip: an input from opset 11, else a float
 * attribute; absent bounds are the dtype's extremes. */
static ir_status clip_bound(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                            uint32_t i, wrow *b, ir_diag *d)
{
    wclass c = wclass_of(in[0]->dtype);
    bool lo = i == 1;
    if (ir_node_opset(g, n) < 11) {
        b->f[0] = ir_attr_float(n, lo ? "min" : "max", lo ? -FLT_MAX : FLT_MAX);
        return IR_OK;
    }
    if (i < n->n_inputs && in[i]) {
        if (ir_tensor_numel(in[i]) != 1 || in[i]->dtype != in[0]->dtype)
            return bad(d, IR_ERR_MODEL, n, "input %u (%s) must be a scalar of the input's dtype", i,
                       lo ? "min" : "max");
        load_row(in[i], 0, 0, 1, b);
    } else if (c == W_F) {
        b->f[0] = lo ? -INFINITY : INFINITY;
    } else if (c == W_I) {
        b->i[0] = lo ? INT64_MIN : INT64_MAX;
    } else {
        b->u[0] = lo ? 0 : UINT64_MAX;
    }
    return IR_OK;
}

ir_status ir_ref_clip(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    clip_ctx cx = {.x = in[0], .out = out[0]};
    ir_status st = clip_bound(g, n, in, 1, &cx.lo, d);
    if (!st)
        st = clip_bound(g, n, in, 2, &cx.hi, d);
    if (!st)
        st = for_each_run(&out[0]->shape, in, 1, clip_run, &cx);
    return st;
}

/* ---- Cast, Identity, Dropout -------------------------------------------- */

static ir_status cast_run(void *vctx, const run *r)
{
    binary_ctx *cx = vctx;
    wrow a;
    load_row(cx->a, r->off[0], r->stride[0], r->n, &a);
    row_convert(&a, r->n, wclass_of(cx->a->dtype), cx->out->dtype);
    if (cx->out->dtype == IR_BF16) {
        /* Cast to bfloat16 truncates the float32 bits, as ONNX's own test
         * data (onnx 1.12) expects; arithmetic on bf16 rounds to nearest. */
        uint16_t *p = (uint16_t *)cx->out->data + r->out;
        for (int64_t k = 0; k < r->n; k++) {
            float f = (float)a.f[k];
            uint32_t bits;
            memcpy(&bits, &f, 4);
            p[k] = f != f ? ir_f32_to_bf16(f) : (uint16_t)(bits >> 16);
        }
        return IR_OK;
    }
    store_row(cx->out, r->out, r->n, &a);
    return IR_OK;
}

ir_status ir_ref_cast(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    binary_ctx cx = {n, in[0], NULL, out[0], d};
    return for_each_run(&out[0]->shape, in, 1, cast_run, &cx);
}

ir_status ir_ref_copy(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor *const *out, ir_diag *d)
{
    if (in[0]->nbytes != out[0]->nbytes || in[0]->dtype != out[0]->dtype)
        return bad(d, IR_ERR_INTERNAL, n, "output buffer does not match the input");
    if (in[0]->nbytes)
        memcpy(out[0]->data, in[0]->data, (size_t)in[0]->nbytes);
    return IR_OK;
}

/* Inference only: training mode with a non-zero ratio would need random
 * numbers, which a reference for deterministic comparison cannot give. */
ir_status ir_ref_dropout(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                         ir_tensor *const *out, ir_diag *d)
{
    bool training =
        n->n_inputs > 2 && in[2] && ir_tensor_numel(in[2]) == 1 && ir_tensor_get_f64(in[2], 0) != 0;
    double ratio =
        n->n_inputs > 1 && in[1] && ir_tensor_numel(in[1]) == 1 ? ir_tensor_get_f64(in[1], 0) : 0.5;
    if (training && ratio != 0)
        return bad(d, IR_ERR_UNSUPPORTED, n,
                   "training_mode=1 with a non-zero ratio (random dropout) is not supported");
    ir_status st = ir_ref_copy(g, n, in, out, d);
    if (st || n->n_outputs < 2 || !out[1])
        return st;
    int64_t m = ir_tensor_numel(out[1]);
    for (int64_t i = 0; i < m; i++)
        ir_tensor_set_f64(out[1], i, 1.0);
    return IR_OK;
}
