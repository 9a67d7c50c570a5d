/* rt_model.c - running a compiled model: create, select, run, input checks,
 * errors.
 *
 * onnxc_create checks the model table once (ABI, every entry's
 * descriptors and buffer kinds, the same inputs and outputs in every
 * entry), then allocates all a run needs, sized for the largest entry: the
 * arena for intermediates, the buffer table, the thread pool and its
 * scratch areas, and runs the preps that fill the prepared area (then pages
 * out the constants only they read). Selecting an entry (entry 0 at first;
 * onnxc_select by input shapes) fills the table's arena and constant
 * addresses. onnxc_run only writes the caller's input and output pointers
 * into the table and runs the entry's nodes in order, each as a
 * parallel-for on the pool: it allocates nothing and cannot fail once its
 * arguments are valid. Messages
 * name the input or output at fault and list the shapes compiled. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX and GNU declarations without the build system's -D */
#endif
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "rt_internal.h"

#define MAX_THREADS 1024

onnxc_status onnxc_rt_fail(onnxc_ctx *c, onnxc_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return st;
}

const char *onnxc_rt_q(const char *s)
{
    static _Thread_local char bufs[8][96 * 4 + 8];
    static _Thread_local unsigned next;
    char *b = bufs[next++ % 8];
    if (!s)
        return "(null)";
    size_t o = 0, shown = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, shown++) {
        if (shown == 96) {
            memcpy(b + o, "...", 4);
            return b;
        }
        if (*p >= 0x20 && *p < 0x7f && *p != '\\')
            b[o++] = (char)*p;
        else
            o += (size_t)snprintf(b + o, 5, "\\x%02x", *p);
    }
    b[o] = 0;
    return b;
}

void onnxc_rt_shape(int32_t rank, const int64_t *dims, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "[");
    for (int32_t i = 0; i < rank && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? "," : "", (long long)dims[i]);
    if (o < n)
        snprintf(buf + o, n - o, "]");
}

uint64_t onnxc_rt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- element types (ONNX numbering) ------------------------------------- */

static const struct {
    int32_t dtype;
    uint8_t size;
    const char *name;
} dtypes[] = {
    {1, 4, "float32"},   {2, 1, "uint8"},    {3, 1, "int8"},    {4, 2, "uint16"},
    {5, 2, "int16"},     {6, 4, "int32"},    {7, 8, "int64"},   {9, 1, "bool"},
    {10, 2, "float16"},  {11, 8, "float64"}, {12, 4, "uint32"}, {13, 8, "uint64"},
    {16, 2, "bfloat16"},
};

size_t onnxc_dtype_size(int32_t dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == dtype)
            return dtypes[i].size;
    return 0;
}

const char *onnxc_dtype_name(int32_t dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == dtype)
            return dtypes[i].name;
    return "?";
}

uint64_t onnxc_tensor_bytes(const onnxc_tensor_desc *t)
{
    if (!t || t->rank < 0 || t->rank > ONNXC_MAX_RANK)
        return 0;
    uint64_t n = onnxc_dtype_size(t->dtype);
    for (int32_t i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0 || (t->dims[i] && n > UINT64_MAX / (uint64_t)t->dims[i]))
            return 0;
        n *= (uint64_t)t->dims[i];
    }
    return n;
}

const char *onnxc_status_name(onnxc_status s)
{
    switch (s) {
    case ONNXC_OK: return "ok";
    case ONNXC_ERR_ARGUMENT: return "invalid argument";
    case ONNXC_ERR_SHAPE: return "wrong input dtype or shape";
    case ONNXC_ERR_NOMEM: return "out of memory";
    case ONNXC_ERR_ABI: return "the model was compiled for another runtime version";
    case ONNXC_ERR_THREAD: return "cannot start threads";
    case ONNXC_ERR_CPU:
        return "the model was compiled for CPU features this CPU lacks (onnxc_cpu_missing names them; "
               "recompile with --target-cpu for this machine)";
    }
    return "unknown status";
}

/* ---- create ------------------------------------------------------------- */

/* The ONNXC_CPU_* features this CPU (and its OS, which must save the wider
 * registers: XCR0) offers, from cpuid. */
static uint32_t cpu_features(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid_count(1, 0, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    bool ymm = (lo & 6) == 6, zmm = (lo & 0xe6) == 0xe6, fma = c & bit_FMA;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    uint32_t f = ymm && fma && (b & bit_AVX2) ? ONNXC_CPU_AVX2 : 0;
    unsigned need512 = bit_AVX512F | bit_AVX512BW | bit_AVX512DQ | bit_AVX512VL;
    if (zmm && (b & need512) == need512)
        f |= ONNXC_CPU_AVX512;
    if ((f & ONNXC_CPU_AVX512) && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5)))
        f |= ONNXC_CPU_AVX512BF16;
    return f;
#else
    return 0;
#endif
}

const char *onnxc_cpu_missing(const onnxc_model *m)
{
    uint32_t miss = m ? m->cpu & ~cpu_features() : 0;
    return miss & ONNXC_CPU_AVX2         ? "AVX2/FMA"
           : miss & ONNXC_CPU_AVX512     ? "AVX-512 (F, BW, DQ, VL)"
           : miss & ONNXC_CPU_AVX512BF16 ? "AVX512_BF16"
           : miss                        ? "a CPU feature this runtime does not know"
                                         : NULL;
}

static bool tensors_ok(const onnxc_tensor_desc *t, uint32_t n)
{
    if (n && !t)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (!t[i].name || t[i].rank < 0 || t[i].rank > ONNXC_MAX_RANK ||
            !onnxc_dtype_size(t[i].dtype))
            return false;
        bool empty = false;
        for (int32_t k = 0; k < t[i].rank; k++)
            empty |= t[i].dims[k] == 0;
        if (!empty && !onnxc_tensor_bytes(&t[i]))
            return false; /* negative dimension or overflow */
    }
    return true;
}

static bool entry_ok(const onnxc_model *m, const onnxc_entry *e)
{
    if (!tensors_ok(e->inputs, m->n_inputs) || !tensors_ok(e->outputs, m->n_outputs) ||
        (e->n_bufs && !e->bufs) || (e->n_nodes && !e->nodes))
        return false;
    for (uint32_t i = 0; i < e->n_bufs; i++) {
        const onnxc_buf_desc *b = &e->bufs[i];
        bool ok =
            (b->kind == ONNXC_BUF_ARENA && b->offset <= e->arena_bytes && b->offset % 64 == 0) ||
            (b->kind == ONNXC_BUF_INPUT && b->index >= 0 && (uint32_t)b->index < m->n_inputs) ||
            (b->kind == ONNXC_BUF_OUTPUT && b->index >= 0 && (uint32_t)b->index < m->n_outputs) ||
            (b->kind == ONNXC_BUF_PREPARED && b->offset < m->prepared_bytes && b->offset % 64 == 0) ||
            (b->kind == ONNXC_BUF_CONST && (b->index == 0 || b->index == ONNXC_CONST_PREP_ONLY));
        if (!ok)
            return false;
    }
    for (uint32_t i = 0; i < e->n_nodes; i++)
        if (!e->nodes[i].fn || e->nodes[i].n_tasks < 0 || e->nodes[i].n_tasks > INT32_MAX)
            return false;
    if (e->n_preps && !e->preps)
        return false;
    for (uint32_t i = 0; i < e->n_preps; i++)
        if (!e->preps[i].fn || e->preps[i].n_tasks < 0 || e->preps[i].n_tasks > INT32_MAX)
            return false;
    return true;
}

/* Tensors t and u have the same name and dtype (in two entries). */
static bool same_tensors(const onnxc_tensor_desc *t, const onnxc_tensor_desc *u, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(t[i].name, u[i].name) || t[i].dtype != u[i].dtype)
            return false;
    return true;
}

/* Everything onnxc_run relies on, checked once. */
static onnxc_status model_check(const onnxc_model *m)
{
    if (!m)
        return ONNXC_ERR_ARGUMENT;
    if (m->abi != ONNXC_MODEL_ABI)
        return ONNXC_ERR_ABI;
    if (onnxc_cpu_missing(m))
        return ONNXC_ERR_CPU;
    if (!m->n_entries || !m->entries)
        return ONNXC_ERR_ARGUMENT;
    for (uint32_t k = 0; k < m->n_entries; k++) {
        const onnxc_entry *e = &m->entries[k];
        if (!entry_ok(m, e) || !same_tensors(e->inputs, m->entries[0].inputs, m->n_inputs) ||
            !same_tensors(e->outputs, m->entries[0].outputs, m->n_outputs))
            return ONNXC_ERR_ARGUMENT;
    }
    return ONNXC_OK;
}

/* The argument, else $ONNXC_NUM_THREADS, else the CPUs this process may
 * use (online CPUs, narrowed by its affinity mask). */
static int thread_count(int requested)
{
    if (requested > 0)
        return requested;
    const char *env = getenv("ONNXC_NUM_THREADS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v >= 1 && v <= MAX_THREADS)
            return (int)v;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef CPU_COUNT
    cpu_set_t set;
    if (!sched_getaffinity(0, sizeof set, &set) && CPU_COUNT(&set) > 0 &&
        (n < 1 || CPU_COUNT(&set) < n))
        n = CPU_COUNT(&set);
#endif
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* Points the buffer table at entry k's arena and constant buffers. */
static void bind_entry(onnxc_ctx *c, uint32_t k)
{
    const onnxc_entry *e = &c->m->entries[k];
    if (c->e != e)
        onnxc_profile_reset(c); /* a profile covers one entry */
    c->e = e;
    for (uint32_t i = 0; i < e->n_bufs; i++) {
        const onnxc_buf_desc *b = &e->bufs[i];
        if (b->kind == ONNXC_BUF_ARENA)
            c->bufs[i] = c->arena ? (char *)c->arena + b->offset : NULL;
        else if (b->kind == ONNXC_BUF_CONST)
            c->bufs[i] = (void *)(uintptr_t)b->data;
        else if (b->kind == ONNXC_BUF_PREPARED)
            c->bufs[i] = (char *)c->prepared + b->offset;
    }
}

/* Fills the prepared area: every entry's preps, in entry order (a later
 * entry may read what an earlier one made). */
static void prepare(onnxc_ctx *c)
{
    for (uint32_t k = 0; k < c->m->n_entries; k++) {
        const onnxc_entry *e = &c->m->entries[k];
        if (!e->n_preps)
            continue;
        bind_entry(c, k);
        for (uint32_t i = 0; i < e->n_preps; i++)
            onnxc_rt_pool_run(c->pool, e->preps[i].fn, c->bufs, e->preps[i].n_tasks);
    }
}

/* Whether some entry reads `data` as a constant without the prep-only mark. */
static bool const_read_by_nodes(const onnxc_model *m, const void *data)
{
    for (uint32_t k = 0; k < m->n_entries; k++)
        for (uint32_t i = 0; i < m->entries[k].n_bufs; i++) {
            const onnxc_buf_desc *b = &m->entries[k].bufs[i];
            if (b->kind == ONNXC_BUF_CONST && b->index != ONNXC_CONST_PREP_ONLY && b->data == data)
                return true;
        }
    return false;
}

/* Whether an entry before entry k already lists data as a prep-only constant
 * (the entries of a multi-shape artifact share their weights). */
static bool prep_source_seen(const onnxc_model *m, uint32_t k, const void *data)
{
    for (uint32_t e = 0; e < k; e++)
        for (uint32_t i = 0; i < m->entries[e].n_bufs; i++) {
            const onnxc_buf_desc *b = &m->entries[e].bufs[i];
            if (b->kind == ONNXC_BUF_CONST && b->index == ONNXC_CONST_PREP_ONLY && b->data == data)
                return true;
        }
    return false;
}

/* After the preps: the whole pages of constants only they read are paged
 * out (advice: the contents stay valid, a later read faults them in again;
 * a no-op where the kernel lacks MADV_PAGEOUT or declines, e.g. for a file
 * the process may not write). DETR-R50: its 33 MB of 3x3 filters. */
static void release_prep_sources(const onnxc_model *m)
{
#ifdef MADV_PAGEOUT
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    for (uint32_t k = 0; k < m->n_entries; k++)
        for (uint32_t i = 0; i < m->entries[k].n_bufs; i++) {
            const onnxc_buf_desc *b = &m->entries[k].bufs[i];
            if (b->kind != ONNXC_BUF_CONST || b->index != ONNXC_CONST_PREP_ONLY || !b->data ||
                b->offset > UINTPTR_MAX - (uintptr_t)b->data)
                continue;
            uintptr_t lo = ((uintptr_t)b->data + page - 1) / page * page,
                      hi = ((uintptr_t)b->data + (uintptr_t)b->offset) / page * page;
            if (hi > lo && !prep_source_seen(m, k, b->data) && !const_read_by_nodes(m, b->data))
                (void)madvise((void *)lo, hi - lo, MADV_PAGEOUT);
        }
#else
    (void)m;
    (void)const_read_by_nodes;
    (void)prep_source_seen;
#endif
}

/* Room for the largest entry: buffer table and arena; *scratch gets the
 * largest scratch area. */
static onnxc_status ctx_alloc(onnxc_ctx *c, const onnxc_model *m, uint64_t *scratch)
{
    uint64_t arena = 0, bufs = 1;
    *scratch = 0;
    for (uint32_t k = 0; k < m->n_entries; k++) {
        const onnxc_entry *e = &m->entries[k];
        arena = e->arena_bytes > arena ? e->arena_bytes : arena;
        bufs = e->n_bufs > bufs ? e->n_bufs : bufs;
        *scratch = e->scratch_bytes > *scratch ? e->scratch_bytes : *scratch;
    }
    c->m = m;
    c->bufs = calloc(bufs, sizeof *c->bufs);
    if (!c->bufs)
        return ONNXC_ERR_NOMEM;
    if (arena) {
        if (arena > SIZE_MAX - 63)
            return ONNXC_ERR_NOMEM;
        c->arena = aligned_alloc(64, (size_t)(arena + 63) / 64 * 64);
        if (!c->arena)
            return ONNXC_ERR_NOMEM;
    }
    if (m->prepared_bytes) {
        if (m->prepared_bytes > SIZE_MAX - 63)
            return ONNXC_ERR_NOMEM;
        c->prepared = aligned_alloc(64, (size_t)(m->prepared_bytes + 63) / 64 * 64);
        if (!c->prepared)
            return ONNXC_ERR_NOMEM;
    }
    return ONNXC_OK;
}

onnxc_ctx *onnxc_create(const onnxc_model *m, int n_threads, onnxc_status *err)
{
    onnxc_status st = model_check(m);
    onnxc_ctx *c = NULL;
    if (!st && (n_threads < 0 || n_threads > MAX_THREADS))
        st = ONNXC_ERR_ARGUMENT;
    if (!st && !(c = calloc(1, sizeof *c)))
        st = ONNXC_ERR_NOMEM;
    uint64_t scratch = 0;
    if (!st)
        st = ctx_alloc(c, m, &scratch);
    if (!st)
        st = onnxc_rt_pool_create(thread_count(n_threads), scratch, &c->pool);
    if (!st) {
        prepare(c);
        release_prep_sources(m);
    }
    if (!st)
        st = onnxc_rt_profile_init(c);
    if (!st)
        bind_entry(c, 0);
    if (st) {
        onnxc_destroy(c);
        c = NULL;
    }
    if (err)
        *err = st;
    return c;
}

void onnxc_destroy(onnxc_ctx *c)
{
    if (!c)
        return;
    onnxc_rt_pool_destroy(c->pool);
    free(c->prof_ns);
    free(c->arena);
    free(c->prepared);
    free(c->bufs);
    free(c);
}

int onnxc_threads(const onnxc_ctx *c)
{
    return c && c->pool ? onnxc_rt_pool_threads(c->pool) : 0;
}

const char *onnxc_error(const onnxc_ctx *c)
{
    return c ? c->err : "no context (onnxc_create failed)";
}

/* ---- run ---------------------------------------------------------------- */

static onnxc_status check_ptrs(onnxc_ctx *c, const char *what, const onnxc_tensor_desc *t,
                               uint32_t n, const void *const *p)
{
    if (n && !p)
        return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT, "the %ss array is NULL (the model has %u %s%s)",
                             what, n, what, n == 1 ? "" : "s");
    for (uint32_t i = 0; i < n; i++)
        if (!p[i] && onnxc_tensor_bytes(&t[i]))
            return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT, "%s %u ('%s') is NULL", what, i,
                                 onnxc_rt_q(t[i].name));
    return ONNXC_OK;
}

onnxc_status onnxc_run(onnxc_ctx *c, const void *const *inputs, void *const *outputs)
{
    if (!c)
        return ONNXC_ERR_ARGUMENT;
    const onnxc_model *m = c->m;
    const onnxc_entry *e = c->e;
    onnxc_status st = check_ptrs(c, "input", e->inputs, m->n_inputs, inputs);
    if (!st)
        st = check_ptrs(c, "output", e->outputs, m->n_outputs, (const void *const *)outputs);
    if (st)
        return st;
    c->err[0] = 0;
    for (uint32_t i = 0; i < e->n_bufs; i++) {
        const onnxc_buf_desc *b = &e->bufs[i];
        if (b->kind == ONNXC_BUF_INPUT)
            c->bufs[i] = (void *)(uintptr_t)inputs[b->index];
        else if (b->kind == ONNXC_BUF_OUTPUT)
            c->bufs[i] = outputs[b->index];
    }
    if (!c->prof_ns) {
        for (uint32_t i = 0; i < e->n_nodes; i++)
            onnxc_rt_pool_run(c->pool, e->nodes[i].fn, c->bufs, e->nodes[i].n_tasks);
        return ONNXC_OK;
    }
    uint64_t t0 = onnxc_rt_now_ns(), t = t0;
    for (uint32_t i = 0; i < e->n_nodes; i++) {
        onnxc_rt_pool_run(c->pool, e->nodes[i].fn, c->bufs, e->nodes[i].n_tasks);
        uint64_t t1 = onnxc_rt_now_ns();
        c->prof_ns[i] += t1 - t;
        t = t1;
    }
    c->prof_run_ns += t - t0;
    c->prof_runs++;
    return ONNXC_OK;
}

/* ---- input shapes and entries --------------------------------------------- */

static bool shape_is(const onnxc_tensor_desc *t, int32_t rank, const int64_t *dims)
{
    bool same = rank == t->rank;
    for (int32_t k = 0; same && k < rank; k++)
        same = dims[k] == t->dims[k];
    return same;
}

/* The distinct shapes input i was compiled for: "[4,33]" or "one of [4,33],
 * [2,33]" (cut with "..." when the message would be too long). */
static void compiled_shapes(const onnxc_model *m, uint32_t i, char *buf, size_t n)
{
    size_t o = 0, distinct = 0;
    buf[0] = 0;
    for (uint32_t k = 0; k < m->n_entries; k++) {
        const onnxc_tensor_desc *t = &m->entries[k].inputs[i];
        uint32_t j = 0;
        while (j < k && !shape_is(&m->entries[j].inputs[i], t->rank, t->dims))
            j++;
        if (j < k)
            continue;
        char s[256];
        onnxc_rt_shape(t->rank, t->dims, s, sizeof s);
        if (o + strlen(s) + 16 >= n) {
            snprintf(buf + o, n - o, ", ...");
            return;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s%s", distinct++ ? ", " : "", s);
    }
    if (distinct > 1 && o + 8 < n) {
        memmove(buf + 7, buf, o + 1);
        memcpy(buf, "one of ", 7);
    }
}

/* Input i of a run is (dtype, rank, dims): ONNXC_OK if some entry takes it. */
static onnxc_status check_one(onnxc_ctx *c, uint32_t i, int32_t dtype, int32_t rank,
                              const int64_t *dims)
{
    const onnxc_model *m = c->m;
    const onnxc_tensor_desc *t = &m->entries[0].inputs[i];
    if (rank > 0 && !dims)
        return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT, "input '%s': dims is NULL",
                             onnxc_rt_q(t->name));
    if (dtype != t->dtype)
        return onnxc_rt_fail(
            c, ONNXC_ERR_SHAPE, "input '%s' has dtype %s, the model was compiled for %s",
            onnxc_rt_q(t->name), onnxc_dtype_name(dtype), onnxc_dtype_name(t->dtype));
    for (uint32_t k = 0; k < m->n_entries; k++)
        if (shape_is(&m->entries[k].inputs[i], rank, dims))
            return ONNXC_OK;
    char have[256], want[600];
    compiled_shapes(m, i, want, sizeof want);
    if (rank < 0 || rank > 32)
        return onnxc_rt_fail(c, ONNXC_ERR_SHAPE,
                             "input '%s' has rank %d, the model was compiled for %s",
                             onnxc_rt_q(t->name), (int)rank, want);
    onnxc_rt_shape(rank, dims, have, sizeof have);
    return onnxc_rt_fail(c, ONNXC_ERR_SHAPE,
                         "input '%s' has shape %s, the model was compiled for %s",
                         onnxc_rt_q(t->name), have, want);
}

onnxc_status onnxc_check_input(onnxc_ctx *c, uint32_t i, int32_t dtype, int32_t rank,
                               const int64_t *dims)
{
    if (!c)
        return ONNXC_ERR_ARGUMENT;
    const onnxc_model *m = c->m;
    if (i >= m->n_inputs)
        return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT,
                             "input %u does not exist (the model has %u input%s)", i, m->n_inputs,
                             m->n_inputs == 1 ? "" : "s");
    onnxc_status st = check_one(c, i, dtype, rank, dims);
    if (!st)
        c->err[0] = 0;
    return st;
}

/* "x [4,33], k [2]": entry e's input shapes (or the given ones if e is NULL). */
static size_t entry_shapes(const onnxc_model *m, const onnxc_entry *e, const int32_t *ranks,
                           const int64_t *const *dims, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < m->n_inputs && o + 1 < n; i++) {
        const onnxc_tensor_desc *t = &m->entries[0].inputs[i];
        char s[256];
        if (e)
            onnxc_rt_shape(e->inputs[i].rank, e->inputs[i].dims, s, sizeof s);
        else
            onnxc_rt_shape(ranks[i], dims[i], s, sizeof s);
        o += (size_t)snprintf(buf + o, n - o, "%s%s %s", i ? ", " : "", onnxc_rt_q(t->name), s);
    }
    return o < n ? o : n - 1;
}

onnxc_status onnxc_select(onnxc_ctx *c, const int32_t *ranks, const int64_t *const *dims)
{
    if (!c)
        return ONNXC_ERR_ARGUMENT;
    const onnxc_model *m = c->m;
    if (m->n_inputs && (!ranks || !dims))
        return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT, "the %s array is NULL (the model has %u input%s)",
                             ranks ? "dims" : "ranks", m->n_inputs, m->n_inputs == 1 ? "" : "s");
    for (uint32_t i = 0; i < m->n_inputs; i++) {
        onnxc_status st = check_one(c, i, m->entries[0].inputs[i].dtype, ranks[i], dims[i]);
        if (st)
            return st;
    }
    for (uint32_t k = 0; k < m->n_entries; k++) {
        uint32_t i = 0;
        while (i < m->n_inputs && shape_is(&m->entries[k].inputs[i], ranks[i], dims[i]))
            i++;
        if (i == m->n_inputs) {
            bind_entry(c, k);
            c->err[0] = 0;
            return ONNXC_OK;
        }
    }
    /* every input's shape was compiled, but not this combination */
    char have[400], want[600];
    entry_shapes(m, NULL, ranks, dims, have, sizeof have);
    size_t o = 0;
    for (uint32_t k = 0; k < m->n_entries && o + 8 < sizeof want; k++) {
        o += (size_t)snprintf(want + o, sizeof want - o, "%s(", k ? ", " : "");
        o += entry_shapes(m, &m->entries[k], NULL, NULL, want + o, sizeof want - o - 2);
        o += (size_t)snprintf(want + o, sizeof want - o, ")");
    }
    return onnxc_rt_fail(c, ONNXC_ERR_SHAPE,
                         "inputs %s: the model was not compiled for these shapes together; "
                         "it was compiled for %s",
                         have, want);
}

onnxc_status onnxc_select_entry(onnxc_ctx *c, uint32_t entry)
{
    if (!c)
        return ONNXC_ERR_ARGUMENT;
    if (entry >= c->m->n_entries)
        return onnxc_rt_fail(c, ONNXC_ERR_ARGUMENT, "entry %u does not exist (the model has %u)",
                             entry, c->m->n_entries);
    bind_entry(c, entry);
    c->err[0] = 0;
    return ONNXC_OK;
}

const onnxc_entry *onnxc_selected(const onnxc_ctx *c)
{
    return c ? c->e : NULL;
}
