/* ir.h - onnxc's intermediate representation: one public header for ir/.
 *
 * A graph is a flat array of values and a topologically ordered array of
 * nodes. Operands are 32-bit indices into the value array, never pointers, so
 * passes can append values and nodes without invalidating anything.
 *
 *     ir_graph *g = ir_graph_new();
 *     int32_t x = ir_graph_add_value(g, "x", IR_F32, &(ir_shape){2, {1, 8}});
 *     g->values[x].flags |= IR_VALUE_INPUT;  ir_graph_add_input(g, x);
 *     int32_t y = ir_graph_add_value(g, "y", IR_F32, NULL);
 *     ir_graph_add_node(g, IR_OP_RELU, "relu0", &x, 1, &y, 1);
 *     ir_graph_add_output(g, y);
 *     ir_diag d;
 *     if (ir_verify(g, &d) != IR_OK) fprintf(stderr, "%s\n", d.msg);
 *     ir_print(g, stdout, 0);
 *     ir_graph_free(g);
 *
 * Memory: every string, attribute and small array of a graph comes from the
 * graph's arena and goes with ir_graph_free(). Constant tensor data is either
 * arena memory or a view into a file mapping the graph owns (external data).
 * Library code never exits on bad input: it returns an ir_status and fills an
 * ir_diag naming the node, its op and what was expected. */
#ifndef ONNXC_IR_H
#define ONNXC_IR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IR_MAX_RANK 8
#define IR_VERSION_STRING "0.1.0"

/* ---- status and diagnostics (diag.c) ---------------------------------- */

typedef enum {
    IR_OK = 0,
    IR_ERR_MODEL,       /* the model is malformed or inconsistent */
    IR_ERR_UNSUPPORTED, /* valid ONNX we do not handle (op, opset, dtype) */
    IR_ERR_IO,          /* a file could not be read or written */
    IR_ERR_NOMEM,       /* an allocation or a budget failed */
    IR_ERR_USAGE,       /* a caller passed a bad argument */
    IR_ERR_INTERNAL,    /* a bug: no input should reach it */
} ir_status;

typedef struct {
    ir_status status;
    char msg[1024];
} ir_diag;

/* Formats the message into d (if d is non-NULL) and returns status. Model
 * strings must go through %s arguments (never as fmt) and should be bounded
 * with ir_q(). */
ir_status ir_fail(ir_diag *d, ir_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quotes a model-supplied string for a message: at most 96 bytes shown,
 * non-printable bytes as \xNN, "..." when cut. Uses one of 8 rotating static
 * buffers, so up to 8 ir_q() results can appear in one message. */
const char *ir_q(const char *s);
const char *ir_status_name(ir_status s);

/* ---- arena (arena.c) -------------------------------------------------- */

typedef struct ir_arena ir_arena;
ir_arena *ir_arena_new(void);
void ir_arena_free(ir_arena *a);
/* Returns zeroed memory aligned to align (a power of two <= 4096), or NULL
 * when out of memory or past the arena's budget. */
void *ir_arena_alloc(ir_arena *a, size_t size, size_t align);
/* Room for one more element in a growing array: *(T **)items holds *cap
 * elements of elem bytes, n of them in use; when full it doubles (to
 * `first` from empty). False if out of memory (the array unchanged).
 * IR_GROW(arr, cap, n, first) for a T *arr. */
bool ir_grow(void *items, uint32_t *cap, uint32_t n, size_t elem, uint32_t first);
#define IR_GROW(arr, cap, n, first) ir_grow(&(arr), &(cap), (n), sizeof *(arr), (first))
char *ir_arena_strdup(ir_arena *a, const char *s);
char *ir_arena_strndup(ir_arena *a, const char *s, size_t n);
size_t ir_arena_used(const ir_arena *a);
/* 0 = unlimited; allocations past the budget fail. */
void ir_arena_set_budget(ir_arena *a, size_t bytes);

/* ---- data types (the numbers are ONNX TensorProto.DataType) ----------- */

typedef enum {
    IR_UNDEF = 0,
    IR_F32 = 1,
    IR_U8 = 2,
    IR_I8 = 3,
    IR_U16 = 4,
    IR_I16 = 5,
    IR_I32 = 6,
    IR_I64 = 7,
    IR_STRING = 8,
    IR_BOOL = 9,
    IR_F16 = 10,
    IR_F64 = 11,
    IR_U32 = 12,
    IR_U64 = 13,
    IR_BF16 = 16,
} ir_dtype;

/* Bytes per element, 0 for types onnxc does not hold as tensors. */
size_t ir_dtype_size(ir_dtype t);
/* "float32", "int64", "bool", ... ("?" for unknown). */
const char *ir_dtype_name(ir_dtype t);
/* Short names of the text IR: f32 f16 bf16 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool. */
const char *ir_dtype_short(ir_dtype t);
ir_dtype ir_dtype_from_short(const char *s);
bool ir_dtype_supported(ir_dtype t);

/* ---- shapes ----------------------------------------------------------- */

/* rank < 0: rank unknown. dims[i] < 0: dimension unknown, named by sym[i]
 * when the model gave it a name (a symbolic dim such as "batch"). */
typedef struct {
    int32_t rank;
    int64_t dims[IR_MAX_RANK];
    const char *sym[IR_MAX_RANK];
} ir_shape;

/* Number of elements; -1 if any dim is unknown or the count overflows. */
int64_t ir_shape_numel(const ir_shape *s);
bool ir_shape_static(const ir_shape *s);
bool ir_shape_equal(const ir_shape *a, const ir_shape *b);
/* Writes "[1,3,800,1066]" or "[batch,3,h,w]" or "[?]" (unknown rank). */
int ir_shape_format(const ir_shape *s, char *buf, size_t n);
/* elements * elem_size with overflow check: false on overflow. */
bool ir_mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *out);

/* ---- tensors (constant data) ------------------------------------------ */

typedef struct {
    ir_dtype dtype;
    ir_shape shape; /* always static */
    void *data;     /* numel * dtype_size bytes, 64-byte aligned when owned */
    uint64_t nbytes;
} ir_tensor;

/* ---- attributes (numbers are ONNX AttributeProto.AttributeType) -------- */

typedef enum {
    IR_ATTR_UNDEF = 0,
    IR_ATTR_FLOAT = 1,
    IR_ATTR_INT = 2,
    IR_ATTR_STRING = 3,
    IR_ATTR_TENSOR = 4,
    IR_ATTR_GRAPH = 5,
    IR_ATTR_FLOATS = 6,
    IR_ATTR_INTS = 7,
    IR_ATTR_STRINGS = 8,
    IR_ATTR_TENSORS = 9,
    IR_ATTR_GRAPHS = 10,
    IR_ATTR_SPARSE_TENSOR = 11,
    IR_ATTR_SPARSE_TENSORS = 12,
    IR_ATTR_TYPE_PROTO = 13,
    IR_ATTR_TYPE_PROTOS = 14,
} ir_attr_type;

typedef struct {
    const char *name;
    ir_attr_type type;
    int64_t i;
    float f;
    const char *s;  /* STRING: bytes (NUL-terminated copy), length s_len */
    size_t s_len;
    size_t n;       /* element count of FLOATS/INTS/STRINGS/TENSORS */
    int64_t *ints;
    float *floats;
    const char **strings;
    ir_tensor *tensor;  /* TENSOR: one; TENSORS: n of them */
    const char *ref_attr_name; /* for functions; kept, unused */
} ir_attr;

/* ---- ops (ops.def) ---------------------------------------------------- */

enum {
    IR_OPF_ELTWISE = 1u << 0, /* output[i] depends on broadcast inputs[i] */
    IR_OPF_FOLD = 1u << 1,    /* constant folding may evaluate it */
    IR_OPF_INPLACE = 1u << 2, /* output may share input 0's buffer */
    IR_OPF_INTERNAL = 1u << 3 /* an onnxc-domain op made by a pass */
};

typedef enum {
#define X(e, name, dom, mi, ma, mo, mao, since, fl, shp, ref) IR_OP_##e,
#include "ops.def"
#undef X
    IR_OP_COUNT,
    IR_OP_UNKNOWN = IR_OP_COUNT /* kept only to report it */
} ir_op;

typedef struct {
    const char *name;
    const char *domain;
    uint16_t min_in, max_in, min_out, max_out;
    int32_t since;
    uint32_t flags;
} ir_op_info;

extern const ir_op_info ir_op_table[IR_OP_COUNT];
/* Looks up (domain, op_type); "ai.onnx" and "" are the same domain.
 * Returns IR_OP_UNKNOWN when not found. */
ir_op ir_op_lookup(const char *domain, const char *op_type);
const char *ir_op_name(ir_op op);

/* ---- values, nodes, graph --------------------------------------------- */

enum {
    IR_VALUE_INPUT = 1u << 0,  /* a graph input fed at run time */
    IR_VALUE_OUTPUT = 1u << 1, /* a graph output */
    IR_VALUE_CONST = 1u << 2,  /* has constant data (initializer or folded) */
    IR_VALUE_MAPPED = 1u << 3  /* data points into a file mapping */
};

typedef struct {
    const char *name;
    ir_dtype dtype;
    ir_shape shape;
    int32_t producer; /* node index, -1 for inputs/constants */
    uint32_t flags;
    ir_tensor *data;  /* constant data or NULL */
} ir_value;

typedef struct {
    const char *name;
    ir_op op;
    const char *op_type; /* as written in the model */
    const char *domain;  /* as written in the model ("" = ai.onnx) */
    int32_t *inputs;     /* value indices; -1 = omitted optional input */
    uint32_t n_inputs;
    int32_t *outputs;    /* value indices; -1 = omitted optional output */
    uint32_t n_outputs;
    ir_attr *attrs;
    uint32_t n_attrs;
    bool dead; /* removed by a pass; ir_graph_compact drops it */
} ir_node;

typedef struct {
    const char *domain; /* "" for ai.onnx */
    int64_t version;
} ir_opset;

typedef struct {
    void *addr;
    size_t len;
} ir_mapping;

typedef struct ir_graph {
    ir_arena *arena;
    ir_value *values;
    uint32_t n_values, cap_values;
    ir_node *nodes;
    uint32_t n_nodes, cap_nodes;
    int32_t *inputs; /* graph inputs (runtime-fed values), in model order */
    uint32_t n_inputs, cap_inputs;
    int32_t *outputs;
    uint32_t n_outputs, cap_outputs;

    /* model metadata */
    int64_t ir_version;
    const char *producer_name;
    const char *producer_version;
    const char *graph_name;
    const char *doc_string;
    ir_opset *opsets;
    uint32_t n_opsets;
    int64_t opset; /* version of the ai.onnx domain */

    ir_mapping *mappings; /* external-data files mapped for this graph */
    uint32_t n_mappings, cap_mappings;
} ir_graph;

ir_graph *ir_graph_new(void);
void ir_graph_free(ir_graph *g);

/* Appends a value; shape NULL = unknown rank. Returns its index or -1 (OOM).
 * The name is copied into the arena. */
int32_t ir_graph_add_value(ir_graph *g, const char *name, ir_dtype dtype,
                           const ir_shape *shape);
/* Appends a node (arrays copied). Returns its index or -1 (OOM). Sets the
 * producer of each output. */
int32_t ir_graph_add_node(ir_graph *g, ir_op op, const char *name,
                          const int32_t *inputs, uint32_t n_in,
                          const int32_t *outputs, uint32_t n_out);
bool ir_graph_add_input(ir_graph *g, int32_t v);
bool ir_graph_add_output(ir_graph *g, int32_t v);
bool ir_graph_add_mapping(ir_graph *g, void *addr, size_t len);
/* Finds a value by name (linear scan; -1 if absent). */
int32_t ir_graph_find_value(const ir_graph *g, const char *name);
/* Allocates a tensor with owned, zeroed, 64-byte aligned data in the arena. */
ir_tensor *ir_tensor_new(ir_graph *g, ir_dtype dtype, const ir_shape *shape);
/* Makes value v a constant holding t. */
void ir_value_set_const(ir_graph *g, int32_t v, ir_tensor *t);

/* ir_fail with "node 'NAME' (Op): " before the formatted reason (diag.c). */
ir_status ir_fail_node(ir_diag *d, ir_status status, const ir_node *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Attribute lookup on a node; NULL if absent. */
const ir_attr *ir_node_attr(const ir_node *n, const char *name);
int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt);
float ir_attr_float(const ir_node *n, const char *name, float dflt);
const char *ir_attr_string(const ir_node *n, const char *name,
                           const char *dflt);
/* Returns the count of an INTS attribute (0 if absent) and its array. */
size_t ir_attr_ints(const ir_node *n, const char *name, const int64_t **out);
/* Adds an attribute to a node (copies the name). The node's attribute array
 * is reallocated: pointers to its earlier attributes become stale. */
ir_attr *ir_node_add_attr(ir_graph *g, ir_node *n, const char *name,
                          ir_attr_type type);
/* Opset version of a node's domain in graph g (0 if not imported). */
int64_t ir_node_opset(const ir_graph *g, const ir_node *n);

/* ---- rewriting (rewrite.c) --------------------------------------------- */

/* Redirects every node input and graph output reading `from` to read `to`. */
void ir_graph_replace_uses(ir_graph *g, int32_t from, int32_t to);
/* uses[v] = number of node inputs reading v, plus 1 per graph output slot.
 * Returns a malloc'd array (NULL on OOM). */
uint32_t *ir_graph_use_counts(const ir_graph *g);
/* Drops dead nodes and values nothing refers to (keeping graph inputs and
 * outputs), renumbering the rest in order. Returns false on OOM (the graph
 * is unchanged then). */
bool ir_graph_compact(ir_graph *g);
/* Consumers of value v: fills up to max node indices, returns the count. */
uint32_t ir_value_consumers(const ir_graph *g, int32_t v, int32_t *nodes, uint32_t max);

/* ---- checks (verify.c) ------------------------------------------------ */

/* Nodes in any order whose dataflow is acyclic are re-sorted topologically
 * (stable: a sorted graph keeps its order). A cycle is an error naming a node
 * on it. */
ir_status ir_toposort(ir_graph *g, ir_diag *d);
/* Structural checks: topological order, operand indices in range, one
 * producer per value, arity within the op table's limits, graph outputs
 * defined, constants' data sizes consistent with dtype and shape. */
ir_status ir_verify(const ir_graph *g, ir_diag *d);
/* Lists every node whose op is unknown (by op_type/domain) or used at an
 * opset older than the op exists, all in one message. */
ir_status ir_check_supported(const ir_graph *g, ir_diag *d);

/* ---- text form (print.c) ---------------------------------------------- */

enum {
    IR_PRINT_CONST_DATA = 1u << 0, /* print small constants' elements */
};
void ir_print(const ir_graph *g, FILE *f, uint32_t flags);
void ir_print_node(const ir_graph *g, const ir_node *n, FILE *f);
/* Parses the text form back (parse.c). Constants without data are zeros;
 * "= random" fills deterministic values in [-1, 1); one value fills all.
 * Errors name the line. */
ir_status ir_parse(const char *text, ir_graph **out, ir_diag *d);

/* ---- statistics used by inspect (stats.c) ----------------------------- */

typedef struct {
    const char *op_type; /* as in the model */
    const char *domain;
    uint32_t count;
} ir_op_count;

/* Histogram of op types, most frequent first (ties by name). Returns the
 * number of distinct ops; *out is arena memory of g. */
uint32_t ir_op_histogram(ir_graph *g, ir_op_count **out);
/* Initializer (constant value) count, element count and bytes. */
void ir_param_stats(const ir_graph *g, uint64_t *count, uint64_t *elements,
                    uint64_t *bytes);

#endif
