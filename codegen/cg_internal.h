/* cg_internal.h - what codegen's files share beyond codegen.h: the program
 * (buffers and lowered nodes) and its construction. Also used by the kernel
 * tests, which run lowered nodes natively. */
#ifndef ONNXC_CG_INTERNAL_H
#define ONNXC_CG_INTERNAL_H

#include "../runtime/onnxc_model.h"
#include "codegen.h"

typedef struct {
    int32_t kind;     /* ONNXC_BUF_* */
    int32_t index;    /* INPUT/OUTPUT index */
    uint64_t offset;  /* ARENA offset */
    const void *data; /* CONST data */
    uint64_t bytes;
    int32_t value;    /* IR value, -1 for constants made by lowering */
    /* PREPARED (offset: in this program's prepared area): the task that
       makes it from constant buffer src when a context is created, and
       what identifies that derivation apart from buffer indices (equal
       keys on equal sources make equal data, made once per model) */
    const cg_lowered *prep;
    const char *prep_name;
    int32_t src;
    const void *key;
    size_t key_size;
    /* CONST from an IR value: read by a prep (cg_prep_source), by a node
       (cg_buf); one read by preps only is released after they ran */
    bool prep_src, node_use;
} cg_buf_info;

/* Microkernel shapes (mr, nv) chosen for the GEMMs of nodes with constant
 * operands, kept across the programs of one multi-shape build: a weight is
 * prepacked for its microkernel, so every entry must choose the shape the
 * first one chose for it to be packed (and stored) once. Keyed by node name
 * and the GEMM's order within the node's lowering. */
typedef struct cg_pins cg_pins;
cg_pins *cg_pins_new(void);
void cg_pins_free(cg_pins *t);

struct cg_program {
    const ir_graph *g;
    ir_arena *arena; /* descriptors, copied constants */
    mem_plan plan;
    cg_buf_info *bufs;
    uint32_t n_bufs, cap_bufs;
    int32_t *buf_of; /* IR value -> buffer */
    cg_lowered *nodes; /* one per graph node */
    uint64_t scratch_bytes;
    int threads_hint;
    uint64_t temp_base, temp_used, temp_max; /* cg_temp: node temporaries after the plan's arena */
    int vec_bits; /* the target's vector width for the lowerings; 0 = 512 */
    cg_pins *pins; /* NULL: every GEMM chooses its own shape */
    cg_precision precision;
    const char *keep_fp32; /* cg_options.keep_fp32 */
    uint8_t *heads; /* per node: an output head kept in fp32 (lower_dense.c, on first use) */
    uint64_t prepared_bytes; /* PREPARED buffers, 64-byte aligned offsets */
    void *prepared_mem;      /* their memory for native runs (cg_program_alloc_prepared) */
};

/* Plans memory, assigns buffers and lowers every node. */
ir_status cg_program_build(const ir_graph *g, int threads_hint, cg_program **out, ir_diag *d);
/* The same for a target whose vectors have vec_bits bits (512, 256, 128;
 * 0 = 512): the dense lowerings choose microkernel shapes from it. */
ir_status cg_program_build_for(const ir_graph *g, int threads_hint, int vec_bits, cg_program **out, ir_diag *d);
/* The same with the dense products in `precision`. */
ir_status cg_program_build_prec(const ir_graph *g, int threads_hint, int vec_bits, cg_precision precision,
                                cg_program **out, ir_diag *d);
/* The same, choosing GEMM microkernel shapes and other per-node choices
   through pins (may be NULL) shared by the entries of one artifact, with
   cg_options.keep_fp32 (may be NULL). */
ir_status cg_program_build_pinned(const ir_graph *g, int threads_hint, int vec_bits, cg_precision precision,
                                  const char *keep_fp32, cg_pins *pins, cg_program **out, ir_diag *d);
void cg_program_free(cg_program *p);
/* For ld_plan_gemm: replaces (mr, nv) by the shape pinned for this GEMM of
 * the node being lowered, or pins the given one. */
void cg_pin_kernel(const cg_program *p, int32_t *mr, int32_t *nv);
/* The same for another per-node choice that decides a weight's packing
   (e.g. direct or Winograd convolution). */
void cg_pin_choice(const cg_program *p, int32_t *choice);
/* A PREPARED buffer of `bytes`, made from constant buffer src by a task
 * given later with cg_set_prep; key (key_size bytes, copied) identifies
 * the derivation. Returns its index or -1 (out of memory). */
int32_t cg_prepared(cg_program *p, uint64_t bytes, int32_t src, const void *key, size_t key_size);
/* The task that fills PREPARED buffer buf (copied, descriptor included);
 * name: the node it serves. */
ir_status cg_set_prep(cg_program *p, int32_t buf, const cg_lowered *prep, const char *name, ir_diag *d);
/* Memory for the PREPARED buffers of a native run (tests; freed with the
 * program); false if out of memory. The caller runs the preps. */
bool cg_program_alloc_prepared(cg_program *p);
/* Resolves every buffer's address for a native run (tests). */
void cg_program_bind(const cg_program *p, void *arena, const void *const *inputs, void *const *outputs,
                     void **bufs);

#endif
