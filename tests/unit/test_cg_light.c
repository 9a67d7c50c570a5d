/* test_cg_light.c - the light kernels (elementwise, reductions, pooling,
 * data movement) run natively, node by node, against the reference engine.
 *
 * Each case is a small graph in the text IR with odd shapes, lowered with
 * cg_program_build and run through test_cg_light_run.h (tasks in reverse
 * order, poisoned scratch, guard bytes after every buffer). Inputs are
 * deterministic: floats in [-3, 3), integers over a small range (8-bit
 * types over their whole range), bool 0/1; a value named %nz... is never 0
 * (divisors), %pos... positive. Parameters that are run-time inputs (a
 * Slice's starts) take values from the case's feed, "name=v,v;name=v".
 * Integer results must match exactly, float ones within 1e-5 (1e-2 for
 * float16/bfloat16, where computing in float or in double can round an
 * ulp apart). Every graph also runs through LLVM (cg_jit_build, the model
 * table's tasks called here as the runtime would), unless CG_LIGHT_JIT=0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_cg_light_run.h"
#include "testutil.h"

static uint32_t rng = 12345;
static double urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (double)(rng >> 8) / 16777216.0;
}

static bool feed_value(const char *feed, const char *name, ir_tensor *t)
{
    size_t nl = strlen(name);
    for (const char *f = feed; f && *f;) {
        const char *eq = strchr(f, '='), *end = strchr(f, ';');
        end = end ? end : f + strlen(f);
        if (eq && eq < end && (size_t)(eq - f) == nl && !strncmp(f, name, nl)) {
            char *q = (char *)eq + 1;
            for (int64_t i = 0; i < ir_tensor_numel(t) && q < end; i++)
                ir_tensor_set_f64(t, i, strtod(q, &q)), q += *q == ',';
            return true;
        }
        f = *end ? end + 1 : end;
    }
    return false;
}

static ir_tensor *make_input(const ir_value *v, const char *feed)
{
    ir_tensor *t = ir_tensor_alloc(v->dtype, &v->shape);
    if (!t || feed_value(feed, v->name, t))
        return t;
    bool nz = !strncmp(v->name, "nz", 2), pos = !strncmp(v->name, "pos", 3);
    for (int64_t i = 0; i < ir_tensor_numel(t); i++) {
        double u = urand(), x;
        switch (v->dtype) {
        case IR_F32:
        case IR_F64:
        case IR_F16:
        case IR_BF16: x = pos ? 0.05 + 3 * u : 6 * u - 3; break;
        case IR_BOOL: x = u < 0.5; break;
        case IR_U8: x = floor(256 * u); break;
        case IR_I8: x = floor(256 * u) - 128; break;
        default:
            x = floor(41 * u) -
                (pos || v->dtype == IR_U16 || v->dtype == IR_U32 || v->dtype == IR_U64 ? 0 : 20);
        }
        ir_tensor_set_f64(t, i, nz && x == 0 ? 1 : x);
    }
    return t;
}

static ir_graph *parse(const char *text)
{
    ir_graph *g = NULL;
    ir_diag d = {0};
    if (ir_parse(text, &g, &d) || ir_infer_shapes(g, &d)) {
        fprintf(stderr, "\n  %s\n  in:\n%s\n", d.msg, text);
        ir_graph_free(g);
        return NULL;
    }
    return g;
}

static int n_checked;
static bool jit_on; /* also through LLVM (cg_jit_build); CG_LIGHT_JIT=0 turns it off */

static void compare_outputs(const ir_graph *g, ir_tensor *const *got, ir_tensor *const *want,
                            bool ran, const char *how, const char *text)
{
    char why[256];
    for (uint32_t k = 0; ran && k < g->n_outputs; k++) {
        ir_dtype t = want[k]->dtype;
        double tol = t == IR_F16 || t == IR_BF16 ? 1e-2 : 1e-5;
        bool ok = lt_close(got[k], want[k], tol, tol / 10, why, sizeof why);
        if (!ok)
            fprintf(stderr, "\n  %s, output %u: %s\n  in:\n%s\n", how, k, why, text);
        CU_ASSERT(ok);
    }
}

/* Runs the graph both ways on the same inputs and compares every output. */
static void check_feed(const char *text, const char *feed)
{
    ir_graph *g = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_diag d = {0};
    cg_program *p = NULL;
    ir_status st = cg_program_build(g, 2, &p, &d);
    if (st)
        fprintf(stderr, "\n  build: %s\n  in:\n%s\n", d.msg, text);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    ir_tensor *in[16] = {0}, *want[16] = {0}, *got[16] = {0};
    for (uint32_t i = 0; i < g->n_inputs && i < 16; i++)
        in[i] = make_input(&g->values[g->inputs[i]], feed);
    st = ir_ref_run(g, in, want, NULL, NULL, &d);
    if (st)
        fprintf(stderr, "\n  reference: %s\n  in:\n%s\n", d.msg, text);
    CU_ASSERT_EQUAL(st, IR_OK);
    char why[256] = "";
    bool ran = lt_run(g, p, in, got, why, sizeof why);
    if (!ran)
        fprintf(stderr, "\n  native run: %s\n  in:\n%s\n", why, text);
    CU_ASSERT(ran);
    compare_outputs(g, got, want, ran && !st, "native", text);
    if (jit_on) {
        ir_tensor *jgot[16] = {0};
        bool jran = lt_run_jit(g, in, jgot, why, sizeof why);
        if (!jran)
            fprintf(stderr, "\n  jit run: %s\n  in:\n%s\n", why, text);
        CU_ASSERT(jran);
        compare_outputs(g, jgot, want, jran && !st, "jit", text);
        for (uint32_t i = 0; i < 16; i++)
            ir_tensor_release(jgot[i]);
    }
    for (uint32_t i = 0; i < 16; i++) {
        ir_tensor_release(in[i]);
        ir_tensor_release(want[i]);
        ir_tensor_release(got[i]);
    }
    cg_program_free(p);
    ir_graph_free(g);
    n_checked++;
}

static void check(const char *text)
{
    check_feed(text, NULL);
}

/* printf-style check of a one-node graph. */
static void checkf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void checkf(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    check(text);
}

static void check_refused(const char *text, const char *want)
{
    ir_graph *g = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_diag d = {0};
    cg_program *p = NULL;
    CU_ASSERT_EQUAL(cg_program_build(g, 2, &p, &d), IR_ERR_UNSUPPORTED);
    TU_ASSERT_CONTAINS(d.msg, want);
    cg_program_free(p);
    ir_graph_free(g);
}

static const char *const all_types[] = {"f32", "f64", "f16", "bf16", "i8",  "i16", "i32",
                                        "i64", "u8",  "u16", "u32",  "u64", "bool"};

/* ---- elementwise ---------------------------------------------------------------- */

static void test_binary(void)
{
    static const char *const ops[] = {"Add", "Sub", "Mul", "Max", "Min"};
    for (int t = 0; t < 12; t++)
        for (int o = 0; o < 5; o++)
            checkf("opset ai.onnx 13\ninput %%a : %s[3,1,37]\ninput %%b : %s[37]\n"
                   "%%y : %s[?] = %s(%%a, %%b)  # n\noutput %%y : %s[?]\n",
                   all_types[t], all_types[t], all_types[t], ops[o], all_types[t]);
    for (int t = 0; t < 12; t++)
        checkf("opset ai.onnx 13\ninput %%a : %s[5,7]\ninput %%nzb : %s[5,1]\n"
               "%%y : %s[?] = Div(%%a, %%nzb)  # n\noutput %%y : %s[?]\n",
               all_types[t], all_types[t], all_types[t], all_types[t]);
    check("opset ai.onnx 13\ninput %a : f32[]\ninput %b : f32[2,3,4,5,6]\n"
          "%y : f32[?] = Sub(%a, %b)  # n\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[2,1,4,1,6,1]\ninput %b : f32[3,1,5,1,7]\n"
          "%y : f32[?] = Mul(%a, %b)  # n\noutput %y : f32[?]\n");
    /* several tasks: 217600 elements */
    check("opset ai.onnx 13\ninput %a : f32[850,1,256]\ninput %b : f32[256]\n"
          "%y : f32[?] = Add(%a, %b)  # n\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : i64[300,513]\ninput %b : i64[300,1]\n"
          "%y : i64[?] = Mul(%a, %b)  # n\noutput %y : i64[?]\n");
}

static void test_variadic_pow(void)
{
    static const char *const t3[] = {"f32", "f16", "i32", "u8", "f64"};
    for (int t = 0; t < 5; t++)
        for (int o = 0; o < 2; o++)
            checkf(
                "opset ai.onnx 13\ninput %%a : %s[4,1,9]\ninput %%b : %s[9]\ninput %%c : %s[3,1]\n"
                "%%y : %s[?] = %s(%%a, %%b, %%c)  # n\noutput %%y : %s[?]\n",
                t3[t], t3[t], t3[t], t3[t], o ? "Max" : "Min", t3[t]);
    check("opset ai.onnx 13\ninput %a : f32[6]\n%y : f32[?] = Max(%a)  # n\noutput %y : f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %a : f32[7,6]\ninput %b : f32[6]\n%y : f32[?] = Pow(%a, %b)  # n\n"
        "output %y : f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %a : i32[7,6]\ninput %b : i32[6]\n%y : i32[?] = Pow(%a, %b)  # n\n"
        "output %y : i32[?]\n");
    check("opset ai.onnx 13\ninput %pa : f32[7,6]\ninput %b : i64[6]\n%y : f32[?] = Pow(%pa, %b)  "
          "# n\n"
          "output %y : f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %a : i64[7,6]\ninput %b : f32[6]\n%y : i64[?] = Pow(%a, %b)  # n\n"
        "output %y : i64[?]\n");
    check(
        "opset ai.onnx 13\ninput %a : f16[7,6]\ninput %b : f16[1]\n%y : f16[?] = Pow(%a, %b)  # n\n"
        "output %y : f16[?]\n");
}

static void test_compare_where(void)
{
    static const char *const ops[] = {"Equal", "Less", "Greater"};
    for (int t = 0; t < 12; t++)
        for (int o = 0; o < 3; o++)
            checkf("opset ai.onnx 13\ninput %%a : %s[3,1,11]\ninput %%b : %s[5,1]\n"
                   "%%y : bool[?] = %s(%%a, %%b)  # n\noutput %%y : bool[?]\n",
                   all_types[t], all_types[t], ops[o]);
    static const char *const logic[] = {"And", "Or", "Equal"};
    for (int o = 0; o < 3; o++)
        checkf("opset ai.onnx 13\ninput %%a : bool[3,1,11]\ninput %%b : bool[5,11]\n"
               "%%y : bool[?] = %s(%%a, %%b)  # n\noutput %%y : bool[?]\n",
               logic[o]);
    for (int t = 0; t < 13; t++)
        checkf("opset ai.onnx 13\ninput %%c : bool[3,1,5]\ninput %%x : %s[4,5]\ninput %%y : %s[1]\n"
               "%%z : %s[?] = Where(%%c, %%x, %%y)  # n\noutput %%z : %s[?]\n",
               all_types[t], all_types[t], all_types[t], all_types[t]);
}

static void test_unary(void)
{
    static const char *const fops[] = {"Sqrt", "Sin",     "Cos",  "Exp", "Log", "Tanh",
                                       "Erf",  "Sigmoid", "Relu", "Neg", "Abs"};
    static const char *const ft[] = {"f32", "f64", "f16", "bf16"};
    for (int t = 0; t < 4; t++)
        for (int o = 0; o < 11; o++)
            checkf("opset ai.onnx 14\ninput %%x : %s[3,37]\n%%y : %s[?] = %s(%%x)  # n\noutput %%y "
                   ": %s[?]\n",
                   ft[t], ft[t], fops[o], ft[t]);
    static const char *const it[] = {"i8", "i16", "i32", "i64"};
    for (int t = 0; t < 4; t++)
        for (int o = 0; o < 4; o++)
            checkf("opset ai.onnx 14\ninput %%x : %s[3,37]\n%%y : %s[?] = %s(%%x)  # n\noutput %%y "
                   ": %s[?]\n",
                   it[t], it[t], (const char *[]){"Relu", "Neg", "Abs", "Erf"}[o], it[t]);
    check("opset ai.onnx 14\ninput %x : u8[40]\n%y : u8[?] = Abs(%x)  # n\noutput %y : u8[?]\n");
    check("opset ai.onnx 14\ninput %x : bool[40]\n%y : bool[?] = Not(%x)  # n\noutput %y : "
          "bool[?]\n");
    check("opset ai.onnx 14\ninput %x : f32[300,1000]\n%y : f32[?] = Sigmoid(%x)  # n\noutput %y : "
          "f32[?]\n");
}

static void test_clip(void)
{
    check("opset ai.onnx 6\ninput %x : f32[5,9]\n%y : f32[?] = Clip(%x) {min=-1.5, max=0.25}  # n\n"
          "output %y : f32[?]\n");
    check("opset ai.onnx 6\ninput %x : f64[5,9]\n%y : f64[?] = Clip(%x) {max=0.25}  # n\noutput %y "
          ": f64[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[5,9]\nconst %lo : f32[] = [-1.0]\n"
          "%y : f32[?] = Clip(%x, %lo, _)  # n\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f16[5,9]\ninput %lo : f16[]\ninput %hi : f16[]\n"
          "%y : f16[?] = Clip(%x, %lo, %hi)  # n\noutput %y : f16[?]\n");
    static const char *const it[] = {"i8", "i32", "i64", "u8", "u64"};
    for (int t = 0; t < 5; t++)
        checkf("opset ai.onnx 13\ninput %%x : %s[5,9]\nconst %%lo : %s[] = [3]\nconst %%hi : %s[] "
               "= [15]\n"
               "%%y : %s[?] = Clip(%%x, %%lo, %%hi)  # n\noutput %%y : %s[?]\n",
               it[t], it[t], it[t], it[t], it[t]);
    check(
        "opset ai.onnx 13\ninput %x : i32[5,9]\n%y : i32[?] = Clip(%x)  # n\noutput %y : i32[?]\n");
}

static void test_cast(void)
{
    for (int a = 0; a < 13; a++)
        for (int b = 0; b < 13; b++) {
            int code = (int)ir_dtype_from_short(all_types[b]);
            checkf("opset ai.onnx 13\ninput %%x : %s[3,13]\n%%y : %s[?] = Cast(%%x) {to=%d}  # n\n"
                   "output %%y : %s[?]\n",
                   all_types[a], all_types[b], code, all_types[b]);
        }
    /* values beyond the integer types' ranges, NaN, infinities */
    check("opset ai.onnx 13\nconst %x : f32[8] = [300.5, -300.5, 1e10, -1e10, 65519.0, 70000.0, "
          "1e-7, -0.0]\n"
          "input %z : f32[1]\n%s : f32[?] = Add(%x, %z)  # a\n"
          "%y1 : i8[?] = Cast(%s) {to=3}  # c1\n%y2 : u16[?] = Cast(%s) {to=4}  # c2\n"
          "%y3 : f16[?] = Cast(%s) {to=10}  # c3\n%y4 : bf16[?] = Cast(%s) {to=16}  # c4\n"
          "%y5 : i64[?] = Cast(%s) {to=7}  # c5\n%y6 : u64[?] = Cast(%s) {to=13}  # c6\n"
          "output %y1 : i8[?]\noutput %y2 : u16[?]\noutput %y3 : f16[?]\noutput %y4 : bf16[?]\n"
          "output %y5 : i64[?]\noutput %y6 : u64[?]\n");
}

/* The plan runs the Add over Exp's buffer; the kernel must notice. */
static void test_inplace(void)
{
    const char *text =
        "opset ai.onnx 13\ninput %x : f32[850,1,256]\ninput %r : f32[850,1,256]\n"
        "%a : f32[?] = Exp(%x)  # e\n%b : f32[?] = Add(%a, %r)  # add\n"
        "%c : f32[?] = Relu(%b)  # r\n%o : f32[?] = Mul(%c, %r)  # m\noutput %o : f32[?]\n";
    check(text);
    ir_graph *g = parse(text);
    ir_diag d;
    cg_program *p = NULL;
    CU_ASSERT_EQUAL_FATAL(cg_program_build(g, 2, &p, &d), IR_OK);
    CU_ASSERT_STRING_EQUAL(p->nodes[1].kernel, "binary");
    CU_ASSERT_EQUAL(((const struct k_binary *)p->nodes[1].desc)->inplace, 1);
    CU_ASSERT_EQUAL(((const struct k_unary *)p->nodes[2].desc)->inplace, 1);
    CU_ASSERT(p->nodes[1].n_tasks >= 2);
    cg_program_free(p);
    ir_graph_free(g);
}

/* ---- data movement ---------------------------------------------------------------- */

static void test_copies(void)
{
    check(
        "opset ai.onnx 13\ninput %x : f32[2,3,5]\nconst %s : i64[2] = [5, -1]\n"
        "%a : f32[?] = Reshape(%x, %s)  # r\n%b : f32[?] = Flatten(%a) {axis=0}  # f\n"
        "const %ax : i64[2] = [0, 2]\n%c : f32[?] = Unsqueeze(%b, %ax)  # u\n"
        "%d : f32[?] = Squeeze(%c, %ax)  # s\n%e : f32[?] = Identity(%d)  # i\n"
        "%f : f32[?], %m : bool[?] = Dropout(%e)  # dr\noutput %f : f32[?]\noutput %m : bool[?]\n");
    check("opset ai.onnx 7\ninput %x : f16[2,3,5]\n%f : f16[?], %m : f16[?] = Dropout(%x)  # dr\n"
          "output %f : f16[?]\noutput %m : f16[?]\n");
    check("opset ai.onnx 13\ninput %x : u8[2,3,5]\n%f : u8[?] = Identity(%x)  # i\noutput %f : "
          "u8[?]\n");
    check_refused("opset ai.onnx 13\ninput %x : f32[2,3]\ninput %r : f32[]\ninput %t : bool[]\n"
                  "%f : f32[?] = Dropout(%x, %r, %t)  # dr\noutput %f : f32[?]\n",
                  "Dropout"); /* program.c reports the op; the lowering's reason is lost */
}

static void test_transpose(void)
{
    static const char *const perms[] = {"[0,2,3,1]", "[3,1,0,2]", "[1,0,2,3]", "[0,1,3,2]"};
    static const char *const ts[] = {"f32", "f16", "i64", "u8", "bool"};
    for (int t = 0; t < 5; t++)
        for (int q = 0; q < 4; q++)
            checkf("opset ai.onnx 13\ninput %%x : %s[2,3,5,7]\n%%y : %s[?] = Transpose(%%x) "
                   "{perm=%s}  # t\n"
                   "output %%y : %s[?]\n",
                   ts[t], ts[t], perms[q], ts[t]);
    /* tiled: outer dims, sizes not multiples of the tile */
    check("opset ai.onnx 13\ninput %x : f32[3,40,50]\n%y : f32[?] = Transpose(%x) {perm=[0,2,1]}  "
          "# t\n"
          "output %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : u8[2,37,9,11]\n%y : u8[?] = Transpose(%x) {perm=[0,2,3,1]} "
          " # t\n"
          "output %y : u8[?]\n");
    check("opset ai.onnx 13\ninput %x : i64[2,37,9,11]\n%y : i64[?] = Transpose(%x) "
          "{perm=[3,0,2,1]}  # t\n"
          "output %y : i64[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[4,6,3]\n%y : f32[?] = Transpose(%x)  # t\noutput %y : "
          "f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,256,25,34]\nconst %s : i64[3] = [1, 256, 850]\n"
          "%r : f32[?] = Reshape(%x, %s)  # r\n%y : f32[?] = Transpose(%r) {perm=[2,0,1]}  # t\n"
          "output %y : f32[?]\n");
}

static void test_concat_split(void)
{
    check("opset ai.onnx 13\ninput %a : f32[2,3,5]\ninput %b : f32[2,1,5]\ninput %c : f32[2,4,5]\n"
          "%y : f32[?] = Concat(%a, %b, %c) {axis=1}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : i64[3,2]\ninput %b : i64[3,0]\ninput %c : i64[3,7]\n"
          "%y : i64[?] = Concat(%a, %b, %c) {axis=-1}  # c\noutput %y : i64[?]\n");
    check("opset ai.onnx 13\ninput %a : bool[1,3]\ninput %b : bool[2,3]\n"
          "%y : bool[?] = Concat(%a, %b) {axis=0}  # c\noutput %y : bool[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[1,128,25,34]\ninput %b : f32[1,128,25,34]\n"
          "%y : f32[?] = Concat(%a, %b) {axis=1}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 11\ninput %x : f32[2,9,5]\n%a : f32[?], %b : f32[?], %c : f32[?] = "
          "Split(%x) "
          "{axis=1, split=[2,3,4]}  # s\noutput %a : f32[?]\noutput %b : f32[?]\noutput %c : "
          "f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %x : u16[6,5]\nconst %s : i64[2] = [1, 5]\n"
        "%a : u16[?], %b : u16[?] = Split(%x, %s)  # s\noutput %a : u16[?]\noutput %b : u16[?]\n");
    check(
        "opset ai.onnx 18\ninput %x : f32[3,7]\n%a : f32[?], %b : f32[?], %c : f32[?] = Split(%x) "
        "{axis=1, num_outputs=3}  # s\noutput %a : f32[?]\noutput %c : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[256,850]\n%a : f32[?], %b : f32[?] = Split(%x) "
          "{axis=0}  # s\n"
          "output %a : f32[?]\noutput %b : f32[?]\n");
}

static void test_slice(void)
{
    check("opset ai.onnx 13\ninput %x : f32[6,7,8]\nconst %s : i64[3] = [1, -1, 7]\nconst %e : "
          "i64[3] = [5, 0, 0]\n"
          "const %a : i64[3] = [0, 1, 2]\nconst %st : i64[3] = [2, -2, -3]\n"
          "%y : f32[?] = Slice(%x, %s, %e, %a, %st)  # s\noutput %y : f32[?]\n");
    check("opset ai.onnx 9\ninput %x : i8[6,7,8]\n%y : i8[?] = Slice(%x) {starts=[-3, 2], "
          "ends=[100, 5], axes=[2, 0]}"
          "  # s\noutput %y : i8[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[6,7,8]\nconst %s : i32[1] = [2]\nconst %e : i32[1] = "
          "[-1]\n"
          "%y : f32[?] = Slice(%x, %s, %e)  # s\noutput %y : f32[?]\n");
    check_feed("opset ai.onnx 13\ninput %x : f32[6,7,8]\ninput %s : i64[3]\ninput %e : i64[3]\n"
               "input %a : i64[3]\ninput %st : i64[3]\n"
               "%y : f32[3,2,3] = Slice(%x, %s, %e, %a, %st)  # s\noutput %y : f32[3,2,3]\n",
               "s=1,-1,7;e=6,2,0;a=0,-2,2;st=2,-2,-3");
    check_feed("opset ai.onnx 13\ninput %x : u8[6,7,8]\ninput %s : i32[2]\ninput %e : i32[2]\n"
               "%y : u8[2,6,8] = Slice(%x, %s, %e)  # s\noutput %y : u8[2,6,8]\n",
               "s=-100,1;e=2,1000");
}

static void test_gather_expand_tile(void)
{
    check("opset ai.onnx 13\ninput %x : f32[5,4,3]\nconst %i : i64[2,3] = [0, -1, 2, 4, -5, 1]\n"
          "%y : f32[?] = Gather(%x, %i) {axis=0}  # g\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : i16[5,4,3]\nconst %i : i32[] = [-2]\n"
          "%y : i16[?] = Gather(%x, %i) {axis=1}  # g\noutput %y : i16[?]\n");
    check_feed("opset ai.onnx 13\ninput %x : f64[5,4,3]\ninput %i : i64[4]\n"
               "%y : f64[?] = Gather(%x, %i) {axis=-1}  # g\noutput %y : f64[?]\n",
               "i=2,0,-1,1");
    check("opset ai.onnx 13\ninput %x : f32[3,1]\nconst %s : i64[3] = [2, 3, 4]\n"
          "%y : f32[?] = Expand(%x, %s)  # e\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : bool[1,5]\nconst %s : i64[2] = [4, 1]\n"
          "%y : bool[?] = Expand(%x, %s)  # e\noutput %y : bool[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[2,3,1]\nconst %r : i64[3] = [2, 1, 3]\n"
          "%y : f32[?] = Tile(%x, %r)  # t\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : i64[2,3,2,2]\nconst %r : i64[4] = [2, 2, 3, 2]\n"
          "%y : i64[?] = Tile(%x, %r)  # t\noutput %y : i64[?]\n");
}

static void test_pad(void)
{
    static const char *const modes[] = {"constant", "reflect", "edge", "wrap"};
    for (int m = 0; m < 4; m++) {
        checkf(
            "opset ai.onnx 19\ninput %%x : f32[3,4,5]\nconst %%p : i64[6] = [1, 0, 2, 2, -1, 3]\n"
            "const %%v : f32[] = [1.5]\n%%y : f32[?] = Pad(%%x, %%p, %%v) {mode=%s}  # p\noutput "
            "%%y : f32[?]\n",
            modes[m]);
        checkf("opset ai.onnx 19\ninput %%x : u8[4,5]\nconst %%p : i64[2] = [4, 7]\nconst %%a : "
               "i64[1] = [-1]\n"
               "%%y : u8[?] = Pad(%%x, %%p, _, %%a) {mode=%s}  # p\noutput %%y : u8[?]\n",
               modes[m]);
    }
    check("opset ai.onnx 13\ninput %x : f32[1,16,150,151]\nconst %p : i64[8] = [0, 0, 1, 2, 0, 0, "
          "3, 1]\n"
          "%y : f32[?] = Pad(%x, %p) {mode=reflect}  # p\noutput %y : f32[?]\n");
    check("opset ai.onnx 2\ninput %x : f64[3,4]\n%y : f64[?] = Pad(%x) {pads=[0, 2, 1, 1], "
          "value=2.5}  # p\n"
          "output %y : f64[?]\n");
    check_feed("opset ai.onnx 13\ninput %x : i32[3,4]\ninput %p : i64[4]\ninput %v : i32[]\n"
               "%y : i32[4,8] = Pad(%x, %p, %v)  # p\noutput %y : i32[4,8]\n",
               "p=1,2,0,2;v=-7");
    check_feed("opset ai.onnx 13\ninput %x : f32[3,4]\ninput %p : i64[4]\n"
               "%y : f32[5,3] = Pad(%x, %p) {mode=reflect}  # p\noutput %y : f32[5,3]\n",
               "p=1,-1,1,0");
}

static void test_resize(void)
{
    check("opset ai.onnx 13\ninput %x : f32[1,2,3,4]\nconst %s : f32[4] = [1.0, 1.0, 2.0, 3.0]\n"
          "%y : f32[?] = Resize(%x, _, %s) {mode=nearest}  # r\noutput %y : f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %x : u8[1,2,5,4]\nconst %s : f32[4] = [1.0, 1.0, 0.6, 1.7]\n"
        "%y : u8[?] = Resize(%x, _, %s) {mode=nearest, coordinate_transformation_mode=asymmetric, "
        "nearest_mode=ceil}  # r\noutput %y : u8[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,1,4,5]\nconst %z : i64[4] = [1, 1, 7, 3]\n"
          "%y : f32[?] = Resize(%x, _, _, %z) {mode=linear, "
          "coordinate_transformation_mode=align_corners}  # r\n"
          "output %y : f32[?]\n");
    check(
        "opset ai.onnx 13\ninput %x : f64[1,1,4,5]\nconst %s : f32[4] = [1.0, 1.0, 0.8, 1.5]\n"
        "%y : f64[?] = Resize(%x, _, %s) {mode=cubic, exclude_outside=1, cubic_coeff_a=-0.5}  # r\n"
        "output %y : f64[?]\n");
    check("opset ai.onnx 10\ninput %x : f32[1,1,3,3]\nconst %s : f32[4] = [1.0, 1.0, 2.0, 1.5]\n"
          "%y : f32[?] = Resize(%x, %s) {mode=linear}  # r\noutput %y : f32[?]\n");
    check("opset ai.onnx 18\ninput %x : f32[1,1,9,10]\nconst %z : i64[2] = [4, 3]\n"
          "%y : f32[?] = Resize(%x, _, _, %z) {mode=linear, antialias=1, axes=[2,3]}  # r\noutput "
          "%y : f32[?]\n");
    check("opset ai.onnx 18\ninput %x : f32[1,1,9,10]\nconst %z : i64[2] = [4, 5]\n"
          "%y : f32[?] = Resize(%x, _, _, %z) {mode=cubic, antialias=1, axes=[2,3], "
          "keep_aspect_ratio_policy=not_larger}  # r\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,1,4,4]\nconst %roi : f32[8] = [0, 0, 0.4, 0.6, 1, 1, "
          "0.9, 1.2]\n"
          "const %z : i64[4] = [1, 1, 3, 3]\n%y : f32[?] = Resize(%x, %roi, _, %z) {mode=linear, "
          "coordinate_transformation_mode=tf_crop_and_resize, extrapolation_value=10.0}  # "
          "r\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,3,60,70]\nconst %s : f32[4] = [1.0, 1.0, 2.0, 1.5]\n"
          "%y : f32[?] = Resize(%x, _, %s) {mode=cubic}  # r\noutput %y : f32[?]\n");
    check_feed(
        "opset ai.onnx 13\ninput %x : f32[1,1,4,4]\ninput %s : f32[4]\n"
        "%y : f32[1,1,2,6] = Resize(%x, _, %s) {mode=linear}  # r\noutput %y : f32[1,1,2,6]\n",
        "s=1,1,0.6,1.5");
}

static void test_constants_range(void)
{
    check("opset ai.onnx 15\ninput %x : f32[2,3,5,7]\n%s : i64[?] = Shape(%x) {start=1, end=-1}  # "
          "s\n"
          "%t : i64[?] = Shape(%x)  # t\noutput %s : i64[?]\noutput %t : i64[?]\n");
    check("opset ai.onnx 13\nconst %s : i64[3] = [2, 3, 4]\n%y : i32[?] = ConstantOfShape(%s) "
          "{value=tensor i32[1] = [7]}  # c\n%z : f32[?] = ConstantOfShape(%s)  # z\n"
          "output %y : i32[?]\noutput %z : f32[?]\n");
    check("opset ai.onnx 13\n%y : f32[?] = Constant() {value_floats=[1.5, 2.5]}  # c\n"
          "%z : i64[?] = Constant() {value=tensor i64[2,2] = [1, 2, 3, 4]}  # d\n"
          "output %y : f32[?]\noutput %z : i64[?]\n");
    check("opset ai.onnx 13\nconst %a : f32[] = [1.5]\nconst %b : f32[] = [-4.0]\nconst %c : f32[] "
          "= [-0.7]\n"
          "%y : f32[?] = Range(%a, %b, %c)  # r\noutput %y : f32[?]\n");
    check_feed("opset ai.onnx 13\ninput %a : i32[]\ninput %b : i32[]\ninput %c : i32[]\n"
               "%y : i32[4] = Range(%a, %b, %c)  # r\noutput %y : i32[4]\n",
               "a=10;b=-2;c=-3");
}

/* ---- reductions ------------------------------------------------------------------------- */

static void test_reduce(void)
{
    static const char *const forms[] = {"{axes=[1], keepdims=0}", "", "{axes=[-1, 0]}",
                                        "{axes=[2], keepdims=1}"};
    static const char *const ts[] = {"f32", "f64", "f16", "i32", "u8", "i64"};
    for (int t = 0; t < 6; t++)
        for (int f = 0; f < 4; f++)
            for (int o = 0; o < 2; o++)
                checkf("opset ai.onnx 13\ninput %%x : %s[3,5,7]\n%%y : %s[?] = %s(%%x) %s  # "
                       "r\noutput %%y : %s[?]\n",
                       ts[t], ts[t], o ? "ReduceMax" : "ReduceMean", forms[f], ts[t]);
    check("opset ai.onnx 18\ninput %x : f32[3,5,7]\nconst %a : i64[2] = [0, 2]\n"
          "%y : f32[?] = ReduceMean(%x, %a)  # r\noutput %y : f32[?]\n");
    check("opset ai.onnx 18\ninput %x : f32[3,5,7]\nconst %a : i64[0]\n"
          "%y : f32[?] = ReduceMax(%x, %a) {noop_with_empty_axes=1}  # r\noutput %y : f32[?]\n");
    check_feed("opset ai.onnx 18\ninput %x : f32[3,5,7]\ninput %a : i64[1]\n"
               "%y : f32[3,7] = ReduceMean(%x, %a) {keepdims=0}  # r\noutput %y : f32[3,7]\n",
               "a=-2");
    check("opset ai.onnx 18\ninput %x : bool[3,5]\nconst %a : i64[1] = [1]\n"
          "%y : bool[?] = ReduceMax(%x, %a)  # r\noutput %y : bool[?]\n");
}

static void test_cumsum_argmax_topk(void)
{
    static const char *const forms[] = {"", "{exclusive=1}", "{reverse=1}",
                                        "{exclusive=1, reverse=1}"};
    for (int f = 0; f < 4; f++) {
        checkf("opset ai.onnx 14\ninput %%x : f32[4,5,3]\nconst %%a : i32[] = [1]\n"
               "%%y : f32[?] = CumSum(%%x, %%a) %s  # c\noutput %%y : f32[?]\n",
               forms[f]);
        checkf("opset ai.onnx 14\ninput %%x : u8[4,5,3]\nconst %%a : i64[] = [-1]\n"
               "%%y : u8[?] = CumSum(%%x, %%a) %s  # c\noutput %%y : u8[?]\n",
               forms[f]);
    }
    check_feed("opset ai.onnx 14\ninput %x : i64[4,5,3]\ninput %a : i64[]\n"
               "%y : i64[?] = CumSum(%x, %a)  # c\noutput %y : i64[?]\n",
               "a=0");
    static const char *const ts[] = {"f32", "i8", "u64", "f16"};
    for (int t = 0; t < 4; t++) {
        checkf("opset ai.onnx 13\ninput %%x : %s[4,9,3]\n%%y : i64[?] = ArgMax(%%x) {axis=1, "
               "keepdims=0}  # a\n"
               "output %%y : i64[?]\n",
               ts[t]);
        checkf("opset ai.onnx 13\ninput %%x : %s[4,9,3]\n%%y : i64[?] = ArgMax(%%x) {axis=-1, "
               "select_last_index=1}"
               "  # a\noutput %%y : i64[?]\n",
               ts[t]);
        checkf("opset ai.onnx 11\ninput %%x : %s[4,9,3]\nconst %%k : i64[1] = [4]\n"
               "%%v : %s[?], %%i : i64[?] = TopK(%%x, %%k) {axis=1}  # t\noutput %%v : "
               "%s[?]\noutput %%i : i64[?]\n",
               ts[t], ts[t], ts[t]);
        checkf("opset ai.onnx 11\ninput %%x : %s[4,9,3]\nconst %%k : i64[1] = [2]\n"
               "%%v : %s[?], %%i : i64[?] = TopK(%%x, %%k) {largest=0}  # t\noutput %%v : "
               "%s[?]\noutput %%i : i64[?]\n",
               ts[t], ts[t], ts[t]);
    }
}

static void test_batchnorm(void)
{
    check("opset ai.onnx 13\ninput %x : f32[2,3,5,4]\nconst %s : f32[3] = random\nconst %b : "
          "f32[3] = random\n"
          "const %m : f32[3] = random\nconst %v : f32[3] = [0.5, 1.5, 2.0]\n"
          "%y : f32[?] = BatchNormalization(%x, %s, %b, %m, %v) {epsilon=0.001}  # bn\noutput %y : "
          "f32[?]\n");
    check("opset ai.onnx 15\ninput %x : f64[2,3,7]\ninput %s : f64[3]\ninput %b : f64[3]\ninput %m "
          ": f64[3]\n"
          "input %posv : f64[3]\n%y : f64[?], %rm : f64[?], %rv : f64[?] = BatchNormalization(%x, "
          "%s, %b, %m, %posv) "
          "{training_mode=1, momentum=0.8}  # bn\noutput %y : f64[?]\noutput %rm : f64[?]\noutput "
          "%rv : f64[?]\n");
}

/* ---- pooling ------------------------------------------------------------------------------ */

static void test_pool(void)
{
    static const char *const ts[] = {"f32", "f64", "i8", "u8", "f16"};
    for (int t = 0; t < 5; t++) {
        checkf("opset ai.onnx 12\ninput %%x : %s[2,3,17,19]\n%%y : %s[?] = MaxPool(%%x) "
               "{kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1]}  # p\noutput %%y : %s[?]\n",
               ts[t], ts[t], ts[t]);
        checkf("opset ai.onnx 12\ninput %%x : %s[1,2,11,12]\n%%y : %s[?] = MaxPool(%%x) "
               "{kernel_shape=[2,3], dilations=[2,1], pads=[0,2,1,0], ceil_mode=1, strides=[1,3]}  "
               "# p\n"
               "output %%y : %s[?]\n",
               ts[t], ts[t], ts[t]);
    }
    check("opset ai.onnx 12\ninput %x : f32[2,3,9,8]\n%y : f32[?], %i : i64[?] = MaxPool(%x) "
          "{kernel_shape=[3,2], pads=[1,0,1,1]}  # p\noutput %y : f32[?]\noutput %i : i64[?]\n");
    check("opset ai.onnx 12\ninput %x : f32[2,3,9,8]\n%y : f32[?], %i : i64[?] = MaxPool(%x) "
          "{kernel_shape=[3,3], strides=[2,2], storage_order=1}  # p\noutput %y : f32[?]\noutput "
          "%i : i64[?]\n");
    check("opset ai.onnx 12\ninput %x : f32[2,3,23]\n%y : f32[?] = MaxPool(%x) {kernel_shape=[4], "
          "strides=[3], "
          "auto_pad=SAME_UPPER}  # p\noutput %y : f32[?]\n");
    check("opset ai.onnx 12\ninput %x : f32[1,2,5,6,7]\n%y : f32[?] = MaxPool(%x) "
          "{kernel_shape=[2,3,2], "
          "pads=[1,0,1,0,1,1]}  # p\noutput %y : f32[?]\n");
    check("opset ai.onnx 12\ninput %x : f32[1,64,100,133]\n%y : f32[?] = MaxPool(%x) "
          "{kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1]}  # p\noutput %y : f32[?]\n");
    for (int incl = 0; incl < 2; incl++)
        checkf("opset ai.onnx 12\ninput %%x : f32[2,3,9,10]\n%%y : f32[?] = AveragePool(%%x) "
               "{kernel_shape=[3,4], strides=[2,3], pads=[1,2,2,1], count_include_pad=%d}  # "
               "p\noutput %%y : f32[?]\n",
               incl);
    check("opset ai.onnx 12\ninput %x : f16[2,3,9,10]\n%y : f16[?] = AveragePool(%x) "
          "{kernel_shape=[2,2], "
          "auto_pad=SAME_LOWER}  # p\noutput %y : f16[?]\n");
    check("opset ai.onnx 12\ninput %x : f32[2,5,9,10]\n%y : f32[?] = GlobalAveragePool(%x)  # "
          "p\noutput %y : f32[?]\n");
    check("opset ai.onnx 12\ninput %x : f64[2,5,7]\n%y : f64[?] = GlobalAveragePool(%x)  # "
          "p\noutput %y : f64[?]\n");
}

/* ---- DETR's padding-mask subgraph ------------------------------------------------------- */

/* What PyTorch exports for a padded batch (B x 37 x 45 canvas, C5 feature
 * 5 x 6, 2 heads, 4 position features per axis): the mask resized by
 * nearest (floor, asymmetric) to the feature, its sine position encoding
 * from the cumulative sums of ~mask normalized by the last row/column, and
 * the additive key-padding mask Where(mask, -inf, 0) per (batch, head). */
static const char mask_graph[] =
    "opset ai.onnx 12\ninput %mask : bool[3,37,45]\n"
    "const %sz : i64[4] = [1, 3, 5, 6]\nconst %i0 : i64[] = [0]\nconst %a1 : i32[] = [1]\n"
    "const %a2 : i32[] = [2]\nconst %m1 : i64[1] = [-1]\nconst %big : i64[1] = [9223372036854775807]\n"
    "const %k0 : i64[1] = [0]\nconst %k1 : i64[1] = [1]\nconst %k2 : i64[1] = [2]\n"
    "const %k3 : i64[1] = [3]\nconst %eps : f32[] = [1e-06]\nconst %tau : f32[] = [6.2831855]\n"
    "const %dimt : f32[4] = [1.0, 1.0, 100.0, 100.0]\nconst %shp : i64[4] = [3, 5, 6, 4]\n"
    "const %kshp : i64[4] = [3, 1, 1, 30]\nconst %kexp : i64[4] = [3, 2, 1, 30]\n"
    "const %kflat : i64[3] = [6, 1, 30]\nconst %ninf : f32[] = [-inf]\nconst %zero : f32[] = [0.0]\n"
    "const %one : f32[] = [1.0]\n"
    "%mf : f32[?] = Cast(%mask) {to=1}  # c0\n%mu : f32[?] = Unsqueeze(%mf) {axes=[0]}  # u0\n"
    "%r : f32[?] = Resize(%mu, _, _, %sz) {mode=nearest, coordinate_transformation_mode=asymmetric, "
    "nearest_mode=floor}  # rs\n"
    "%rb : bool[?] = Cast(%r) {to=9}  # c1\n%m : bool[?] = Gather(%rb, %i0) {axis=0}  # g\n"
    "%nm : bool[?] = Not(%m)  # n\n%nf : f32[?] = Cast(%nm) {to=1}  # c2\n"
    "%y : f32[?] = CumSum(%nf, %a1)  # cy\n%x : f32[?] = CumSum(%nf, %a2)  # cx\n"
    "%yl : f32[?] = Slice(%y, %m1, %big, %k1, %k1)  # sy\n%xl : f32[?] = Slice(%x, %m1, %big, %k2, %k1)  # sx\n"
    "%yd : f32[?] = Add(%yl, %eps)  # ay\n%xd : f32[?] = Add(%xl, %eps)  # ax\n"
    "%yn : f32[?] = Div(%y, %yd)  # dy\n%xn : f32[?] = Div(%x, %xd)  # dx\n"
    "%ys : f32[?] = Mul(%yn, %tau)  # my\n%xs : f32[?] = Mul(%xn, %tau)  # mx\n"
    "%yu : f32[?] = Unsqueeze(%ys) {axes=[3]}  # uy\n%xu : f32[?] = Unsqueeze(%xs) {axes=[3]}  # ux\n"
    "%py : f32[?] = Div(%yu, %dimt)  # ey\n%px : f32[?] = Div(%xu, %dimt)  # ex\n"
    "%pys : f32[?] = Slice(%py, %k0, %big, %k3, %k2)  # s0\n%pyc : f32[?] = Slice(%py, %k1, %big, %k3, %k2)  # s1\n"
    "%pxs : f32[?] = Slice(%px, %k0, %big, %k3, %k2)  # s2\n%pxc : f32[?] = Slice(%px, %k1, %big, %k3, %k2)  # s3\n"
    "%sy : f32[?] = Sin(%pys)  # sin0\n%cy : f32[?] = Cos(%pyc)  # cos0\n"
    "%sx : f32[?] = Sin(%pxs)  # sin1\n%cx : f32[?] = Cos(%pxc)  # cos1\n"
    "%sy4 : f32[?] = Unsqueeze(%sy) {axes=[4]}  # u1\n%cy4 : f32[?] = Unsqueeze(%cy) {axes=[4]}  # u2\n"
    "%sx4 : f32[?] = Unsqueeze(%sx) {axes=[4]}  # u3\n%cx4 : f32[?] = Unsqueeze(%cx) {axes=[4]}  # u4\n"
    "%iy : f32[?] = Concat(%sy4, %cy4) {axis=4}  # j0\n%ix : f32[?] = Concat(%sx4, %cx4) {axis=4}  # j1\n"
    "%fy : f32[?] = Reshape(%iy, %shp)  # f0\n%fx : f32[?] = Reshape(%ix, %shp)  # f1\n"
    "%pc : f32[?] = Concat(%fy, %fx) {axis=3}  # j2\n%pos : f32[?] = Transpose(%pc) {perm=[0,3,1,2]}  # t\n"
    "%kf : bool[?] = Flatten(%m) {axis=1}  # fl\n%kr : bool[?] = Reshape(%kf, %kshp)  # kr\n"
    "%ke : bool[?] = Expand(%kr, %kexp)  # ke\n%kh : bool[?] = Reshape(%ke, %kflat)  # kh\n"
    "%kw : f32[?] = Where(%kh, %ninf, %zero)  # w\n%kpm : f32[?] = Mul(%kw, %one)  # km\n"
    "output %pos : f32[?]\noutput %kpm : f32[?]\noutput %m : bool[?]\n";

static void test_detr_mask(void)
{
    /* random bits (whole rows and columns masked), then padded images:
     * each keeps a top-left h x w block of the canvas */
    check(mask_graph);
    static const int hw[3][2] = {{37, 28}, {25, 45}, {30, 33}};
    static char feed[3 * 37 * 45 * 2 + 8];
    size_t o = (size_t)snprintf(feed, sizeof feed, "mask=");
    for (int b = 0; b < 3; b++)
        for (int i = 0; i < 37; i++)
            for (int j = 0; j < 45; j++)
                o += (size_t)snprintf(feed + o, sizeof feed - o, "%d,", i >= hw[b][0] || j >= hw[b][1]);
    check_feed(mask_graph, feed);
}

static void test_summary(void)
{
    printf("\n  %d graphs compared with the reference engine\n", n_checked);
}

int main(void)
{
    const char *jit = getenv("CG_LIGHT_JIT");
    jit_on = !jit || strcmp(jit, "0");
    static const tu_case cases[] = {{"binary", test_binary},
                                    {"variadic_pow", test_variadic_pow},
                                    {"compare_where", test_compare_where},
                                    {"unary", test_unary},
                                    {"clip", test_clip},
                                    {"cast", test_cast},
                                    {"inplace", test_inplace},
                                    {"copies", test_copies},
                                    {"transpose", test_transpose},
                                    {"concat_split", test_concat_split},
                                    {"slice", test_slice},
                                    {"gather_expand_tile", test_gather_expand_tile},
                                    {"pad", test_pad},
                                    {"resize", test_resize},
                                    {"constants_range", test_constants_range},
                                    {"reduce", test_reduce},
                                    {"cumsum_argmax_topk", test_cumsum_argmax_topk},
                                    {"batchnorm", test_batchnorm},
                                    {"pool", test_pool},
                                    {"detr_mask", test_detr_mask},
                                    {"summary", test_summary},
                                    {NULL, NULL}};
    return tu_run("cg_light", cases);
}
