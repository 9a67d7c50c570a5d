/* test_ref_math.c - the math ops' shape hooks and reference kernels on
 * small hand-checked cases: broadcasting (rank 0, size-0 dims), integer
 * arithmetic, casts, Softmax's opset 11 and 13 meanings, reductions, TopK
 * ties, 1-D MatMul operands, grouped/strided/dilated/padded convolution,
 * ceil_mode pooling, and the exact messages for bad models. Each case builds
 * a one-node graph and runs it through ir_ref_node (shape hook + kernel). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "testutil.h"

/* ---- fixture: one graph, one node, tensors freed together -------------- */

static ir_graph *g;
static ir_tensor *owned[64];
static int n_owned;
static ir_diag diag;

static ir_tensor *own(ir_tensor *t)
{
    if (t && n_owned < 64)
        owned[n_owned++] = t;
    return t;
}

static void done(void)
{
    for (int i = 0; i < n_owned; i++)
        ir_tensor_release(owned[i]);
    n_owned = 0;
    ir_graph_free(g);
    g = NULL;
}

/* A graph at `opset` holding node "n0" with nin inputs and nout outputs. */
static ir_node *node(ir_op op, int64_t opset, uint32_t nin, uint32_t nout)
{
    g = ir_graph_new();
    g->opset = opset;
    int32_t ins[8], outs[4];
    for (uint32_t i = 0; i < nin; i++)
        ins[i] = ir_graph_add_value(g, "in", IR_UNDEF, NULL);
    for (uint32_t i = 0; i < nout; i++)
        outs[i] = ir_graph_add_value(g, "out", IR_UNDEF, NULL);
    ir_graph_add_node(g, op, "n0", ins, nin, outs, nout);
    return &g->nodes[0];
}

static void attr_i(ir_node *n, const char *name, int64_t v)
{
    ir_node_add_attr(g, n, name, IR_ATTR_INT)->i = v;
}

static void attr_f(ir_node *n, const char *name, float v)
{
    ir_node_add_attr(g, n, name, IR_ATTR_FLOAT)->f = v;
}

static void attr_s(ir_node *n, const char *name, const char *v)
{
    ir_attr *a = ir_node_add_attr(g, n, name, IR_ATTR_STRING);
    a->s = ir_arena_strdup(g->arena, v);
    a->s_len = strlen(v);
}

static void attr_ints(ir_node *n, const char *name, size_t count, const int64_t *v)
{
    ir_attr *a = ir_node_add_attr(g, n, name, IR_ATTR_INTS);
    a->ints = ir_arena_alloc(g->arena, (count ? count : 1) * sizeof *v, 8);
    memcpy(a->ints, v, count * sizeof *v);
    a->n = count;
}
#define INTS(...)                                                                                  \
    sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), (int64_t[])                                \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

static ir_shape shp(size_t rank, const int64_t *dims)
{
    ir_shape s = {.rank = (int32_t)rank};
    for (size_t i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    return s;
}
#define S(...) shp(INTS(__VA_ARGS__))
#define S0 shp(0, NULL)
#define V(...)                                                                                     \
    (double[])                                                                                     \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

/* A tensor of the given dtype and shape holding vals (NULL: zeros). */
static ir_tensor *ten(ir_dtype t, ir_shape s, const double *vals)
{
    ir_tensor *x = own(ir_tensor_alloc(t, &s));
    for (int64_t i = 0; vals && i < ir_tensor_numel(x); i++)
        ir_tensor_set_f64(x, i, vals[i]);
    return x;
}

static ir_tensor *ten_i64(ir_shape s, const int64_t *vals)
{
    ir_tensor *x = own(ir_tensor_alloc(IR_I64, &s));
    memcpy(x->data, vals, (size_t)ir_tensor_numel(x) * 8);
    return x;
}

/* Runs node 0 on in[]; out[] receives the outputs (owned by the fixture). */
static ir_status run(const ir_tensor *const *in, ir_tensor **out)
{
    ir_node *n = &g->nodes[0];
    memset(&diag, 0, sizeof diag);
    ir_status st = ir_ref_node(g, n, in, out, &diag);
    for (uint32_t i = 0; st == IR_OK && i < n->n_outputs; i++)
        own(out[i]);
    return st;
}

static ir_tensor *run1(const ir_tensor *const *in)
{
    ir_tensor *out[4] = {0};
    ir_status st = run(in, out);
    if (st)
        fprintf(stderr, "\n  run failed: %s\n", diag.msg);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    return out[0];
}

static void expect_shape(const ir_tensor *t, ir_shape s)
{
    bool ok = t && ir_shape_equal(&t->shape, &s);
    if (!ok) {
        char a[128] = "(null)", b[128];
        if (t)
            ir_shape_format(&t->shape, a, sizeof a);
        ir_shape_format(&s, b, sizeof b);
        fprintf(stderr, "\n  shape %s, expected %s\n", a, b);
    }
    CU_ASSERT(ok);
}

static void expect_vals(const ir_tensor *t, size_t count, const double *want, double tol)
{
    CU_ASSERT_EQUAL_FATAL(ir_tensor_numel(t), (int64_t)count);
    for (size_t i = 0; i < count; i++) {
        double v = ir_tensor_get_f64(t, (int64_t)i);
        bool ok = v == want[i] || fabs(v - want[i]) <= tol || (isnan(v) && isnan(want[i]));
        if (!ok)
            fprintf(stderr, "\n  element %zu is %.9g, expected %.9g\n", i, v, want[i]);
        CU_ASSERT(ok);
    }
}
#define EXPECT(t, tol, ...)                                                                        \
    expect_vals(t, sizeof((double[]){__VA_ARGS__}) / sizeof(double), V(__VA_ARGS__), tol)

/* Runs node 0 expecting failure `st` with msg_part in the message. */
static void run_fails(const ir_tensor *const *in, ir_status st, const char *msg_part)
{
    ir_tensor *out[4] = {0};
    CU_ASSERT_EQUAL(run(in, out), st);
    TU_ASSERT_CONTAINS(diag.msg, msg_part);
}

/* ---- binary, variadic, where ------------------------------------------- */

static void test_add_broadcast(void)
{
    node(IR_OP_ADD, 14, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S(2, 3), V(1, 2, 3, 4, 5, 6)),
                              ten(IR_F32, S(3), V(10, 20, 30))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2, 3));
    EXPECT(y, 0, 11, 22, 33, 14, 25, 36);
    done();
}

static void test_sub_scalar_and_empty(void)
{
    node(IR_OP_SUB, 14, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S0, V(10)), ten(IR_F32, S(2, 1), V(1, 2))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2, 1));
    EXPECT(y, 0, 9, 8);
    done();
    /* a size-0 dim broadcasts against 1 and stays 0 */
    node(IR_OP_MUL, 14, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_F32, S(0, 3), NULL), ten(IR_F32, S(1, 3), V(1, 2, 3))};
    y = run1(in2);
    expect_shape(y, S(0, 3));
    done();
}

static void test_not_broadcastable(void)
{
    node(IR_OP_ADD, 14, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S(2, 3), NULL), ten(IR_F32, S(4), NULL)};
    run_fails(in, IR_ERR_MODEL,
              "node 'n0' (Add): input shapes cannot be broadcast: dimension 1 is 3 in one input "
              "and 4 in another");
    done();
    node(IR_OP_ADD, 14, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2), NULL), ten(IR_I64, S(2), NULL)};
    run_fails(in2, IR_ERR_MODEL,
              "node 'n0' (Add): input 1 has dtype int64, expected float32 (the dtype of input 0)");
    done();
}

static void test_integer_arith(void)
{
    node(IR_OP_DIV, 14, 2, 1);
    const ir_tensor *in[2] = {ten(IR_I32, S(4), V(-7, 7, -8, 9)),
                              ten(IR_I32, S(4), V(2, 2, -3, 4))};
    EXPECT(run1(in), 0, -3, 3, 2, 2); /* truncation toward zero */
    done();
    node(IR_OP_MUL, 14, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_U8, S(2), V(200, 3)), ten(IR_U8, S0, V(2))};
    EXPECT(run1(in2), 0, 144, 6); /* wraps */
    done();
    node(IR_OP_DIV, 14, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_I64, S(2), V(1, 2)), ten(IR_I64, S(2), V(1, 0))};
    run_fails(in3, IR_ERR_MODEL, "node 'n0' (Div): integer division by zero");
    done();
}

static void test_pow_types(void)
{
    node(IR_OP_POW, 15, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S(3), V(2, 3, 4)), ten(IR_I64, S(3), V(3, 2, -1))};
    ir_tensor *y = run1(in);
    CU_ASSERT_EQUAL(y->dtype, IR_F32);
    EXPECT(y, 1e-6, 8, 9, 0.25);
    done();
    node(IR_OP_POW, 15, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_I32, S(3), V(2, 3, 4)), ten(IR_F32, S(3), V(3, 0.5, 2))};
    y = run1(in2);
    CU_ASSERT_EQUAL(y->dtype, IR_I32);
    EXPECT(y, 0, 8, 1, 16); /* 3^0.5 = 1.73 truncates to 1 */
    done();
    node(IR_OP_POW, 15, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_I64, S(3), V(3, -2, 5)), ten(IR_I64, S(3), V(4, 3, -1))};
    EXPECT(run1(in3), 0, 81, -8, 0);
    done();
    /* before opset 12 both operands share one dtype */
    node(IR_OP_POW, 11, 2, 1);
    const ir_tensor *in4[2] = {ten(IR_F32, S(1), V(2)), ten(IR_I64, S(1), V(2))};
    run_fails(in4, IR_ERR_MODEL, "input 1 has dtype int64, expected float32");
    done();
}

static void test_compare_logic(void)
{
    static const ir_op ops[3] = {IR_OP_EQUAL, IR_OP_LESS, IR_OP_GREATER};
    static const double want[3][3] = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}};
    for (int k = 0; k < 3; k++) {
        node(ops[k], 13, 2, 1);
        const ir_tensor *in[2] = {ten(IR_F32, S(3), V(1, 2, 3)), ten(IR_F32, S0, V(2))};
        ir_tensor *y = run1(in);
        CU_ASSERT_EQUAL(y->dtype, IR_BOOL);
        expect_vals(y, 3, want[k], 0);
        done();
    }
    node(IR_OP_AND, 7, 2, 1);
    const ir_tensor *in[2] = {ten(IR_BOOL, S(2, 2), V(0, 1, 0, 1)), ten(IR_BOOL, S(2, 1), V(1, 0))};
    EXPECT(run1(in), 0, 0, 1, 0, 0);
    done();
    node(IR_OP_OR, 7, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_BOOL, S(2, 2), V(0, 1, 0, 1)), ten(IR_BOOL, S(2), V(0, 0))};
    EXPECT(run1(in2), 0, 0, 1, 0, 1);
    done();
    node(IR_OP_AND, 7, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_F32, S(1), NULL), ten(IR_F32, S(1), NULL)};
    run_fails(in3, IR_ERR_MODEL, "node 'n0' (And): input 0 has dtype float32, expected bool");
    done();
}

static void test_max_min_variadic(void)
{
    node(IR_OP_MAX, 13, 3, 1);
    const ir_tensor *in[3] = {ten(IR_F32, S(3), V(1, 5, 0)), ten(IR_F32, S(2, 1), V(2, NAN)),
                              ten(IR_F32, S0, V(3))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2, 3));
    EXPECT(y, 0, 3, 5, 3, NAN, NAN, NAN);
    done();
    node(IR_OP_MIN, 13, 2, 1);
    const ir_tensor *in2[2] = {ten_i64(S(2), (int64_t[]){INT64_MAX, -5}),
                               ten_i64(S(2), (int64_t[]){INT64_MAX - 1, 7})};
    y = run1(in2);
    CU_ASSERT_EQUAL(((int64_t *)y->data)[0], INT64_MAX - 1);
    CU_ASSERT_EQUAL(((int64_t *)y->data)[1], -5);
    done();
}

static void test_where(void)
{
    node(IR_OP_WHERE, 16, 3, 1);
    const ir_tensor *in[3] = {ten(IR_BOOL, S(2, 1), V(1, 0)), ten(IR_I64, S(3), V(1, 2, 3)),
                              ten(IR_I64, S0, V(-1))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2, 3));
    EXPECT(y, 0, 1, 2, 3, -1, -1, -1);
    done();
}

/* ---- unary, Clip, Cast, Identity, Dropout ------------------------------ */

static void test_unary_functions(void)
{
    static const struct {
        ir_op op;
        double x, y;
    } cases[] = {{IR_OP_SQRT, 4, 2},          {IR_OP_SIN, 0.5, 0.479425539},
                 {IR_OP_COS, 0, 1},           {IR_OP_EXP, 1, M_E},
                 {IR_OP_LOG, 1, 0},           {IR_OP_TANH, 0.5, 0.462117157},
                 {IR_OP_ERF, 1, 0.842700793}, {IR_OP_SIGMOID, 0, 0.5},
                 {IR_OP_RELU, -2, 0},         {IR_OP_RELU, 2, 2},
                 {IR_OP_NEG, 2, -2},          {IR_OP_ABS, -3, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        node(cases[i].op, 14, 1, 1);
        const ir_tensor *in[1] = {ten(IR_F32, S(1), &cases[i].x)};
        expect_vals(run1(in), 1, &cases[i].y, 1e-6);
        done();
    }
    node(IR_OP_ABS, 13, 1, 1);
    const ir_tensor *in[1] = {ten(IR_I8, S(3), V(-128, -5, 7))};
    EXPECT(run1(in), 0, -128, 5, 7); /* wraps like two's complement */
    done();
    node(IR_OP_NOT, 1, 1, 1);
    const ir_tensor *in2[1] = {ten(IR_BOOL, S(2), V(0, 1))};
    EXPECT(run1(in2), 0, 1, 0);
    done();
    node(IR_OP_SQRT, 13, 1, 1);
    const ir_tensor *in3[1] = {ten(IR_I32, S(1), V(4))};
    run_fails(in3, IR_ERR_MODEL,
              "node 'n0' (Sqrt): input 0 has dtype int32, expected a floating-point type");
    done();
}

static void test_clip(void)
{
    node(IR_OP_CLIP, 13, 3, 1);
    const ir_tensor *in[3] = {ten(IR_F32, S(4), V(-2, 0, 3, 9)), ten(IR_F32, S0, V(-1)),
                              ten(IR_F32, S0, V(5))};
    EXPECT(run1(in), 0, -1, 0, 3, 5);
    done();
    node(IR_OP_CLIP, 13, 3, 1);
    g->nodes[0].inputs[1] = -1; /* min omitted */
    const ir_tensor *in2[3] = {ten(IR_I8, S(3), V(-100, 0, 100)), NULL, ten(IR_I8, S0, V(50))};
    EXPECT(run1(in2), 0, -100, 0, 50);
    done();
    ir_node *n = node(IR_OP_CLIP, 6, 1, 1); /* opset < 11: attributes */
    attr_f(n, "min", 0.5f);
    const ir_tensor *in3[1] = {ten(IR_F32, S(2), V(0, INFINITY))};
    EXPECT(run1(in3), 0, 0.5, 3.4028234663852886e38);
    done();
    node(IR_OP_CLIP, 13, 3, 1);
    const ir_tensor *in4[3] = {ten(IR_F32, S(2), NULL), ten(IR_F32, S(2), NULL), NULL};
    g->nodes[0].inputs[2] = -1;
    run_fails(in4, IR_ERR_MODEL, "node 'n0' (Clip): input 1 (min) must be a scalar");
    done();
}

static void test_cast(void)
{
    ir_node *n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_I32);
    const ir_tensor *in[1] = {ten(IR_F32, S(4), V(-1.7, 2.9, NAN, 1e20))};
    EXPECT(run1(in), 0, -1, 2, 0, -1); /* 1e20 saturates to int64, then wraps to int32 */
    done();
    n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_U8);
    const ir_tensor *in2[1] = {ten(IR_F32, S(2), V(300.7, -1))};
    EXPECT(run1(in2), 0, 44, 255);
    done();
    n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_BOOL);
    const ir_tensor *in3[1] = {ten(IR_F32, S(3), V(0.5, 0, -2))};
    EXPECT(run1(in3), 0, 1, 0, 1);
    done();
    n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_F16);
    const ir_tensor *in4[1] = {ten(IR_I64, S(2), V(3, 70000))};
    EXPECT(run1(in4), 0, 3, INFINITY);
    done();
    /* to bfloat16 truncates the float32 bits (ONNX 1.12 test data) */
    n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_BF16);
    const ir_tensor *in5[1] = {ten(IR_F32, S(1), V(1.0 + 255.0 / 256))};
    ir_tensor *y = run1(in5);
    CU_ASSERT_EQUAL(((uint16_t *)y->data)[0], 0x3fff);
    done();
    n = node(IR_OP_CAST, 13, 1, 1);
    attr_i(n, "to", IR_STRING);
    const ir_tensor *in6[1] = {ten(IR_F32, S(1), NULL)};
    run_fails(in6, IR_ERR_UNSUPPORTED, "node 'n0' (Cast): casting to string is not supported");
    done();
}

static void test_identity_dropout(void)
{
    node(IR_OP_IDENTITY, 16, 1, 1);
    const ir_tensor *in[1] = {ten(IR_I16, S(2), V(-3, 4))};
    EXPECT(run1(in), 0, -3, 4);
    done();
    node(IR_OP_DROPOUT, 13, 2, 2);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2), V(1, 2)), ten(IR_F32, S0, V(0.3))};
    ir_tensor *out[2] = {0};
    CU_ASSERT_EQUAL_FATAL(run(in2, out), IR_OK);
    EXPECT(out[0], 0, 1, 2);
    CU_ASSERT_EQUAL(out[1]->dtype, IR_BOOL);
    EXPECT(out[1], 0, 1, 1);
    done();
    node(IR_OP_DROPOUT, 13, 3, 1);
    const ir_tensor *in3[3] = {ten(IR_F32, S(2), NULL), ten(IR_F32, S0, V(0.3)),
                               ten(IR_BOOL, S0, V(1))};
    run_fails(in3, IR_ERR_UNSUPPORTED, "training_mode=1 with a non-zero ratio");
    done();
}

/* ---- Softmax, reductions, CumSum, ArgMax, TopK ------------------------- */

static void test_softmax_opsets(void)
{
    /* opset 11, axis 1: each [2, 2] block flattened to one row of 4 */
    ir_node *n = node(IR_OP_SOFTMAX, 11, 1, 1);
    attr_i(n, "axis", 1);
    const ir_tensor *in[1] = {ten(IR_F32, S(2, 2, 2), NULL)};
    EXPECT(run1(in), 1e-7, .25, .25, .25, .25, .25, .25, .25, .25);
    done();
    /* opset 13, axis 1: along that axis only */
    n = node(IR_OP_SOFTMAX, 13, 1, 1);
    attr_i(n, "axis", 1);
    const ir_tensor *in2[1] = {ten(IR_F32, S(2, 2, 2), NULL)};
    EXPECT(run1(in2), 1e-7, .5, .5, .5, .5, .5, .5, .5, .5);
    done();
    node(IR_OP_SOFTMAX, 13, 1, 1); /* default axis -1; large inputs stay finite */
    const ir_tensor *in3[1] = {ten(IR_F32, S(2, 2), V(1000, 1000, 0, 0.6931471805599453))};
    EXPECT(run1(in3), 1e-6, .5, .5, 1.0 / 3, 2.0 / 3);
    done();
    n = node(IR_OP_SOFTMAX, 13, 1, 1);
    attr_i(n, "axis", 2);
    const ir_tensor *in4[1] = {ten(IR_F32, S(2, 2), NULL)};
    run_fails(in4, IR_ERR_MODEL,
              "node 'n0' (Softmax): axis 2 is out of range for an input of rank 2");
    done();
}

static void test_reduce(void)
{
    ir_node *n = node(IR_OP_REDUCEMEAN, 13, 1, 1);
    attr_ints(n, "axes", INTS(-1));
    attr_i(n, "keepdims", 0);
    const ir_tensor *in[1] = {ten(IR_F32, S(2, 3), V(1, 2, 3, 4, 5, 9))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2));
    EXPECT(y, 1e-6, 2, 6);
    done();
    node(IR_OP_REDUCEMEAN, 13, 1, 1); /* default: all axes, keepdims */
    const ir_tensor *in2[1] = {ten(IR_F32, S(2, 2), V(1, 2, 3, 6))};
    y = run1(in2);
    expect_shape(y, S(1, 1));
    EXPECT(y, 0, 3);
    done();
    /* opset 18: axes as an input; int64 compares exactly */
    node(IR_OP_REDUCEMAX, 18, 2, 1);
    const ir_tensor *in3[2] = {ten_i64(S(2, 2), (int64_t[]){(1LL << 60) + 1, 1LL << 60, -1, -2}),
                               ten_i64(S(1), (int64_t[]){1})};
    y = run1(in3);
    expect_shape(y, S(2, 1));
    CU_ASSERT_EQUAL(((int64_t *)y->data)[0], (1LL << 60) + 1);
    CU_ASSERT_EQUAL(((int64_t *)y->data)[1], -1);
    done();
    n = node(IR_OP_REDUCEMAX, 18, 1, 1);
    attr_i(n, "noop_with_empty_axes", 1);
    const ir_tensor *in4[1] = {ten(IR_F32, S(2), V(4, 5))};
    y = run1(in4);
    expect_shape(y, S(2));
    EXPECT(y, 0, 4, 5);
    done();
    n = node(IR_OP_REDUCEMEAN, 13, 1, 1);
    attr_ints(n, "axes", INTS(2));
    const ir_tensor *in5[1] = {ten(IR_F32, S(2, 2), NULL)};
    run_fails(in5, IR_ERR_MODEL, "axis 2 is out of range for an input of rank 2");
    done();
}

static void test_cumsum(void)
{
    ir_node *n = node(IR_OP_CUMSUM, 14, 2, 1);
    attr_i(n, "exclusive", 1);
    attr_i(n, "reverse", 1);
    const ir_tensor *in[2] = {ten(IR_F64, S(3), V(1, 2, 3)), ten(IR_I32, S0, V(0))};
    EXPECT(run1(in), 0, 5, 3, 0);
    done();
    node(IR_OP_CUMSUM, 14, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_I64, S(2, 2), V(1, 2, 3, 4)), ten(IR_I64, S(1), V(-2))};
    EXPECT(run1(in2), 0, 1, 2, 4, 6);
    done();
}

static void test_argmax(void)
{
    ir_node *n = node(IR_OP_ARGMAX, 13, 1, 1);
    attr_i(n, "axis", 1);
    attr_i(n, "keepdims", 0);
    const ir_tensor *in[1] = {ten(IR_F32, S(2, 3), V(1, 3, 3, 7, 2, 7))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2));
    EXPECT(y, 0, 1, 0);
    done();
    n = node(IR_OP_ARGMAX, 13, 1, 1);
    attr_i(n, "axis", 1);
    attr_i(n, "select_last_index", 1);
    const ir_tensor *in2[1] = {ten(IR_F32, S(2, 3), V(1, 3, 3, 7, 2, 7))};
    y = run1(in2);
    expect_shape(y, S(2, 1));
    EXPECT(y, 0, 2, 2);
    done();
}

static void test_topk(void)
{
    node(IR_OP_TOPK, 11, 2, 2);
    const ir_tensor *in[2] = {ten(IR_F32, S(4), V(3, 1, 3, 2)), ten_i64(S(1), (int64_t[]){3})};
    ir_tensor *out[2] = {0};
    CU_ASSERT_EQUAL_FATAL(run(in, out), IR_OK);
    EXPECT(out[0], 0, 3, 3, 2);
    EXPECT(out[1], 0, 0, 2, 3); /* equal values: lower index first */
    done();
    ir_node *n = node(IR_OP_TOPK, 11, 2, 2);
    attr_i(n, "largest", 0);
    attr_i(n, "axis", 0);
    const ir_tensor *in2[2] = {ten(IR_I32, S(3, 2), V(5, 1, 2, 1, 2, 0)),
                               ten_i64(S(1), (int64_t[]){2})};
    CU_ASSERT_EQUAL_FATAL(run(in2, out), IR_OK);
    expect_shape(out[0], S(2, 2));
    EXPECT(out[0], 0, 2, 0, 2, 1);
    EXPECT(out[1], 0, 1, 2, 2, 0);
    done();
    n = node(IR_OP_TOPK, 9, 1, 2); /* k as an attribute before opset 10 */
    attr_i(n, "k", 5);
    const ir_tensor *in3[1] = {ten(IR_F32, S(4), NULL)};
    run_fails(in3, IR_ERR_MODEL, "node 'n0' (TopK): k is 5, larger than dimension 0 (4)");
    done();
}

/* ---- normalization ------------------------------------------------------ */

static void test_layernorm(void)
{
    ir_node *n = node(IR_OP_LAYERNORM, 17, 3, 3);
    attr_f(n, "epsilon", 0);
    const ir_tensor *in[3] = {ten(IR_F32, S(2, 2), V(1, 3, 2, 2)), ten(IR_F32, S(2), V(1, 2)),
                              ten(IR_F32, S0, V(0.5))};
    ir_tensor *out[3] = {0};
    CU_ASSERT_EQUAL_FATAL(run(in, out), IR_OK);
    EXPECT(out[0], 1e-6, -0.5, 2.5, NAN, NAN); /* the second row has variance 0 */
    expect_shape(out[1], S(2, 1));
    EXPECT(out[1], 0, 2, 2);
    EXPECT(out[2], 0, 1, INFINITY);
    done();
    n = node(IR_OP_LAYERNORM, 17, 2, 1);
    attr_i(n, "axis", 0);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2, 2), V(0, 0, 0, 4)), ten(IR_F32, S(2, 1), V(1, 2))};
    EXPECT(run1(in2), 1e-4, -0.57735, -0.57735, -1.1547, 3.4641);
    done();
    node(IR_OP_LAYERNORM, 17, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_F32, S(2, 2), NULL), ten(IR_F32, S(3), NULL)};
    run_fails(in3, IR_ERR_MODEL,
              "node 'n0' (LayerNormalization): input 1 has shape [3], which cannot broadcast to "
              "[2]");
    done();
}

static void test_batchnorm(void)
{
    node(IR_OP_BATCHNORM, 15, 5, 1);
    const ir_tensor *in[5] = {ten(IR_F32, S(1, 2, 2), V(1, 3, 10, 20)), ten(IR_F32, S(2), V(1, 2)),
                              ten(IR_F32, S(2), V(0, 1)), ten(IR_F32, S(2), V(2, 10)),
                              ten(IR_F32, S(2), V(4, 100))};
    EXPECT(run1(in), 1e-4, -0.5, 0.5, 1, 3);
    done();
    ir_node *n = node(IR_OP_BATCHNORM, 15, 5, 3);
    attr_i(n, "training_mode", 1);
    attr_f(n, "epsilon", 0);
    attr_f(n, "momentum", 0.5f);
    const ir_tensor *in2[5] = {ten(IR_F32, S(2, 1), V(1, 3)), ten(IR_F32, S(1), V(1)),
                               ten(IR_F32, S(1), V(0)), ten(IR_F32, S(1), V(0)),
                               ten(IR_F32, S(1), V(1))};
    ir_tensor *out[3] = {0};
    CU_ASSERT_EQUAL_FATAL(run(in2, out), IR_OK);
    EXPECT(out[0], 1e-6, -1, 1);
    EXPECT(out[1], 1e-6, 1);
    EXPECT(out[2], 1e-6, 1);
    done();
    node(IR_OP_BATCHNORM, 15, 5, 1);
    const ir_tensor *in3[5] = {ten(IR_F32, S(1, 2), NULL), ten(IR_F32, S(3), NULL),
                               ten(IR_F32, S(2), NULL), ten(IR_F32, S(2), NULL),
                               ten(IR_F32, S(2), NULL)};
    run_fails(in3, IR_ERR_MODEL, "input 1 (scale) must be 1-D of length C = 2");
    done();
}

/* ---- MatMul and Gemm ---------------------------------------------------- */

static void test_matmul_1d(void)
{
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S(3), V(1, 2, 3)), ten(IR_F32, S(3), V(4, 5, 6))};
    ir_tensor *y = run1(in);
    expect_shape(y, S0);
    EXPECT(y, 0, 32);
    done();
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2, 3), V(1, 2, 3, 4, 5, 6)),
                               ten(IR_F32, S(3), V(1, 0, -1))};
    y = run1(in2);
    expect_shape(y, S(2));
    EXPECT(y, 0, -2, -2);
    done();
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_F32, S(2), V(1, 2)), ten(IR_F32, S(2, 2, 1), V(1, 2, 3, 4))};
    y = run1(in3);
    expect_shape(y, S(2, 1));
    EXPECT(y, 0, 5, 11);
    done();
}

static void test_matmul_batch(void)
{
    /* [2,1,2,2] x [3,2,1] -> [2,3,2,1]; int64 takes the exact path */
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in[2] = {ten(IR_I64, S(2, 1, 2, 2), V(1, 0, 0, 1, 2, 0, 0, 2)),
                              ten(IR_I64, S(3, 2, 1), V(1, 2, 3, 4, 5, 6))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(2, 3, 2, 1));
    EXPECT(y, 0, 1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12);
    done();
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2, 3), NULL), ten(IR_F32, S(2, 3), NULL)};
    run_fails(in2, IR_ERR_MODEL,
              "node 'n0' (MatMul): inner dimensions differ: input 0 has 3 columns, input 1 has 2 "
              "rows");
    done();
    node(IR_OP_MATMUL, 13, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_F32, S0, NULL), ten(IR_F32, S(2), NULL)};
    run_fails(in3, IR_ERR_MODEL, "node 'n0' (MatMul): input 0 is a scalar, expected rank >= 1");
    done();
}

static void test_gemm(void)
{
    ir_node *n = node(IR_OP_GEMM, 13, 3, 1);
    attr_i(n, "transA", 1);
    attr_i(n, "transB", 1);
    attr_f(n, "alpha", 2);
    attr_f(n, "beta", 0.5f);
    /* A' = [[1,2],[3,4]] stored transposed; B' = [[1,0],[0,1]] stored transposed */
    const ir_tensor *in[3] = {ten(IR_F32, S(2, 2), V(1, 3, 2, 4)),
                              ten(IR_F32, S(2, 2), V(1, 0, 0, 1)), ten(IR_F32, S(2), V(10, 20))};
    EXPECT(run1(in), 1e-6, 7, 14, 11, 18);
    done();
    node(IR_OP_GEMM, 13, 2, 1); /* no C */
    const ir_tensor *in2[2] = {ten(IR_F64, S(1, 2), V(1, 2)),
                               ten(IR_F64, S(2, 3), V(1, 2, 3, 4, 5, 6))};
    EXPECT(run1(in2), 0, 9, 12, 15);
    done();
    node(IR_OP_GEMM, 13, 3, 1);
    const ir_tensor *in3[3] = {ten(IR_F32, S(2, 2), NULL), ten(IR_F32, S(2, 2), NULL),
                               ten(IR_F32, S(3), NULL)};
    run_fails(in3, IR_ERR_MODEL,
              "node 'n0' (Gemm): input 2 has shape [3], which cannot broadcast to [2,2]");
    done();
}

/* ---- Conv --------------------------------------------------------------- */

static const double iota25[25] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                  13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
static const double ones9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

static void test_conv_padded(void)
{
    ir_node *n = node(IR_OP_CONV, 11, 2, 1);
    attr_ints(n, "pads", INTS(1, 1, 1, 1));
    const ir_tensor *in[2] = {ten(IR_F32, S(1, 1, 3, 3), ones9), ten(IR_F32, S(1, 1, 3, 3), ones9)};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 1, 3, 3));
    EXPECT(y, 0, 4, 6, 4, 6, 9, 6, 4, 6, 4);
    done();
}

static void test_conv_strided_dilated(void)
{
    ir_node *n = node(IR_OP_CONV, 11, 2, 1);
    attr_ints(n, "strides", INTS(2, 2));
    const ir_tensor *in[2] = {ten(IR_F32, S(1, 1, 5, 5), iota25),
                              ten(IR_F32, S(1, 1, 3, 3), ones9)};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 1, 2, 2));
    EXPECT(y, 0, 54, 72, 144, 162);
    done();
    n = node(IR_OP_CONV, 11, 3, 1);
    attr_ints(n, "dilations", INTS(2, 2));
    const ir_tensor *in2[3] = {ten(IR_F32, S(1, 1, 5, 5), iota25),
                               ten(IR_F32, S(1, 1, 3, 3), ones9), ten(IR_F32, S(1), V(0.5))};
    y = run1(in2);
    expect_shape(y, S(1, 1, 1, 1));
    EXPECT(y, 0, 108.5);
    done();
    /* asymmetric pads, stride 2 in H only */
    n = node(IR_OP_CONV, 11, 2, 1);
    attr_ints(n, "pads", INTS(1, 0, 0, 0));
    attr_ints(n, "strides", INTS(2, 1));
    const ir_tensor *in3[2] = {ten(IR_F32, S(1, 1, 3, 2), V(1, 2, 3, 4, 5, 6)),
                               ten(IR_F32, S(1, 1, 2, 1), V(1, 10))};
    y = run1(in3);
    expect_shape(y, S(1, 1, 2, 2));
    EXPECT(y, 0, 10, 20, 53, 64);
    done();
}

static void test_conv_grouped_pointwise(void)
{
    ir_node *n = node(IR_OP_CONV, 11, 3, 1);
    attr_i(n, "group", 2);
    const ir_tensor *in[3] = {ten(IR_F32, S(1, 2, 1, 2), V(1, 2, 3, 4)),
                              ten(IR_F32, S(4, 1, 1, 1), V(1, 2, 3, 4)),
                              ten(IR_F32, S(4), V(0, 0, 0, 100))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 4, 1, 2));
    EXPECT(y, 0, 1, 2, 2, 4, 9, 12, 112, 116);
    done();
    /* 1x1 over all channels (the matrix-product path), batch 2 */
    node(IR_OP_CONV, 11, 2, 1);
    const ir_tensor *in2[2] = {ten(IR_F32, S(2, 2, 1, 1), V(1, 2, 3, 4)),
                               ten(IR_F32, S(1, 2, 1, 1), V(10, 1))};
    y = run1(in2);
    expect_shape(y, S(2, 1, 1, 1));
    EXPECT(y, 0, 12, 34);
    done();
    /* float64 is computed through float32 */
    node(IR_OP_CONV, 11, 2, 1);
    const ir_tensor *in3[2] = {ten(IR_F64, S(1, 1, 2), V(1, 2)), ten(IR_F64, S(1, 1, 2), V(3, 4))};
    EXPECT(run1(in3), 0, 11);
    done();
}

static void test_conv_auto_pad_1d_3d(void)
{
    static const char *modes[2] = {"SAME_UPPER", "SAME_LOWER"};
    static const double want[2][4] = {{3, 5, 7, 4}, {1, 3, 5, 7}};
    for (int m = 0; m < 2; m++) {
        ir_node *n = node(IR_OP_CONV, 11, 2, 1);
        attr_s(n, "auto_pad", modes[m]);
        const ir_tensor *in[2] = {ten(IR_F32, S(1, 1, 4), V(1, 2, 3, 4)),
                                  ten(IR_F32, S(1, 1, 2), V(1, 1))};
        ir_tensor *y = run1(in);
        expect_shape(y, S(1, 1, 4));
        expect_vals(y, 4, want[m], 0);
        done();
    }
    ir_node *n = node(IR_OP_CONV, 11, 2, 1);
    attr_s(n, "auto_pad", "VALID");
    const ir_tensor *in[2] = {ten(IR_F32, S(1, 1, 2, 2, 3), iota25),
                              ten(IR_F32, S(1, 1, 2, 2, 2), ones9)};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 1, 1, 1, 2));
    EXPECT(y, 0, 40, 48);
    done();
}

static void test_conv_errors(void)
{
    node(IR_OP_CONV, 11, 2, 1);
    const ir_tensor *in[2] = {ten(IR_F32, S(1, 3, 4, 4), NULL), ten(IR_F32, S(1, 2, 3, 3), NULL)};
    run_fails(in, IR_ERR_MODEL,
              "node 'n0' (Conv): input has 3 channels, but the weight expects 2 x group 1 = 2");
    done();
    ir_node *n = node(IR_OP_CONV, 11, 2, 1);
    attr_i(n, "group", 0);
    const ir_tensor *in2[2] = {ten(IR_F32, S(1, 1, 4, 4), NULL), ten(IR_F32, S(1, 1, 3, 3), NULL)};
    run_fails(in2, IR_ERR_MODEL, "node 'n0' (Conv): group is 0, expected >= 1");
    done();
    n = node(IR_OP_CONV, 11, 2, 1);
    attr_ints(n, "strides", INTS(1, 0));
    const ir_tensor *in3[2] = {ten(IR_F32, S(1, 1, 4, 4), NULL), ten(IR_F32, S(1, 1, 3, 3), NULL)};
    run_fails(in3, IR_ERR_MODEL, "node 'n0' (Conv): attribute strides[1] is 0, expected >= 1");
    done();
    node(IR_OP_CONV, 11, 2, 1);
    const ir_tensor *in4[2] = {ten(IR_F32, S(1, 1, 2, 4), NULL), ten(IR_F32, S(1, 1, 3, 3), NULL)};
    run_fails(in4, IR_ERR_MODEL,
              "node 'n0' (Conv): spatial dim 0: the kernel spans 3 (size 3, dilation 1), more "
              "than the padded input (2)");
    done();
    n = node(IR_OP_CONV, 11, 2, 1);
    attr_ints(n, "pads", INTS(1, 1, -1, 1));
    const ir_tensor *in5[2] = {ten(IR_F32, S(1, 1, 4, 4), NULL), ten(IR_F32, S(1, 1, 3, 3), NULL)};
    run_fails(in5, IR_ERR_MODEL, "node 'n0' (Conv): attribute pads[2] is -1, expected >= 0");
    done();
    n = node(IR_OP_CONV, 11, 2, 1);
    attr_s(n, "auto_pad", "SAME");
    const ir_tensor *in6[2] = {ten(IR_F32, S(1, 1, 4, 4), NULL), ten(IR_F32, S(1, 1, 3, 3), NULL)};
    run_fails(in6, IR_ERR_MODEL, "auto_pad is 'SAME', expected NOTSET, SAME_UPPER");
    done();
}

/* ---- pooling ------------------------------------------------------------ */

static void test_maxpool_indices(void)
{
    static const double iota16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int order = 0; order < 2; order++) {
        ir_node *n = node(IR_OP_MAXPOOL, 12, 1, 2);
        attr_ints(n, "kernel_shape", INTS(2, 2));
        attr_ints(n, "strides", INTS(2, 2));
        attr_i(n, "storage_order", order);
        const ir_tensor *in[1] = {ten(IR_F32, S(1, 1, 4, 4), iota16)};
        ir_tensor *out[2] = {0};
        CU_ASSERT_EQUAL_FATAL(run(in, out), IR_OK);
        expect_shape(out[0], S(1, 1, 2, 2));
        EXPECT(out[0], 0, 5, 7, 13, 15);
        if (order == 0)
            EXPECT(out[1], 0, 5, 7, 13, 15);
        else
            EXPECT(out[1], 0, 5, 13, 7, 15); /* h + w * H */
        done();
    }
}

static void test_pool_ceil_mode(void)
{
    static const double x16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    ir_node *n = node(IR_OP_AVGPOOL, 11, 1, 1);
    attr_ints(n, "kernel_shape", INTS(3, 3));
    attr_ints(n, "strides", INTS(2, 2));
    attr_i(n, "ceil_mode", 1);
    const ir_tensor *in[1] = {ten(IR_F32, S(1, 1, 4, 4), x16)};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 1, 2, 2));
    EXPECT(y, 1e-6, 6, 7.5, 12, 13.5);
    done();
    /* a last window starting in the end padding is dropped: 3 -> 2, not 3 */
    n = node(IR_OP_MAXPOOL, 12, 1, 1);
    attr_ints(n, "kernel_shape", INTS(2));
    attr_ints(n, "strides", INTS(2));
    attr_ints(n, "pads", INTS(1, 1));
    attr_i(n, "ceil_mode", 1);
    const ir_tensor *in2[1] = {ten(IR_F32, S(1, 1, 3), V(1, 2, 3))};
    y = run1(in2);
    expect_shape(y, S(1, 1, 2));
    EXPECT(y, 0, 1, 3);
    done();
}

static void test_avgpool_pads(void)
{
    for (int incl = 0; incl < 2; incl++) {
        ir_node *n = node(IR_OP_AVGPOOL, 11, 1, 1);
        attr_ints(n, "kernel_shape", INTS(3));
        attr_ints(n, "pads", INTS(1, 1));
        attr_i(n, "count_include_pad", incl);
        const ir_tensor *in[1] = {ten(IR_F32, S(1, 1, 3), V(3, 6, 9))};
        ir_tensor *y = run1(in);
        if (incl)
            EXPECT(y, 1e-6, 3, 6, 5);
        else
            EXPECT(y, 1e-6, 4.5, 6, 7.5);
        done();
    }
    node(IR_OP_GLOBALAVGPOOL, 7, 1, 1);
    const ir_tensor *in[1] = {ten(IR_F32, S(1, 2, 2, 1), V(1, 2, 3, 5))};
    ir_tensor *y = run1(in);
    expect_shape(y, S(1, 2, 1, 1));
    EXPECT(y, 0, 1.5, 4);
    done();
    node(IR_OP_MAXPOOL, 12, 1, 1);
    const ir_tensor *in2[1] = {ten(IR_F32, S(1, 1, 3), NULL)};
    run_fails(in2, IR_ERR_MODEL, "node 'n0' (MaxPool): attribute kernel_shape must list 1 to 3");
    done();
}

/* ---- shape inference without values ------------------------------------ */

static void test_symbolic_shapes(void)
{
    ir_node *n = node(IR_OP_MATMUL, 13, 2, 1);
    ir_operand in[2] = {{IR_F32, S(-1, 5, 4), NULL}, {IR_F32, S(4, 7), NULL}};
    in[0].shape.sym[0] = "batch";
    ir_operand out[2];
    CU_ASSERT_EQUAL_FATAL(ir_shape_matmul(g, n, in, out, &diag), IR_OK);
    CU_ASSERT_EQUAL(out[0].shape.rank, 3);
    CU_ASSERT_EQUAL(out[0].shape.dims[0], -1);
    CU_ASSERT_STRING_EQUAL(out[0].shape.sym[0], "batch");
    CU_ASSERT_EQUAL(out[0].shape.dims[2], 7);
    done();
    /* ReduceMean 18 with axes of unknown value: keepdims keeps the rank */
    n = node(IR_OP_REDUCEMEAN, 18, 2, 1);
    ir_operand in2[2] = {{IR_F32, S(3, 1), NULL}, {IR_I64, S(1), NULL}};
    CU_ASSERT_EQUAL_FATAL(ir_shape_reduce(g, n, in2, out, &diag), IR_OK);
    CU_ASSERT_EQUAL(out[0].shape.rank, 2);
    CU_ASSERT_EQUAL(out[0].shape.dims[0], -1);
    CU_ASSERT_EQUAL(out[0].shape.dims[1], 1);
    done();
    /* TopK with k unknown; Conv with unknown input rank */
    n = node(IR_OP_TOPK, 11, 2, 2);
    ir_operand in3[2] = {{IR_F32, S(3, 8), NULL}, {IR_I64, S(1), NULL}};
    CU_ASSERT_EQUAL_FATAL(ir_shape_topk(g, n, in3, out, &diag), IR_OK);
    CU_ASSERT_EQUAL(out[0].shape.dims[1], -1);
    CU_ASSERT_EQUAL(out[1].dtype, IR_I64);
    done();
    n = node(IR_OP_CONV, 11, 2, 1);
    ir_operand in4[2] = {{IR_F32, {.rank = -1}, NULL}, {IR_F32, S(8, 3, 3, 3), NULL}};
    CU_ASSERT_EQUAL_FATAL(ir_shape_conv(g, n, in4, out, &diag), IR_OK);
    CU_ASSERT_EQUAL(out[0].shape.rank, 4);
    CU_ASSERT_EQUAL(out[0].shape.dims[1], 8);
    CU_ASSERT_EQUAL(out[0].shape.dims[2], -1);
    done();
}

int main(void)
{
    static const tu_case cases[] = {
        {"add_broadcast", test_add_broadcast},
        {"sub_scalar_and_empty", test_sub_scalar_and_empty},
        {"not_broadcastable", test_not_broadcastable},
        {"integer_arith", test_integer_arith},
        {"pow_types", test_pow_types},
        {"compare_logic", test_compare_logic},
        {"max_min_variadic", test_max_min_variadic},
        {"where", test_where},
        {"unary_functions", test_unary_functions},
        {"clip", test_clip},
        {"cast", test_cast},
        {"identity_dropout", test_identity_dropout},
        {"softmax_opsets", test_softmax_opsets},
        {"reduce", test_reduce},
        {"cumsum", test_cumsum},
        {"argmax", test_argmax},
        {"topk", test_topk},
        {"layernorm", test_layernorm},
        {"batchnorm", test_batchnorm},
        {"matmul_1d", test_matmul_1d},
        {"matmul_batch", test_matmul_batch},
        {"gemm", test_gemm},
        {"conv_padded", test_conv_padded},
        {"conv_strided_dilated", test_conv_strided_dilated},
        {"conv_grouped_pointwise", test_conv_grouped_pointwise},
        {"conv_auto_pad_1d_3d", test_conv_auto_pad_1d_3d},
        {"conv_errors", test_conv_errors},
        {"maxpool_indices", test_maxpool_indices},
        {"pool_ceil_mode", test_pool_ceil_mode},
        {"avgpool_pads", test_avgpool_pads},
        {"symbolic_shapes", test_symbolic_shapes},
        {NULL, NULL},
    };
    return tu_run("ref_math", cases);
}
