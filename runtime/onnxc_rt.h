/* onnxc_rt.h - the onnxc runtime: run a compiled model (libc, libm and
 * pthreads only).
 *
 *     #include "detr.h"              // generated: declares detr_model
 *     onnxc_ctx *c = onnxc_create(&detr_model, 0, &err);   // 0 threads: default
 *     const void *in[] = {image};     void *out[] = {logits, boxes};
 *     if (onnxc_run(c, in, out) != ONNXC_OK) puts(onnxc_error(c));
 *     onnxc_destroy(c);
 *
 * onnxc_create allocates everything a run needs (workspace, thread pool,
 * buffer table); onnxc_run allocates nothing. Thread count: the argument,
 * else $ONNXC_NUM_THREADS, else the number of online CPUs. With
 * ONNXC_PROFILE=1 each run records per-node times; onnxc_profile_print
 * writes the table (node, op, time, share, GFLOP/s).
 *
 * A model compiled for several input shapes has one entry per shape (the
 * generated header lists them: NAME_NUM_ENTRIES, NAME_ENTRYk_*). A context
 * runs entry 0 until onnxc_select picks the entry for the shapes at hand:
 *
 *     const int32_t ranks[] = {4};  const int64_t dims0[] = {1, 3, 800, 1333};
 *     const int64_t *dims[] = {dims0};
 *     if (onnxc_select(c, ranks, dims) != ONNXC_OK) puts(onnxc_error(c));
 *     const onnxc_entry *e = onnxc_selected(c);  // e->outputs: this run's output shapes
 *
 * Threads: each context has its own pool and workspace, so several contexts
 * (of one model or several) may run at the same time from different
 * threads; one context must be used by one thread at a time (onnxc_run is
 * not reentrant on the same context). Inputs and outputs must not overlap;
 * 64-byte aligned pointers are fastest, element-size alignment is required. */
#ifndef ONNXC_RT_H
#define ONNXC_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "onnxc_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ONNXC_OK = 0,
    ONNXC_ERR_ARGUMENT = 1, /* NULL pointer, wrong count, bad value */
    ONNXC_ERR_SHAPE = 2,    /* an input's dtype or shape differs from the model's */
    ONNXC_ERR_NOMEM = 3,
    ONNXC_ERR_ABI = 4,      /* the model was built for another runtime */
    ONNXC_ERR_THREAD = 5
} onnxc_status;

typedef struct onnxc_ctx onnxc_ctx;

/* n_threads 0: default. On failure returns NULL and, if err is non-NULL,
 * the reason. */
onnxc_ctx *onnxc_create(const onnxc_model *m, int n_threads, onnxc_status *err);
/* Runs the selected entry once: inputs[i] points to entry->inputs[i] (dense,
 * row-major, of the declared dtype and shape), outputs[i] to room for
 * entry->outputs[i]. */
onnxc_status onnxc_run(onnxc_ctx *c, const void *const *inputs, void *const *outputs);
/* Checks an input's dtype and shape before a run (for callers holding
 * tensors of variable shape): ONNXC_OK if some entry takes it, else
 * ONNXC_ERR_SHAPE with a message listing the compiled shapes. */
onnxc_status onnxc_check_input(onnxc_ctx *c, uint32_t i, int32_t dtype, int32_t rank, const int64_t *dims);
/* The last error's message ("" if none). */
const char *onnxc_error(const onnxc_ctx *c);
void onnxc_destroy(onnxc_ctx *c);
int onnxc_threads(const onnxc_ctx *c);
size_t onnxc_dtype_size(int32_t dtype);
/* Bytes of model input/output i. */
uint64_t onnxc_tensor_bytes(const onnxc_tensor_desc *t);
/* Per-node profile of the runs so far (needs ONNXC_PROFILE=1 at create). */
void onnxc_profile_print(const onnxc_ctx *c, FILE *f);

/* Additions beyond the first version of this header. */
/* "float32", "int64", ... ("?" for a type the runtime does not know). */
const char *onnxc_dtype_name(int32_t dtype);
/* A short description of a status, e.g. for onnxc_create's failures. */
const char *onnxc_status_name(onnxc_status s);
/* Non-zero if the context records a profile (ONNXC_PROFILE=1 at create). */
int onnxc_profile_enabled(const onnxc_ctx *c);
/* Forgets the runs recorded so far (e.g. after a warm-up run). */
void onnxc_profile_reset(onnxc_ctx *c);

/* Models with several entries (one per compiled input shape). */
/* Selects the entry compiled for these input shapes (input i has rank
 * ranks[i] and dimensions dims[i]); ONNXC_ERR_SHAPE, with a message listing
 * the compiled shapes, if there is none. Allocates nothing. */
onnxc_status onnxc_select(onnxc_ctx *c, const int32_t *ranks, const int64_t *const *dims);
/* Selects entry `entry` (0 .. model->n_entries - 1). */
onnxc_status onnxc_select_entry(onnxc_ctx *c, uint32_t entry);
/* The selected entry (NULL for a NULL context). */
const onnxc_entry *onnxc_selected(const onnxc_ctx *c);

#ifdef __cplusplus
}
#endif
#endif
