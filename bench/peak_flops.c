/* peak_flops.c - the machine's peak fp32 FMA throughput, the yardstick for kernels.
 *
 * Each thread runs NACC independent chains acc = acc * a + b on full-width vectors
 * (AVX-512 when the compiler targets it, else AVX, else SSE), all in registers: no
 * loads, no stores, enough chains to hide the FMA latency on every FMA port. The
 * figure is the best of several repetitions, with threads pinned one per CPU, so it
 * is what a perfect kernel could reach, not what a real one does. bench.py divides
 * each conv/GEMM node's GFLOP/s (from ONNXC_PROFILE=1) by it.
 *
 * Build: gcc -O2 -march=native -ffp-contract=fast -pthread peak_flops.c -o peak_flops
 * (-ffp-contract=fast turns a * x + b into one FMA; ISO C modes default to off).
 * Usage:  peak_flops [THREADS...]      default: 1 and the number of online CPUs
 * Prints: "isa avx512, 16 lanes, 12 chains" then "threads N: G GFLOP/s" per count. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__AVX512F__)
#define VBYTES 64
#define ISA "avx512"
#elif defined(__AVX__)
#define VBYTES 32
#define ISA "avx"
#else
#define VBYTES 16
#define ISA "sse"
#endif
#define LANES (VBYTES / 4)
#define NACC 12 /* 12 chains + 2 operands fit the 16 registers of AVX2 too */
#define ITERS 4000000L /* ~15 ms per repetition at peak: short, so some land on an idle machine */
#define REPS 40

typedef float vf __attribute__((vector_size(VBYTES)));

typedef struct {
    int cpu;
    pthread_barrier_t *start;
    float sink;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* a < 1 and b small keep every chain bounded and away from denormals. */
static float fma_chains(long iters, float seed)
{
    vf a = (vf){0} + 0.999999f, b = (vf){0} + 1e-6f * seed;
    vf c0 = a + 0.0f, c1 = a + 0.1f, c2 = a + 0.2f, c3 = a + 0.3f, c4 = a + 0.4f,
       c5 = a + 0.5f, c6 = a + 0.6f, c7 = a + 0.7f, c8 = a + 0.8f, c9 = a + 0.9f,
       c10 = a + 1.0f, c11 = a + 1.1f;
    for (long i = 0; i < iters; i++) {
        c0 = c0 * a + b;
        c1 = c1 * a + b;
        c2 = c2 * a + b;
        c3 = c3 * a + b;
        c4 = c4 * a + b;
        c5 = c5 * a + b;
        c6 = c6 * a + b;
        c7 = c7 * a + b;
        c8 = c8 * a + b;
        c9 = c9 * a + b;
        c10 = c10 * a + b;
        c11 = c11 * a + b;
    }
    vf s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
    float r = 0;
    for (int k = 0; k < LANES; k++)
        r += s[k];
    return r;
}

static void *work(void *arg)
{
    worker *w = arg;
    if (w->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    }
    pthread_barrier_wait(w->start);
    w->sink = fma_chains(ITERS, (float)(w->cpu + 2));
    return NULL;
}

/* GFLOP/s of `threads` threads running the chains at once; best of REPS. */
static double measure(int threads, int ncpu)
{
    double best = 0;
    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    if (!ws || !ids) {
        fprintf(stderr, "peak_flops: out of memory\n");
        exit(1);
    }
    for (int rep = 0; rep < REPS; rep++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
        for (int t = 0; t < threads; t++) {
            ws[t] = (worker){.cpu = threads <= ncpu ? t : -1, .start = &start};
            if (pthread_create(&ids[t], NULL, work, &ws[t])) {
                fprintf(stderr, "peak_flops: cannot start thread %d\n", t);
                exit(1);
            }
        }
        double t0 = now_s();
        pthread_barrier_wait(&start);
        for (int t = 0; t < threads; t++)
            pthread_join(ids[t], NULL);
        double dt = now_s() - t0;
        pthread_barrier_destroy(&start);
        double flops = 2.0 * LANES * NACC * (double)ITERS * threads;
        if (flops / dt / 1e9 > best)
            best = flops / dt / 1e9;
        float sink = 0;
        for (int t = 0; t < threads; t++)
            sink += ws[t].sink;
        if (sink != sink) /* keeps the results live; never true for these inputs */
            printf("nan\n");
    }
    free(ws);
    free(ids);
    return best;
}

int main(int argc, char **argv)
{
    int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    printf("isa %s, %d lanes, %d chains\n", ISA, LANES, NACC);
    if (argc < 2) {
        printf("threads 1: %.1f GFLOP/s\n", measure(1, ncpu));
        if (ncpu > 1)
            printf("threads %d: %.1f GFLOP/s\n", ncpu, measure(ncpu, ncpu));
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        char *end;
        long t = strtol(argv[i], &end, 10);
        if (*end || t < 1 || t > 1024) {
            fprintf(stderr, "peak_flops: '%s' is not a thread count (1-1024)\n", argv[i]);
            return 2;
        }
        printf("threads %ld: %.1f GFLOP/s\n", t, measure((int)t, ncpu));
    }
    return 0;
}
