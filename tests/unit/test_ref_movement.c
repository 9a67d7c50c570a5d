/* test_ref_movement.c - the data-movement and shape ops (shape_movement.c,
 * ref_movement.c, ref_slice.c, ref_pad.c, ref_resize.c): small hand-checked
 * cases per op, the opset-11/12 forms DETR's export uses (axes attributes,
 * Pad-11, Resize-11 with roi and nearest asymmetric/floor), shape inference
 * on partly known operands, and the errors a bad or hostile model gets.
 *
 * Each case builds a one-node graph and runs it with ir_ref_node (shape
 * hook, allocation, kernel), or calls the shape hook on operands directly. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "kernels.h"
#include "testutil.h"

/* ---- building one-node graphs -------------------------------------------- */

static ir_graph *graph(int64_t opset)
{
    ir_graph *g = ir_graph_new();
    g->opset = opset;
    return g;
}

/* Adds node "n0" with n_in inputs x0.. and n_out outputs y0..; a bit set in
 * omit marks an omitted optional input. */
static ir_node *node(ir_graph *g, ir_op op, uint32_t n_in, uint32_t n_out, uint32_t omit)
{
    int32_t in[8], out[8];
    char name[16];
    for (uint32_t i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%u", i);
        in[i] = omit & (1u << i) ? -1 : ir_graph_add_value(g, name, IR_UNDEF, NULL);
    }
    for (uint32_t i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "y%u", i);
        out[i] = ir_graph_add_value(g, name, IR_UNDEF, NULL);
    }
    int32_t k = ir_graph_add_node(g, op, "n0", in, n_in, out, n_out);
    return &g->nodes[k];
}

static void attr_i(ir_graph *g, ir_node *n, const char *name, int64_t v)
{
    ir_node_add_attr(g, n, name, IR_ATTR_INT)->i = v;
}

static void attr_f(ir_graph *g, ir_node *n, const char *name, float v)
{
    ir_node_add_attr(g, n, name, IR_ATTR_FLOAT)->f = v;
}

static void attr_s(ir_graph *g, ir_node *n, const char *name, const char *v)
{
    ir_attr *a = ir_node_add_attr(g, n, name, IR_ATTR_STRING);
    a->s = ir_arena_strdup(g->arena, v);
    a->s_len = strlen(v);
}

static void attr_ints(ir_graph *g, ir_node *n, const char *name, size_t k, const int64_t *v)
{
    ir_attr *a = ir_node_add_attr(g, n, name, IR_ATTR_INTS);
    a->ints = ir_arena_alloc(g->arena, (k ? k : 1) * sizeof *v, 8);
    memcpy(a->ints, v, k * sizeof *v);
    a->n = k;
}

static void attr_t(ir_graph *g, ir_node *n, const char *name, ir_tensor *t)
{
    ir_node_add_attr(g, n, name, IR_ATTR_TENSOR)->tensor = t;
}

/* A malloc'd tensor; data NULL leaves it zeroed. */
static ir_tensor *ten(ir_dtype t, int32_t rank, const int64_t *dims, const void *data)
{
    ir_shape s = {.rank = rank};
    for (int32_t i = 0; i < rank; i++)
        s.dims[i] = dims[i];
    ir_tensor *x = ir_tensor_alloc(t, &s);
    if (data && x->nbytes)
        memcpy(x->data, data, (size_t)x->nbytes);
    return x;
}

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define F(...) ((const float[]){__VA_ARGS__})
#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define TF(rank, dims, ...) ten(IR_F32, rank, dims, F(__VA_ARGS__))
#define TI(rank, dims, ...) ten(IR_I64, rank, dims, I64(__VA_ARGS__))
/* a 1-D int64 tensor */
#define VEC(n, ...) ten(IR_I64, 1, D(n), I64(__VA_ARGS__))

/* f32 tensor [n] holding 0, 1, ..., n-1 reshaped to dims */
static ir_tensor *iota(int32_t rank, const int64_t *dims)
{
    ir_tensor *t = ten(IR_F32, rank, dims, NULL);
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        ((float *)t->data)[i] = (float)i;
    return t;
}

/* Runs node 0 of g; the inputs are released. Returns the status. */
static ir_status run(ir_graph *g, uint32_t n_in, ir_tensor **in, ir_tensor **out, ir_diag *d)
{
    memset(d, 0, sizeof *d);
    for (uint32_t i = 0; i < g->nodes[0].n_outputs; i++)
        out[i] = NULL;
    ir_status st = ir_ref_node(g, &g->nodes[0], (const ir_tensor *const *)in, out, d);
    for (uint32_t i = 0; i < n_in; i++)
        ir_tensor_release(in[i]);
    return st;
}

static bool shape_is(const ir_shape *s, int32_t rank, const int64_t *dims)
{
    bool ok = s->rank == rank;
    for (int32_t i = 0; ok && i < rank; i++)
        ok = s->dims[i] == dims[i];
    if (!ok) {
        char b[128];
        ir_shape_format(s, b, sizeof b);
        fprintf(stderr, "\n  got shape %s\n", b);
    }
    return ok;
}

/* Checks t's dtype, shape and elements (as doubles, 1e-5), then releases it. */
static void check(ir_tensor *t, ir_dtype dt, int32_t rank, const int64_t *dims, const double *want)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->dtype, dt);
    CU_ASSERT(shape_is(&t->shape, rank, dims));
    int64_t n = ir_tensor_numel(t);
    for (int64_t i = 0; want && i < n && t->dtype == dt; i++) {
        double v = ir_tensor_get_f64(t, i);
        if (fabs(v - want[i]) > 1e-5) {
            fprintf(stderr, "\n  element %lld: got %g, want %g\n", (long long)i, v, want[i]);
            CU_FAIL("element differs");
            break;
        }
    }
    ir_tensor_release(t);
}

#define W(...) ((const double[]){__VA_ARGS__})

/* An operand for calling a shape hook directly (dims < 0 unknown). */
static ir_operand opnd(ir_dtype t, int32_t rank, const int64_t *dims, const ir_tensor *value)
{
    ir_operand o = {.dtype = t, .shape = {.rank = rank}, .value = value};
    for (int32_t i = 0; i < rank; i++)
        o.shape.dims[i] = dims[i];
    return o;
}

/* Checks that t holds 0, 1, 2, ... (an iota moved without reordering). */
static void check_iota(ir_tensor *t, int32_t rank, const int64_t *dims)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(shape_is(&t->shape, rank, dims));
    for (int64_t i = 0; i < ir_tensor_numel(t); i++)
        if (ir_tensor_get_f64(t, i) != (double)i) {
            CU_FAIL("not an iota");
            break;
        }
    ir_tensor_release(t);
}

/* Runs and expects failure with status st and a message containing `part`. */
static void expect_fail(ir_graph *g, uint32_t n_in, ir_tensor **in, ir_status st, const char *part)
{
    ir_tensor *out[8];
    ir_diag d;
    ir_status got = run(g, n_in, in, out, &d);
    CU_ASSERT_EQUAL(got, st);
    TU_ASSERT_CONTAINS(d.msg, part);
    TU_ASSERT_CONTAINS(d.msg, "node 'n0' (");
    for (uint32_t i = 0; got == IR_OK && i < g->nodes[0].n_outputs; i++)
        ir_tensor_release(out[i]);
}

/* ---- Reshape, Flatten ----------------------------------------------------- */

static void test_reshape(void)
{
    ir_tensor *out[1];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_RESHAPE, 2, 1, 0);
    ir_tensor *in[2] = {iota(3, D(2, 3, 4)), VEC(2, 0, -1)};
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check_iota(out[0], 2, D(2, 12));
    in[0] = iota(3, D(2, 3, 4)), in[1] = VEC(3, 4, -1, 3);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 3, D(4, 2, 3), NULL);
    in[0] = iota(3, D(2, 3, 4)), in[1] = VEC(2, 5, 5);
    expect_fail(g, 2, in, IR_ERR_MODEL, "cannot reshape 24 elements (input [2,3,4]) into shape "
                                        "[5,5] (25 elements)");
    in[0] = iota(3, D(2, 3, 4)), in[1] = VEC(2, 5, -1);
    expect_fail(g, 2, in, IR_ERR_MODEL, "cannot reshape 24 elements");
    in[0] = iota(3, D(2, 3, 4)), in[1] = VEC(2, -1, -1);
    expect_fail(g, 2, in, IR_ERR_MODEL, "more than one -1");
    in[0] = iota(1, D(4)), in[1] = VEC(2, 4, 0);
    expect_fail(g, 2, in, IR_ERR_MODEL, "shape[1] is 0 (copy the input dimension) but the input "
                                        "has rank 1");
    ir_graph_free(g);

    /* opset 14 allowzero: 0 is a real zero-sized dim */
    g = graph(14);
    ir_node *n = node(g, IR_OP_RESHAPE, 2, 1, 0);
    attr_i(g, n, "allowzero", 1);
    in[0] = ten(IR_F32, 2, D(0, 3), NULL), in[1] = VEC(2, 3, 0);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(3, 0), NULL);
    ir_graph_free(g);
    g = graph(14);
    node(g, IR_OP_RESHAPE, 2, 1, 0);
    in[0] = ten(IR_F32, 2, D(0, 3), NULL), in[1] = VEC(2, 3, 0); /* 0 copies dim 1 = 3 */
    expect_fail(g, 2, in, IR_ERR_MODEL, "cannot reshape 0 elements");
    ir_graph_free(g);
}

static void test_reshape_infer(void)
{
    ir_graph *g = graph(13);
    ir_node *n = node(g, IR_OP_RESHAPE, 2, 1, 0);
    ir_diag d;
    ir_tensor *shape = VEC(2, 0, -1);
    ir_operand in[2] = {opnd(IR_F32, 3, D(-1, 8, 4), NULL), opnd(IR_I64, 1, D(2), shape)};
    in[0].shape.sym[0] = "batch";
    ir_operand out[1];
    CU_ASSERT_EQUAL(ir_shape_reshape(g, n, in, out, &d), IR_OK);
    CU_ASSERT(shape_is(&out[0].shape, 2, D(-1, 32)));
    CU_ASSERT_STRING_EQUAL(out[0].shape.sym[0], "batch");
    in[1].value = NULL; /* shape unknown: rank from its length */
    CU_ASSERT_EQUAL(ir_shape_reshape(g, n, in, out, &d), IR_OK);
    CU_ASSERT(shape_is(&out[0].shape, 2, D(-1, -1)));
    ir_tensor_release(shape);
    ir_graph_free(g);
}

static void test_flatten(void)
{
    static const struct {
        int64_t axis;
        int64_t d0, d1;
    } cases[] = {{2, 6, 4}, {-1, 6, 4}, {0, 1, 24}, {3, 24, 1}, {1, 2, 12}};
    ir_tensor *out[1], *in[1];
    ir_diag d;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ir_graph *g = graph(13);
        attr_i(g, node(g, IR_OP_FLATTEN, 1, 1, 0), "axis", cases[i].axis);
        in[0] = iota(3, D(2, 3, 4));
        CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
        check_iota(out[0], 2, D(cases[i].d0, cases[i].d1));
        ir_graph_free(g);
    }
    ir_graph *g = graph(13);
    attr_i(g, node(g, IR_OP_FLATTEN, 1, 1, 0), "axis", 4);
    in[0] = iota(3, D(2, 3, 4));
    expect_fail(g, 1, in, IR_ERR_MODEL, "axis 4 is out of range for rank 3");
    ir_graph_free(g);
}

/* ---- Transpose ------------------------------------------------------------ */

static void test_transpose(void)
{
    ir_tensor *out[1], *in[1];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_TRANSPOSE, 1, 1, 0); /* default: reversed */
    in[0] = TI(2, D(2, 3), 0, 1, 2, 3, 4, 5);
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I64, 2, D(3, 2), W(0, 3, 1, 4, 2, 5));
    ir_graph_free(g);

    g = graph(13);
    attr_ints(g, node(g, IR_OP_TRANSPOSE, 1, 1, 0), "perm", 3, D(1, 0, 2));
    int8_t v[12];
    for (int i = 0; i < 12; i++)
        v[i] = (int8_t)i;
    in[0] = ten(IR_I8, 3, D(2, 3, 2), v);
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I8, 3, D(3, 2, 2), W(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11));
    ir_graph_free(g);

    g = graph(13);
    attr_ints(g, node(g, IR_OP_TRANSPOSE, 1, 1, 0), "perm", 2, D(0, 0));
    in[0] = iota(2, D(2, 3));
    expect_fail(g, 1, in, IR_ERR_MODEL, "perm [0,0] is not a permutation of 0..1");
    ir_graph_free(g);
}

/* ---- Unsqueeze, Squeeze ---------------------------------------------------- */

static void test_unsqueeze(void)
{
    ir_tensor *out[1], *in[2];
    ir_diag d;
    ir_graph *g = graph(11); /* DETR's opset: axes attribute */
    attr_ints(g, node(g, IR_OP_UNSQUEEZE, 1, 1, 0), "axes", 2, D(0, 3));
    in[0] = iota(2, D(2, 3));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 2, 3, 1), W(0, 1, 2, 3, 4, 5));
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_UNSQUEEZE, 2, 1, 0);
    in[0] = iota(2, D(2, 3)), in[1] = VEC(1, -1);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 3, D(2, 3, 1), NULL);
    in[0] = TI(0, NULL, 7), in[1] = VEC(1, 0); /* scalar -> [1], as DETR's shape math does */
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(1), W(7));
    in[0] = iota(2, D(2, 3)), in[1] = VEC(2, 1, 1);
    expect_fail(g, 2, in, IR_ERR_MODEL, "axis 1 is repeated");
    in[0] = iota(2, D(2, 3)), in[1] = VEC(1, 3);
    expect_fail(g, 2, in, IR_ERR_MODEL, "axis 3 is out of range for rank 3");
    ir_graph_free(g);

    g = graph(11);
    node(g, IR_OP_UNSQUEEZE, 1, 1, 0);
    in[0] = iota(2, D(2, 3));
    expect_fail(g, 1, in, IR_ERR_MODEL, "missing attribute 'axes'");
    ir_graph_free(g);
}

static void test_squeeze(void)
{
    ir_tensor *out[1], *in[2];
    ir_diag d;
    ir_graph *g = graph(11);
    attr_ints(g, node(g, IR_OP_SQUEEZE, 1, 1, 0), "axes", 1, D(0));
    in[0] = iota(3, D(1, 3, 1));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(3, 1), W(0, 1, 2));
    ir_graph_free(g);

    g = graph(11);
    node(g, IR_OP_SQUEEZE, 1, 1, 0); /* no axes: every 1 goes */
    in[0] = iota(3, D(1, 3, 1));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(3), W(0, 1, 2));
    ir_graph_free(g);

    g = graph(11);
    attr_ints(g, node(g, IR_OP_SQUEEZE, 1, 1, 0), "axes", 1, D(1));
    in[0] = iota(3, D(1, 3, 1));
    expect_fail(g, 1, in, IR_ERR_MODEL, "cannot squeeze axis 1: its size is 3, not 1");
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_SQUEEZE, 2, 1, 0);
    in[0] = iota(3, D(1, 3, 1)), in[1] = VEC(1, -1);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(1, 3), NULL);
    ir_graph_free(g);

    /* squeeze-all with an unknown dim: the rank is unknown */
    g = graph(13);
    ir_node *n = node(g, IR_OP_SQUEEZE, 1, 1, 0);
    ir_operand oi[1] = {opnd(IR_F32, 2, D(1, -1), NULL)}, oo[1];
    CU_ASSERT_EQUAL(ir_shape_squeeze(g, n, oi, oo, &d), IR_OK);
    CU_ASSERT_EQUAL(oo[0].shape.rank, -1);
    ir_graph_free(g);
}

/* ---- Concat ----------------------------------------------------------------- */

static void test_concat(void)
{
    ir_tensor *out[1], *in[3];
    ir_diag d;
    ir_graph *g = graph(13);
    attr_i(g, node(g, IR_OP_CONCAT, 3, 1, 0), "axis", 1);
    in[0] = TF(2, D(2, 1), 1, 2), in[1] = TF(2, D(2, 2), 3, 4, 5, 6);
    in[2] = ten(IR_F32, 2, D(2, 0), NULL); /* zero-size input */
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 3), W(1, 3, 4, 2, 5, 6));
    in[0] = TF(2, D(2, 1), 1, 2), in[1] = TF(2, D(3, 1), 3, 4, 5), in[2] = TF(2, D(2, 1), 0, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "input 1 has size 3 in dimension 0, expected 2");
    in[0] = TF(2, D(2, 1), 1, 2), in[1] = TI(2, D(2, 1), 3, 4), in[2] = TF(2, D(2, 1), 0, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "input 1 has type int64, input 0 has float32");
    ir_graph_free(g);

    g = graph(11); /* DETR's shape vectors: int64 [1] pieces */
    attr_i(g, node(g, IR_OP_CONCAT, 3, 1, 0), "axis", 0);
    uint8_t b[3] = {1, 0, 1};
    in[0] = VEC(1, 1), in[1] = ten(IR_I64, 1, D(0), NULL), in[2] = VEC(2, -1, 256);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(3), W(1, -1, 256));
    in[0] = ten(IR_BOOL, 1, D(1), b), in[1] = ten(IR_BOOL, 1, D(2), b + 1);
    in[2] = ten(IR_BOOL, 1, D(0), NULL);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_BOOL, 1, D(3), W(1, 0, 1));
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_CONCAT, 1, 1, 0);
    in[0] = VEC(1, 1);
    expect_fail(g, 1, in, IR_ERR_MODEL, "missing attribute 'axis'");
    ir_graph_free(g);
}

/* ---- Slice -------------------------------------------------------------------- */

static void test_slice(void)
{
    ir_tensor *out[1], *in[5];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_SLICE, 5, 1, 0);
    in[0] = iota(1, D(10)), in[1] = VEC(1, 1), in[2] = VEC(1, INT64_MAX), in[3] = VEC(1, 0);
    in[4] = VEC(1, 3);
    CU_ASSERT_EQUAL(run(g, 5, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(3), W(1, 4, 7));
    in[0] = iota(1, D(10)), in[1] = VEC(1, -1), in[2] = VEC(1, INT64_MIN), in[3] = VEC(1, 0);
    in[4] = VEC(1, -1);
    CU_ASSERT_EQUAL(run(g, 5, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(10), W(9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    in[0] = iota(1, D(10)), in[1] = VEC(1, 8), in[2] = VEC(1, 1), in[3] = VEC(1, -1);
    in[4] = VEC(1, -3);
    CU_ASSERT_EQUAL(run(g, 5, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(3), W(8, 5, 2));
    in[0] = iota(2, D(3, 4)), in[1] = VEC(2, 0, 1), in[2] = VEC(2, 2, 3), in[3] = VEC(2, 0, -1);
    in[4] = VEC(2, 1, 1);
    CU_ASSERT_EQUAL(run(g, 5, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 2), W(1, 2, 5, 6));
    in[0] = iota(1, D(10)), in[1] = VEC(1, 100), in[2] = VEC(1, 200), in[3] = VEC(1, 0);
    in[4] = VEC(1, 1);
    CU_ASSERT_EQUAL(run(g, 5, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(0), NULL);
    in[0] = iota(1, D(10)), in[1] = VEC(1, 0), in[2] = VEC(1, 5), in[3] = VEC(1, 0);
    in[4] = VEC(1, 0);
    expect_fail(g, 5, in, IR_ERR_MODEL, "steps[0] is 0");
    in[0] = iota(1, D(10)), in[1] = VEC(1, 0), in[2] = VEC(1, 5), in[3] = VEC(1, 1);
    in[4] = VEC(1, 1);
    expect_fail(g, 5, in, IR_ERR_MODEL, "axes[0] = 1 is out of range for rank 1");
    ir_graph_free(g);

    g = graph(13); /* axes and steps omitted; int32 starts/ends */
    node(g, IR_OP_SLICE, 3, 1, 0);
    int32_t s32[2] = {-3, -1};
    in[0] = iota(1, D(10)), in[1] = ten(IR_I32, 1, D(1), s32), in[2] = ten(IR_I32, 1, D(1), s32 + 1);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(2), W(7, 8));
    ir_graph_free(g);

    g = graph(9); /* attributes */
    ir_node *n = node(g, IR_OP_SLICE, 1, 1, 0);
    attr_ints(g, n, "starts", 1, D(1));
    attr_ints(g, n, "ends", 1, D(1000));
    attr_ints(g, n, "axes", 1, D(1));
    in[0] = iota(2, D(3, 4));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(3, 3), W(1, 2, 3, 5, 6, 7, 9, 10, 11));
    ir_graph_free(g);
}

/* Slice with starts/ends unknown: only the sliced axes become unknown. */
static void test_slice_infer(void)
{
    ir_graph *g = graph(13);
    ir_node *n = node(g, IR_OP_SLICE, 4, 1, 0);
    ir_diag d;
    ir_tensor *axes = VEC(1, -2);
    ir_operand in[4] = {opnd(IR_F32, 3, D(4, 5, 6), NULL), opnd(IR_I64, 1, D(1), NULL),
                        opnd(IR_I64, 1, D(1), NULL), opnd(IR_I64, 1, D(1), axes)};
    ir_operand out[1];
    CU_ASSERT_EQUAL(ir_shape_slice(g, n, in, out, &d), IR_OK);
    CU_ASSERT(shape_is(&out[0].shape, 3, D(4, -1, 6)));
    in[3].value = NULL; /* axes unknown too: every dim */
    CU_ASSERT_EQUAL(ir_shape_slice(g, n, in, out, &d), IR_OK);
    CU_ASSERT(shape_is(&out[0].shape, 3, D(-1, -1, -1)));
    ir_tensor_release(axes);
    ir_graph_free(g);

    g = graph(13); /* axes omitted: the first len(starts) axes */
    n = node(g, IR_OP_SLICE, 3, 1, 0);
    in[1].shape.dims[0] = in[2].shape.dims[0] = 2;
    CU_ASSERT_EQUAL(ir_shape_slice(g, n, in, out, &d), IR_OK);
    CU_ASSERT(shape_is(&out[0].shape, 3, D(-1, -1, 6)));
    ir_graph_free(g);
}

/* ---- Split ---------------------------------------------------------------------- */

static void test_split(void)
{
    ir_tensor *out[3], *in[2];
    ir_diag d;
    ir_graph *g = graph(11);
    ir_node *n = node(g, IR_OP_SPLIT, 1, 2, 0);
    attr_i(g, n, "axis", 1);
    attr_ints(g, n, "split", 2, D(1, 2));
    in[0] = iota(2, D(2, 3));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 1), W(0, 3));
    check(out[1], IR_F32, 2, D(2, 2), W(1, 2, 4, 5));
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_SPLIT, 2, 2, 0);
    in[0] = iota(1, D(3)), in[1] = VEC(2, 2, 1);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(2), W(0, 1));
    check(out[1], IR_F32, 1, D(1), W(2));
    in[0] = iota(1, D(3)), in[1] = VEC(2, 2, 2);
    expect_fail(g, 2, in, IR_ERR_MODEL, "split sizes add up to 4, the axis has 3");
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_SPLIT, 1, 3, 0);
    in[0] = iota(1, D(6));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(2), W(0, 1));
    check(out[1], IR_F32, 1, D(2), W(2, 3));
    check(out[2], IR_F32, 1, D(2), W(4, 5));
    in[0] = iota(1, D(7));
    expect_fail(g, 1, in, IR_ERR_MODEL, "axis of size 7 cannot be split equally into 3 outputs");
    ir_graph_free(g);

    g = graph(18); /* num_outputs: the last chunk is smaller */
    attr_i(g, node(g, IR_OP_SPLIT, 1, 3, 0), "num_outputs", 3);
    in[0] = iota(1, D(7));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(3), W(0, 1, 2));
    check(out[1], IR_F32, 1, D(3), W(3, 4, 5));
    check(out[2], IR_F32, 1, D(1), W(6));
    ir_graph_free(g);

    g = graph(18);
    attr_i(g, node(g, IR_OP_SPLIT, 1, 2, 0), "num_outputs", 3);
    in[0] = iota(1, D(7));
    expect_fail(g, 1, in, IR_ERR_MODEL, "num_outputs is 3 but the node has 2 outputs");
    ir_graph_free(g);
}

/* ---- Gather ---------------------------------------------------------------------- */

static void test_gather(void)
{
    ir_tensor *out[1], *in[2];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_GATHER, 2, 1, 0);
    in[0] = TF(2, D(3, 2), 1, 2, 3, 4, 5, 6), in[1] = VEC(2, -1, 0);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 2), W(5, 6, 1, 2));
    in[0] = TI(1, D(3), 7, 8, 9), in[1] = TI(0, NULL, 1); /* scalar index: DETR's shape[i] */
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_I64, 0, NULL, W(8));
    in[0] = TF(2, D(3, 2), 1, 2, 3, 4, 5, 6), in[1] = VEC(2, 0, 3);
    expect_fail(g, 2, in, IR_ERR_MODEL,
                "index 3 (indices element 1) is out of range for axis 0 of size 3");
    ir_graph_free(g);

    g = graph(13);
    attr_i(g, node(g, IR_OP_GATHER, 2, 1, 0), "axis", 1);
    int32_t idx[4] = {2, 0, 1, 1};
    in[0] = iota(2, D(2, 3)), in[1] = ten(IR_I32, 2, D(2, 2), idx);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 3, D(2, 2, 2), W(2, 0, 1, 1, 5, 3, 4, 4));
    ir_graph_free(g);

    /* the kernel checks indices itself (values seen for the first time) */
    g = graph(13);
    ir_node *n = node(g, IR_OP_GATHER, 2, 1, 0);
    ir_tensor *x = iota(1, D(3)), *ix = VEC(1, -4), *y = ten(IR_F32, 1, D(1), NULL);
    const ir_tensor *kin[2] = {x, ix};
    CU_ASSERT_EQUAL(ir_ref_gather(g, n, kin, &y, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "node 'n0' (Gather): index -4 (indices element 0) is out of range");
    ir_tensor_release(x), ir_tensor_release(ix), ir_tensor_release(y);
    ir_graph_free(g);
}

/* ---- Shape, ConstantOfShape, Constant ----------------------------------------------- */

static void test_shape(void)
{
    ir_tensor *out[1], *in[1];
    ir_diag d;
    ir_graph *g = graph(13);
    ir_node *n = node(g, IR_OP_SHAPE, 1, 1, 0);
    in[0] = iota(3, D(2, 3, 4));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(3), W(2, 3, 4));
    /* the value is a function of the static shape: the hook knows the length */
    ir_operand oi[1] = {opnd(IR_F32, 3, D(-1, 5, 4), NULL)}, oo[1];
    CU_ASSERT_EQUAL(ir_shape_shape(g, n, oi, oo, &d), IR_OK);
    CU_ASSERT_EQUAL(oo[0].dtype, IR_I64);
    CU_ASSERT(shape_is(&oo[0].shape, 1, D(3)));
    CU_ASSERT_PTR_NULL(oo[0].value);
    ir_graph_free(g);

    g = graph(15);
    n = node(g, IR_OP_SHAPE, 1, 1, 0);
    attr_i(g, n, "start", 1);
    attr_i(g, n, "end", -1);
    in[0] = iota(3, D(2, 3, 4));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(1), W(3));
    ir_graph_free(g);

    g = graph(15);
    attr_i(g, node(g, IR_OP_SHAPE, 1, 1, 0), "start", -10);
    in[0] = iota(3, D(2, 3, 4));
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(3), W(2, 3, 4));
    ir_graph_free(g);
}

static void test_constantofshape(void)
{
    ir_tensor *out[1], *in[1];
    ir_diag d;
    ir_graph *g = graph(9);
    node(g, IR_OP_CONSTANTOFSHAPE, 1, 1, 0);
    in[0] = VEC(2, 2, 3);
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 3), W(0, 0, 0, 0, 0, 0));
    in[0] = ten(IR_I64, 1, D(0), NULL); /* empty shape: a scalar */
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 0, NULL, W(0));
    in[0] = VEC(2, 1000000, 1000000);
    expect_fail(g, 1, in, IR_ERR_UNSUPPORTED, "output would have 1000000000000 elements");
    in[0] = VEC(2, 2, -1);
    expect_fail(g, 1, in, IR_ERR_MODEL, "shape[1] is -1, expected >= 0");
    ir_graph_free(g);

    g = graph(12);
    ir_tensor *v = TI(1, D(1), 7);
    attr_t(g, node(g, IR_OP_CONSTANTOFSHAPE, 1, 1, 0), "value", v);
    in[0] = VEC(1, 3);
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(3), W(7, 7, 7));
    ir_tensor_release(v);
    ir_graph_free(g);
}

static void test_constant(void)
{
    ir_tensor *out[1];
    ir_diag d;
    ir_graph *g = graph(13);
    ir_node *n = node(g, IR_OP_CONSTANT, 0, 1, 0);
    ir_tensor *v = TF(1, D(2), 1.5f, -2);
    attr_t(g, n, "value", v);
    ir_operand oo[1];
    CU_ASSERT_EQUAL(ir_shape_constant(g, n, NULL, oo, &d), IR_OK);
    CU_ASSERT_PTR_EQUAL(oo[0].value, v); /* known at inference time */
    CU_ASSERT_EQUAL(run(g, 0, NULL, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(2), W(1.5, -2));
    ir_tensor_release(v);
    ir_graph_free(g);

    g = graph(13);
    attr_ints(g, node(g, IR_OP_CONSTANT, 0, 1, 0), "value_ints", 3, D(3, 4, 5));
    CU_ASSERT_EQUAL(run(g, 0, NULL, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(3), W(3, 4, 5));
    ir_graph_free(g);

    g = graph(13);
    attr_f(g, node(g, IR_OP_CONSTANT, 0, 1, 0), "value_float", 2.5f);
    CU_ASSERT_EQUAL(run(g, 0, NULL, out, &d), IR_OK);
    check(out[0], IR_F32, 0, NULL, W(2.5));
    ir_graph_free(g);

    g = graph(13);
    attr_s(g, node(g, IR_OP_CONSTANT, 0, 1, 0), "value_string", "hello");
    expect_fail(g, 0, NULL, IR_ERR_UNSUPPORTED, "attribute 'value_string' is not supported");
    ir_graph_free(g);

    g = graph(13);
    node(g, IR_OP_CONSTANT, 0, 1, 0);
    expect_fail(g, 0, NULL, IR_ERR_MODEL, "has no value attribute");
    ir_graph_free(g);
}

/* ---- Expand, Tile ---------------------------------------------------------------------- */

static void test_expand(void)
{
    ir_tensor *out[1], *in[2];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_EXPAND, 2, 1, 0);
    in[0] = TF(2, D(3, 1), 1, 2, 3), in[1] = VEC(3, 2, 1, 2);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 3, D(2, 3, 2), W(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3));
    in[0] = TF(2, D(1, 2), 1, 2), in[1] = VEC(1, 1); /* bidirectional: keeps [1,2] */
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(1, 2), W(1, 2));
    in[0] = TF(1, D(1), 1), in[1] = VEC(2, 1000000, 1000000);
    expect_fail(g, 2, in, IR_ERR_UNSUPPORTED, "output would have 1000000000000 elements");
    in[0] = TF(1, D(3), 1, 2, 3), in[1] = VEC(1, 4);
    expect_fail(g, 2, in, IR_ERR_MODEL, "cannot be broadcast");
    ir_graph_free(g);
}

static void test_tile(void)
{
    ir_tensor *out[1], *in[2];
    ir_diag d;
    ir_graph *g = graph(13);
    node(g, IR_OP_TILE, 2, 1, 0);
    int32_t v[4] = {1, 2, 3, 4};
    in[0] = ten(IR_I32, 2, D(2, 2), v), in[1] = VEC(2, 1, 2);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_I32, 2, D(2, 4), W(1, 2, 1, 2, 3, 4, 3, 4));
    in[0] = ten(IR_I32, 2, D(2, 2), v), in[1] = VEC(2, 2, 1);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_I32, 2, D(4, 2), W(1, 2, 3, 4, 1, 2, 3, 4));
    in[0] = TF(2, D(1, 1), 1), in[1] = VEC(2, 1000000, 1000000);
    expect_fail(g, 2, in, IR_ERR_UNSUPPORTED, "output would have 1000000000000 elements");
    in[0] = TF(2, D(1, 1), 1), in[1] = VEC(2, 1, -1);
    expect_fail(g, 2, in, IR_ERR_MODEL, "repeats[1] is -1, expected >= 0");
    in[0] = TF(2, D(1, 1), 1), in[1] = VEC(1, 2);
    expect_fail(g, 2, in, IR_ERR_MODEL, "repeats has 1 entries, expected 2");
    ir_graph_free(g);
}

/* ---- Pad -------------------------------------------------------------------------------- */

static void test_pad(void)
{
    ir_tensor *out[1], *in[4];
    ir_diag d;
    ir_graph *g = graph(11); /* DETR's Pad-11: pads and constant_value inputs */
    node(g, IR_OP_PAD, 3, 1, 0);
    in[0] = TF(2, D(2, 2), 1, 2, 3, 4), in[1] = VEC(4, 0, 1, 1, 0), in[2] = TF(0, NULL, 9);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(3, 3), W(9, 1, 2, 9, 3, 4, 9, 9, 9));
    in[0] = TF(1, D(4), 1, 2, 3, 4), in[1] = VEC(2, -1, 1), in[2] = ten(IR_F32, 1, D(0), NULL);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK); /* negative pads crop */
    check(out[0], IR_F32, 1, D(4), W(2, 3, 4, 0));
    in[0] = TF(1, D(2), 1, 2), in[1] = VEC(2, -2, -1), in[2] = TF(0, NULL, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "crop more than the 2 elements of axis 0");
    in[0] = TF(1, D(2), 1, 2), in[1] = VEC(4, 1, 1, 1, 1), in[2] = TF(0, NULL, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "pads have 4 entries, expected 2 (2 per axis)");
    in[0] = TF(1, D(2), 1, 2), in[1] = VEC(2, 1, 1), in[2] = TI(0, NULL, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "constant_value has type int64, the data float32");
    ir_graph_free(g);
}

static void test_pad_modes(void)
{
    ir_tensor *out[1], *in[4];
    ir_diag d;
    ir_graph *g;
    static const struct {
        const char *mode;
        double want[7];
    } modes[] = {{"reflect", {3, 2, 1, 2, 3, 4, 3}}, {"edge", {1, 1, 1, 2, 3, 4, 4}}};
    for (int i = 0; i < 2; i++) {
        g = graph(13);
        attr_s(g, node(g, IR_OP_PAD, 2, 1, 0), "mode", modes[i].mode);
        int64_t v[4] = {1, 2, 3, 4};
        in[0] = ten(IR_I64, 2, D(1, 4), v), in[1] = VEC(4, 0, 2, 0, 1);
        CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
        check(out[0], IR_I64, 2, D(1, 7), modes[i].want);
        ir_graph_free(g);
    }

    g = graph(2); /* attributes */
    ir_node *n = node(g, IR_OP_PAD, 1, 1, 0);
    attr_ints(g, n, "pads", 2, D(1, 1));
    attr_f(g, n, "value", 7);
    in[0] = TF(1, D(2), 5, 6);
    CU_ASSERT_EQUAL(run(g, 1, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(4), W(7, 5, 6, 7));
    ir_graph_free(g);

    g = graph(19);
    attr_s(g, node(g, IR_OP_PAD, 2, 1, 0), "mode", "wrap");
    in[0] = TF(2, D(1, 3), 1, 2, 3), in[1] = VEC(4, 0, 2, 0, 2);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(1, 7), W(2, 3, 1, 2, 3, 1, 2));
    ir_graph_free(g);

    g = graph(13);
    attr_s(g, node(g, IR_OP_PAD, 2, 1, 0), "mode", "wrap");
    in[0] = TF(1, D(3), 1, 2, 3), in[1] = VEC(2, 1, 1);
    expect_fail(g, 2, in, IR_ERR_MODEL, "mode 'wrap' needs opset 19");
    ir_graph_free(g);

    g = graph(18); /* axes input, constant_value omitted */
    node(g, IR_OP_PAD, 4, 1, 1u << 2);
    in[0] = TF(2, D(2, 2), 1, 2, 3, 4), in[1] = VEC(2, 1, 1), in[2] = NULL, in[3] = VEC(1, -1);
    CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(2, 4), W(0, 1, 2, 0, 0, 3, 4, 0));
    ir_graph_free(g);
}

/* ---- Resize ------------------------------------------------------------------------------ */

/* PyTorch's F.interpolate(mode='nearest', size=...) at opset 11/12:
 * Resize(x, roi=[], scales=[], sizes) asymmetric + floor. */
static void test_resize_nearest_detr(void)
{
    static const double up[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    ir_tensor *out[1], *in[4];
    ir_diag d;
    for (int64_t opset = 11; opset <= 13; opset++) {
        ir_graph *g = graph(opset);
        ir_node *n = node(g, IR_OP_RESIZE, 4, 1, 0);
        attr_s(g, n, "coordinate_transformation_mode", "asymmetric");
        attr_s(g, n, "mode", "nearest");
        attr_s(g, n, "nearest_mode", "floor");
        attr_f(g, n, "cubic_coeff_a", -0.75f);
        in[0] = TF(4, D(1, 1, 2, 2), 1, 2, 3, 4), in[1] = ten(IR_F32, 1, D(0), NULL);
        in[2] = ten(IR_F32, 1, D(0), NULL), in[3] = VEC(4, 1, 1, 4, 4);
        CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
        check(out[0], IR_F32, 4, D(1, 1, 4, 4), up);
        /* scales instead of sizes, on int64 data */
        in[0] = TI(4, D(1, 1, 2, 2), 1, 2, 3, 4), in[1] = ten(IR_F32, 1, D(0), NULL);
        in[2] = TF(1, D(4), 1, 1, 2, 2), in[3] = ten(IR_I64, 1, D(0), NULL);
        CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
        check(out[0], IR_I64, 4, D(1, 1, 4, 4), up);
        ir_graph_free(g);
    }
    ir_graph *g = graph(10); /* Resize-10: X, scales */
    node(g, IR_OP_RESIZE, 2, 1, 0);
    in[0] = TF(4, D(1, 1, 2, 2), 1, 2, 3, 4), in[1] = TF(1, D(4), 1, 1, 2, 2);
    CU_ASSERT_EQUAL(run(g, 2, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 1, 4, 4), up);
    ir_graph_free(g);
}

static void test_resize_linear(void)
{
    ir_tensor *out[1], *in[4];
    ir_diag d;
    ir_graph *g = graph(13); /* half_pixel bilinear, roi and scales omitted */
    attr_s(g, node(g, IR_OP_RESIZE, 4, 1, 3u << 1), "mode", "linear");
    in[0] = TF(4, D(1, 1, 2, 2), 1, 2, 3, 4), in[1] = in[2] = NULL, in[3] = VEC(4, 1, 1, 4, 4);
    CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 1, 4, 4),
          W(1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4));
    ir_graph_free(g);

    g = graph(11);
    ir_node *n = node(g, IR_OP_RESIZE, 4, 1, 0);
    attr_s(g, n, "mode", "linear");
    attr_s(g, n, "coordinate_transformation_mode", "align_corners");
    in[0] = TF(4, D(1, 1, 1, 2), 1, 3), in[1] = ten(IR_F32, 1, D(0), NULL);
    in[2] = ten(IR_F32, 1, D(0), NULL), in[3] = VEC(4, 1, 1, 1, 3);
    CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 1, 1, 3), W(1, 2, 3));
    ir_graph_free(g);

    /* Resize-11 with roi: tf_crop_and_resize, a point past the box extrapolates */
    g = graph(11);
    n = node(g, IR_OP_RESIZE, 4, 1, 0);
    attr_s(g, n, "mode", "linear");
    attr_s(g, n, "coordinate_transformation_mode", "tf_crop_and_resize");
    attr_f(g, n, "extrapolation_value", 10);
    in[0] = TF(4, D(1, 1, 1, 4), 1, 2, 3, 4), in[1] = TF(1, D(8), 0, 0, 0, 0.25f, 1, 1, 1, 1.25f);
    in[2] = ten(IR_F32, 1, D(0), NULL), in[3] = VEC(4, 1, 1, 1, 3);
    CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 1, 1, 3), W(1.75, 3.25, 10));
    in[0] = TF(4, D(1, 1, 1, 4), 1, 2, 3, 4), in[1] = ten(IR_F32, 1, D(0), NULL);
    in[2] = ten(IR_F32, 1, D(0), NULL), in[3] = VEC(4, 1, 1, 1, 3);
    expect_fail(g, 4, in, IR_ERR_MODEL, "tf_crop_and_resize needs input 1 (roi)");
    ir_graph_free(g);

    /* opset 18: axes and antialias (the filter is stretched by 1/scale) */
    g = graph(18);
    n = node(g, IR_OP_RESIZE, 4, 1, 3u << 1);
    attr_s(g, n, "mode", "linear");
    attr_i(g, n, "antialias", 1);
    attr_ints(g, n, "axes", 1, D(3));
    in[0] = TF(4, D(1, 1, 1, 4), 1, 2, 3, 4), in[1] = in[2] = NULL, in[3] = VEC(1, 2);
    CU_ASSERT_EQUAL(run(g, 4, in, out, &d), IR_OK);
    check(out[0], IR_F32, 4, D(1, 1, 1, 2), W(1.625, 3.375));
    ir_graph_free(g);

    g = graph(13); /* cubic keeps a constant constant */
    attr_s(g, node(g, IR_OP_RESIZE, 3, 1, 1u << 1), "mode", "cubic");
    in[0] = TF(2, D(2, 2), 5, 5, 5, 5), in[1] = NULL, in[2] = TF(1, D(2), 1.5f, 2);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_F32, 2, D(3, 4), W(5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5));
    ir_graph_free(g);
}

static void test_resize_errors(void)
{
    ir_tensor *in[4];
    ir_diag d;
    ir_graph *g = graph(13);
    attr_s(g, node(g, IR_OP_RESIZE, 4, 1, 1u << 1), "mode", "linear");
    in[0] = TF(2, D(2, 2), 1, 2, 3, 4), in[1] = NULL, in[2] = TF(1, D(2), 2, 2);
    in[3] = VEC(2, 4, 4);
    expect_fail(g, 4, in, IR_ERR_MODEL, "has both scales and sizes");
    in[0] = ten(IR_I32, 2, D(2, 2), NULL), in[1] = NULL, in[2] = TF(1, D(2), 2, 2);
    in[3] = ten(IR_I64, 1, D(0), NULL);
    expect_fail(g, 4, in, IR_ERR_UNSUPPORTED, "mode 'linear' on int32 data");
    in[0] = TF(2, D(2, 2), 1, 2, 3, 4), in[1] = NULL, in[2] = TF(1, D(2), 2, 0);
    in[3] = ten(IR_I64, 1, D(0), NULL);
    expect_fail(g, 4, in, IR_ERR_MODEL, "scales[1] is 0, expected > 0");
    in[0] = TF(2, D(1, 1), 1), in[1] = NULL, in[2] = TF(1, D(2), 1e6f, 1e6f);
    in[3] = ten(IR_I64, 1, D(0), NULL);
    expect_fail(g, 4, in, IR_ERR_UNSUPPORTED, "output would have 1000000000000 elements");
    ir_graph_free(g);

    g = graph(13);
    attr_s(g, node(g, IR_OP_RESIZE, 3, 1, 1u << 1), "mode", "bicubic");
    in[0] = TF(2, D(2, 2), 1, 2, 3, 4), in[1] = NULL, in[2] = TF(1, D(2), 2, 2);
    expect_fail(g, 3, in, IR_ERR_UNSUPPORTED, "mode 'bicubic' is not supported");
    ir_graph_free(g);

    /* keep_aspect_ratio_policy (shape only, from the hook) */
    g = graph(18);
    ir_node *n = node(g, IR_OP_RESIZE, 4, 1, 3u << 1);
    attr_s(g, n, "keep_aspect_ratio_policy", "not_smaller");
    attr_ints(g, n, "axes", 2, D(2, 3));
    ir_tensor *sizes = VEC(2, 6, 6);
    ir_operand oi[4] = {opnd(IR_F32, 4, D(1, 1, 3, 5), NULL), opnd(IR_UNDEF, -1, NULL, NULL),
                        opnd(IR_UNDEF, -1, NULL, NULL), opnd(IR_I64, 1, D(2), sizes)};
    ir_operand oo[1];
    CU_ASSERT_EQUAL(ir_shape_resize(g, n, oi, oo, &d), IR_OK);
    CU_ASSERT(shape_is(&oo[0].shape, 4, D(1, 1, 6, 10)));
    oi[3].value = NULL; /* sizes unknown: only the resized axes are unknown */
    CU_ASSERT_EQUAL(ir_shape_resize(g, n, oi, oo, &d), IR_OK);
    CU_ASSERT(shape_is(&oo[0].shape, 4, D(1, 1, -1, -1)));
    ir_tensor_release(sizes);
    ir_graph_free(g);
}

/* ---- Range ------------------------------------------------------------------------------ */

static void test_range(void)
{
    ir_tensor *out[1], *in[3];
    ir_diag d;
    ir_graph *g = graph(11);
    node(g, IR_OP_RANGE, 3, 1, 0);
    int32_t a[3] = {10, 4, -3};
    in[0] = ten(IR_I32, 0, NULL, a), in[1] = ten(IR_I32, 0, NULL, a + 1);
    in[2] = ten(IR_I32, 0, NULL, a + 2);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_I32, 1, D(2), W(10, 7));
    in[0] = TF(0, NULL, 1), in[1] = TF(0, NULL, 5), in[2] = TF(0, NULL, 2);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_F32, 1, D(2), W(1, 3));
    in[0] = TI(0, NULL, 5), in[1] = TI(0, NULL, 0), in[2] = TI(0, NULL, 1);
    CU_ASSERT_EQUAL(run(g, 3, in, out, &d), IR_OK);
    check(out[0], IR_I64, 1, D(0), NULL);
    in[0] = TI(0, NULL, 0), in[1] = TI(0, NULL, 5), in[2] = TI(0, NULL, 0);
    expect_fail(g, 3, in, IR_ERR_MODEL, "delta is 0");
    in[0] = TI(0, NULL, INT64_MIN), in[1] = TI(0, NULL, INT64_MAX), in[2] = TI(0, NULL, 1);
    expect_fail(g, 3, in, IR_ERR_UNSUPPORTED, "more than 2^31");
    in[0] = TI(0, NULL, 0), in[1] = TF(0, NULL, 5), in[2] = TI(0, NULL, 1);
    expect_fail(g, 3, in, IR_ERR_MODEL, "input 1 has type float32, input 0 has int64");
    ir_graph_free(g);
}

int main(void)
{
    static const tu_case cases[] = {{"reshape", test_reshape},
                                    {"reshape_infer", test_reshape_infer},
                                    {"flatten", test_flatten},
                                    {"transpose", test_transpose},
                                    {"unsqueeze", test_unsqueeze},
                                    {"squeeze", test_squeeze},
                                    {"concat", test_concat},
                                    {"slice", test_slice},
                                    {"slice_infer", test_slice_infer},
                                    {"split", test_split},
                                    {"gather", test_gather},
                                    {"shape", test_shape},
                                    {"constantofshape", test_constantofshape},
                                    {"constant", test_constant},
                                    {"expand", test_expand},
                                    {"tile", test_tile},
                                    {"pad", test_pad},
                                    {"pad_modes", test_pad_modes},
                                    {"resize_nearest_detr", test_resize_nearest_detr},
                                    {"resize_linear", test_resize_linear},
                                    {"resize_errors", test_resize_errors},
                                    {"range", test_range},
                                    {NULL, NULL}};
    return tu_run("ref_movement", cases);
}
