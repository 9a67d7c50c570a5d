/* kernels.h - the per-op hooks of ir/: shape and type inference and scalar
 * reference kernels, plus the helpers they share (broadcasting, reading
 * integer operands). Internal to ir/ and its tests; the public entry points
 * are ir_infer_* and ir_ref_* at the end.
 *
 *     ir_operand in[2] = {{IR_F32, {2, {4, 1}}, NULL}, {IR_F32, {1, {3}}, NULL}};
 *     ir_operand out[1];
 *     ir_shape_broadcast(g, add_node, in, out, &d);   // out: f32 [4,3]
 *
 * Every hook is named in ir/ops.def (columns shape and ref); hooks.c builds
 * the dispatch tables from it, so a hook that is missing fails the link. */
#ifndef ONNXC_IR_KERNELS_H
#define ONNXC_IR_KERNELS_H

#include "ir.h"

/* What inference knows about one operand: its type, its shape (dims < 0
 * unknown) and, when the operand is a constant or was computed, its value. */
typedef struct {
    ir_dtype dtype;
    ir_shape shape;
    const ir_tensor *value; /* NULL when unknown */
} ir_operand;

/* Shape hook: fills out[0..n_outputs) (dtype and shape; rank -1 when not
 * knowable). in[i] for an omitted optional input has dtype IR_UNDEF.
 * Returns IR_ERR_MODEL with a message naming the node for inconsistent
 * inputs or attributes (wrong rank, bad axis, non-broadcastable shapes, ...)
 * and IR_ERR_UNSUPPORTED for valid forms onnxc does not handle. */
typedef ir_status (*ir_shape_fn)(const ir_graph *g, const ir_node *n,
                                 const ir_operand *in, ir_operand *out,
                                 ir_diag *d);

/* Reference kernel: in[i] NULL for omitted optional inputs; out[i] already
 * allocated by the caller with the dtype and static shape the shape hook
 * produced from the same (fully known) inputs. Plain scalar C. */
typedef ir_status (*ir_ref_fn)(const ir_graph *g, const ir_node *n,
                               const ir_tensor *const *in,
                               ir_tensor *const *out, ir_diag *d);

#define X(e, name, dom, mi, ma, mo, mao, since, fl, shp, ref)                 \
    ir_status ir_shape_##shp(const ir_graph *, const ir_node *,               \
                             const ir_operand *, ir_operand *, ir_diag *);    \
    ir_status ir_ref_##ref(const ir_graph *, const ir_node *,                 \
                           const ir_tensor *const *, ir_tensor *const *,      \
                           ir_diag *);
#include "ops.def"
#undef X

extern const ir_shape_fn ir_shape_table[IR_OP_COUNT];
extern const ir_ref_fn ir_ref_table[IR_OP_COUNT];

/* ---- shared helpers (broadcast.c, tensor.c) --------------------------- */

/* numpy/ONNX multidirectional broadcasting of n shapes. Unknown dims stay
 * unknown unless another operand fixes them. Fails (naming the node) when
 * two known dims differ and neither is 1. */
ir_status ir_broadcast_shapes(const ir_node *n, const ir_shape *const *s,
                              uint32_t count, ir_shape *out, ir_diag *d);
/* Element strides of `in` as seen from broadcast shape `out` (0 on
 * broadcast dims), right-aligned: strides[out->rank]. */
void ir_broadcast_strides(const ir_shape *in, const ir_shape *out,
                          int64_t *strides);

/* Odometer over a static shape: advance returns the number of trailing dims
 * that wrapped (so callers can update per-operand offsets incrementally) or
 * -1 when done. Write loops as:
 *     ir_index it; ir_index_init(&it, &shape);
 *     do { ... it.idx[...] ... } while (ir_index_next(&it));          */
typedef struct {
    int32_t rank;
    int64_t dims[IR_MAX_RANK];
    int64_t idx[IR_MAX_RANK];
    bool empty;
} ir_index;
void ir_index_init(ir_index *it, const ir_shape *s);
bool ir_index_next(ir_index *it);
/* Offset of it's position with the given strides. */
int64_t ir_index_offset(const ir_index *it, const int64_t *strides);

/* Dense row-major strides of a static shape (in elements). */
void ir_shape_strides(const ir_shape *s, int64_t *strides);
/* Normalizes axis into [0, rank); false when out of range. */
bool ir_axis_norm(int64_t axis, int32_t rank, int32_t *out);

/* Reads an integer tensor (int32/int64, any shape) as int64 values into
 * out[0..max). Returns the element count, or -1 for another dtype or more
 * than max elements. */
int64_t ir_tensor_ints(const ir_tensor *t, int64_t *out, int64_t max);
/* Element i of a numeric tensor as double / as int64 (any numeric dtype,
 * bool as 0/1, f16/bf16 converted). */
double ir_tensor_get_f64(const ir_tensor *t, int64_t i);
int64_t ir_tensor_get_i64(const ir_tensor *t, int64_t i);
/* Stores v into element i, converting to t's dtype (C casts; bool = v != 0). */
void ir_tensor_set_f64(ir_tensor *t, int64_t i, double v);
void ir_tensor_set_i64(ir_tensor *t, int64_t i, int64_t v);
float ir_f16_to_f32(uint16_t h);
uint16_t ir_f32_to_f16(float f);
float ir_bf16_to_f32(uint16_t h);
uint16_t ir_f32_to_bf16(float f);
int64_t ir_tensor_numel(const ir_tensor *t);

/* ---- inference and execution entry points (infer.c, ref_exec.c) -------- */

/* Runs the shape hook of node n with operands gathered from the graph
 * (constant values attached), and stores the result in the output values
 * (dtype and shape), checking it against any dtype/shape the model declared. */
ir_status ir_infer_node(ir_graph *g, const ir_node *n, ir_diag *d);
/* Infers every node in order. */
ir_status ir_infer_shapes(ir_graph *g, ir_diag *d);

/* The reference engine: runs g (shapes of its inputs may be symbolic: they
 * are bound from the given tensors) on inputs[i] for each graph input, in
 * order; outputs[i] receive malloc'd tensors (ir_tensor_release). Each node's
 * shape hook runs on the concrete inputs, then its reference kernel. An
 * intermediate is freed after its last use. If dump is non-NULL it is called
 * for every value a node produces. */
typedef void (*ir_dump_fn)(void *ctx, const ir_graph *g, int32_t value, const ir_tensor *t);
ir_status ir_ref_run(const ir_graph *g, ir_tensor *const *inputs, ir_tensor **outputs,
                     ir_dump_fn dump, void *dump_ctx, ir_diag *d);
/* Runs one node on concrete inputs: shape hook, allocation, kernel. out[i]
 * get malloc'd tensors (NULL for omitted outputs). Used by ir_ref_run and by
 * constant folding. */
ir_status ir_ref_node(const ir_graph *g, const ir_node *n, const ir_tensor *const *in,
                      ir_tensor **out, ir_diag *d);

/* A caller-owned tensor buffer for the reference engine (malloc'd). */
ir_tensor *ir_tensor_alloc(ir_dtype dtype, const ir_shape *shape);
void ir_tensor_release(ir_tensor *t);

#endif
