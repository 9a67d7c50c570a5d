/* onnxc_model.h - the contract between code onnxc generates and the runtime.
 *
 * A compiled model is one constant `onnxc_model` plus the functions it points
 * to. The generated code knows nothing about threads or memory: each node is
 * a task function that the runtime calls for task indices 0..n_tasks-1 (in
 * any order, from any thread), with the buffer table and a per-thread
 * scratch area. Buffers are described, not allocated, by the model: the
 * runtime resolves each one to an address once per run (arena + offset, a
 * caller's input or output pointer, or constant data inside the artifact).
 * Nothing here needs more than libc. Bump ONNXC_MODEL_ABI on any change.
 *
 * A model compiled for several input shapes (`--input-shape x:A,B,C`) holds
 * one entry per shape: each entry is the whole compiled program for its
 * shapes (descriptors, buffers, nodes), and the entries' constant buffers
 * point into one copy of the weights. Every entry has the model's inputs
 * and outputs, by the same names and dtypes, in the same order; only their
 * dimensions differ. A model compiled for one shape has one entry.
 * Prepared buffers hold data a model derives from its constants when a
 * context is created, where storing it would make the artifact larger than
 * computing it (Winograd-transformed convolution weights are four times
 * the size of the 3x3 filters they come from): onnxc_create allocates the
 * model's prepared area, runs every entry's `preps` (task functions like
 * the nodes', on that entry's buffer table) in entry order, and from then
 * on the area is read-only. Entries that share a prepared buffer share its
 * offset; only the first entry that uses it lists the prep that makes it.
 * A constant buffer that only preps read (the 3x3 filters behind Winograd
 * weights) has index ONNXC_CONST_PREP_ONLY and its size in `offset`: once
 * the preps have run, onnxc_create asks the kernel to drop its pages
 * (madvise MADV_PAGEOUT: the contents stay, a later read faults them back
 * in), unless a buffer without the mark has the same data.
 * ABI history: 1 one program per model; 2 a table of entries and the CPU
 * features the code needs; 3 prepared buffers; 4 prep-only constants. */
#ifndef ONNXC_MODEL_H
#define ONNXC_MODEL_H

#include <stdint.h>

#define ONNXC_MODEL_ABI 4
#define ONNXC_MAX_RANK 8

/* One node's work item. bufs[i] is buffer i's address for this run; scratch
 * is this thread's scratch area (entry->scratch_bytes, 64-byte aligned). */
typedef void (*onnxc_task_fn)(void *const *bufs, int64_t task, void *scratch);

typedef struct {
    onnxc_task_fn fn;
    int64_t n_tasks;
    const char *name; /* the node's name in the model */
    const char *op;   /* its op ("Conv", "onnxc.Attention", ...) */
    double flops;     /* floating-point operations of the whole node (0: n/a) */
} onnxc_node_desc;

enum {
    ONNXC_BUF_ARENA = 0,  /* workspace + offset */
    ONNXC_BUF_INPUT = 1,  /* the caller's input `index` */
    ONNXC_BUF_OUTPUT = 2, /* the caller's output `index` */
    ONNXC_BUF_CONST = 3,  /* constant data inside the artifact */
    ONNXC_BUF_PREPARED = 4 /* prepared area + offset, made at onnxc_create */
};
#define ONNXC_CONST_PREP_ONLY 1 /* CONST `index`: read by preps only (0: by nodes) */

typedef struct {
    int32_t kind;
    int32_t index;   /* INPUT/OUTPUT: which one; CONST: 0 or ONNXC_CONST_PREP_ONLY */
    uint64_t offset; /* ARENA, PREPARED: byte offset, 64-byte aligned; CONST prep-only: bytes */
    const void *data; /* CONST: the data (64-byte aligned) */
} onnxc_buf_desc;

/* Element types use ONNX's numbering (1 float32, 7 int64, 9 bool, ...). */
typedef struct {
    const char *name;
    int32_t dtype;
    int32_t rank;
    int64_t dims[ONNXC_MAX_RANK];
} onnxc_tensor_desc;

/* CPU features a model's code may use (onnxc_create checks them). */
#define ONNXC_CPU_AVX2 1u       /* AVX2 and FMA */
#define ONNXC_CPU_AVX512 2u     /* AVX-512 F, BW, DQ, VL */
#define ONNXC_CPU_AVX512BF16 4u /* AVX512_BF16 (--precision bf16) */

/* One specialization of the model, for one set of input shapes. */
typedef struct {
    uint64_t arena_bytes;   /* workspace for intermediates */
    uint64_t scratch_bytes; /* per thread */
    const onnxc_tensor_desc *inputs, *outputs; /* the model's n_inputs, n_outputs */
    uint32_t n_bufs;
    const onnxc_buf_desc *bufs;
    uint32_t n_nodes;
    const onnxc_node_desc *nodes;
    uint32_t n_preps;             /* run once, by onnxc_create, to fill prepared buffers */
    const onnxc_node_desc *preps;
} onnxc_entry;

typedef struct {
    uint32_t abi;      /* ONNXC_MODEL_ABI */
    uint32_t cpu;      /* ONNXC_CPU_* the code of every entry needs */
    const char *name;
    uint32_t n_inputs, n_outputs;
    uint32_t n_entries; /* >= 1 */
    const onnxc_entry *entries;
    uint64_t prepared_bytes; /* the prepared area (0: none) */
} onnxc_model;

#endif
