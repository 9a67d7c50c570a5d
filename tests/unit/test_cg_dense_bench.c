/* test_cg_dense_bench.c - throughput of the dense kernels on DETR-sized
 * nodes, run natively (no LLVM): prints GFLOP/s on 1 and 2 threads and
 * asserts nothing about time. The numbers mean something only when the
 * kernels are built for the host (e.g. a scratch build with
 * CC=clang-19 CFLAGS="-march=native -ffp-contract=fast"); the default
 * build's generic x86-64 code shows correctness of the timing path only.
 * ONNXC_BENCH_REPS sets the repetitions (default 1, and then no warm-up). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cg_internal.h"
#include "kabi.h"
#include "kernels.h"
#include "testutil.h"

KERNEL(gemm);
KERNEL(conv);
KERNEL(attn);
KERNEL(gemm_multi);

typedef struct {
    const cg_lowered *l;
    void **bufs;
    void *scratch;
    atomic_llong *next;
} worker;

static void run_task(const cg_lowered *l, void **bufs, int64_t t, void *scratch)
{
    if (!strcmp(l->kernel, "conv"))
        onnxc_k_conv(l->desc, bufs, t, scratch);
    else if (!strcmp(l->kernel, "gemm"))
        onnxc_k_gemm(l->desc, bufs, t, scratch);
    else if (!strcmp(l->kernel, "gemm_multi"))
        onnxc_k_gemm_multi(l->desc, bufs, t, scratch);
    else if (!strcmp(l->kernel, "attn"))
        onnxc_k_attn(l->desc, bufs, t, scratch);
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int64_t t; (t = atomic_fetch_add(w->next, 1)) < w->l->n_tasks;)
        run_task(w->l, w->bufs, t, w->scratch);
    return NULL;
}

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs every phase of l on `threads` threads; returns wall seconds and the
 * CPU seconds of the process in *cpu (the machine may be shared: CPU time
 * shows what the kernels do when they run). */
static double run_node(const cg_lowered *l, void **bufs, void **scratch, int threads, double *cpu)
{
    double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (; l; l = NULL) {
        atomic_llong next = 0;
        worker w[2] = {{l, bufs, scratch[0], &next}, {l, bufs, scratch[1], &next}};
        pthread_t th;
        if (threads > 1)
            pthread_create(&th, NULL, work, &w[1]);
        work(&w[0]);
        if (threads > 1)
            pthread_join(th, NULL);
    }
    *cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    return now(CLOCK_MONOTONIC) - t0;
}

static void bench(const char *label, const char *text)
{
    ir_graph *g = NULL;
    ir_diag d;
    CU_ASSERT_EQUAL_FATAL(ir_parse(text, &g, &d), IR_OK);
    CU_ASSERT_EQUAL_FATAL(ir_infer_shapes(g, &d), IR_OK);
    cg_program *p = NULL;
    CU_ASSERT_EQUAL_FATAL(cg_program_build(g, 2, &p, &d), IR_OK);
    void *ins[4] = {0}, *outs[4] = {0};
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        int64_t n = ir_shape_numel(&g->values[g->inputs[i]].shape);
        float *x = aligned_alloc(64, (size_t)(n * 4 + 64));
        for (int64_t k = 0; k < n; k++)
            x[k] = (float)((k * 7919) % 1000) / 1000.0f - 0.5f;
        ins[i] = x;
    }
    for (uint32_t i = 0; i < g->n_outputs; i++)
        outs[i] = aligned_alloc(64, (size_t)(ir_shape_numel(&g->values[g->outputs[i]].shape) * 4 + 64));
    void *arena = aligned_alloc(64, p->plan.arena_bytes + 64);
    void **bufs = calloc(p->n_bufs + 1, sizeof *bufs);
    void *scratch[2] = {aligned_alloc(64, p->scratch_bytes + 64), aligned_alloc(64, p->scratch_bytes + 64)};
    cg_program_bind(p, arena, (const void *const *)ins, outs, bufs);
    const char *r = getenv("ONNXC_BENCH_REPS");
    int reps = r && atoi(r) > 0 ? atoi(r) : 1;
    const cg_lowered *l = &p->nodes[0];
    for (int threads = 1; threads <= 2; threads++) {
        double best = 1e30, cpu = 1e30, c;
        if (reps > 1)
            run_node(l, bufs, scratch, threads, &c); /* warm up: page faults, caches */
        for (int k = 0; k < reps; k++) {
            double s = run_node(l, bufs, scratch, threads, &c);
            best = s < best ? s : best;
            cpu = c < cpu ? c : cpu;
        }
        printf("\n  %-32s %dT: %7.2f ms wall, %6.1f GFLOP/s per core busy (%lld tasks)", label, threads, best * 1e3,
               l->flops / cpu * 1e-9, (long long)l->n_tasks);
    }
    for (int i = 0; i < 4; i++) {
        free(ins[i]);
        free(outs[i]);
    }
    free(scratch[0]);
    free(scratch[1]);
    free(arena);
    free(bufs);
    cg_program_free(p);
    ir_graph_free(g);
}

static void test_conv3x3(void)
{
    bench("conv 3x3 64->64 200x267 +relu",
          "opset ai.onnx 13\ninput %x : f32[1,64,200,267]\nconst %w : f32[64,64,3,3] = random\n"
          "const %b : f32[64] = random\n%y : f32[?] = onnxc.FusedConv(%x, %w, %b) {pads=[1,1,1,1], "
          "activation=relu}  # c\noutput %y : f32[?]\n");
}

static void test_conv1x1(void)
{
    bench("conv 1x1 256->1024 100x134 +res",
          "opset ai.onnx 13\ninput %x : f32[1,256,100,134]\ninput %r : f32[1,1024,100,134]\n"
          "const %w : f32[1024,256,1,1] = random\nconst %b : f32[1024] = random\n"
          "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {activation=relu}  # c\noutput %y : f32[?]\n");
}

static void test_conv3x3_s2(void)
{
    bench("conv 3x3 s2 256->256 100x134",
          "opset ai.onnx 13\ninput %x : f32[1,256,100,134]\nconst %w : f32[256,256,3,3] = random\n"
          "const %b : f32[256] = random\n%y : f32[?] = onnxc.FusedConv(%x, %w, %b) {pads=[1,1,1,1], "
          "strides=[2,2], activation=relu}  # c\noutput %y : f32[?]\n");
}

static void test_linear(void)
{
    bench("linear 850x256x2048 +relu",
          "opset ai.onnx 13\ninput %x : f32[850,1,256]\nconst %w : f32[256,2048] = random\n"
          "const %b : f32[2048] = random\n%y : f32[?] = onnxc.Linear(%x, %w, %b) {activation=relu}  # l\n"
          "output %y : f32[?]\n");
    bench("linear 850x2048x256",
          "opset ai.onnx 13\ninput %x : f32[850,1,2048]\nconst %w : f32[2048,256] = random\n"
          "const %b : f32[256] = random\n%y : f32[?] = onnxc.Linear(%x, %w, %b)  # l\noutput %y : f32[?]\n");
}

static const tu_case cases[] = {
    {"conv3x3", test_conv3x3},
    {"conv1x1", test_conv1x1},
    {"conv3x3_s2", test_conv3x3_s2},
    {"linear", test_linear},
    {NULL, NULL},
};

int main(void) { return tu_run("cg_dense_bench", cases); }
