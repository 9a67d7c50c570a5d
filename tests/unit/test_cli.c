/* test_cli.c - the onnxc command line: exit codes (0 ok, 1 bad model or
 * input, 2 bad usage), help and version, inspect's text/JSON/IR/DOT/ONNX
 * outputs, run's input checks and --compare, compile's refusals. Uses the
 * small attention models of tests/models/gen_attention.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    static const tu_case cases[] = {
        {"help_version_usage", test_help_version_usage},
        {"bad_model", test_bad_model},
        {"inspect_outputs", test_inspect_outputs},
        {"onnx_roundtrip", test_onnx_roundtrip},
        {"run_checks", test_run_checks},
        {NULL, NULL},
    };
    return tu_run("cli", cases);
}
