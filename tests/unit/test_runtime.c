/* test_runtime.c - the runtime (runtime/) on models written by hand.
 *
 * tests/util/rt_test_model.c holds a small compiled model with every kind of
 * buffer (input, output, constant, arena) and of node (several tasks, one
 * task, no task, scratch use); this file checks its results against plain
 * C, for 1, 2 and 4 threads and under concurrent contexts, every error path
 * with its exact message, that a run allocates nothing (malloc and friends
 * are wrapped at link time: -Wl,--wrap=...), the thread pool's task
 * distribution and scratch areas, the profile table, a model with two
 * entries (input shapes) and the choice between them, and the standalone
 * executable's main (runtime/onnxc_main.c linked with the same models). */
#include <dirent.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onnxc_rt.h"
#include "testutil.h"

extern const onnxc_model rt_test_model, rt_test1_model, rt_test2_model;

#define ROWS 4
#define COLS 33
#define N (ROWS * COLS)

/* ---- allocation counting (linked with --wrap=malloc etc.) ---------------- */

static _Atomic long n_allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

void *__wrap_malloc(size_t n)
{
    n_allocs++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s)
{
    n_allocs++;
    return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n)
{
    n_allocs++;
    return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n)
{
    n_allocs++;
    return __real_aligned_alloc(a, n);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    n_allocs++;
    return __real_posix_memalign(p, a, n);
}

/* ---- the fixture's expected results ------------------------------------- */

typedef struct {
    alignas(64) float x[N];
    alignas(64) int64_t k[2];
    alignas(64) float y[N];
    alignas(64) int64_t sums[ROWS];
} io;

static void io_fill(io *t, int seed)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < N; i++)
        t->x[i] = (float)((i * 37 + seed * 11) % 101) / 7.0f - 6.5f;
    t->k[0] = 3 + seed % 5;
    t->k[1] = -1000 * seed;
}

static void io_expect(const io *in, float *y, int64_t *sums)
{
    const float *w = rt_test_model.entries[0].bufs[2].data;
    float f = (float)in->k[0] * 0.5f;
    for (int i = 0; i < N; i++) {
        float t1 = in->x[i] + w[i];
        y[i] = t1 * f;
    }
    for (int r = 0; r < ROWS; r++) {
        double s = 0;
        for (int j = 0; j < COLS; j++)
            s += y[r * COLS + j];
        sums[r] = (int64_t)llround(s * 1000) + in->k[1];
    }
}

static onnxc_status io_run(onnxc_ctx *c, io *t)
{
    const void *in[] = {t->x, t->k};
    void *out[] = {t->y, t->sums};
    return onnxc_run(c, in, out);
}

static bool io_check(const io *t)
{
    float y[N];
    int64_t sums[ROWS];
    io_expect(t, y, sums);
    return !memcmp(y, t->y, sizeof y) && !memcmp(sums, t->sums, sizeof sums);
}

/* ---- results ------------------------------------------------------------- */

static void test_run_results(void)
{
    onnxc_status st = ONNXC_ERR_THREAD;
    onnxc_ctx *c = onnxc_create(&rt_test_model, 1, &st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(st, ONNXC_OK);
    CU_ASSERT_EQUAL(onnxc_threads(c), 1);
    io t;
    for (int seed = 0; seed < 3; seed++) {
        io_fill(&t, seed);
        CU_ASSERT_EQUAL(io_run(c, &t), ONNXC_OK);
        CU_ASSERT(io_check(&t));
        CU_ASSERT_STRING_EQUAL(onnxc_error(c), "");
    }
    onnxc_destroy(c);
}

/* The fixture with its weights made at creation instead of stored: buffer
 * 2 becomes a prepared buffer (offset 64) that a prep copies, row by row,
 * from a constant buffer 7 holding them. */
static _Atomic int prep_calls;

static void prep_rows(void *const *bufs, int64_t task, void *scratch)
{
    memcpy((float *)bufs[2] + task * COLS, (const float *)bufs[7] + task * COLS, COLS * sizeof(float));
    prep_calls++;
}

/* The fixture's model with buffer 7 = src as the prep's source. */
typedef struct {
    onnxc_buf_desc bufs[8];
    onnxc_node_desc preps[1];
    onnxc_entry e;
    onnxc_model m;
} prep_fixture;

static void prep_fixture_init(prep_fixture *f, onnxc_buf_desc src)
{
    const onnxc_entry *e0 = &rt_test_model.entries[0];
    memcpy(f->bufs, e0->bufs, e0->n_bufs * sizeof *f->bufs);
    f->bufs[7] = src;
    f->bufs[2] = (onnxc_buf_desc){ONNXC_BUF_PREPARED, 0, 64, NULL};
    f->preps[0] = (onnxc_node_desc){prep_rows, ROWS, "w", "onnxc.prepare", 0};
    f->e = *e0;
    f->e.n_bufs = 8;
    f->e.bufs = f->bufs;
    f->e.n_preps = 1;
    f->e.preps = f->preps;
    f->m = rt_test_model;
    f->m.entries = &f->e;
    f->m.prepared_bytes = 64 + N * sizeof(float);
}

static void test_prepared(void)
{
    prep_fixture f;
    prep_fixture_init(&f, (onnxc_buf_desc){ONNXC_BUF_CONST, 0, 0, rt_test_model.entries[0].bufs[2].data});
    onnxc_status st = ONNXC_ERR_THREAD;
    prep_calls = 0;
    onnxc_ctx *c = onnxc_create(&f.m, 2, &st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(st, ONNXC_OK);
    CU_ASSERT_EQUAL(prep_calls, ROWS); /* every task once, at creation */
    io t;
    for (int seed = 0; seed < 3; seed++) {
        io_fill(&t, seed);
        CU_ASSERT_EQUAL(io_run(c, &t), ONNXC_OK);
        CU_ASSERT(io_check(&t));
    }
    CU_ASSERT_EQUAL(prep_calls, ROWS); /* and never again */
    onnxc_destroy(c);
    /* malformed: past the prepared area, unaligned, a prep table missing */
    f.bufs[2].offset = f.m.prepared_bytes;
    CU_ASSERT_PTR_NULL(onnxc_create(&f.m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    f.bufs[2].offset = 32;
    CU_ASSERT_PTR_NULL(onnxc_create(&f.m, 1, &st));
    f.bufs[2].offset = 64;
    f.e.preps = NULL;
    CU_ASSERT_PTR_NULL(onnxc_create(&f.m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    f.e.preps = f.preps;
    f.m.prepared_bytes = 0; /* a prepared buffer in a model without the area */
    CU_ASSERT_PTR_NULL(onnxc_create(&f.m, 1, &st));
    CU_ASSERT_EQUAL(prep_calls, ROWS);
}

/* A constant only preps read (the 3x3 filters behind Winograd weights) is
 * marked ONNXC_CONST_PREP_ONLY with its size: onnxc_create pages it out
 * after the preps. Its contents must survive that (advice that discarded
 * anonymous pages would hand the next context's prep zeros), and a mark
 * outside {0, ONNXC_CONST_PREP_ONLY} is refused. */
static void test_prep_only_const(void)
{
    const float *w0 = rt_test_model.entries[0].bufs[2].data;
    size_t bytes = 4 * 4096; /* whole pages, so that some are released */
    float *w = aligned_alloc(4096, bytes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    memset(w, 0, bytes);
    memcpy(w, w0, N * sizeof(float));
    prep_fixture f;
    prep_fixture_init(&f, (onnxc_buf_desc){ONNXC_BUF_CONST, ONNXC_CONST_PREP_ONLY, bytes, w});
    for (int k = 0; k < 3; k++) { /* each context prepares from the released pages again */
        onnxc_status st = ONNXC_ERR_THREAD;
        onnxc_ctx *c = onnxc_create(&f.m, 1 + k % 2, &st);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(st, ONNXC_OK);
        io t;
        io_fill(&t, k);
        CU_ASSERT_EQUAL(io_run(c, &t), ONNXC_OK);
        CU_ASSERT(io_check(&t));
        onnxc_destroy(c);
    }
    CU_ASSERT_EQUAL(memcmp(w, w0, N * sizeof(float)), 0);
    onnxc_status st = ONNXC_OK;
    f.bufs[7].index = 2;
    CU_ASSERT_PTR_NULL(onnxc_create(&f.m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    free(w);
}

static void test_threads_identical(void)
{
    io ref, t;
    io_fill(&ref, 7);
    onnxc_ctx *c1 = onnxc_create(&rt_test_model, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
    CU_ASSERT_EQUAL(io_run(c1, &ref), ONNXC_OK);
    CU_ASSERT(io_check(&ref));
    onnxc_destroy(c1);
    const int threads[] = {2, 4, 3};
    for (int i = 0; i < 3; i++) {
        onnxc_ctx *c = onnxc_create(&rt_test_model, threads[i], NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(onnxc_threads(c), threads[i]);
        for (int r = 0; r < 20; r++) {
            io_fill(&t, 7);
            memset(t.y, 0xff, sizeof t.y);
            CU_ASSERT_EQUAL(io_run(c, &t), ONNXC_OK);
            CU_ASSERT(!memcmp(&t, &ref, sizeof t));
        }
        onnxc_destroy(c);
    }
}

static void test_thread_count(void)
{
    setenv("ONNXC_NUM_THREADS", "3", 1);
    onnxc_ctx *c = onnxc_create(&rt_test_model, 0, NULL);
    CU_ASSERT_EQUAL(onnxc_threads(c), 3);
    onnxc_destroy(c);
    c = onnxc_create(&rt_test_model, 2, NULL); /* the argument wins */
    CU_ASSERT_EQUAL(onnxc_threads(c), 2);
    onnxc_destroy(c);
    setenv("ONNXC_NUM_THREADS", "lots", 1); /* ignored: the CPU count */
    c = onnxc_create(&rt_test_model, 0, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    CU_ASSERT(onnxc_threads(c) >= 1 && onnxc_threads(c) <= cpus);
    onnxc_destroy(c);
    unsetenv("ONNXC_NUM_THREADS");
    CU_ASSERT_EQUAL(onnxc_threads(NULL), 0);
}

/* ---- the pool: every task once, scratch per thread, threads take part ---- */

#define PROBE_MAX 1000
static _Atomic int probe_hits[PROBE_MAX];
static _Atomic int probe_bad;
static pthread_t probe_thread[PROBE_MAX];
static int probe_sleep_us;

static void probe_task(void *const *bufs, int64_t task, void *scratch)
{
    int64_t *addr = bufs[0];
    probe_hits[task]++;
    addr[task] = (int64_t)(uintptr_t)scratch;
    probe_thread[task] = pthread_self();
    /* scratch is this thread's alone: a pattern written here survives */
    volatile int64_t *s = scratch;
    for (int i = 0; i < 8; i++)
        s[i] = task * 8 + i;
    if (probe_sleep_us)
        nanosleep(&(struct timespec){0, probe_sleep_us * 1000L}, NULL);
    for (int i = 0; i < 8; i++)
        if (s[i] != task * 8 + i)
            probe_bad = 1;
}

/* One node of n_tasks probe tasks; its output holds each task's scratch. */
typedef struct {
    onnxc_tensor_desc out;
    onnxc_buf_desc buf;
    onnxc_node_desc node;
    onnxc_entry e;
    onnxc_model m;
} probe_model;

static void probe_init(probe_model *p, int64_t n_tasks)
{
    memset(p, 0, sizeof *p);
    p->out = (onnxc_tensor_desc){"addr", 7, 1, {PROBE_MAX}};
    p->buf = (onnxc_buf_desc){ONNXC_BUF_OUTPUT, 0, 0, NULL};
    p->node = (onnxc_node_desc){probe_task, n_tasks, "probe", "Probe", 0};
    p->e = (onnxc_entry){.scratch_bytes = 100,
                         .outputs = &p->out,
                         .n_bufs = 1,
                         .bufs = &p->buf,
                         .n_nodes = 1,
                         .nodes = &p->node};
    p->m = (onnxc_model){
        .abi = ONNXC_MODEL_ABI, .name = "probe", .n_outputs = 1, .n_entries = 1, .entries = &p->e};
}

static void test_pool_tasks(void)
{
    static int64_t addr[PROBE_MAX];
    const int64_t counts[] = {0, 1, 2, 3, 5, 64, PROBE_MAX};
    for (int threads = 1; threads <= 4; threads *= 2) {
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            probe_model p;
            probe_init(&p, counts[i]);
            onnxc_ctx *c = onnxc_create(&p.m, threads, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(c);
            for (int run = 0; run < 3; run++) {
                memset(probe_hits, 0, sizeof probe_hits);
                void *out[] = {addr};
                CU_ASSERT_EQUAL(onnxc_run(c, NULL, out), ONNXC_OK);
                int64_t distinct[8];
                int n_distinct = 0;
                for (int64_t t = 0; t < PROBE_MAX; t++) {
                    CU_ASSERT_EQUAL(probe_hits[t], t < counts[i] ? 1 : 0);
                    if (t >= counts[i])
                        continue;
                    CU_ASSERT(addr[t] != 0 && addr[t] % 64 == 0);
                    int d = 0;
                    while (d < n_distinct && distinct[d] != addr[t])
                        d++;
                    if (d == n_distinct && n_distinct < 8)
                        distinct[n_distinct++] = addr[t];
                }
                CU_ASSERT(n_distinct <= threads);
                /* scratch areas are 128 bytes apart at least (100 rounded up) */
                for (int a = 0; a < n_distinct; a++)
                    for (int b = 0; b < a; b++)
                        CU_ASSERT(llabs(distinct[a] - distinct[b]) >= 128);
            }
            onnxc_destroy(c);
        }
    }
    CU_ASSERT_EQUAL(probe_bad, 0);
}

/* Tasks that take a while are shared out: both threads of a 2-thread pool
 * run some, and the scratch patterns survive the overlap. */
static void test_pool_parallel(void)
{
    static int64_t addr[PROBE_MAX];
    probe_model p;
    probe_init(&p, 16);
    onnxc_ctx *c = onnxc_create(&p.m, 2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    probe_sleep_us = 2000;
    void *out[] = {addr};
    CU_ASSERT_EQUAL(onnxc_run(c, NULL, out), ONNXC_OK);
    probe_sleep_us = 0;
    bool two = false;
    for (int t = 1; t < 16; t++)
        two |= !pthread_equal(probe_thread[t], probe_thread[0]);
    CU_ASSERT(two);
    CU_ASSERT_EQUAL(probe_bad, 0);
    /* idle workers block: after a while, a run still works */
    nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
    CU_ASSERT_EQUAL(onnxc_run(c, NULL, out), ONNXC_OK);
    onnxc_destroy(c);
}

/* ---- errors -------------------------------------------------------------- */

static void test_create_errors(void)
{
    onnxc_status st = ONNXC_OK;
    CU_ASSERT_PTR_NULL(onnxc_create(NULL, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    onnxc_model m = rt_test_model;
    m.abi = ONNXC_MODEL_ABI + 1;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ABI);
    /* CPU features: one no CPU has (unknown to this runtime) is refused by
     * name; those of this CPU are accepted */
    m = rt_test_model;
    m.cpu = 1u << 31;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_CPU);
    CU_ASSERT_PTR_NOT_NULL(onnxc_cpu_missing(&m));
    __builtin_cpu_init();
    m.cpu = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") ? ONNXC_CPU_AVX512BF16 : 0;
    CU_ASSERT_PTR_NULL(onnxc_cpu_missing(&m));
    onnxc_destroy(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_OK);
    m.cpu = ONNXC_CPU_AVX512BF16;
    CU_ASSERT((onnxc_cpu_missing(&m) == NULL) == (__builtin_cpu_supports("avx512bf16") != 0));
    CU_ASSERT_PTR_NULL(onnxc_create(&rt_test_model, -1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    CU_ASSERT_PTR_NULL(onnxc_create(&rt_test_model, 100000, NULL));
    /* malformed tables */
    onnxc_buf_desc bufs[16];
    onnxc_node_desc nodes[8];
    const onnxc_entry *e0 = &rt_test_model.entries[0];
    memcpy(bufs, e0->bufs, e0->n_bufs * sizeof *bufs);
    memcpy(nodes, e0->nodes, e0->n_nodes * sizeof *nodes);
    onnxc_entry e = *e0;
    m = rt_test_model;
    m.entries = &e;
    e.bufs = bufs;
    e.nodes = nodes;
    bufs[0].index = 2; /* input 2 of 2 */
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    bufs[0].index = 0;
    bufs[3].offset = 1 << 20; /* beyond the arena */
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    bufs[3].offset = 0;
    bufs[5].kind = 9;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    bufs[5].kind = ONNXC_BUF_OUTPUT;
    nodes[1].fn = NULL;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    nodes[1] = e0->nodes[1];
    nodes[1].n_tasks = (int64_t)1 << 40;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    nodes[1] = e0->nodes[1];
    onnxc_ctx *c = onnxc_create(&m, 1, &st); /* repaired */
    CU_ASSERT_PTR_NOT_NULL(c);
    CU_ASSERT_EQUAL(st, ONNXC_OK);
    onnxc_destroy(c);
    onnxc_destroy(NULL);
    CU_ASSERT_STRING_EQUAL(onnxc_status_name(ONNXC_ERR_ABI),
                           "the model was compiled for another runtime version");
}

static void test_run_errors(void)
{
    onnxc_ctx *c = onnxc_create(&rt_test_model, 2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    io t;
    io_fill(&t, 1);
    const void *in[] = {t.x, t.k}, *in_null[] = {t.x, NULL};
    void *out[] = {t.y, t.sums}, *out_null[] = {NULL, t.sums};
    CU_ASSERT_EQUAL(onnxc_run(NULL, in, out), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_EQUAL(onnxc_run(c, NULL, out), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "the inputs array is NULL (the model has 2 inputs)");
    CU_ASSERT_EQUAL(onnxc_run(c, in_null, out), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "input 1 ('k') is NULL");
    CU_ASSERT_EQUAL(onnxc_run(c, in, NULL), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "the outputs array is NULL (the model has 2 outputs)");
    CU_ASSERT_EQUAL(onnxc_run(c, in, out_null), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "output 0 ('y') is NULL");
    CU_ASSERT_EQUAL(onnxc_run(c, in, out), ONNXC_OK);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "");
    CU_ASSERT(io_check(&t));
    CU_ASSERT_STRING_EQUAL(onnxc_error(NULL), "no context (onnxc_create failed)");
    onnxc_destroy(c);
}

static void test_check_input(void)
{
    onnxc_ctx *c = onnxc_create(&rt_test_model, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const int64_t ok[] = {4, 33}, bad[] = {4, 32, 1}, k2[] = {2};
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, ok), ONNXC_OK);
    CU_ASSERT_EQUAL(onnxc_check_input(c, 1, 7, 1, k2), ONNXC_OK);
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 7, 2, ok), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'x' has dtype int64, the model was compiled for float32");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 1, 42, 1, k2), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'k' has dtype ?, the model was compiled for int64");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, bad), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'x' has shape [4,32], the model was compiled for [4,33]");
    const int64_t rank3[] = {4, 33, 1};
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 3, rank3), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'x' has shape [4,33,1], the model was compiled for [4,33]");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 0, NULL), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'x' has shape [], the model was compiled for [4,33]");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 99, bad), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "input 'x' has rank 99, the model was compiled for [4,33]");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, NULL), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "input 'x': dims is NULL");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 2, 1, 2, ok), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "input 2 does not exist (the model has 2 inputs)");
    CU_ASSERT_EQUAL(onnxc_check_input(NULL, 0, 1, 2, ok), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, ok), ONNXC_OK);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "");
    onnxc_destroy(c);
}

static void test_dtypes(void)
{
    CU_ASSERT_EQUAL(onnxc_dtype_size(1), 4);
    CU_ASSERT_EQUAL(onnxc_dtype_size(7), 8);
    CU_ASSERT_EQUAL(onnxc_dtype_size(9), 1);
    CU_ASSERT_EQUAL(onnxc_dtype_size(16), 2);
    CU_ASSERT_EQUAL(onnxc_dtype_size(8), 0); /* string */
    CU_ASSERT_STRING_EQUAL(onnxc_dtype_name(10), "float16");
    CU_ASSERT_EQUAL(onnxc_tensor_bytes(&rt_test_model.entries[0].inputs[0]), N * 4);
    CU_ASSERT_EQUAL(onnxc_tensor_bytes(&rt_test_model.entries[0].outputs[1]), 32);
    onnxc_tensor_desc huge = {"h", 1, 3, {INT64_MAX / 2, 4, 4}};
    CU_ASSERT_EQUAL(onnxc_tensor_bytes(&huge), 0);
    CU_ASSERT_EQUAL(onnxc_tensor_bytes(NULL), 0);
}

/* ---- no allocation while running ------------------------------------------ */

static void test_no_alloc(void)
{
    long before_create = n_allocs;
    setenv("ONNXC_PROFILE", "1", 1); /* the profiling path too */
    onnxc_ctx *c2 = onnxc_create(&rt_test_model, 2, NULL),
              *c1 = onnxc_create(&rt_test_model, 1, NULL);
    unsetenv("ONNXC_PROFILE");
    onnxc_ctx *c4 = onnxc_create(&rt_test_model, 4, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c1 && c2 && c4 ? c1 : NULL);
    CU_ASSERT(n_allocs > before_create); /* the wrapper does count */
    CU_ASSERT(onnxc_profile_enabled(c2) && !onnxc_profile_enabled(c4));
    io t;
    io_fill(&t, 2);
#if !defined(__SANITIZE_ADDRESS__) && defined(__GLIBC__)
    struct mallinfo2 mi0 = mallinfo2();
#endif
    long before = n_allocs;
    for (int r = 0; r < 50; r++) {
        CU_ASSERT_EQUAL(io_run(c1, &t), ONNXC_OK);
        CU_ASSERT_EQUAL(io_run(c2, &t), ONNXC_OK);
        CU_ASSERT_EQUAL(io_run(c4, &t), ONNXC_OK);
    }
    const void *in[] = {t.x, NULL};
    void *out[] = {t.y, t.sums};
    CU_ASSERT_EQUAL(onnxc_run(c2, in, out), ONNXC_ERR_ARGUMENT); /* an error path, too */
    CU_ASSERT_EQUAL(onnxc_check_input(c2, 0, 7, 1, (const int64_t[]){3}), ONNXC_ERR_SHAPE);
    CU_ASSERT_EQUAL(n_allocs, before);
#if !defined(__SANITIZE_ADDRESS__) && defined(__GLIBC__)
    struct mallinfo2 mi1 = mallinfo2();
    CU_ASSERT_EQUAL(mi0.uordblks, mi1.uordblks);
    CU_ASSERT_EQUAL(mi0.hblkhd, mi1.hblkhd);
#endif
    io_fill(&t, 2);
    CU_ASSERT_EQUAL(io_run(c4, &t), ONNXC_OK);
    CU_ASSERT(io_check(&t));
    onnxc_destroy(c1);
    onnxc_destroy(c2);
    onnxc_destroy(c4);
}

/* ---- stress: contexts running concurrently ---------------------------------- */

#define STRESS_THREADS 4
#define STRESS_RUNS 1000

static _Atomic int stress_failures;

static void *stress_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    onnxc_ctx *c = onnxc_create(&rt_test_model, 2, NULL);
    if (!c) {
        stress_failures++;
        return NULL;
    }
    io want[2], t;
    for (int v = 0; v < 2; v++) {
        io_fill(&want[v], id * 2 + v);
        io_expect(&want[v], want[v].y, want[v].sums);
    }
    for (int r = 0; r < STRESS_RUNS; r++) {
        const io *w = &want[r % 2];
        memcpy(&t, w, sizeof t);
        memset(t.y, 0, sizeof t.y);
        memset(t.sums, 0, sizeof t.sums);
        if (io_run(c, &t) != ONNXC_OK || memcmp(&t, w, sizeof t))
            stress_failures++;
    }
    onnxc_destroy(c);
    return NULL;
}

static void test_stress(void)
{
    pthread_t th[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, stress_main, (void *)(intptr_t)i), 0);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(stress_failures, 0);
}

/* ---- profile ---------------------------------------------------------------- */

static void sleep_task(void *const *bufs, int64_t task, void *scratch)
{
    nanosleep(&(struct timespec){0, 3 * 1000000L}, NULL);
}

static void noop_task(void *const *bufs, int64_t task, void *scratch) {}

/* The profile table, in one of two static buffers. */
static const char *profile_text(const onnxc_ctx *c)
{
    static char bufs[2][16384];
    static int next;
    char *b = bufs[next++ % 2];
    memset(b, 0, sizeof bufs[0]);
    FILE *f = fmemopen(b, sizeof bufs[0] - 1, "w");
    onnxc_profile_print(c, f);
    fclose(f);
    return b;
}

static void test_profile(void)
{
    static const onnxc_node_desc nodes[] = {
        {noop_task, 1, "fast_node", "Noop", 0},
        {sleep_task, 2, "/model/encoder/layers.0/a_very_long_node_name_that_is_cut/slow_node",
         "Sleep", 6e6},
    };
    onnxc_entry e = {.n_nodes = 2, .nodes = nodes};
    onnxc_model m = {.abi = ONNXC_MODEL_ABI, .name = "prof", .n_entries = 1, .entries = &e};
    setenv("ONNXC_PROFILE", "1", 1);
    onnxc_ctx *c = onnxc_create(&m, 2, NULL);
    unsetenv("ONNXC_PROFILE");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int r = 0; r < 3; r++)
        CU_ASSERT_EQUAL(onnxc_run(c, NULL, NULL), ONNXC_OK);
    const char *text = profile_text(c);
    TU_ASSERT_CONTAINS(text, "onnxc profile: model 'prof', 2 nodes, 3 runs, 2 threads\n");
    TU_ASSERT_CONTAINS(text, "#    node ");
    TU_ASSERT_CONTAINS(text, " op ");
    TU_ASSERT_CONTAINS(text, "ms/run   share   GFLOP/s\n");
    /* the slow node first, its name cut to its informative end */
    const char *slow = strstr(text, "1    ...y_long_node_name_that_is_cut/slow_node Sleep ");
    const char *fast = strstr(text, "0    fast_node ");
    CU_ASSERT(slow && fast && slow < fast);
    double ms = 0, share = 0, gflops = 0;
    if (slow)
        CU_ASSERT_EQUAL(sscanf(slow + 47 + 21, "%lf %lf%% %lf", &ms, &share, &gflops), 3);
    CU_ASSERT(ms >= 2.9 && ms < 100 && share > 50 && gflops > 0.02 && gflops <= 2.1);
    TU_ASSERT_CONTAINS(fast, "%         -\n"); /* no flops: no GFLOP/s */
    TU_ASSERT_CONTAINS(text, "\ntotal ");
    TU_ASSERT_CONTAINS(text, "100.0%");
    TU_ASSERT_CONTAINS(text, "\nrun (wall, with runtime overhead) ");
    TU_ASSERT_CONTAINS(text, "\nby op ");
    TU_ASSERT_CONTAINS(text, "\nSleep ");
    TU_ASSERT_CONTAINS(text, " 1 node ");
    onnxc_profile_reset(c);
    const char *text2 = profile_text(c);
    CU_ASSERT_STRING_EQUAL(text2, "onnxc profile: model 'prof', 2 nodes, 0 runs, 2 threads\n");
    onnxc_destroy(c);
    c = onnxc_create(&m, 1, NULL);
    const char *text3 = profile_text(c);
    CU_ASSERT_STRING_EQUAL(text3, "onnxc: no profile (set ONNXC_PROFILE=1 before onnxc_create)\n");
    onnxc_destroy(c);
}

/* ---- a model with two entries (compiled for two input shapes) ---------------- */

static const int32_t ranks2[] = {2, 1};
static const int64_t x4[] = {4, 33}, x2[] = {2, 33}, x3[] = {3, 33}, k2[] = {2}, k3[] = {3};

static void test_entries(void)
{
    setenv("ONNXC_PROFILE", "1", 1);
    onnxc_ctx *c = onnxc_create(&rt_test2_model, 2, NULL);
    unsetenv("ONNXC_PROFILE");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_EQUAL(onnxc_selected(c), &rt_test2_model.entries[0]);
    io t, want;
    io_fill(&want, 3);
    io_expect(&want, want.y, want.sums);
    long before = n_allocs;
    for (int r = 0; r < 4; r++) {
        const int64_t *dims[] = {r % 2 ? x2 : x4, k2};
        CU_ASSERT_EQUAL(onnxc_select(c, ranks2, dims), ONNXC_OK);
        CU_ASSERT_PTR_EQUAL(onnxc_selected(c), &rt_test2_model.entries[r % 2]);
        io_fill(&t, 3);
        memset(t.y, 0xff, sizeof t.y);
        memset(t.sums, 0xff, sizeof t.sums);
        CU_ASSERT_EQUAL(io_run(c, &t), ONNXC_OK);
        int rows = r % 2 ? 2 : ROWS; /* entry 1 computes 2 rows and leaves the rest */
        CU_ASSERT(!memcmp(t.y, want.y, (size_t)rows * COLS * sizeof *t.y));
        CU_ASSERT(!memcmp(t.sums, want.sums, (size_t)rows * sizeof *t.sums));
        CU_ASSERT_EQUAL(t.sums[ROWS - 1], r % 2 ? -1 : want.sums[ROWS - 1]);
    }
    CU_ASSERT_EQUAL(n_allocs, before); /* selecting allocates nothing either */
    TU_ASSERT_CONTAINS(profile_text(c), "model 'rt_test2', entry 1 of 2, 4 nodes, 1 runs, ");
    const int64_t *bad[] = {x3, k2};
    CU_ASSERT_EQUAL(onnxc_select(c, ranks2, bad), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "input 'x' has shape [3,33], the model was compiled "
                                           "for one of [4,33], [2,33]");
    CU_ASSERT_PTR_EQUAL(onnxc_selected(c), &rt_test2_model.entries[1]); /* kept */
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, x3), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "input 'x' has shape [3,33], the model was compiled "
                                           "for one of [4,33], [2,33]");
    CU_ASSERT_EQUAL(onnxc_check_input(c, 0, 1, 2, x2), ONNXC_OK);
    CU_ASSERT_EQUAL(onnxc_select(c, NULL, bad), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "the ranks array is NULL (the model has 2 inputs)");
    CU_ASSERT_EQUAL(onnxc_select_entry(c, 2), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c), "entry 2 does not exist (the model has 2)");
    CU_ASSERT_EQUAL(onnxc_select_entry(c, 0), ONNXC_OK);
    CU_ASSERT_PTR_EQUAL(onnxc_selected(c), &rt_test2_model.entries[0]);
    CU_ASSERT_EQUAL(onnxc_select(NULL, ranks2, bad), ONNXC_ERR_ARGUMENT);
    CU_ASSERT_PTR_NULL(onnxc_selected(NULL));
    onnxc_destroy(c);
}

/* Shapes compiled one by one but not together; entries that disagree. */
static void test_entries_errors(void)
{
    onnxc_entry e[2] = {rt_test2_model.entries[0], rt_test2_model.entries[1]};
    onnxc_tensor_desc in1[2] = {e[1].inputs[0], e[1].inputs[1]};
    in1[1].dims[0] = 3;
    e[1].inputs = in1;
    onnxc_model m = rt_test2_model;
    m.entries = e;
    onnxc_ctx *c = onnxc_create(&m, 1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const int64_t *dims[] = {x4, k3};
    CU_ASSERT_EQUAL(onnxc_select(c, ranks2, dims), ONNXC_ERR_SHAPE);
    CU_ASSERT_STRING_EQUAL(onnxc_error(c),
                           "inputs x [4,33], k [3]: the model was not compiled for these shapes "
                           "together; it was compiled for (x [4,33], k [2]), (x [2,33], k [3])");
    onnxc_destroy(c);
    onnxc_status st = ONNXC_OK;
    in1[0].name = "x2"; /* entries must have the same inputs */
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    in1[0].name = "x";
    in1[0].dtype = 7;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    in1[0].dtype = 1;
    e[1].arena_bytes = 64; /* t2 at 4096 is beyond entry 1's arena */
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    e[1].arena_bytes = rt_test2_model.entries[1].arena_bytes;
    m.n_entries = 0;
    CU_ASSERT_PTR_NULL(onnxc_create(&m, 1, &st));
    CU_ASSERT_EQUAL(st, ONNXC_ERR_ARGUMENT);
    m.n_entries = 2;
    c = onnxc_create(&m, 1, &st); /* repaired */
    CU_ASSERT_PTR_NOT_NULL(c);
    onnxc_destroy(c);
}

/* ---- the executable's main --------------------------------------------------- */

static char tmp_dir[64];

/* Runs the test executable with the given arguments (NULL-terminated). */
static int run_main(const char *bin, char **out, ...)
{
    char *argv[32] = {(char *)bin};
    int n = 1;
    va_list ap;
    va_start(ap, out);
    for (const char *a; n < 31 && (a = va_arg(ap, const char *));)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    free(*out);
    *out = NULL;
    return tu_exec(argv, out);
}

static void write_npy(const char *name, const char *header, const void *data, size_t bytes)
{
    char buf[4096];
    size_t hl = strlen(header);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hl & 0xff);
    buf[9] = (char)(hl >> 8);
    memcpy(buf + 10, header, hl);
    memcpy(buf + 10 + hl, data, bytes);
    CU_ASSERT(tu_write_file(tu_path("%s/%s", tmp_dir, name), buf, 10 + hl + bytes));
}

#define HDR(descr, shape) "{'descr': '" descr "', 'fortran_order': False, 'shape': " shape ", }\n"

static void make_inputs(const io *t)
{
    write_npy("x.npy", HDR("<f4", "(4, 33)"), t->x, sizeof t->x);
    write_npy("k.npy", HDR("<i8", "(2,)"), t->k, sizeof t->k);
}

static bool file_data_equals(const char *path, const void *data, size_t bytes)
{
    size_t len = 0;
    unsigned char *f = (unsigned char *)tu_read_file(path, &len);
    bool ok = f && len >= 10 && !memcmp(f, "\x93NUMPY\x01\x00", 8);
    size_t hl = ok ? (size_t)(f[8] | f[9] << 8) : 0;
    ok = ok && (10 + hl) % 64 == 0 && len == 10 + hl + bytes && !memcmp(f + 10 + hl, data, bytes);
    free(f);
    return ok;
}

/* No temporary files left in dir. */
static bool dir_clean(const char *dir)
{
    DIR *d = opendir(dir);
    bool clean = d != NULL;
    for (struct dirent *e; d && (e = readdir(d));)
        clean &= e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return clean;
}

static void test_main_success(void)
{
    io t;
    io_fill(&t, 4);
    make_inputs(&t);
    io_expect(&t, t.y, t.sums);
    char *out = NULL, x[256], k[256], od[256];
    snprintf(x, sizeof x, "x=%s/x.npy", tmp_dir);
    snprintf(k, sizeof k, "k=%s/k.npy", tmp_dir);
    snprintf(od, sizeof od, "%s/out/sub", tmp_dir);
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "--input", k, "-i", x, "--output-dir", od,
                             "--threads", "2", NULL),
                    0);
    TU_ASSERT_CONTAINS(out, "y                    float32[4,33] min ");
    TU_ASSERT_CONTAINS(out, "sums                 int64[4] min ");
    TU_ASSERT_CONTAINS(out, "test_runtime_main: ran model 'rt_test' (5 nodes, 2 threads) in ");
    CU_ASSERT(file_data_equals(tu_path("%s/y.npy", od), t.y, sizeof t.y));
    CU_ASSERT(file_data_equals(tu_path("%s/sums.npy", od), t.sums, sizeof t.sums));
    CU_ASSERT(dir_clean(od));
    /* the files are not replaced without --force */
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "--input", k, "-i", x, "--output-dir", od, NULL),
                    1);
    TU_ASSERT_CONTAINS(
        out, tu_path("test_runtime_main: %s/y.npy exists (use --force to overwrite it)", od));
    CU_ASSERT(dir_clean(od));
    io t2 = t;
    t2.k[1] = 77;
    io_expect(&t2, t2.y, t2.sums);
    write_npy("k.npy", HDR("<i8", "(2,)"), t2.k, sizeof t2.k);
    CU_ASSERT_EQUAL(
        run_main(RT_MAIN_BIN, &out, "--input", k, "-i", x, "--output-dir", od, "--force", NULL), 0);
    CU_ASSERT(file_data_equals(tu_path("%s/sums.npy", od), t2.sums, sizeof t2.sums));
    CU_ASSERT(dir_clean(od));
    /* --repeat: one line with the median */
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "--input", k, "-i", x, "--repeat", "5", NULL), 0);
    const char *line = out ? strstr(out, "median ") : NULL;
    double med = -1, mn = -1, mx = -1;
    CU_ASSERT(line &&
              sscanf(line, "median %lf ms (min %lf ms, max %lf ms)\n", &med, &mn, &mx) == 3);
    CU_ASSERT(mn >= 0 && mn <= med && med <= mx);
    free(out);
}

static void test_main_single_input(void)
{
    io t;
    io_fill(&t, 5);
    make_inputs(&t);
    char *out = NULL, od[256];
    snprintf(od, sizeof od, "%s/out1", tmp_dir);
    setenv("ONNXC_PROFILE", "1", 1);
    int rc = run_main(RT_MAIN1_BIN, &out, "--input", tu_path("%s/x.npy", tmp_dir), "-o", od, NULL);
    unsetenv("ONNXC_PROFILE");
    CU_ASSERT_EQUAL(rc, 0);
    TU_ASSERT_CONTAINS(out, "out/y:0              float32[4,33] min ");
    TU_ASSERT_CONTAINS(out, "onnxc profile: model 'rt_test1', 1 nodes, 1 runs, ");
    float want[N];
    const float *w = rt_test_model.entries[0].bufs[2].data;
    for (int i = 0; i < N; i++)
        want[i] = t.x[i] + w[i];
    CU_ASSERT(file_data_equals(tu_path("%s/out_y_0.npy", od), want, sizeof want));
    CU_ASSERT_EQUAL(run_main(RT_MAIN1_BIN, &out, "--help", NULL), 0);
    TU_ASSERT_CONTAINS(out, "usage: test_runtime_main1 --input NAME=FILE.npy");
    TU_ASSERT_CONTAINS(out, "  input  x                        float32[4,33]\n");
    TU_ASSERT_CONTAINS(out, "  output out/y:0                  float32[4,33]\n");
    free(out);
}

/* The executable of a two-entry model runs either shape and refuses others. */
static void test_main_entries(void)
{
    io t;
    io_fill(&t, 8);
    make_inputs(&t);
    io_expect(&t, t.y, t.sums);
    write_npy("x2.npy", HDR("<f4", "(2, 33)"), t.x, 2 * COLS * sizeof(float));
    write_npy("x3.npy", HDR("<f4", "(3, 33)"), t.x, 3 * COLS * sizeof(float));
    char *out = NULL, k[256], od[256];
    snprintf(k, sizeof k, "k=%s/k.npy", tmp_dir);
    snprintf(od, sizeof od, "%s/out2", tmp_dir);
    CU_ASSERT_EQUAL(run_main(RT_MAIN2_BIN, &out, "-i", tu_path("x=%s/x2.npy", tmp_dir), "-i", k,
                             "-o", od, NULL),
                    0);
    TU_ASSERT_CONTAINS(out, "y                    float32[2,33] min ");
    TU_ASSERT_CONTAINS(out, "ran model 'rt_test2' (4 nodes, ");
    CU_ASSERT(file_data_equals(tu_path("%s/y.npy", od), t.y, 2 * COLS * sizeof(float)));
    CU_ASSERT(file_data_equals(tu_path("%s/sums.npy", od), t.sums, 2 * sizeof(int64_t)));
    CU_ASSERT_EQUAL(run_main(RT_MAIN2_BIN, &out, "-i", tu_path("x=%s/x.npy", tmp_dir), "-i", k,
                             "-o", od, "--force", NULL),
                    0);
    CU_ASSERT(file_data_equals(tu_path("%s/y.npy", od), t.y, sizeof t.y));
    CU_ASSERT_EQUAL(
        run_main(RT_MAIN2_BIN, &out, "-i", tu_path("x=%s/x3.npy", tmp_dir), "-i", k, NULL), 1);
    TU_ASSERT_CONTAINS(out, tu_path("test_runtime_main2: %s/x3.npy: input 'x' has shape [3,33], "
                                    "the model was compiled for one of [4,33], [2,33]\n",
                                    tmp_dir));
    CU_ASSERT_EQUAL(run_main(RT_MAIN2_BIN, &out, "--help", NULL), 0);
    TU_ASSERT_CONTAINS(out, "for 2 sets of input shapes (any of them runs).\n");
    TU_ASSERT_CONTAINS(out, "  input  x                        float32[4,33] | [2,33]\n");
    TU_ASSERT_CONTAINS(out, "  input  k                        int64[2]\n");
    free(out);
}

static void test_main_bad_inputs(void)
{
    io t;
    io_fill(&t, 6);
    make_inputs(&t);
    char *out = NULL, x[256], k[256], z[256];
    snprintf(x, sizeof x, "x=%s/x.npy", tmp_dir);
    snprintf(k, sizeof k, "k=%s/k.npy", tmp_dir);
    snprintf(z, sizeof z, "z=%s/x.npy", tmp_dir);
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", z, "-i", k, NULL), 1);
    TU_ASSERT_CONTAINS(
        out,
        tu_path("--input '%s': the model has no input of that name (its inputs: 'x', 'k')", z));
    write_npy("bad_shape.npy", HDR("<f4", "(4, 32)"), t.x, 4 * 32 * 4);
    CU_ASSERT_EQUAL(
        run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/bad_shape.npy", tmp_dir), "-i", k, NULL),
        1);
    TU_ASSERT_CONTAINS(
        out, "bad_shape.npy: input 'x' has shape [4,32], the model was compiled for [4,33]\n");
    double xd[N] = {0};
    write_npy("bad_dtype.npy", HDR("<f8", "(4, 33)"), xd, sizeof xd);
    CU_ASSERT_EQUAL(
        run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/bad_dtype.npy", tmp_dir), "-i", k, NULL),
        1);
    TU_ASSERT_CONTAINS(
        out, "bad_dtype.npy: input 'x' has dtype float64, the model was compiled for float32\n");
    CU_ASSERT_EQUAL(
        run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/missing.npy", tmp_dir), "-i", k, NULL), 1);
    TU_ASSERT_CONTAINS(out, "missing.npy: No such file or directory");
    /* usage errors: exit 2 */
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, NULL), 2);
    TU_ASSERT_CONTAINS(out, "input 'k' is not given (--input k=FILE.npy)");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", x, "-i", k, NULL), 2);
    TU_ASSERT_CONTAINS(out, "input 'x' is given twice");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", tu_path("%s/x.npy", tmp_dir), "-i", k, NULL),
                    2);
    TU_ASSERT_CONTAINS(out, "expected NAME=FILE");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", k, "--repeat", "0", NULL), 2);
    TU_ASSERT_CONTAINS(out, "--repeat expects a count from 1 to 1000000, not '0'");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", k, "--threads", "2x", NULL), 2);
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", k, "--bogus", NULL), 2);
    TU_ASSERT_CONTAINS(out, "unknown or incomplete option '--bogus'");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", k, "extra", NULL), 2);
    TU_ASSERT_CONTAINS(out, "unexpected argument 'extra'");
    CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", x, "-i", k, "--repeat", NULL), 2);
    free(out);
}

/* Strict .npy parsing of untrusted files. */
static void test_main_bad_npy(void)
{
    static const struct {
        const char *header; /* NULL: raw bytes below */
        size_t data_bytes;
        const char *expect;
    } cases[] = {
        {HDR("<f4", "(4, 33)"), N * 4 - 4, "holds 524 bytes of data, its header describes 528"},
        {HDR("<f4", "(4, 33)"), N * 4 + 1, "holds 529 bytes of data, its header describes 528"},
        {HDR(">f4", "(4, 33)"), N * 4, "big-endian data is not supported"},
        {HDR("<c8", "(4, 33)"), N * 4, "unsupported dtype"},
        {HDR("|O", "(4, 33)"), N * 4, "unsupported dtype"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (4, 33), }\n", N * 4,
         "Fortran-order data is not supported"},
        {HDR("<f4", "(4, 33"), N * 4, "malformed shape"},
        {HDR("<f4", "(132)"), N * 4, "malformed shape"},
        {HDR("<f4", "(-4, 33)"), N * 4, "malformed shape"},
        {HDR("<f4", "(99999999999999999999, 33)"), N * 4, "malformed shape"},
        {HDR("<f4", "(4611686018427387904, 33)"), N * 4, "the header's shape is too large"},
        {HDR("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 4, 33)"), N * 4, "rank above 8"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 33), 'x': 1}\n", N * 4,
         "malformed header (unknown or repeated key)"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4, 33)}\n", N * 4,
         "malformed header (unknown or repeated key)"},
        {"{'descr': '<f4', 'shape': (4, 33)}\n", N * 4,
         "header lacks descr, fortran_order or shape"},
        {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (4, 33)}\n", N * 4,
         "malformed descr"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 33)} x\n", N * 4,
         "malformed header (text after the dictionary)"},
        {"['descr', '<f4']\n", N * 4, "malformed header"},
    };
    io t;
    io_fill(&t, 6);
    make_inputs(&t);
    static char data[N * 4 + 64];
    char *out = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_npy("bad.npy", cases[i].header, data, cases[i].data_bytes);
        int rc = run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/bad.npy", tmp_dir), "-i",
                          tu_path("k=%s/k.npy", tmp_dir), NULL);
        CU_ASSERT_EQUAL(rc, 1);
        TU_ASSERT_CONTAINS(out, tu_path("bad.npy: %s\n", cases[i].expect));
    }
    static const struct {
        const char *bytes;
        size_t len;
        const char *expect;
    } raw[] = {
        {"\x93NUMPX\x01\x00\x10\x00", 10, "not a .npy file"},
        {"\x93NUMPY\x04\x00\x10\x00", 10, "unsupported .npy version 4.0"},
        {"\x93NUMPY\x01\x00\xff\x7f{}", 12, "truncated or oversized header"},
        {"\x93NUMPY\x02\x00\x02\x00", 10, "truncated header"},
        {"\x93NUMPY", 6, "not a .npy file"},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        CU_ASSERT(tu_write_file(tu_path("%s/bad.npy", tmp_dir), raw[i].bytes, raw[i].len));
        int rc = run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/bad.npy", tmp_dir), "-i",
                          tu_path("k=%s/k.npy", tmp_dir), NULL);
        CU_ASSERT_EQUAL(rc, 1);
        TU_ASSERT_CONTAINS(out, tu_path("bad.npy: %s\n", raw[i].expect));
    }
    /* version 2.0 and 3.0 headers are read */
    char v2[256] = "\x93NUMPY\x02\x00";
    const char *h = HDR("<i8", "(2,)");
    size_t hl = strlen(h);
    v2[8] = (char)hl;
    v2[9] = v2[10] = v2[11] = 0;
    memcpy(v2 + 12, h, hl);
    memcpy(v2 + 12 + hl, t.k, sizeof t.k);
    for (char ver = 2; ver <= 3; ver++) {
        v2[6] = ver;
        CU_ASSERT(tu_write_file(tu_path("%s/k3.npy", tmp_dir), v2, 12 + hl + sizeof t.k));
        CU_ASSERT_EQUAL(run_main(RT_MAIN_BIN, &out, "-i", tu_path("x=%s/x.npy", tmp_dir), "-i",
                                 tu_path("k=%s/k3.npy", tmp_dir), NULL),
                        0);
    }
    free(out);
}

static const tu_case cases[] = {
    {"run_results", test_run_results},
    {"threads_identical", test_threads_identical},
    {"thread_count", test_thread_count},
    {"pool_tasks", test_pool_tasks},
    {"pool_parallel", test_pool_parallel},
    {"create_errors", test_create_errors},
    {"prepared", test_prepared},
    {"prep_only_const", test_prep_only_const},
    {"run_errors", test_run_errors},
    {"check_input", test_check_input},
    {"dtypes", test_dtypes},
    {"no_alloc", test_no_alloc},
    {"stress", test_stress},
    {"profile", test_profile},
    {"entries", test_entries},
    {"entries_errors", test_entries_errors},
    {"main_success", test_main_success},
    {"main_single_input", test_main_single_input},
    {"main_entries", test_main_entries},
    {"main_bad_inputs", test_main_bad_inputs},
    {"main_bad_npy", test_main_bad_npy},
    {NULL, NULL},
};

int main(void)
{
    unsetenv("ONNXC_PROFILE");
    unsetenv("ONNXC_NUM_THREADS");
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/onnxc-rt-XXXXXX");
    if (!mkdtemp(tmp_dir))
        return 2;
    int rc = tu_run("runtime", cases);
    char *argv[] = {"/bin/rm", "-rf", tmp_dir, NULL};
    tu_exec(argv, NULL);
    return rc;
}
