/* test_frontend.c - the ONNX loader on purpose-built models.
 *
 * Every malformed, hostile or unsupported model that tests/models/gen_bad.py
 * writes must be refused with the exact status and a message naming the
 * tensor, node or byte offset, printed safely (no raw control bytes from
 * model strings). Every good model must load with exact dtypes, shapes,
 * values and attributes, weights viewed in the file mapping when aligned
 * and copied when not. The libonnx-testdata corpus, mutations and the
 * load-time/peak-memory check are in test_frontend_corpus.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend.h"
#include "kernels.h"
#include "testutil.h"

#define BAD_DIR ONNXC_BUILD_DIR "/models/bad"
#define SMALL_DIR ONNXC_BUILD_DIR "/models/small"

#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct {
    const char *file;
    ir_status status;
    const char *msg[3]; /* substrings the message must contain */
} bad_case;

static const bad_case bad_cases[] = {
    {"truncated.onnx", IR_ERR_MODEL, {"byte 12: length 94 runs past the end", "(in ModelProto)"}},
    {"random.onnx", IR_ERR_MODEL, {"byte 10: unsupported wire type 3"}},
    {"empty.onnx", IR_ERR_MODEL, {"ir_version is missing"}},
    {"deep.onnx", IR_ERR_MODEL,
     {"byte 963: message nesting deeper than 100",
      "ModelProto > GraphProto > NodeProto > AttributeProto > GraphProto > ..."}},
    {"budget.onnx", IR_ERR_NOMEM,
     {"byte 3811885: unpacking would allocate more than 396435632 bytes", "ModelProto > GraphProto"}},
    {"graph_twice.onnx", IR_ERR_UNSUPPORTED, {"byte 16: message field ModelProto.graph (field 7) appears twice"}},
    {"wire_type.onnx", IR_ERR_MODEL, {"byte 0: wrong wire type for ModelProto.ir_version (field 1)"}},
    {"len_2g.onnx", IR_ERR_MODEL, {"byte 7: length prefix above protobuf's 2 GiB limit"}},
    {"long_varint.onnx", IR_ERR_MODEL, {"byte 1: varint longer than 10 bytes"}},
    {"field_zero.onnx", IR_ERR_MODEL, {"byte 6: field number 0"}},
    {"group.onnx", IR_ERR_MODEL, {"byte 6: unsupported wire type 3 in field 9"}},
    {"no_graph.onnx", IR_ERR_MODEL, {"the model has no graph"}},
    {"raw_size.onnx", IR_ERR_MODEL,
     {"initializer 'W': raw data has 20 bytes, but dims [2,3] of float32 need 24"}},
    {"neg_dim.onnx", IR_ERR_MODEL, {"initializer 'N': dim 1 is -3"}},
    {"overflow.onnx", IR_ERR_MODEL,
     {"initializer 'O': the byte size of dims [1099511627776,1099511627776] of float32 overflows 64 bits"}},
    {"string_tensor.onnx", IR_ERR_UNSUPPORTED, {"initializer 'S' is a string tensor"}},
    {"rank9.onnx", IR_ERR_UNSUPPORTED, {"initializer 'R' has 9 dims; onnxc supports at most 8"}},
    {"float_count.onnx", IR_ERR_MODEL, {"initializer 'F': float_data has 5 elements, but dims [2,3] need 6"}},
    {"int64_for_float.onnx", IR_ERR_MODEL, {"initializer 'I': int64_data cannot hold elements of type float32"}},
    {"no_data.onnx", IR_ERR_MODEL, {"initializer 'E' has no data, but dims [3] need 3 elements"}},
    {"complex.onnx", IR_ERR_UNSUPPORTED, {"initializer 'C' has data type 14 (complex64)"}},
    {"undefined_input.onnx", IR_ERR_MODEL, {"node 'add0' (Add): input 1 'nowhere' is not defined"}},
    {"unnamed_undefined.onnx", IR_ERR_MODEL, {"node #1 (Relu): input 0 'q' is not defined"}},
    {"produced_twice.onnx", IR_ERR_MODEL,
     {"value 'y' is produced twice: by node 'r1' (Relu) and by node 'r2' (Relu)"}},
    {"cycle.onnx", IR_ERR_MODEL, {"cycle", "node 'ca' (Add)"}},
    {"unknown_ops.onnx", IR_ERR_UNSUPPORTED,
     {"3 unsupported ops in 4 nodes", "FooOp (1 node, first node 'n1' (FooOp)), BarOp (2 nodes",
      "com.evil.Baz (1 node, first node 'n4' (Baz))"}},
    {"opset99.onnx", IR_ERR_UNSUPPORTED,
     {"ai.onnx opset 99, newer than onnxc supports (opsets " STR(ONNX_OPSET_MIN) " to " STR(ONNX_OPSET_MAX) ")"}},
    {"irv99.onnx", IR_ERR_UNSUPPORTED,
     {"ir_version 99 is not supported (onnxc supports " STR(ONNX_IR_VERSION_MIN) " to " STR(ONNX_IR_VERSION_MAX) ")"}},
    {"no_opset.onnx", IR_ERR_MODEL, {"node 'id' (Identity) uses the ai.onnx domain, but the model imports no ai.onnx opset"}},
    {"output_missing.onnx", IR_ERR_MODEL, {"graph output 'zz' is not produced by any node"}},
    {"sequence_input.onnx", IR_ERR_UNSUPPORTED, {"graph input 's' is a sequence"}},
    {"wrong_attr_type.onnx", IR_ERR_MODEL,
     {"node 'tr' (Transpose): wrong attribute type for 'perm': declared FLOAT but the INTS field is set"}},
    {"missing_attr_type.onnx", IR_ERR_MODEL, {"node 'tr' (Transpose): wrong attribute type for 'perm': the type is missing"}},
    {"graph_attr_known_op.onnx", IR_ERR_UNSUPPORTED, {"node 'r' (Relu): attribute 'body' is a subgraph (GRAPH)"}},
    {"if_op.onnx", IR_ERR_UNSUPPORTED, {"1 unsupported op in 1 node: If (1 node, first node 'branch' (If))"}},
    {"good_attrs.onnx", IR_ERR_UNSUPPORTED, {"my.domain.MyOp (1 node, first node 'custom' (MyOp))"}},
    {"evil_names.onnx", IR_ERR_MODEL,
     {"node '\\x1b[31m%n%x' (Relu): input 0 '%n%s%s\\x1b[2J\\x1b]0;pwned\\x07' is not defined"}},
    {"ext_dotdot/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data location '../w.bin' has a '..' component"}},
    {"ext_abs/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data location '/etc/passwd' is an absolute path"}},
    {"ext_symlink/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data 'link.bin' goes through a symbolic link"}},
    {"ext_symdir/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data 'sub/w.bin' goes through a symbolic link"}},
    {"ext_past_end/model.onnx", IR_ERR_MODEL,
     {"initializer 'W': external data offset 48 + length 24 is past the end of 'w.bin' (64 bytes)"}},
    {"ext_offset_overflow/model.onnx", IR_ERR_MODEL,
     {"initializer 'W': external data offset 18446744073709551615 + length 24 is past the end of 'w.bin'"}},
    {"ext_offset_nan/model.onnx", IR_ERR_MODEL,
     {"initializer 'W': external data offset '18446744073709551616' is not a number below 2^64"}},
    {"ext_length/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data length is 20 bytes, but its dims and type need 24"}},
    {"ext_missing/model.onnx", IR_ERR_IO, {"initializer 'W': external data file 'nothere.bin' not found"}},
    {"ext_fifo/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data 'fifo' is a FIFO, not a regular file"}},
    {"ext_dir/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data 'adir' is a directory, not a regular file"}},
    {"ext_hardlink/model.onnx", IR_ERR_MODEL, {"initializer 'W': external data 'w.bin' has 2 hard links"}},
};

/* Messages carry model strings escaped: printable ASCII only. */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

static ir_status load(const char *file, const onnx_load_opts *o, ir_graph **g, ir_diag *d)
{
    memset(d, 0, sizeof *d);
    return onnx_load_file(tu_path("%s/%s", BAD_DIR, file), o, g, d);
}

static void test_bad_models(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        ir_graph *g = (ir_graph *)1;
        ir_diag d;
        ir_status st = load(c->file, NULL, &g, &d);
        if (st != c->status)
            fprintf(stderr, "\n  %s: status %s, expected %s: %s", c->file, ir_status_name(st),
                    ir_status_name(c->status), d.msg);
        CU_ASSERT_EQUAL(st, c->status);
        CU_ASSERT_PTR_NULL(g);
        CU_ASSERT(d.msg[0] != 0 && printable(d.msg));
        for (int k = 0; k < 3 && c->msg[k]; k++)
            TU_ASSERT_CONTAINS(d.msg, c->msg[k]);
    }
}

static void test_options(void)
{
    ir_graph *g;
    ir_diag d;
    onnx_load_opts o = {.max_depth = 3};
    CU_ASSERT_EQUAL(load("good_attrs.onnx", &o, &g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "message nesting deeper than 3 (in ModelProto > GraphProto > NodeProto)");
    o = (onnx_load_opts){.alloc_budget = 4000};
    CU_ASSERT_EQUAL(load("good_forms.onnx", &o, &g, &d), IR_ERR_NOMEM);
    TU_ASSERT_CONTAINS(d.msg, "more than 4000 bytes, the budget for this model");
    o = (onnx_load_opts){.allow_unknown_ops = true};
    CU_ASSERT_EQUAL(load("unknown_ops.onnx", &o, &g, &d), IR_OK);
    if (g) {
        CU_ASSERT_EQUAL(g->n_nodes, 4);
        CU_ASSERT_EQUAL(g->nodes[3].op, IR_OP_UNKNOWN);
        CU_ASSERT_STRING_EQUAL(g->nodes[3].op_type, "Baz");
        CU_ASSERT_STRING_EQUAL(g->nodes[3].domain, "com.evil");
        ir_graph_free(g);
    }
}

static void test_usage_and_io(void)
{
    ir_graph *g = NULL;
    ir_diag d;
    CU_ASSERT_EQUAL(onnx_load_file(NULL, NULL, &g, &d), IR_ERR_USAGE);
    CU_ASSERT_EQUAL(onnx_load_buffer(NULL, 4, NULL, NULL, &g, &d), IR_ERR_USAGE);
    CU_ASSERT_EQUAL(load("does_not_exist.onnx", NULL, &g, &d), IR_ERR_IO);
    TU_ASSERT_CONTAINS(d.msg, "does_not_exist.onnx");
    CU_ASSERT_EQUAL(load("ext_dir", NULL, &g, &d), IR_ERR_IO);
    TU_ASSERT_CONTAINS(d.msg, "is not a regular file");
    CU_ASSERT_EQUAL(load("ext_fifo/fifo", NULL, &g, &d), IR_ERR_IO); /* must not hang */
    TU_ASSERT_CONTAINS(d.msg, "is not a regular file");
    CU_ASSERT_EQUAL(onnx_load_file(tu_path("%s/empty.onnx", BAD_DIR), NULL, &g, NULL), IR_ERR_MODEL);
}

/* ---- good models ------------------------------------------------------ */

static const ir_value *value(const ir_graph *g, const char *name)
{
    int32_t v = ir_graph_find_value(g, name);
    CU_ASSERT(v >= 0);
    if (v < 0)
        fprintf(stderr, "\n  no value '%s'", name);
    return v >= 0 ? &g->values[v] : NULL;
}

/* Checks a constant's dtype, dims and bytes. */
static void check_const(const ir_graph *g, const char *name, ir_dtype dt, int32_t rank,
                        const int64_t *dims, const void *data, size_t nbytes)
{
    const ir_value *v = value(g, name);
    if (!v)
        return;
    CU_ASSERT(v->flags & IR_VALUE_CONST);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v->data);
    CU_ASSERT_EQUAL(v->dtype, dt);
    CU_ASSERT_EQUAL(v->data->dtype, dt);
    CU_ASSERT_EQUAL(v->data->shape.rank, rank);
    for (int32_t i = 0; i < rank; i++)
        CU_ASSERT_EQUAL(v->data->shape.dims[i], dims[i]);
    CU_ASSERT_EQUAL(v->data->nbytes, nbytes);
    bool same = v->data->nbytes == nbytes && (!nbytes || !memcmp(v->data->data, data, nbytes));
    if (!same)
        fprintf(stderr, "\n  constant '%s' differs", name);
    CU_ASSERT(same);
}

#define CHECK(g, name, dt, dims, ...)                                                      \
    do {                                                                               \
        static const int64_t d_[] = dims;                                              \
        check_const(g, name, dt, (int32_t)(sizeof d_ / sizeof d_[0]), d_, __VA_ARGS__, \
                    sizeof(__VA_ARGS__));                                              \
    } while (0)
#define D(...) {__VA_ARGS__}

static void test_good_forms(void)
{
    ir_graph *g;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(load("good_forms.onnx", NULL, &g, &d), IR_OK);
    CU_ASSERT_EQUAL(g->ir_version, 8);
    CU_ASSERT_EQUAL(g->opset, 13);
    CU_ASSERT_STRING_EQUAL(g->producer_name, "gen_bad");
    CU_ASSERT_STRING_EQUAL(g->graph_name, "g");
    CU_ASSERT_EQUAL(g->n_nodes, 1);
    CU_ASSERT_EQUAL(g->nodes[0].op, IR_OP_IDENTITY);
    CU_ASSERT_EQUAL(g->n_inputs, 1);
    CU_ASSERT_STRING_EQUAL(g->values[g->inputs[0]].name, "x");
    CU_ASSERT_STRING_EQUAL(g->values[g->outputs[0]].name, "y");
    CHECK(g, "f_raw", IR_F32, D(2, 3), (float[]){0, 1, 2, 3, 4, 5});
    CHECK(g, "f_data", IR_F32, D(3), (float[]){1.5f, -2.0f, 3.25f});
    CHECK(g, "i8", IR_I8, D(4), (int8_t[]){-128, -1, 0, 127});
    CHECK(g, "u8", IR_U8, D(2), (uint8_t[]){0, 255});
    CHECK(g, "i16", IR_I16, D(2), (int16_t[]){-32768, 32767});
    CHECK(g, "u16", IR_U16, D(2), (uint16_t[]){0, 65535});
    CHECK(g, "bools", IR_BOOL, D(3), (uint8_t[]){1, 0, 1});
    CHECK(g, "f16", IR_F16, D(2), (uint16_t[]){0x3C00, 0xC000});
    CHECK(g, "bf16", IR_BF16, D(2), (uint16_t[]){0x3F80, 0x4040});
    CHECK(g, "i32", IR_I32, D(2), (int32_t[]){-7, 1 << 30});
    CHECK(g, "i64", IR_I64, D(3), (int64_t[]){-(INT64_C(1) << 62), 0, INT64_C(1) << 62});
    CHECK(g, "dbl", IR_F64, D(2), (double[]){0.1, -1e300});
    CHECK(g, "u32", IR_U32, D(2), (uint32_t[]){0, UINT32_MAX});
    CHECK(g, "u64", IR_U64, D(2), (uint64_t[]){1, UINT64_MAX});
    CHECK(g, "i64_raw", IR_I64, D(2), (int64_t[]){1, -2});
    CHECK(g, "f16_raw", IR_F16, D(2), (uint16_t[]){0x3C00, 0x4000});
    const ir_value *s = value(g, "scalar"), *e = value(g, "empty");
    if (s && e) {
        CU_ASSERT_EQUAL(s->data->shape.rank, 0);
        CU_ASSERT_EQUAL(*(float *)s->data->data, 2.5f);
        CU_ASSERT_EQUAL(e->data->shape.rank, 2);
        CU_ASSERT_EQUAL(e->data->shape.dims[0], 0);
        CU_ASSERT_EQUAL(e->data->nbytes, 0);
    }
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
    ir_graph_free(g);
}

static void check_mapped(const ir_graph *g, bool from_file)
{
    const ir_value *a = value(g, "aligned"), *m = value(g, "misaligned");
    CU_ASSERT_FATAL(a && m);
    bool a_ok = true, m_ok = true;
    for (int i = 0; i < 1024; i++) {
        a_ok &= ((float *)a->data->data)[i] == (float)i;
        m_ok &= ((float *)m->data->data)[i] == -(float)i - 0.5f;
    }
    CU_ASSERT(a_ok && m_ok);
    CU_ASSERT_EQUAL((a->flags & IR_VALUE_MAPPED) != 0, from_file);
    CU_ASSERT_EQUAL(m->flags & IR_VALUE_MAPPED, 0);
    CU_ASSERT_EQUAL((uintptr_t)m->data->data % 64, 0); /* copies are 64-byte aligned */
    CU_ASSERT_EQUAL(g->n_mappings, from_file ? 1 : 0);
    if (from_file && g->n_mappings) {
        const char *p = a->data->data, *base = g->mappings[0].addr;
        CU_ASSERT(p > base && p + 4096 <= base + g->mappings[0].len);
    }
}

static void test_good_mapped(void)
{
    ir_graph *g;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(load("good_mapped.onnx", NULL, &g, &d), IR_OK);
    check_mapped(g, true);
    ir_graph_free(g);
    size_t len;
    char *buf = tu_read_file(tu_path("%s/good_mapped.onnx", BAD_DIR), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    CU_ASSERT_EQUAL(onnx_load_buffer(buf, len, NULL, NULL, &g, &d), IR_OK);
    memset(buf, 0, len); /* the graph must not point into the caller's buffer */
    free(buf);
    if (g) {
        check_mapped(g, false);
        ir_graph_free(g);
    }
}

static void check_ext(const ir_graph *g, bool mapped)
{
    float w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (float)i;
    float b[2];
    memcpy(b, (const char *)w + 6, sizeof b);
    CHECK(g, "A", IR_F32, D(2, 3), (float[]){0, 1, 2, 3, 4, 5});
    CHECK(g, "B", IR_F32, D(2), b);
    CHECK(g, "C", IR_F32, D(4), (float[]){8, 9, 10, 11});
    const ir_value *a = value(g, "A"), *bv = value(g, "B"), *c = value(g, "C");
    CU_ASSERT_FATAL(a && bv && c);
    CU_ASSERT_EQUAL((a->flags & IR_VALUE_MAPPED) != 0, mapped);
    CU_ASSERT_EQUAL(bv->flags & IR_VALUE_MAPPED, 0);
    CU_ASSERT_EQUAL((c->flags & IR_VALUE_MAPPED) != 0, mapped);
    CU_ASSERT_EQUAL(g->n_mappings, mapped ? 1 : 0); /* w.bin and ./w.bin: one mapping */
}

static void test_good_ext(void)
{
    ir_graph *g;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(load("good_ext/model.onnx", NULL, &g, &d), IR_OK);
    check_ext(g, true);
    ir_graph_free(g);
    size_t len;
    char *buf = tu_read_file(tu_path("%s/good_ext/model.onnx", BAD_DIR), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    CU_ASSERT_EQUAL(onnx_load_buffer(buf, len, NULL, NULL, &g, &d), IR_ERR_USAGE);
    TU_ASSERT_CONTAINS(d.msg, "initializer 'A' uses external data, but the model was loaded from memory without a base directory");
    CU_ASSERT_EQUAL(onnx_load_buffer(buf, len, tu_path("%s/good_ext", BAD_DIR), NULL, &g, &d), IR_OK);
    free(buf);
    if (g) {
        check_ext(g, true);
        ir_graph_free(g);
    }
}

static void test_symdims(void)
{
    ir_graph *g;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(load("good_symdims.onnx", NULL, &g, &d), IR_OK);
    const ir_value *x = value(g, "x"), *y = value(g, "y"), *t = value(g, "t");
    CU_ASSERT_FATAL(x && y && t);
    CU_ASSERT_EQUAL(x->dtype, IR_F32);
    CU_ASSERT_EQUAL(x->shape.rank, 4);
    CU_ASSERT_EQUAL(x->shape.dims[0], -1);
    CU_ASSERT_STRING_EQUAL(x->shape.sym[0], "batch");
    CU_ASSERT_EQUAL(x->shape.dims[1], 3);
    CU_ASSERT_EQUAL(x->shape.dims[2], -1);
    CU_ASSERT_STRING_EQUAL(x->shape.sym[2], "H");
    CU_ASSERT_EQUAL(x->shape.dims[3], -1);
    CU_ASSERT_PTR_NULL(x->shape.sym[3]);
    CU_ASSERT_EQUAL(y->shape.rank, 4);
    CU_ASSERT_STRING_EQUAL(y->shape.sym[0], "batch");
    CU_ASSERT_EQUAL(t->shape.rank, 2); /* from value_info */
    CU_ASSERT_EQUAL(t->shape.dims[1], 2);
    CU_ASSERT(x->flags & IR_VALUE_INPUT);
    CU_ASSERT(y->flags & IR_VALUE_OUTPUT);
    CU_ASSERT_STRING_EQUAL(g->nodes[1].name, ""); /* the unnamed Neg keeps its empty name */
    ir_graph_free(g);
}

static const ir_attr *attr(const ir_node *n, const char *name, ir_attr_type t)
{
    const ir_attr *a = ir_node_attr(n, name);
    CU_ASSERT_PTR_NOT_NULL(a);
    if (a)
        CU_ASSERT_EQUAL(a->type, t);
    return a && a->type == t ? a : NULL;
}

static void check_attrs(const ir_node *n)
{
    const ir_attr *a;
    CU_ASSERT_EQUAL(n->n_attrs, 11);
    if ((a = attr(n, "f", IR_ATTR_FLOAT)))
        CU_ASSERT_EQUAL(a->f, 0.25f);
    if ((a = attr(n, "i", IR_ATTR_INT)))
        CU_ASSERT_EQUAL(a->i, -3);
    if ((a = attr(n, "s", IR_ATTR_STRING)))
        CU_ASSERT(a->s_len == 6 && !memcmp(a->s, "he\0llo", 7));
    if ((a = attr(n, "t", IR_ATTR_TENSOR)))
        CU_ASSERT(a->tensor->dtype == IR_I64 && a->tensor->shape.rank == 1 &&
                  ((int64_t *)a->tensor->data)[1] == 8);
    if ((a = attr(n, "floats", IR_ATTR_FLOATS)))
        CU_ASSERT(a->n == 2 && a->floats[0] == 1.0f && a->floats[1] == 2.5f);
    if ((a = attr(n, "ints", IR_ATTR_INTS)))
        CU_ASSERT(a->n == 3 && a->ints[0] == 1 && a->ints[1] == -2 && a->ints[2] == 3);
    if ((a = attr(n, "empty_ints", IR_ATTR_INTS)))
        CU_ASSERT_EQUAL(a->n, 0);
    if ((a = attr(n, "strings", IR_ATTR_STRINGS)))
        CU_ASSERT(a->n == 2 && !strcmp(a->strings[0], "a") && !strcmp(a->strings[1], "bc"));
    if ((a = attr(n, "tensors", IR_ATTR_TENSORS))) {
        CU_ASSERT_EQUAL_FATAL(a->n, 2);
        CU_ASSERT(a->tensor[0].dtype == IR_I64 && ((int64_t *)a->tensor[0].data)[0] == 7);
        CU_ASSERT(a->tensor[1].dtype == IR_F32 && ((float *)a->tensor[1].data)[0] == 0.5f);
    }
    attr(n, "sparse", IR_ATTR_SPARSE_TENSOR);
    attr(n, "tp", IR_ATTR_TYPE_PROTO);
}

static void test_attrs(void)
{
    ir_graph *g;
    ir_diag d;
    onnx_load_opts o = {.allow_unknown_ops = true};
    CU_ASSERT_EQUAL_FATAL(load("good_attrs.onnx", &o, &g, &d), IR_OK);
    CU_ASSERT_EQUAL_FATAL(g->n_nodes, 2);
    check_attrs(&g->nodes[0]);
    const ir_node *c = &g->nodes[1];
    CU_ASSERT_EQUAL(c->op, IR_OP_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(c->op_type, "MyOp");
    CU_ASSERT_STRING_EQUAL(c->domain, "my.domain");
    attr(c, "body", IR_ATTR_GRAPH);
    attr(c, "branches", IR_ATTR_GRAPHS);
    CU_ASSERT_EQUAL(g->n_opsets, 2);
    CU_ASSERT_EQUAL(ir_node_opset(g, c), 1);
    ir_graph_free(g);
}

static void test_graph_forms(void)
{
    ir_graph *g;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(load("good_init_input.onnx", NULL, &g, &d), IR_OK);
    CU_ASSERT_EQUAL(g->ir_version, 3);
    CU_ASSERT_EQUAL(g->n_inputs, 1); /* "w" is an initializer, not a runtime input */
    CHECK(g, "w", IR_F32, D(2), (float[]){1, 1});
    ir_graph_free(g);

    CU_ASSERT_EQUAL_FATAL(load("good_optional.onnx", NULL, &g, &d), IR_OK);
    CU_ASSERT_EQUAL(g->nodes[0].n_inputs, 3);
    CU_ASSERT_EQUAL(g->nodes[0].inputs[1], -1);
    CU_ASSERT_EQUAL(g->nodes[1].n_outputs, 2);
    CU_ASSERT_EQUAL(g->nodes[1].outputs[1], -1);
    ir_graph_free(g);

    CU_ASSERT_EQUAL_FATAL(load("good_no_nodes.onnx", NULL, &g, &d), IR_OK);
    CU_ASSERT(g->n_nodes == 0 && g->n_inputs == 1 && g->n_outputs == 2);
    CU_ASSERT(g->outputs[0] == g->inputs[0]);
    CHECK(g, "w", IR_F32, D(2), (float[]){3, 3});
    ir_graph_free(g);

    CU_ASSERT_EQUAL_FATAL(load("out_of_order.onnx", NULL, &g, &d), IR_OK);
    CU_ASSERT_EQUAL_FATAL(g->n_nodes, 3);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].name, "first");
    CU_ASSERT_STRING_EQUAL(g->nodes[1].name, "middle");
    CU_ASSERT_STRING_EQUAL(g->nodes[2].name, "last");
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
    ir_graph_free(g);
}

static void test_small_models(void)
{
    static const struct {
        const char *file;
        uint32_t nodes, inits;
    } models[] = {{"tiny_conv.onnx", 5, 4}, {"matmul_softmax.onnx", 3, 2}};
    for (size_t i = 0; i < 2; i++) {
        ir_graph *g;
        ir_diag d;
        ir_status st = onnx_load_file(tu_path("%s/%s", SMALL_DIR, models[i].file), NULL, &g, &d);
        CU_ASSERT_EQUAL(st, IR_OK);
        if (st) {
            fprintf(stderr, "\n  %s: %s", models[i].file, d.msg);
            continue;
        }
        uint64_t count, elements, bytes;
        ir_param_stats(g, &count, &elements, &bytes);
        CU_ASSERT_EQUAL(g->n_nodes, models[i].nodes);
        CU_ASSERT_EQUAL(count, models[i].inits);
        CU_ASSERT_EQUAL(g->n_inputs, 1);
        CU_ASSERT_EQUAL(g->n_outputs, 1);
        ir_graph_free(g);
    }
}

/* ---- lone tensor files -------------------------------------------------- */

static void test_tensor_pb(void)
{
    ir_tensor *t;
    char *name;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_pb(tu_path("%s/tensor_ok.pb", BAD_DIR), &t, &name, &d), IR_OK);
    CU_ASSERT_STRING_EQUAL(name, "t");
    CU_ASSERT(t->dtype == IR_I64 && t->shape.rank == 2 && t->shape.dims[0] == 2 && t->nbytes == 32);
    CU_ASSERT(((int64_t *)t->data)[1] == -2 && ((int64_t *)t->data)[3] == INT64_C(1) << 40);
    free(name);
    ir_tensor_release(t);
    CU_ASSERT_EQUAL(onnx_read_tensor_pb(tu_path("%s/tensor_ok.pb", BAD_DIR), &t, NULL, &d), IR_OK);
    ir_tensor_release(t);
    static const struct {
        const char *file;
        ir_status st;
        const char *msg;
    } bad[] = {
        {"tensor_raw_size.pb", IR_ERR_MODEL, "tensor 'r' in "},
        {"tensor_raw_size.pb", IR_ERR_MODEL, "raw data has 8 bytes, but dims [3] of float32 need 12"},
        {"tensor_string.pb", IR_ERR_UNSUPPORTED, "is a string tensor"},
        {"tensor_ext.pb", IR_ERR_UNSUPPORTED, "tensor 'e' in "},
        {"nothere.pb", IR_ERR_IO, "nothere.pb"},
        {"deep.onnx", IR_ERR_MODEL, "has no data type"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = (ir_tensor *)1;
        name = (char *)1;
        CU_ASSERT_EQUAL(onnx_read_tensor_pb(tu_path("%s/%s", BAD_DIR, bad[i].file), &t, &name, &d), bad[i].st);
        CU_ASSERT(t == NULL && name == NULL);
        TU_ASSERT_CONTAINS(d.msg, bad[i].msg);
    }
    CU_ASSERT_EQUAL(onnx_read_tensor_pb(NULL, &t, NULL, &d), IR_ERR_USAGE);
}

int main(void)
{
    static const tu_case cases[] = {
        {"bad_models", test_bad_models},
        {"options", test_options},
        {"usage_and_io", test_usage_and_io},
        {"good_forms", test_good_forms},
        {"good_mapped", test_good_mapped},
        {"good_ext", test_good_ext},
        {"symdims", test_symdims},
        {"attrs", test_attrs},
        {"graph_forms", test_graph_forms},
        {"small_models", test_small_models},
        {"tensor_pb", test_tensor_pb},
        {NULL, NULL},
    };
    return tu_run("frontend", cases);
}
