/* test_ir.c - the IR core: arena, op table, shapes, graph building,
 * topological sorting, the verifier, the supported-op check and the printer. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "kernels.h"
#include "testutil.h"

static void test_arena(void)
{
    ir_arena *a = ir_arena_new();
    char *p = ir_arena_alloc(a, 10, 8);
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_EQUAL((uintptr_t)p % 8, 0);
    void *big = ir_arena_alloc(a, 1 << 20, 64);
    CU_ASSERT_PTR_NOT_NULL(big);
    CU_ASSERT_EQUAL((uintptr_t)big % 64, 0);
    void *q = ir_arena_alloc(a, 100, 256);
    CU_ASSERT_EQUAL((uintptr_t)q % 256, 0);
    CU_ASSERT_PTR_NULL(ir_arena_alloc(a, 8, 3)); /* not a power of two */
    CU_ASSERT_STRING_EQUAL(ir_arena_strdup(a, "abc"), "abc");
    ir_arena_set_budget(a, ir_arena_used(a) + 1000);
    CU_ASSERT_PTR_NULL(ir_arena_alloc(a, 1 << 20, 8));
    CU_ASSERT_PTR_NULL(ir_arena_alloc(a, SIZE_MAX - 10, 8));
    ir_arena_free(a);
}

static void test_op_table(void)
{
    CU_ASSERT_EQUAL(ir_op_lookup("", "Conv"), IR_OP_CONV);
    CU_ASSERT_EQUAL(ir_op_lookup("ai.onnx", "Conv"), IR_OP_CONV);
    CU_ASSERT_EQUAL(ir_op_lookup("com.example", "Conv"), IR_OP_UNKNOWN);
    CU_ASSERT_EQUAL(ir_op_lookup("", "NoSuchOp"), IR_OP_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(ir_op_name(IR_OP_LAYERNORM), "LayerNormalization");
    CU_ASSERT_EQUAL(ir_op_table[IR_OP_LAYERNORM].since, 17);
    /* every op name unique within its domain */
    for (int i = 0; i < IR_OP_COUNT; i++)
        CU_ASSERT_EQUAL(ir_op_lookup(ir_op_table[i].domain, ir_op_table[i].name), (ir_op)i);
}

static void test_shapes_dtypes(void)
{
    ir_shape s = {3, {2, 3, 4}};
    CU_ASSERT_EQUAL(ir_shape_numel(&s), 24);
    s.dims[1] = -1;
    CU_ASSERT_EQUAL(ir_shape_numel(&s), -1);
    CU_ASSERT_FALSE(ir_shape_static(&s));
    ir_shape huge = {3, {1LL << 40, 1LL << 40, 1LL << 40}};
    CU_ASSERT_EQUAL(ir_shape_numel(&huge), -1);
    char buf[64];
    ir_shape sym = {2, {-1, 5}, {"batch", NULL}};
    ir_shape_format(&sym, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "[batch,5]");
    ir_shape unk = {-1};
    ir_shape_format(&unk, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "[?]");
    CU_ASSERT_EQUAL(ir_dtype_size(IR_BF16), 2);
    CU_ASSERT_EQUAL(ir_dtype_size(IR_STRING), 0);
    CU_ASSERT_EQUAL(ir_dtype_from_short("i64"), IR_I64);
    CU_ASSERT_STRING_EQUAL(ir_dtype_name(IR_BOOL), "bool");
    uint64_t r;
    CU_ASSERT_FALSE(ir_mul_overflow_u64(1ULL << 33, 1ULL << 33, &r));
    CU_ASSERT_EQUAL(ir_f32_to_f16(1.0f), 0x3c00);
    CU_ASSERT_EQUAL(ir_f16_to_f32(0xc000), -2.0f);
    CU_ASSERT_EQUAL(ir_f32_to_bf16(1.0f), 0x3f80);
}

static void test_quote(void)
{
    CU_ASSERT_STRING_EQUAL(ir_q("a\x1b[31m%n"), "a\\x1b[31m%n");
    char long_name[300];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[299] = 0;
    CU_ASSERT_EQUAL(strlen(ir_q(long_name)), 99); /* 96 + "..." */
}

/* a -> Relu -> b -> Neg -> c, built in the given node order. */
static ir_graph *chain(bool reversed)
{
    ir_graph *g = ir_graph_new();
    ir_shape s = {2, {2, 3}};
    int32_t a = ir_graph_add_value(g, "a", IR_F32, &s);
    int32_t b = ir_graph_add_value(g, "b", IR_F32, NULL);
    int32_t c = ir_graph_add_value(g, "c", IR_F32, NULL);
    ir_graph_add_input(g, a);
    if (reversed) {
        ir_graph_add_node(g, IR_OP_NEG, "neg", &b, 1, &c, 1);
        ir_graph_add_node(g, IR_OP_RELU, "relu", &a, 1, &b, 1);
    } else {
        ir_graph_add_node(g, IR_OP_RELU, "relu", &a, 1, &b, 1);
        ir_graph_add_node(g, IR_OP_NEG, "neg", &b, 1, &c, 1);
    }
    ir_graph_add_output(g, c);
    return g;
}

static void test_toposort(void)
{
    ir_diag d = {0};
    ir_graph *g = chain(true);
    CU_ASSERT_NOT_EQUAL(ir_verify(g, &d), IR_OK);
    TU_ASSERT_CONTAINS(d.msg, "used before it is defined");
    CU_ASSERT_EQUAL(ir_toposort(g, &d), IR_OK);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].name, "relu");
    CU_ASSERT_EQUAL(g->values[2].producer, 1);
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
    ir_graph_free(g);

    /* stability: a sorted graph keeps its order */
    g = chain(false);
    CU_ASSERT_EQUAL(ir_toposort(g, &d), IR_OK);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].name, "relu");
    ir_graph_free(g);
}

static void test_cycle_and_twice(void)
{
    ir_diag d = {0};
    ir_graph *g = ir_graph_new();
    int32_t x = ir_graph_add_value(g, "x", IR_F32, NULL);
    int32_t y = ir_graph_add_value(g, "y", IR_F32, NULL);
    ir_graph_add_node(g, IR_OP_RELU, "r1", &x, 1, &y, 1);
    ir_graph_add_node(g, IR_OP_RELU, "r2", &y, 1, &x, 1);
    ir_graph_add_output(g, y);
    CU_ASSERT_EQUAL(ir_toposort(g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "cycle");
    TU_ASSERT_CONTAINS(d.msg, "(Relu)");
    ir_graph_free(g);

    g = ir_graph_new();
    x = ir_graph_add_value(g, "x", IR_F32, NULL);
    y = ir_graph_add_value(g, "y", IR_F32, NULL);
    ir_graph_add_input(g, x);
    ir_graph_add_node(g, IR_OP_RELU, "first", &x, 1, &y, 1);
    ir_graph_add_node(g, IR_OP_NEG, "second", &x, 1, &y, 1);
    ir_graph_add_output(g, y);
    CU_ASSERT_EQUAL(ir_toposort(g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "value 'y' is produced twice: by node 'first' (Relu) and by node 'second' (Neg)");
    ir_graph_free(g);

    g = ir_graph_new();
    x = ir_graph_add_value(g, "ghost", IR_F32, NULL);
    y = ir_graph_add_value(g, "y", IR_F32, NULL);
    ir_graph_add_node(g, IR_OP_RELU, "", &x, 1, &y, 1);
    ir_graph_add_output(g, y);
    CU_ASSERT_EQUAL(ir_toposort(g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "node #0 (Relu): input 0 'ghost' is not defined");
    ir_graph_free(g);
}

static void test_arity_and_supported(void)
{
    ir_diag d = {0};
    ir_graph *g = ir_graph_new();
    g->opset = 12;
    int32_t x = ir_graph_add_value(g, "x", IR_F32, NULL);
    int32_t y = ir_graph_add_value(g, "y", IR_F32, NULL);
    ir_graph_add_input(g, x);
    int32_t two[2] = {x, x};
    ir_graph_add_node(g, IR_OP_RELU, "r", two, 2, &y, 1);
    ir_graph_add_output(g, y);
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "node 'r' (Relu): has 2 inputs, expected 1 to 1");
    g->nodes[0].n_inputs = 1;
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
    /* LayerNormalization needs opset 17 */
    g->nodes[0].op = IR_OP_LAYERNORM;
    g->nodes[0].op_type = "LayerNormalization";
    CU_ASSERT_EQUAL(ir_check_supported(g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "exists from opset 17");
    /* unknown ops are listed all at once */
    int32_t z = ir_graph_add_value(g, "z", IR_F32, NULL), w = ir_graph_add_value(g, "w", IR_F32, NULL);
    int32_t n1 = ir_graph_add_node(g, IR_OP_UNKNOWN, "f1", &y, 1, &z, 1);
    int32_t n2 = ir_graph_add_node(g, IR_OP_UNKNOWN, "f2", &z, 1, &w, 1);
    g->nodes[n1].op_type = "Foo";
    g->nodes[n2].op_type = "Bar";
    g->nodes[n2].domain = "com.x";
    CU_ASSERT_EQUAL(ir_check_supported(g, &d), IR_ERR_UNSUPPORTED);
    TU_ASSERT_CONTAINS(d.msg, "2 unsupported ops in 2 nodes");
    TU_ASSERT_CONTAINS(d.msg, "Foo (1 node, first node 'f1' (Foo))");
    TU_ASSERT_CONTAINS(d.msg, "com.x.Bar");
    ir_graph_free(g);
}

static void test_print(void)
{
    ir_graph *g = chain(false);
    ir_node *n = &g->nodes[0];
    ir_attr *a = ir_node_add_attr(g, n, "perm", IR_ATTR_INTS);
    static int64_t perm[] = {1, 0};
    a->ints = perm;
    a->n = 2;
    ir_attr *f = ir_node_add_attr(g, n, "alpha", IR_ATTR_FLOAT);
    f->f = 0.5f;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ir_print(g, out, 0);
    fclose(out);
    TU_ASSERT_CONTAINS(buf, "input  %a : f32[2,3]");
    TU_ASSERT_CONTAINS(buf, "%b : f32[?] = Relu(%a) {perm=[1,0], alpha=0.5}  # relu");
    TU_ASSERT_CONTAINS(buf, "output %c : f32[?]");
    free(buf);
    CU_ASSERT_EQUAL(ir_attr_int(n, "missing", 7), 7);
    CU_ASSERT_EQUAL(ir_attr_float(n, "alpha", 0), 0.5f);
    const int64_t *ints;
    CU_ASSERT_EQUAL(ir_attr_ints(n, "perm", &ints), 2);
    ir_graph_free(g);
}

static void test_broadcast(void)
{
    ir_diag d = {0};
    ir_shape a = {2, {4, 1}}, b = {1, {3}}, out;
    const ir_shape *s[2] = {&a, &b};
    CU_ASSERT_EQUAL(ir_broadcast_shapes(NULL, s, 2, &out, &d), IR_OK);
    CU_ASSERT_EQUAL(out.rank, 2);
    CU_ASSERT_EQUAL(out.dims[0], 4);
    CU_ASSERT_EQUAL(out.dims[1], 3);
    int64_t st[2];
    ir_broadcast_strides(&a, &out, st);
    CU_ASSERT_EQUAL(st[0], 1);
    CU_ASSERT_EQUAL(st[1], 0);
    ir_shape c = {1, {5}};
    s[1] = &c;
    CU_ASSERT_EQUAL(ir_broadcast_shapes(NULL, s, 2, &out, &d), IR_OK); /* 4x1 with 5 -> 4x5 */
    ir_shape e = {2, {4, 2}};
    s[0] = &e;
    CU_ASSERT_EQUAL(ir_broadcast_shapes(NULL, s, 2, &out, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "cannot be broadcast");
}

int main(void)
{
    static const tu_case cases[] = {
        {"arena", test_arena},
        {"op_table", test_op_table},
        {"shapes_dtypes", test_shapes_dtypes},
        {"quote", test_quote},
        {"toposort", test_toposort},
        {"cycle_and_twice", test_cycle_and_twice},
        {"arity_and_supported", test_arity_and_supported},
        {"print", test_print},
        {"broadcast", test_broadcast},
        {NULL, NULL},
    };
    return tu_run("ir", cases);
}
