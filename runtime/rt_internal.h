/* rt_internal.h - what the runtime's files share: the context, the thread
 * pool and a few helpers. Cross-file functions carry the onnxc_rt_ prefix
 * (the static library is linked into programs with their own symbols) and
 * hidden visibility (the shared library exports only the public API). */
#ifndef ONNXC_RT_INTERNAL_H
#define ONNXC_RT_INTERNAL_H

#include "onnxc_rt.h"

#define RT_HIDDEN __attribute__((visibility("hidden")))

/* ---- rt_pool.c ---------------------------------------------------------- */

typedef struct rt_pool rt_pool;

/* n_threads >= 1 threads in all: n_threads - 1 workers plus the caller of
 * onnxc_rt_pool_run, each with its own scratch area of scratch_bytes. */
RT_HIDDEN onnxc_status onnxc_rt_pool_create(int n_threads, uint64_t scratch_bytes, rt_pool **out);
RT_HIDDEN void onnxc_rt_pool_destroy(rt_pool *p);
RT_HIDDEN int onnxc_rt_pool_threads(const rt_pool *p);
/* Runs fn(bufs, t, scratch) for every t in [0, n_tasks), spread over the
 * pool's threads, and returns when all have finished. One caller at a time. */
RT_HIDDEN void onnxc_rt_pool_run(rt_pool *p, onnxc_task_fn fn, void *const *bufs, int64_t n_tasks);

/* ---- rt_model.c --------------------------------------------------------- */

struct onnxc_ctx {
    const onnxc_model *m;
    const onnxc_entry *e; /* the selected entry, what onnxc_run runs */
    rt_pool *pool;
    void *arena;       /* room for the largest entry's workspace */
    void *prepared;    /* the model's prepared buffers (made once, at creation) */
    void **bufs;       /* the buffer table (room for the largest entry's), resolved per run */
    uint64_t *prof_ns; /* per node of the selected entry, summed over runs; NULL unless profiling */
    uint64_t prof_runs, prof_run_ns;
    char err[1024];
};

RT_HIDDEN onnxc_status onnxc_rt_fail(onnxc_ctx *c, onnxc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A model string made safe to print: at most 96 characters, control and
 * non-ASCII bytes escaped. Rotating thread-local buffers (8). */
RT_HIDDEN const char *onnxc_rt_q(const char *s);
/* "[1,3,800,1066]" into buf. */
RT_HIDDEN void onnxc_rt_shape(int32_t rank, const int64_t *dims, char *buf, size_t n);
RT_HIDDEN uint64_t onnxc_rt_now_ns(void);

/* ---- rt_profile.c ------------------------------------------------------- */

/* Turns profiling on when $ONNXC_PROFILE asks for it (room for the largest
 * entry's nodes). */
RT_HIDDEN onnxc_status onnxc_rt_profile_init(onnxc_ctx *c);

#endif
