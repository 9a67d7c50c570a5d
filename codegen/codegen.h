/* codegen.h - from an optimized graph to native code through LLVM; one
 * public header for codegen/.
 *
 *     cg_options o = cg_options_default();          // host CPU, O3
 *     cg_module *m;
 *     if (cg_build(g, &o, &m, &d)) ...              // g optimized, static shapes
 *     cg_emit_object(m, "detr.o", &d);              // or cg_jit(m, &jm, &d)
 *     cg_module_free(m);
 *
 * Design: every node is lowered to (kernel template, descriptor, task count,
 * scratch size) by its op family (lower_*.c); weights are prepacked by the
 * lowering into constant buffers. The emitter builds an LLVM module holding
 * the kernel templates (bitcode compiled from codegen/kernels at build time),
 * the constants, one wrapper per node that calls its kernel with its
 * descriptor, and the `onnxc_model` table the runtime runs (runtime/
 * onnxc_model.h). LLVM's O3 pipeline for the target CPU then specializes
 * each kernel to its node's shapes and vectorizes it.
 *
 * One model at several input shapes is several graphs, each optimized at
 * its shapes, built into one module with one entry per graph
 * (cg_build_entries): constant data equal in several entries (the weights,
 * packed alike thanks to shared microkernel choices) is emitted once. */
#ifndef ONNXC_CODEGEN_H
#define ONNXC_CODEGEN_H

#include <stdio.h>

#include "ir.h"
#include "passes.h"

/* Arithmetic of the convolutions and matrix products with constant
 * weights: fp32, or bf16 operands with fp32 sums (AVX512_BF16 targets;
 * the output heads stay fp32; BF16_ALL converts them too, for tests). */
typedef enum { CG_FP32 = 0, CG_BF16 = 1, CG_BF16_ALL = 2 } cg_precision;

typedef struct {
    const char *name;       /* symbol prefix of the model (C identifier) */
    const char *target_cpu; /* NULL: host; e.g. "x86-64-v3", "znver4" */
    const char *target_features; /* NULL: those of the CPU */
    int opt_level;          /* 0..3 */
    bool verbose;           /* progress on stderr */
    cg_precision precision;
    /* bf16 builds: products of the nodes whose names contain one of these
       comma-separated substrings stay fp32 (NULL: none) */
    const char *keep_fp32;
} cg_options;

cg_options cg_options_default(void);

typedef struct cg_module cg_module;

/* Lowers and emits g (which must have static shapes everywhere). Fails with
 * IR_ERR_UNSUPPORTED naming every node whose op the compiler lacks. */
ir_status cg_build(const ir_graph *g, const cg_options *o, cg_module **out, ir_diag *d);
/* The same for n graphs of one model at other input shapes (the same inputs
 * and outputs by name and dtype, in the same order): entry k runs gs[k]. */
#define CG_MAX_ENTRIES 32
ir_status cg_build_entries(const ir_graph *const *gs, uint32_t n, const cg_options *o, cg_module **out,
                           ir_diag *d);
void cg_module_free(cg_module *m);

/* Output of the module after optimization. */
ir_status cg_emit_object(cg_module *m, const char *path, ir_diag *d);
ir_status cg_emit_text(cg_module *m, const char *path, bool assembly, ir_diag *d);
/* Writes NAME.h declaring the model (and the create/run/destroy wrappers). */
ir_status cg_emit_header(const cg_module *m, const char *path, ir_diag *d);

/* JIT (LLVM ORC): builds, optimizes and compiles g in memory for the host;
 * *model gets the `onnxc_model` table (valid until cg_jit_free). */
typedef struct cg_jit cg_jit;
ir_status cg_jit_build(const ir_graph *g, const cg_options *o, cg_jit **out, const void **model, ir_diag *d);
void cg_jit_free(cg_jit *j);

/* True if the compiler has a lowering for op (it may still refuse some of
 * the op's forms, with a message naming the node). */
bool cg_op_lowered(ir_op op);

/* Statistics of the last build. */
typedef struct {
    uint32_t nodes;
    uint64_t arena_bytes, scratch_bytes;
    uint64_t const_bytes;  /* constant data the entry uses */
    uint64_t shared_bytes; /* of which other entries use too */
} cg_entry_stats;

typedef struct {
    uint32_t nodes;                 /* all entries' */
    uint64_t const_bytes;           /* constant data in the module, each once */
    uint32_t wino_convs;            /* convolutions lowered to the Winograd kernel, all entries */
    uint32_t wino6_convs;           /* of them, F(6x6, 3x3) */
    uint64_t prepared_bytes;        /* data made from the constants at load (onnxc_create) */
    uint64_t arena_bytes, scratch_bytes; /* the largest entry's */
    double lower_ms, emit_ms, opt_ms, obj_ms;
    uint32_t n_entries;
    cg_entry_stats entries[CG_MAX_ENTRIES];
} cg_stats;
const cg_stats *cg_module_stats(const cg_module *m);
/* Vector width (bits) the kernels are tiled for, from an LLVM feature list
   ("+avx512f,-avx512fp16,..."; exact names) or else the CPU's family. */
int cg_vec_bits_for(const char *cpu, const char *features);

/* ---- lowering interface (for lower_*.c) --------------------------------- */

typedef struct cg_program cg_program;

typedef struct cg_lowered {
    const char *kernel;     /* kernel template, e.g. "gemm" for onnxc_k_gemm */
    const void *desc;       /* descriptor bytes (copied by cg_lower_node's caller) */
    size_t desc_size;
    int64_t n_tasks;        /* >= 1 */
    uint64_t scratch_bytes; /* per thread */
    double flops;
    /* A node may run in phases: `next` (NULL: none, cg_alloc'd with its
     * descriptor) runs once every task of this phase has finished, with its
     * own kernel, descriptor, tasks and scratch (e.g. attention: projections,
     * then heads, then the output projection). */
    const struct cg_lowered *next;
    const char *note; /* why this kernel and precision (cg_note; NULL: nothing to say) */
} cg_lowered;

const ir_graph *cg_graph(const cg_program *p);
/* Buffer index of IR value v (graph input, output, intermediate or
 * constant); -1 for v < 0 (omitted optional operand). */
int32_t cg_buf(cg_program *p, int32_t v);
/* cg_buf for what only a prep (cg_set_prep) reads: a constant read by no
   node is marked for release once the preps have run (onnxc_model.h) */
int32_t cg_prep_source(cg_program *p, int32_t v);
/* A new constant buffer holding a copy of data (e.g. prepacked weights);
 * returns its index or -1 (out of memory). */
int32_t cg_const(cg_program *p, const void *data, uint64_t bytes);
/* An arena buffer of `bytes` that lives only while the node being lowered
 * runs (data passed between its phases); returns its index or -1. */
int32_t cg_temp(cg_program *p, uint64_t bytes);
/* Room for a descriptor that lives as long as the program. */
void *cg_alloc(cg_program *p, size_t bytes);
/* Adds to out->note (after "; " if it has one) the choice a lowering made
 * and why, printf-style, for `onnxc inspect --kernels` (nothing if out of
 * memory). */
void cg_note(cg_program *p, cg_lowered *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One node phase as lowered (`onnxc inspect --kernels`). */
typedef struct {
    uint32_t node;             /* graph node index */
    const char *kernel;        /* "conv", "wino", "gemm", "attn", ... */
    const char *precision;     /* "fp32" or "bf16" */
    int64_t tasks;
    uint64_t scratch_bytes;
    double flops;
    double product_flops;      /* dense kernels: 2 x the multiply-adds their products run (Winograd's
                                  in the transformed domain, padded tiles included); else 0 */
    char product[112];         /* dense kernels: M x N x K and how B is formed */
    char tiles[112];           /* dense kernels: register and cache tiles */
    char note[400];            /* the choice made and why ("" if none) */
} cg_kernel_row;
typedef struct {
    int vec_bits, threads;
    uint64_t prepared_bytes; /* made at load (Winograd weights) */
    uint32_t n;
    cg_kernel_row *rows;
} cg_kernel_report;
/* What every node of g lowers to, for `threads` threads and a target with
 * vec_bits-bit vectors (0: the host's), at `precision` (keep_fp32 as in
 * cg_options). */
ir_status cg_describe_kernels(const ir_graph *g, int threads, int vec_bits, cg_precision precision,
                              const char *keep_fp32, cg_kernel_report *r, ir_diag *d);
/* Whether a --keep-fp32 list (comma-separated substrings) is well formed:
 * no empty item. */
bool cg_keep_fp32_valid(const char *list);
void cg_kernel_report_free(cg_kernel_report *r);
/* Threads the model will most likely run with (for task-count choices). */
int cg_threads_hint(const cg_program *p);

/* One lowering function per op family; the table lives in lower.c. */
typedef ir_status (*cg_lower_fn)(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d);
#define L(op, fn) ir_status cg_lower_##fn(cg_program *p, const ir_node *n, cg_lowered *out, ir_diag *d);
#include "lower_dense.def"
#include "lower_light.def"
#undef L

#endif
