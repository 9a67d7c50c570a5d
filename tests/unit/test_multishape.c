/* test_multishape.c - one artifact for several input shapes (`onnxc compile
 * --input-shape x:A,B,C`), on tests/models/gen_small.py's multishape.onnx
 * (two convolutions, then the pixels as tokens through MatMul+Add, so both
 * weight layouts the GEMM prepacks occur): each entry's outputs equal the
 * reference engine's at its shape; a shape that was not compiled is refused
 * with the list of those that were; the weights are stored once (the
 * constant bytes the compiler reports, and the object's .rodata); the
 * generated header lists the entries, and a program built against it and
 * the shared library selects them through the C API. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MODEL ONNXC_BUILD_DIR "/models/small/multishape.onnx"
#define INPUTS ONNXC_BUILD_DIR "/models/small/multishape.inputs"
#define SHAPES "x:1x3x16x20,1x3x20x16,1x3x12x12"

static char tmp[64];

/* Runs argv[0..] (NULL-terminated) with output in *out (freed first). */
static int run(char **out, const char *a0, ...)
{
    char *argv[40] = {(char *)a0};
    int n = 1;
    va_list ap;
    va_start(ap, a0);
    for (const char *a; n < 39 && (a = va_arg(ap, const char *));)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    free(*out);
    *out = NULL;
    return tu_exec(argv, out);
}

/* The number after `key` in text ("(123 bytes)" after "weights "). */
static unsigned long long reported_bytes(const char *text, const char *key)
{
    const char *p = text ? strstr(text, key) : NULL;
    p = p ? strchr(p, '(') : NULL;
    unsigned long long v = 0;
    return p && sscanf(p, "(%llu bytes)", &v) == 1 ? v : 0;
}

/* Size of section `name` in an object file (binutils `size -A`). */
static unsigned long long section_size(const char *obj, const char *name)
{
    char *out = NULL;
    unsigned long long v = 0;
    if (run(&out, "/usr/bin/env", "size", "-A", obj, NULL) == 0)
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            char sec[64];
            unsigned long long s;
            if (sscanf(line, "%63s %llu", sec, &s) == 2 && !strcmp(sec, name))
                v = s;
        }
    free(out);
    return v;
}

/* Each entry of exe (SHAPES) gives the reference engine's outputs at its
 * shape (written to tmp/TAG_SIZE). */
static void entries_agree(const char *exe, const char *tag, char **out)
{
    static const char *const sizes[] = {"16x20", "20x16", "12x12"}, *const t_shape[] = {"[1,320,256]",
                                                                                     "[1,320,256]", "[1,144,256]"};
    for (int i = 0; i < 3; i++) {
        char x[256], od[128];
        snprintf(x, sizeof x, "x=%s/x_%s.npy", INPUTS, sizes[i]);
        snprintf(od, sizeof od, "%s/%s_%s", tmp, tag, sizes[i]);
        CU_ASSERT_EQUAL(run(out, exe, "--input", x, "--output-dir", od, NULL), 0);
        TU_ASSERT_CONTAINS(*out, tu_path("t                    float32%s min ", t_shape[i]));
        CU_ASSERT_EQUAL(run(out, ONNXC_BIN, "run", "--engine", "ref", MODEL, "-i", x, "--compare", od, NULL), 0);
        TU_ASSERT_CONTAINS(*out, "compare y ");
        TU_ASSERT_CONTAINS(*out, "compare t ");
        CU_ASSERT(*out && !strstr(*out, "FAIL"));
    }
}

static void test_entries_match_reference(void)
{
    char *out = NULL, exe[128];
    snprintf(exe, sizeof exe, "%s/ms", tmp);
    CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", exe, "--input-shape", SHAPES, NULL), 0);
    TU_ASSERT_CONTAINS(out, "(executable) in ");
    TU_ASSERT_CONTAINS(out, ", 3 entries\n");
    TU_ASSERT_CONTAINS(out, "onnxc:   entry 1: x [1,3,20,16]: ");
    entries_agree(exe, "out", &out);
    CU_ASSERT_EQUAL(run(&out, exe, "--input", "x=" INPUTS "/x_16x16.npy", NULL), 1);
    TU_ASSERT_CONTAINS(out, "x_16x16.npy: input 'x' has shape [1,3,16,16], the model was compiled for one of "
                            "[1,3,16,20], [1,3,20,16], [1,3,12,12]\n");
    CU_ASSERT_EQUAL(run(&out, exe, "--help", NULL), 0);
    TU_ASSERT_CONTAINS(out, "  input  x                        float32[1,3,16,20] | [1,3,20,16] | [1,3,12,12]\n");
    free(out);
}

/* The constant data of three entries is that of one: the compiler's count,
 * and the object's .rodata grows only by the entries' descriptors. The
 * objects are built (not run) for an AVX-512 target, where the GEMM
 * microkernel, and so the packing of w3, would differ between 320 tokens
 * (14x32) and 144 (6x64) unless the entries share the first one's choice. */
#define V4 "--target-cpu", "x86-64-v4"
static void test_weights_once(void)
{
    char *out = NULL, o1[128], o3[128];
    snprintf(o1, sizeof o1, "%s/one.o", tmp);
    snprintf(o3, sizeof o3, "%s/three.o", tmp);
    CU_ASSERT_EQUAL_FATAL(
        run(&out, ONNXC_BIN, "compile", MODEL, "-o", o1, "--emit", "obj", "--input-shape", "x:1x3x16x20", V4, NULL), 0);
    unsigned long long one = reported_bytes(out, "; weights ");
    CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", o3, "--emit", "obj", "--input-shape", SHAPES, V4, NULL),
                          0);
    unsigned long long three = reported_bytes(out, "constant data ");
    CU_ASSERT(one > 140000); /* w1, w2, w3 and biases: 146 KB */
    CU_ASSERT_EQUAL(three, one);
    TU_ASSERT_CONTAINS(out, "onnxc:   entry 2: x [1,3,12,12]: 5 nodes; constants 0.1 MB (0.1 MB shared with other "
                            "entries); ");
    unsigned long long r1 = section_size(o1, ".rodata"), r3 = section_size(o3, ".rodata");
    CU_ASSERT(r1 >= one);
    CU_ASSERT(r3 >= r1 && r3 < r1 + one / 16);
    char *h = tu_read_file(tu_path("%s/three.h", tmp), NULL);
    TU_ASSERT_CONTAINS(h, "#define three_NUM_ENTRIES 3\n");
    TU_ASSERT_CONTAINS(h, "#define three_INPUT_x 0 /* x float32[1,3,16,20] | [1,3,20,16] | [1,3,12,12] */\n");
    TU_ASSERT_CONTAINS(h, "#define three_ENTRY1_INPUT_x_SHAPE {1, 3, 20, 16}\n");
    TU_ASSERT_CONTAINS(h, "#define three_ENTRY2_OUTPUT_t_SHAPE {1, 144, 256}\n");
    free(h);
    free(out);
}

/* Whether files a and b hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = tu_read_file(a, &na), *y = tu_read_file(b, &nb);
    bool same = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

/* Winograd forced on both 3x3 convolutions: their transformed weights are
 * made when the model is loaded, once per model (the three entries share
 * what the first one makes: the 3-shape artifact prepares the bytes of a
 * 1-shape one), and every entry's outputs are bit for bit those of an
 * artifact compiled for its shape alone. */
static void test_prepared_once(void)
{
    static const char *const sizes[] = {"16x20", "20x16", "12x12"};
    char *out = NULL, e3[128];
    snprintf(e3, sizeof e3, "%s/wino3", tmp);
    setenv("ONNXC_CONV_ALGO", "winograd", 1);
    CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", e3, "--input-shape", SHAPES, NULL), 0);
    TU_ASSERT_CONTAINS(out, "onnxc:   6 convolutions Winograd F(4x4,3x3) in all entries");
    unsigned long long three = reported_bytes(out, "transformed weights, ");
    CU_ASSERT(three >= 4 * 36 * 64 * 32); /* w2's at least: 64 x 32 filters, 36 points */
    for (int i = 0; i < 3; i++) {
        char e1[128], shape[64], x[256], o1[128], o3[128];
        snprintf(e1, sizeof e1, "%s/wino_%s", tmp, sizes[i]);
        snprintf(shape, sizeof shape, "x:1x3x%s", sizes[i]);
        CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", e1, "--input-shape", shape, NULL), 0);
        CU_ASSERT_EQUAL(reported_bytes(out, "transformed weights, "), three);
        snprintf(x, sizeof x, "x=%s/x_%s.npy", INPUTS, sizes[i]);
        snprintf(o1, sizeof o1, "%s/wino1_%s", tmp, sizes[i]);
        snprintf(o3, sizeof o3, "%s/wino3_%s", tmp, sizes[i]);
        CU_ASSERT_EQUAL(run(&out, e1, "--input", x, "--output-dir", o1, NULL), 0);
        CU_ASSERT_EQUAL(run(&out, e3, "--input", x, "--output-dir", o3, NULL), 0);
        CU_ASSERT(same_file(tu_path("%s/y.npy", o1), tu_path("%s/y.npy", o3)));
        CU_ASSERT(same_file(tu_path("%s/t.npy", o1), tu_path("%s/t.npy", o3)));
        /* and y, straight out of the second convolution, is within the usual tolerance */
        CU_ASSERT_EQUAL(run(&out, ONNXC_BIN, "run", "--engine", "ref", MODEL, "-i", x, "--compare", o3, NULL), 1);
        TU_ASSERT_CONTAINS(out, "beyond rtol 0.001 atol 0.0001: ok\n");
    }
    unsetenv("ONNXC_CONV_ALGO");
    free(out);
}

/* A program using the shared library and its header: entry 2 by its
 * header shape gives the executable's outputs; an uncompiled shape fails. */
static const char app_c[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include \"ms.h\"\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    onnxc_ctx *c = ms_create(1, NULL);\n"
    "    const int64_t d2[] = ms_ENTRY2_INPUT_x_SHAPE, bad[] = {1, 3, 16, 16};\n"
    "    const int64_t *dims[] = {d2};\n"
    "    const int32_t ranks[] = {4};\n"
    "    if (!c || argc != 2 || ms_select(c, ranks, dims) != ONNXC_OK)\n"
    "        return 3;\n"
    "    const onnxc_entry *e = onnxc_selected(c);\n"
    "    size_t nx = onnxc_tensor_bytes(&e->inputs[0]), nt = onnxc_tensor_bytes(&e->outputs[ms_OUTPUT_t]);\n"
    "    float *x = malloc(nx), *t = malloc(nt), *y = malloc(onnxc_tensor_bytes(&e->outputs[ms_OUTPUT_y]));\n"
    "    FILE *f = fopen(argv[1], \"rb\");\n"
    "    if (!f || fseek(f, -(long)nx, SEEK_END) || fread(x, 1, nx, f) != nx)\n"
    "        return 4;\n"
    "    fclose(f);\n"
    "    const void *in[ms_NUM_INPUTS] = {x};\n"
    "    void *out[ms_NUM_OUTPUTS];\n"
    "    out[ms_OUTPUT_y] = y;\n"
    "    out[ms_OUTPUT_t] = t;\n"
    "    if (ms_run(c, in, out) != ONNXC_OK)\n"
    "        return 5;\n"
    "    double sum = 0;\n"
    "    for (size_t i = 0; i < nt / 4; i++)\n"
    "        sum += t[i];\n"
    "    printf(\"entries %d, t has %lld tokens, sum %.3f\\n\", ms_NUM_ENTRIES, (long long)e->outputs[1].dims[1], sum);\n"
    "    dims[0] = bad;\n"
    "    printf(\"status %d: %s\\n\", ms_select(c, ranks, dims), onnxc_error(c));\n"
    "    ms_destroy(c);\n"
    "    free(x);\n"
    "    free(y);\n"
    "    free(t);\n"
    "    return 0;\n"
    "}\n";

static void test_library_api(void)
{
    char *out = NULL, lib[128];
    snprintf(lib, sizeof lib, "%s/libms.so", tmp);
    CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", lib, "--emit", "lib", "--input-shape", SHAPES, "-q",
                              NULL),
                          0);
    CU_ASSERT(tu_write_file(tu_path("%s/app.c", tmp), app_c, sizeof app_c - 1));
    char src[128], exe[128], inc[128], rpath[128];
    snprintf(src, sizeof src, "%s/app.c", tmp);
    snprintf(exe, sizeof exe, "%s/app", tmp);
    snprintf(inc, sizeof inc, "-I%s", tmp);
    snprintf(rpath, sizeof rpath, "-Wl,-rpath,%s", tmp);
    /* a sanitizer build's runtime needs the sanitizer's runtime at link time */
    const char *san = ONNXC_TEST_LINK_FLAGS[0] ? ONNXC_TEST_LINK_FLAGS : "-lm";
    CU_ASSERT_EQUAL_FATAL(run(&out, "/usr/bin/env", "cc", "-Wall", "-Wextra", "-Werror", inc, "-I" ONNXC_BUILD_DIR "/runtime", src, "-o",
                              exe, lib, ONNXC_BUILD_DIR "/runtime/libonnxc_rt.a", rpath, san, "-lm", "-lpthread", NULL),
                          0);
    CU_ASSERT_EQUAL(run(&out, exe, INPUTS "/x_12x12.npy", NULL), 0);
    TU_ASSERT_CONTAINS(out, "entries 3, t has 144 tokens, sum ");
    TU_ASSERT_CONTAINS(out, "status 2: input 'x' has shape [1,3,16,16], the model was compiled for one of "
                            "[1,3,16,20], [1,3,20,16], [1,3,12,12]\n");
    const char *p = out ? strstr(out, " sum ") : NULL;
    double got = 0;
    CU_ASSERT(p && sscanf(p, " sum %lf", &got) == 1);
    /* the reference engine's t at 12x12 has the same sum */
    char od[128];
    snprintf(od, sizeof od, "%s/ref_12x12", tmp);
    CU_ASSERT_EQUAL_FATAL(run(&out, ONNXC_BIN, "run", "--engine", "ref", MODEL, "-i", "x=" INPUTS "/x_12x12.npy",
                              "--output-dir", od, NULL),
                          0);
    size_t len = 0, n = 144 * 256;
    char *t = tu_read_file(tu_path("%s/t.npy", od), &len);
    double want = 0, mag = 0;
    for (size_t i = 0; t && len >= 4 * n && i < n; i++) {
        float v;
        memcpy(&v, t + len - 4 * n + 4 * i, 4);
        want += v;
        mag += v < 0 ? -v : v;
    }
    CU_ASSERT(t && mag > 0 && got - want < 1e-5 * mag + 1e-3 && want - got < 1e-5 * mag + 1e-3);
    free(t);
    free(out);
}

static void test_usage_errors(void)
{
    char *out = NULL, exe[128];
    snprintf(exe, sizeof exe, "%s/bad", tmp);
    CU_ASSERT_EQUAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", exe, "--input-shape", "x:1x3x16x20,1x3x16x20", NULL),
                    2);
    TU_ASSERT_CONTAINS(out, "onnxc: --input-shape: shapes 1 and 2 are the same");
    CU_ASSERT_EQUAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", exe, "--input-shape", "x:1x3x16x20,,1x3x8x8", NULL),
                    2);
    TU_ASSERT_CONTAINS(out, "onnxc: --input-shape 'x:1x3x16x20,,1x3x8x8': shape 2 is empty");
    CU_ASSERT_EQUAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", exe, "--input-shape", "x:1x3x16x20,1x3x8", NULL), 2);
    TU_ASSERT_CONTAINS(out, "onnxc: --input-shape: input 'x' has rank 4, got 3 dims");
    CU_ASSERT_EQUAL(run(&out, ONNXC_BIN, "compile", MODEL, "-o", exe, "--input-shape", "x:1x3x16x20,1x3x8x8",
                        "--input-shape", "y:1x2,1x3,1x4", NULL),
                    2);
    TU_ASSERT_CONTAINS(out, "--input-shape 'x:1x3x16x20,1x3x8x8' lists 2 shapes, another input 3");
    CU_ASSERT(!tu_exists(exe));
    free(out);
}

int main(void)
{
    static const tu_case cases[] = {
        {"entries_match_reference", test_entries_match_reference},
        {"weights_once", test_weights_once},
        {"prepared_once", test_prepared_once},
        {"library_api", test_library_api},
        {"usage_errors", test_usage_errors},
        {NULL, NULL},
    };
    snprintf(tmp, sizeof tmp, "/tmp/onnxc-multishape-XXXXXX");
    if (!mkdtemp(tmp))
        return 2;
    int rc = tu_run("multishape", cases);
    char *argv[] = {"/bin/rm", "-rf", tmp, NULL};
    tu_exec(argv, NULL);
    return rc;
}
