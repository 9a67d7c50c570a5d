/* passes.h - the optimizer: one public header for passes/.
 *
 *     pass_options o = pass_options_default();
 *     o.print_after = "fuse_attention";  o.print_to = stdout;
 *     pass_report r;  pass_report_init(&r);
 *     if (passes_optimize(g, &o, &r, &d) != IR_OK) ...   // g: bound static shapes
 *     for each r.declined[i]: kind, node, reason
 *     pass_report_free(&r);
 *
 * Each pass is a free function over the graph in its own file, run by a
 * fixed pipeline (pipeline.c), followed by the verifier. Fusions record
 * every candidate they matched and every one they declined with the reason,
 * so `onnxc inspect --optimize` can answer "why was my attention not fused?" */
#ifndef ONNXC_PASSES_H
#define ONNXC_PASSES_H

#include <stdio.h>

#include "ir.h"

typedef enum {
    FUSE_CONV_BN,       /* Conv + Mul/Add (frozen BN) or BatchNormalization */
    FUSE_CONV_ADD_RELU, /* Conv + bias + residual Add + Relu */
    FUSE_LAYERNORM,     /* ReduceMean..Add chain or LayerNormalization (+ residual) */
    FUSE_ATTENTION,     /* multi-head attention, projections to output projection */
    FUSE_LINEAR,        /* MatMul/Gemm + bias (+ Relu) */
    FUSE_KIND_COUNT
} fuse_kind;

const char *fuse_kind_name(fuse_kind k);

typedef struct {
    fuse_kind kind;
    char *node;   /* the candidate's anchor node (malloc'd) */
    char *reason; /* why it was declined (malloc'd) */
} fuse_decline;

typedef struct {
    char pass[32];
    uint32_t nodes_before, nodes_after;
    double ms;
} pass_step;

typedef struct {
    uint32_t matched[FUSE_KIND_COUNT];
    fuse_decline *declined;
    uint32_t n_declined, cap_declined;
    pass_step steps[64];
    uint32_t n_steps;
} pass_report;

void pass_report_init(pass_report *r);
void pass_report_free(pass_report *r);
/* Records a declined candidate; reason is printf-formatted. */
void pass_decline(pass_report *r, fuse_kind k, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct {
    uint64_t fold_limit;         /* largest constant folding may create (bytes) */
    const char *const *outputs;  /* keep only these graph outputs (NULL = all) */
    uint32_t n_outputs;
    const char *print_after;     /* pass name, "all", or NULL */
    FILE *print_to;              /* where --print-after goes (default stdout) */
    bool verify;                 /* run the verifier after every pass */
    bool fuse;                   /* run the fusion passes (off: clean-up only) */
} pass_options;

pass_options pass_options_default(void);

/* Runs the pipeline on g. Graph inputs should have static shapes (bind
 * them first); dims that stay unknown limit what folds and fuses. */
ir_status passes_optimize(ir_graph *g, const pass_options *o, pass_report *r, ir_diag *d);
/* Graph inputs whose values decide an output shape (Range(0, n, 1) with n
 * an input) or a mode (Dropout's training_mode) of optimized graph g
 * (specialize_inputs.c). The JIT, which has the values, specializes: every
 * use of such an input becomes a constant holding in[k]'s value, each one
 * reported on log; *changed says whether to optimize again (and repeat).
 * Fails naming the node when a deciding input has more than 64 elements. */
ir_status passes_specialize_inputs(ir_graph *g, ir_tensor *const *in, FILE *log, bool *changed, ir_diag *d);
/* For ahead-of-time compilation: fails naming the first such node and input. */
ir_status passes_refuse_value_inputs(const ir_graph *g, ir_diag *d);
/* Pass names in pipeline order, NULL-terminated (for --print-after). */
const char *const *passes_names(void);

/* ---- the passes (one file each) ---------------------------------------- */

typedef struct {
    const pass_options *opt;
    pass_report *report;
} pass_ctx;

typedef ir_status (*pass_fn)(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);

ir_status pass_infer_shapes(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_prune_outputs(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fold_constants(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_eliminate_dead(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_simplify(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_cse(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_unstack(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_materialize_outputs(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fold_batchnorm(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fuse_conv(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fuse_layernorm(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fuse_attention(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);
ir_status pass_fuse_linear(ir_graph *g, pass_ctx *c, ir_diag *d, bool *changed);

/* ---- memory plan (plan_memory.c) ---------------------------------------- */

typedef struct {
    int32_t value;
    uint64_t bytes, offset;
    int32_t first, last; /* node indices: producer and last consumer */
    int32_t inplace_of;  /* value whose buffer it reuses, or -1 */
} mem_slot;

typedef struct {
    mem_slot *slots;
    uint32_t n_slots;
    uint64_t arena_bytes;  /* the plan's arena size */
    uint64_t total_bytes;  /* sum of all intermediates */
    uint64_t lower_bound;  /* most bytes live at once */
} mem_plan;

/* Plans one arena for every non-constant value that is not a graph input
 * (graph outputs included), 64-byte aligned. Values need static shapes. */
ir_status plan_memory(const ir_graph *g, mem_plan *p, ir_diag *d);
void mem_plan_free(mem_plan *p);

/* ---- helpers shared by passes (match.c) --------------------------------- */

/* The single node consuming v, or -1 if v has zero or several consumers or
 * is a graph output. */
int32_t pass_single_consumer(const ir_graph *g, const uint32_t *uses, int32_t v);
/* The value's constant tensor, or NULL. */
const ir_tensor *pass_const(const ir_graph *g, int32_t v);
/* True if constant v holds one value (every element equal) and stores it. */
bool pass_const_scalar(const ir_graph *g, int32_t v, double *out);
/* Creates a new constant value holding a copy of t's data layout (dtype and
 * shape) with zeroed data; returns its index or -1. */
int32_t pass_new_const(ir_graph *g, const char *name, ir_dtype dt, const ir_shape *s,
                       ir_tensor **t);
/* Producer node of v when it has op `op`, else NULL. */
ir_node *pass_producer(ir_graph *g, int32_t v, ir_op op);
/* A label for messages: the node's name or "#index (Op)". */
const char *pass_node_label(const ir_graph *g, const ir_node *n);

#endif
