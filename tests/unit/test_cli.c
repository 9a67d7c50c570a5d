/* test_cli.c - the onnxc command line: exit codes (0 ok, 1 bad model or
 * input, 2 bad usage), help and version, inspect's text/JSON/IR/DOT/ONNX
 * outputs, run's input checks and --compare, compile's refusals. Uses the
 * small attention models of tests/models/gen_attention.py. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define MODEL ONNXC_BUILD_DIR "/models/attention/mha_cross_op12"

static int onnxc(char **out, const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
                 const char *a6, const char *a7, const char *a8)
{
    char *argv[] = {ONNXC_BIN, (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5, (char *)a6, (char *)a7,
                    (char *)a8, NULL};
    return tu_exec(argv, out);
}

static void test_help_version_usage(void)
{
    char *out;
    CU_ASSERT_EQUAL(onnxc(&out, "--help", 0, 0, 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "usage: onnxc <command>");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "--version", 0, 0, 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "onnxc 0.1.0");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, NULL, 0, 0, 0, 0, 0, 0, 0), 2);
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "frobnicate", 0, 0, 0, 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "unknown command 'frobnicate'");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--bogus", MODEL ".onnx", 0, 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "unknown or incomplete option '--bogus'");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", 0, 0, 0, 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "missing MODEL");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--help", 0, 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "--print-after");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", 0, 0, 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "missing -o OUT");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", "/tmp/onnxc-test-cli-bf16", "--precision", "fp16",
                          0, 0),
                    2);
    TU_ASSERT_CONTAINS(out, "unknown --precision 'fp16' (fp32, bf16)");
    free(out);
    /* bf16 for a target without AVX512_BF16: refused before any code exists */
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", "/tmp/onnxc-test-cli-bf16", "--precision", "bf16",
                          "--target-cpu", "x86-64-v3"),
                    2);
    TU_ASSERT_CONTAINS(out, "--precision bf16 needs a target CPU with AVX512_BF16");
    TU_ASSERT_CONTAINS(out, "target 'x86-64-v3' lacks it");
    free(out);
    CU_ASSERT_EQUAL(access("/tmp/onnxc-test-cli-bf16", F_OK), -1);
}

static void test_bad_model(void)
{
    char *out;
    const char *path = "/tmp/onnxc-test-cli-garbage.onnx";
    static const char garbage[] = "\x0a\xff\xff\xff\xff\x0f garbage";
    tu_write_file(path, garbage, sizeof garbage - 1);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", path, 0, 0, 0, 0, 0, 0), 1);
    TU_ASSERT_CONTAINS(out, "onnxc: /tmp/onnxc-test-cli-garbage.onnx: ");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "/nonexistent/model.onnx", 0, 0, 0, 0, 0, 0), 1);
    free(out);
    unlink(path);
}

/* inspect --kernels: what each node lowers to and why (a 3x3 convolution's
 * direct or Winograd choice, the attention phases), text and JSON. */
static void test_inspect_kernels(void)
{
    char *out;
    const char *ms = ONNXC_BUILD_DIR "/models/small/multishape.onnx", *shape = "x:1x3x16x20";
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--input-shape", shape, ms, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "bit vectors, tiled for 2 threads, fp32):\n");
    TU_ASSERT_CONTAINS(out, " conv1 ");
    TU_ASSERT_CONTAINS(out, "multiply-adds, below Winograd's 5e+07\n");
    TU_ASSERT_CONTAINS(out, "32x320x27 (im2col per tile), mr x nr ");
    TU_ASSERT_CONTAINS(out, "  made at load (Winograd weights): 0.0 MB\n");
    free(out);
    setenv("ONNXC_CONV_ALGO", "winograd", 1);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--input-shape", shape, ms, 0, 0, 0), 0);
    unsetenv("ONNXC_CONV_ALGO");
    TU_ASSERT_CONTAINS(out, " wino ");
    TU_ASSERT_CONTAINS(out, "(F(4x4,3x3): 20 tiles)");
    TU_ASSERT_CONTAINS(out, "Winograd: ONNXC_CONV_ALGO=winograd; F(4x4,3x3): F(4x4) ");
    free(out);
    setenv("ONNXC_CONV_ALGO", "winograd", 1);
    setenv("ONNXC_WINO_TILE", "6", 1);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--input-shape", shape, ms, 0, 0, 0), 0);
    unsetenv("ONNXC_WINO_TILE");
    unsetenv("ONNXC_CONV_ALGO");
    TU_ASSERT_CONTAINS(out, "64 x 64x32x32 (F(6x6,3x3): 12 tiles)");
    TU_ASSERT_CONTAINS(out, "Winograd: ONNXC_CONV_ALGO=winograd; F(6x6,3x3): ONNXC_WINO_TILE=6\n");
    TU_ASSERT_CONTAINS(out, "\n  products the kernels run: ");
    free(out);
    /* the products the kernels run: 2 x points x M x N x K for Winograd (fewer than its direct flops) */
    setenv("ONNXC_CONV_ALGO", "winograd", 1);
    setenv("ONNXC_WINO_TILE", "6", 1);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--json", "--input-shape", shape, ms, 0, 0), 0);
    unsetenv("ONNXC_WINO_TILE");
    unsetenv("ONNXC_CONV_ALGO");
    TU_ASSERT_CONTAINS(out, "\"kernel\": \"wino\"");
    TU_ASSERT_CONTAINS(out, "\"product_flops\": 8388608, \"product\": \"64 x 64x32x32 (F(6x6,3x3): 12 tiles)\"");
    TU_ASSERT_CONTAINS(out, "\"flops\": 552960, \"product_flops\": 393216, \"product\": \"64 x 32x32x3 ");
    TU_ASSERT_CONTAINS(out, "\"product_flops\": 10485760, \"product\": \"320x256x64\""); /* 2 x M x N x K */
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--json", MODEL ".onnx", 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "\"kernels\": {\"vector_bits\": ");
    TU_ASSERT_CONTAINS(out, "\"kernel\": \"attn\", \"precision\": \"fp32\"");
    TU_ASSERT_CONTAINS(out, "\"product\": \"");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--precision", "bf16", MODEL ".onnx", 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "--precision goes with --kernels");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--precision", "fp16", MODEL ".onnx", 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "--precision expects fp32 or bf16, not 'fp16'");
    free(out);
    /* --keep-fp32: conv2 (bf16 without it) stays fp32 and says why */
    if (__builtin_cpu_supports("avx512f")) {
        CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--precision=bf16", "--input-shape", shape, ms, 0, 0), 0);
        TU_ASSERT_CONTAINS(out, "conv2                                        conv        bf16 ");
        free(out);
        CU_ASSERT_EQUAL(
            onnxc(&out, "inspect", "--kernels", "--precision=bf16", "--keep-fp32=x,v2", "--input-shape", shape, ms, 0),
            0);
        TU_ASSERT_CONTAINS(out, "conv2                                        conv        fp32 ");
        TU_ASSERT_CONTAINS(out, "float32: its name contains 'v2' (--keep-fp32)\n");
        free(out);
    }
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--kernels", "--keep-fp32", "conv2", MODEL ".onnx", 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "--keep-fp32 goes with --precision bf16");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", "/tmp/onnxc-test-cli-keep", "--precision", "bf16",
                          "--keep-fp32", "a,,b"),
                    2);
    TU_ASSERT_CONTAINS(out, "--keep-fp32 expects comma-separated parts of node names, not 'a,,b'");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "run", MODEL ".onnx", "--keep-fp32", "conv2", 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "--keep-fp32 goes with --precision bf16");
    free(out);
    CU_ASSERT_EQUAL(access("/tmp/onnxc-test-cli-keep", F_OK), -1);
}

static void test_inspect_outputs(void)
{
    char *out;
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", MODEL ".onnx", 0, 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "op histogram");
    TU_ASSERT_CONTAINS(out, "  x                        float32[5,1,16]");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--json", MODEL ".onnx", 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "\"node_count\": ");
    TU_ASSERT_CONTAINS(out, "\"op_histogram\": {");
    TU_ASSERT_CONTAINS(out, "\"inputs\": [{\"name\": \"x\", \"dtype\": \"float32\", \"shape\": [5, 1, 16]}");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "-O", "--json", "--memory", MODEL ".onnx", 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "\"fusions\": {");
    TU_ASSERT_CONTAINS(out, "\"attention\": {\"matched\": 1, \"declined\": []}");
    TU_ASSERT_CONTAINS(out, "\"memory\": {\"arena_bytes\": ");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "-O", "--print-after=fuse_attention", MODEL ".onnx", 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "# after fuse_attention: ");
    TU_ASSERT_CONTAINS(out, "onnxc.Attention(");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "-O", "--print-after=nope", MODEL ".onnx", 0, 0, 0, 0), 2);
    TU_ASSERT_CONTAINS(out, "--print-after: no pass named 'nope'");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "-O", "--format=dot", "-o", "/tmp/onnxc-test-cli.dot", MODEL ".onnx", 0, 0),
                    0);
    free(out);
    char *dot = tu_read_file("/tmp/onnxc-test-cli.dot", NULL);
    TU_ASSERT_CONTAINS(dot, "digraph onnxc {");
    TU_ASSERT_CONTAINS(dot, "Attention");
    free(dot);
    unlink("/tmp/onnxc-test-cli.dot");
}

/* The optimized graph written as ONNX loads again and computes the same. */
static void test_onnx_roundtrip(void)
{
    char *out;
    const char *opt = "/tmp/onnxc-test-cli-opt.onnx";
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "-O", "--format=onnx", "-o", opt, MODEL ".onnx", 0, 0), 0);
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "inspect", "--json", opt, 0, 0, 0, 0, 0), 0);
    TU_ASSERT_CONTAINS(out, "\"Attention\": 1");
    free(out);
    char *argv[] = {ONNXC_PYTHON, "-c",
                    "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m); print('checked')",
                    (char *)opt, NULL};
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 0);
    TU_ASSERT_CONTAINS(out, "checked");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "run", "--engine", "ref", opt, "-i", "x=" MODEL ".inputs/x.npy", "-i",
                          "pos=" MODEL ".inputs/pos.npy"),
                    2); /* mem missing: usage */
    TU_ASSERT_CONTAINS(out, "input 'mem' is not given");
    free(out);
    unlink(opt);
}

static void test_run_checks(void)
{
    char *out;
    char *argv[] = {ONNXC_BIN, "run", "--engine", "ref", MODEL ".onnx", "-i", "x=" MODEL ".inputs/x.npy",
                    "-i", "pos=" MODEL ".inputs/pos.npy", "-i", "mem=" MODEL ".inputs/mem.npy",
                    "--compare", MODEL ".inputs", NULL};
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 0);
    TU_ASSERT_CONTAINS(out, "compare y");
    TU_ASSERT_CONTAINS(out, ": ok");
    free(out);
    argv[6] = "x=" MODEL ".inputs/mem.npy"; /* [7,1,16] where [5,1,16] is expected */
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 2);
    TU_ASSERT_CONTAINS(out, "input 'x' has shape [7,1,16], expected [5,1,16]");
    free(out);
    /* the right shape in int8: refused by both engines before anything reads it */
    static const char i8_npy[] = "\x93NUMPY\x01\x00\x76\x00{'descr': '|i1', 'fortran_order': False, "
                                 "'shape': (5, 1, 16), }";
    char npy[128 + 80] = {0};
    memcpy(npy, i8_npy, sizeof i8_npy - 1);
    memset(npy + sizeof i8_npy - 1, ' ', 127 - (sizeof i8_npy - 1));
    npy[127] = '\n';
    const char *i8 = "/tmp/onnxc-test-cli-i8.npy";
    tu_write_file(i8, npy, sizeof npy);
    char spec[64];
    snprintf(spec, sizeof spec, "x=%s", i8);
    argv[6] = spec;
    for (int e = 0; e < 2; e++) {
        argv[3] = e ? "jit" : "ref";
        CU_ASSERT_EQUAL(tu_exec(argv, &out), 2);
        TU_ASSERT_CONTAINS(out, "input 'x' is int8, expected float32");
        free(out);
    }
    argv[3] = "ref";
    unlink(i8);
    argv[6] = "nosuch=" MODEL ".inputs/x.npy";
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 2);
    TU_ASSERT_CONTAINS(out, "the model has no input of that name");
    free(out);
    argv[6] = "x=" MODEL ".inputs/x.npy";
    argv[12] = MODEL ".inputs/../mha_self_op12.inputs"; /* a different model's reference: must fail */
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 1);
    TU_ASSERT_CONTAINS(out, "FAIL");
    free(out);
}

/* Number of .npy files in dir, or -1. */
static int count_npy(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".npy");
    closedir(d);
    return n;
}

/* --dump with the JIT writes every value of the optimized graph, the same
 * files as the reference engine on that graph (--engine ref -O). */
static void test_dump_jit(void)
{
    char *out;
    const char *dj = "/tmp/onnxc-test-cli-dump-jit", *dr = "/tmp/onnxc-test-cli-dump-ref";
    char *argv[] = {ONNXC_BIN, "run", MODEL ".onnx", "-i", "x=" MODEL ".inputs/x.npy", "-i",
                    "pos=" MODEL ".inputs/pos.npy", "-i", "mem=" MODEL ".inputs/mem.npy", "--dump",
                    (char *)dj, "--compare", MODEL ".inputs", NULL, NULL, NULL};
    CU_ASSERT_EQUAL(tu_exec(argv, &out), 0);
    free(out);
    argv[10] = (char *)dr;
    argv[13] = "--engine", argv[14] = "ref", argv[15] = NULL;
    char *argv_o[17];
    memcpy(argv_o, argv, sizeof argv);
    argv_o[15] = "-O", argv_o[16] = NULL;
    CU_ASSERT_EQUAL(tu_exec(argv_o, &out), 0);
    free(out);
    int nj = count_npy(dj), nr = count_npy(dr);
    CU_ASSERT_EQUAL(nj, 4); /* 2 Adds, Attention, LayerNorm (y) */
    CU_ASSERT_EQUAL(nj, nr);
    CU_ASSERT(tu_exists(tu_path("%s/y.npy", dj)));
    char *cmd[] = {"rm", "-rf", (char *)dj, (char *)dr, NULL};
    tu_exec(cmd, &out);
    free(out);
}

/* Inputs whose values decide a shape (ONNX's Hann window: Range(0, size))
 * or Dropout's mode: `onnxc run` specializes on them and says so, `onnxc
 * compile` refuses naming the node and the input. */
#define NODE_TESTS ONNXC_TESTDATA_DIR "/node/"
static void test_value_inputs(void)
{
    char *out;
#define HANN NODE_TESTS "test_hannwindow_expanded/"
    CU_ASSERT_EQUAL(onnxc(&out, "run", HANN "model.onnx", "-i", "x=" HANN "test_data_set_0/input_0.pb", 0, 0, 0, 0),
                    0);
    TU_ASSERT_CONTAINS(out, "specialized on input 'x' = [10]: it decides the output shape of node '' (Range)");
    TU_ASSERT_CONTAINS(out, "y                    float32[10] min 0 max 1 mean 0.5");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", HANN "model.onnx", "-o", "/tmp/onnxc-test-cli-hann", 0, 0, 0, 0), 1);
    TU_ASSERT_CONTAINS(out, "node '' (Range): its output shape depends on the value of input 'x', which onnxc "
                            "compile cannot know");
    free(out);
#define DROP NODE_TESTS "test_training_dropout_zero_ratio_mask/"
    CU_ASSERT_EQUAL(onnxc(&out, "run", DROP "model.onnx", "-i", "x=" DROP "test_data_set_0/input_0.pb", "-i",
                          "r=" DROP "test_data_set_0/input_1.pb", "-i", "t=" DROP "test_data_set_0/input_2.pb"),
                    0);
    TU_ASSERT_CONTAINS(out, "specialized on input 't' = [1]: it decides the mode (training or inference) of node "
                            "'' (Dropout)");
    TU_ASSERT_CONTAINS(out, "specialized on input 'r' = [0]");
    TU_ASSERT_CONTAINS(out, "z                    bool[3,4,5] min 1 max 1 mean 1");
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", DROP "model.onnx", "-o", "/tmp/onnxc-test-cli-drop", 0, 0, 0, 0), 1);
    TU_ASSERT_CONTAINS(out, "node '' (Dropout): its mode (training or inference) depends on the value of input "
                            "'t'");
    free(out);
#undef DROP
#define DROP NODE_TESTS "test_training_dropout/" /* ratio 0.75: random, refused as by the reference engine */
    CU_ASSERT_EQUAL(onnxc(&out, "run", DROP "model.onnx", "-i", "x=" DROP "test_data_set_0/input_0.pb", "-i",
                          "r=" DROP "test_data_set_0/input_1.pb", "-i", "t=" DROP "test_data_set_0/input_2.pb"),
                    1);
    TU_ASSERT_CONTAINS(out, "training_mode=1 with a non-zero ratio (random dropout) is not supported");
    free(out);
#undef DROP
    CU_ASSERT_FALSE(tu_exists("/tmp/onnxc-test-cli-hann"));
    CU_ASSERT_FALSE(tu_exists("/tmp/onnxc-test-cli-drop"));
}

/* Removes the files of a flat folder, then the folder. */
static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(tu_path("%s/%s", dir, e->d_name));
    if (dp)
        closedir(dp);
    rmdir(dir);
}

/* compile writes every artifact kind under a temporary name and renames it
 * into place; an output folder that is missing (or a file) is refused
 * before any work, naming it. */
static void test_compile_outputs(void)
{
    char *out;
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", "/nonexistent-onnxc/net.o", "--emit", "obj", 0, 0),
                    1);
    TU_ASSERT_CONTAINS(out, "cannot write /nonexistent-onnxc/net.o: /nonexistent-onnxc does not exist");
    free(out);
    const char *dir = "/tmp/onnxc-test-cli-out";
    char file[256], obj[256], ll[256], hdr[256];
    snprintf(file, sizeof file, "%s/afile", dir);
    snprintf(obj, sizeof obj, "%s/net.o", dir);
    snprintf(ll, sizeof ll, "%s/net.ll", dir);
    snprintf(hdr, sizeof hdr, "%s/net.h", dir);
    remove_dir(dir);
    CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
    tu_write_file(file, "x", 1);
    char under[300];
    snprintf(under, sizeof under, "%s/x.o", file);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", under, "--emit", "obj", 0, 0), 1);
    TU_ASSERT_CONTAINS(out, "is not a folder");
    free(out);
    tu_write_file(obj, "old", 3);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", obj, "--emit", "obj", "-q", 0), 0);
    free(out);
    CU_ASSERT_EQUAL(onnxc(&out, "compile", MODEL ".onnx", "-o", ll, "--emit", "llvm", "--name", "net"), 0);
    free(out);
    struct stat st;
    CU_ASSERT(stat(obj, &st) == 0 && st.st_size > 3); /* replaced by the object */
    CU_ASSERT(tu_exists(ll) && tu_exists(hdr));
    /* nothing else is left in the folder: no temporary files */
    int n = 0;
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));)
        n += e->d_name[0] != '.';
    if (dp)
        closedir(dp);
    CU_ASSERT_EQUAL(n, 4); /* afile, net.o, net.h, net.ll */
    remove_dir(dir);
}

int main(void)
{
    static const tu_case cases[] = {
        {"help_version_usage", test_help_version_usage},
        {"bad_model", test_bad_model},
        {"inspect_outputs", test_inspect_outputs},
        {"inspect_kernels", test_inspect_kernels},
        {"onnx_roundtrip", test_onnx_roundtrip},
        {"run_checks", test_run_checks},
        {"value_inputs", test_value_inputs},
        {"dump_jit", test_dump_jit},
        {"compile_outputs", test_compile_outputs},
        {NULL, NULL},
    };
    return tu_run("cli", cases);
}
