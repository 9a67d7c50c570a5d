/* mk_probe.c - how fast the GEMM microkernel runs, alone and in a node's pattern.
 *
 * Splits a conv/GEMM node's distance from the machine's peak into what the
 * microkernel itself costs and what the memory traffic around it costs:
 *   in cache  one tile, its A and B panels and C hot in L1/L2, called over and
 *             over: the kernel's own ceiling (compare with peak_flops.c);
 *   node      the tile loop of a real node (one thread): C and the residual are
 *             whole M x N matrices, far larger than the caches, visited as
 *             dense_gemm.c's tasks visit them (per block of nc columns and kc
 *             of K, mr rows at a time, each across the block's panels); A and B
 *             are panels already packed, so packing is not counted.
 * Shapes are DETR-R50's at 800x1066 (`onnxc inspect --kernels` prints them).
 * bf16 rows run where the CPU has AVX512_BF16.
 *
 * Build (bench.py does): clang-19 -O2 -march=native -ffp-contract=fast
 *   -Icodegen/kernels bench/mk_probe.c codegen/kernels/dense_mk.c -o mk_probe
 * Prints one line per case: "CASE: TIME, G GFLOP/s". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dense_mk.h"

enum { MR = 8, NV = 3, NR = 16 * NV, REPS = 5 };

typedef struct {
    const char *name;
    int64_t m, n, k, nc, kc;
    int res;
} node_shape;

static const node_shape shapes[] = {
    {"layer1 conv3 (1x1, 64 -> 256, 200x267, + residual)", 256, 53400, 64, 1488, 64, 1},
    {"layer2 conv3 (1x1, 128 -> 512, 100x134, + residual)", 512, 13400, 128, 672, 128, 1},
    {"layer3 conv1 (1x1, 1024 -> 256, 50x67)", 256, 3350, 1024, 240, 342, 0},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *must_alloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "mk_probe: out of memory\n");
        exit(1);
    }
    memset(p, 0, bytes);
    return p;
}

static void mk(int bf16, int64_t kc, const void *a, const void *b, float *c, int64_t ldc, int load,
               const dk_epi *e)
{
    if (bf16)
        onnxc_dk_mk16(MR, NV, kc, a, b, c, ldc, load, e);
    else
        onnxc_dk_mk(MR, NV, kc, a, b, c, ldc, load, e);
}

/* Panels of small values (bf16: 1.0 and 0.5 bit patterns), so sums stay finite. */
static void *panels(int64_t elems, int bf16)
{
    void *p = must_alloc((size_t)elems * (bf16 ? 2 : 4));
    for (int64_t i = 0; i < elems; i++) {
        if (bf16)
            ((uint16_t *)p)[i] = i % 3 ? 0x3f80 : 0x3f00;
        else
            ((float *)p)[i] = i % 3 ? 1e-3f : 5e-4f;
    }
    return p;
}

static void in_cache(int bf16, int64_t kc)
{
    void *a = panels(MR * kc, bf16), *b = panels(NR * kc, bf16);
    float *c = must_alloc(MR * NR * sizeof(float));
    int64_t calls = 4000000 / kc;
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t = now_s();
        for (int64_t i = 0; i < calls; i++)
            mk(bf16, kc, a, b, c, NR, 0, NULL);
        t = now_s() - t;
        best = t < best ? t : best;
    }
    double flop = 2.0 * MR * NR * (double)kc * (double)calls;
    printf("%s %dx%d in cache, kc %lld: %.2f us per call, %.1f GFLOP/s\n", bf16 ? "bf16" : "fp32", MR, NR,
           (long long)kc, best * 1e6 / (double)calls, flop / best * 1e-9);
    free(a);
    free(b);
    free(c);
}

/* One pass over the node: per block of nc columns and kc of K, the tile
 * loop the kernels run (dense_mk.h dk_tiles). */
static void node_pass(const node_shape *s, int bf16, const char *ap, const char *bp, float *c, const float *res)
{
    int64_t es = bf16 ? 2 : 4, k2 = bf16 ? dk_even(s->k) : s->k;
    for (int64_t n0 = 0; n0 + s->nc <= s->n; n0 += s->nc)
        for (int64_t pc = 0; pc < s->k; pc += s->kc) {
            dk_tile t = {0};
            t.kc = dk_min(s->kc, s->k - pc);
            t.ap = ap + pc * MR * es;
            t.a_ps = k2 * MR;
            t.bp = bp + (n0 / NR * k2 + pc) * NR * es;
            t.b_ps = k2 * NR;
            t.c = c + n0;
            t.ldc = s->n;
            t.mv = s->m;
            t.nn = s->nc;
            t.load = pc > 0;
            t.last = pc + t.kc >= s->k;
            t.bf16 = bf16;
            t.e.alpha = t.e.beta = 1.0f;
            t.e.relu = 1;
            t.e.res = s->res ? res + n0 : NULL;
            t.e.ldr = s->n;
            dk_tiles(MR, NV, &t);
        }
}

static void node(const node_shape *s, int bf16, char *flush, size_t flush_bytes)
{
    int64_t k2 = bf16 ? dk_even(s->k) : s->k, n = s->n / s->nc * s->nc; /* whole blocks only */
    void *a = panels(s->m * k2, bf16), *b = panels(n * k2, bf16);
    float *c = must_alloc((size_t)(s->m * s->n) * sizeof(float));
    float *res = s->res ? must_alloc((size_t)(s->m * s->n) * sizeof(float)) : NULL;
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        memset(flush, r, flush_bytes); /* C and the residual leave the caches */
        double t = now_s();
        node_pass(s, bf16, a, b, c, res);
        t = now_s() - t;
        best = t < best ? t : best;
    }
    double flop = 2.0 * (double)s->m * (double)n * (double)s->k;
    printf("%s node %s: %.3f ms, %.1f GFLOP/s\n", bf16 ? "bf16" : "fp32", s->name, best * 1e3,
           flop / best * 1e-9);
    free(a);
    free(b);
    free(c);
    free(res);
}

int main(void)
{
    size_t flush_bytes = (size_t)64 << 20;
    char *flush = must_alloc(flush_bytes);
    int has_bf16 = __builtin_cpu_supports("avx512bf16");
    for (int bf16 = 0; bf16 <= has_bf16; bf16++) {
        in_cache(bf16, 64);
        in_cache(bf16, 256);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            node(&shapes[i], bf16, flush, flush_bytes);
    }
    if (!has_bf16)
        printf("bf16: this CPU has no AVX512_BF16\n");
    free(flush);
    return 0;
}
