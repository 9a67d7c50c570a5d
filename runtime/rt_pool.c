/* rt_pool.c - the thread pool: a parallel-for over one node's tasks.
 *
 * A compiled model is a sequence of ~200 nodes, many of them small, so the
 * cost per node matters more than anything else here. Workers are created
 * once (at onnxc_create) and the caller's thread takes part in every node.
 * A node with one task runs inline without touching the workers. Otherwise
 * the caller publishes the job in one atomic word, `job` = id << 32 | tasks
 * not yet claimed; every thread claims tasks by decrementing it with a
 * compare-and-swap that also checks the id, so a worker that wakes late for
 * a finished job can never claim a task of the next one. The job's other
 * fields (fn, bufs, n_tasks) are only read after a successful claim, when
 * they are stable. The caller returns once `done` reaches n_tasks.
 *
 * Waiting threads spin for a short while (the next node usually follows in
 * microseconds), then block on a condition variable so idle pools cost no
 * CPU between runs. Sleepers announce themselves in a counter, so the
 * common path (everybody spinning) makes no system call; the counter and
 * the job word are both sequentially consistent, which rules out a lost
 * wake-up (either the waker sees the sleeper or the sleeper sees the job).
 *
 * Task indices fit in 32 bits: onnxc_create rejects larger task counts. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX and GNU declarations without the build system's -D */
#endif
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_internal.h"

/* How long a waiting thread spins before it blocks. */
#define SPIN_NS 100000

typedef struct {
    rt_pool *pool;
    void *scratch;
    pthread_t thread;
} rt_worker;

struct rt_pool {
    int n_threads, n_started;
    rt_worker *workers; /* n_threads - 1 */
    void *scratch_mem, *scratch0;
    uint32_t next_id; /* the caller's: id of the next job */
    /* the current job; written by the caller before it publishes `job` */
    onnxc_task_fn fn;
    void *const *bufs;
    int64_t n_tasks;
    alignas(64) _Atomic uint64_t job;
    alignas(64) _Atomic int64_t done;
    alignas(64) _Atomic int32_t sleepers;
    _Atomic int32_t caller_sleeps;
    _Atomic bool stop;
    pthread_mutex_t mu;
    pthread_cond_t wake, finished;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* True while a thread that started waiting at t0 should keep spinning.
 * After a few rounds it yields, so that when there are more runnable
 * threads than CPUs the thread it waits for gets the CPU. */
static bool keep_spinning(uint64_t t0, uint32_t *round)
{
    if (++*round < 64) {
        cpu_relax();
        return true;
    }
    sched_yield();
    return onnxc_rt_now_ns() - t0 < SPIN_NS;
}

static inline uint32_t job_id(uint64_t j)
{
    return (uint32_t)(j >> 32);
}

/* Claims and runs tasks of job `id` until none is left. */
static void run_tasks(rt_pool *p, uint32_t id, void *scratch)
{
    uint64_t j = atomic_load_explicit(&p->job, memory_order_acquire);
    for (;;) {
        if (job_id(j) != id || (uint32_t)j == 0)
            return;
        if (!atomic_compare_exchange_weak_explicit(&p->job, &j, j - 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        int64_t n = p->n_tasks;
        p->fn(p->bufs, n - (int64_t)(uint32_t)j, scratch);
        if (atomic_fetch_add(&p->done, 1) + 1 == n && atomic_load(&p->caller_sleeps)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->finished);
            pthread_mutex_unlock(&p->mu);
        }
        j = atomic_load_explicit(&p->job, memory_order_acquire);
    }
}

/* Waits until a job other than `seen` is published or the pool stops. */
static uint64_t wait_job(rt_pool *p, uint32_t seen)
{
    uint64_t j, t0 = onnxc_rt_now_ns();
    uint32_t round = 0;
    do {
        j = atomic_load_explicit(&p->job, memory_order_acquire);
        if (job_id(j) != seen || atomic_load_explicit(&p->stop, memory_order_relaxed))
            return j;
    } while (keep_spinning(t0, &round));
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (job_id(j = atomic_load(&p->job)) == seen && !atomic_load(&p->stop))
        pthread_cond_wait(&p->wake, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return j;
}

static void *worker_main(void *arg)
{
    rt_worker *w = arg;
    rt_pool *p = w->pool;
    uint32_t seen = 0;
    for (;;) {
        uint64_t j = wait_job(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        seen = job_id(j);
        run_tasks(p, seen, w->scratch);
    }
}

/* The caller, its own tasks done, waits for the workers' last ones. */
static void wait_done(rt_pool *p, int64_t n)
{
    uint64_t t0 = onnxc_rt_now_ns();
    uint32_t round = 0;
    do {
        if (atomic_load_explicit(&p->done, memory_order_acquire) == n)
            return;
    } while (keep_spinning(t0, &round));
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->caller_sleeps, 1);
    while (atomic_load(&p->done) != n)
        pthread_cond_wait(&p->finished, &p->mu);
    atomic_store(&p->caller_sleeps, 0);
    pthread_mutex_unlock(&p->mu);
}

void onnxc_rt_pool_run(rt_pool *p, onnxc_task_fn fn, void *const *bufs, int64_t n_tasks)
{
    if (n_tasks == 1 || p->n_threads == 1) {
        for (int64_t t = 0; t < n_tasks; t++)
            fn(bufs, t, p->scratch0);
        return;
    }
    if (n_tasks <= 0)
        return;
    p->fn = fn;
    p->bufs = bufs;
    p->n_tasks = n_tasks;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint32_t id = ++p->next_id;
    if (id == 0) /* 0 is the workers' initial `seen` */
        id = p->next_id = 1;
    atomic_store(&p->job, (uint64_t)id << 32 | (uint64_t)n_tasks);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    run_tasks(p, id, p->scratch0);
    wait_done(p, n_tasks);
}

int onnxc_rt_pool_threads(const rt_pool *p)
{
    return p->n_threads;
}

/* Starts the workers with every signal blocked: signals meant for the
 * program go to its own threads, not into a kernel. */
static onnxc_status start_workers(rt_pool *p)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    onnxc_status st = ONNXC_OK;
    for (int i = 0; i < p->n_threads - 1; i++) {
        if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i])) {
            st = ONNXC_ERR_THREAD;
            break;
        }
        p->n_started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

onnxc_status onnxc_rt_pool_create(int n_threads, uint64_t scratch_bytes, rt_pool **out)
{
    *out = NULL;
    rt_pool *p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
    if (!p)
        return ONNXC_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->n_threads = n_threads;
    atomic_init(&p->job, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->caller_sleeps, 0);
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->finished, NULL);
    uint64_t stride = (scratch_bytes + 63) / 64 * 64;
    p->workers = calloc((size_t)n_threads, sizeof *p->workers);
    if (stride && stride <= SIZE_MAX / (size_t)n_threads)
        p->scratch_mem = aligned_alloc(64, (size_t)(stride * (uint64_t)n_threads));
    if (!p->workers || (stride && !p->scratch_mem)) {
        onnxc_rt_pool_destroy(p);
        return ONNXC_ERR_NOMEM;
    }
    for (int i = 0; stride && i < n_threads; i++) {
        void *s = (char *)p->scratch_mem + (size_t)stride * (size_t)i;
        if (i == 0)
            p->scratch0 = s;
        else
            p->workers[i - 1].scratch = s;
    }
    for (int i = 0; i < n_threads - 1; i++)
        p->workers[i].pool = p;
    onnxc_status st = start_workers(p);
    if (st) {
        onnxc_rt_pool_destroy(p);
        return st;
    }
    *out = p;
    return ONNXC_OK;
}

void onnxc_rt_pool_destroy(rt_pool *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, true);
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_started; i++)
        pthread_join(p->workers[i].thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->finished);
    free(p->scratch_mem);
    free(p->workers);
    free(p);
}
