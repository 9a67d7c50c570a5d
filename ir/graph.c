/* graph.c - building and querying the IR: values, nodes, attributes, the op
 * table and data types.
 *
 * Arrays that grow (values, nodes, inputs, outputs) are malloc'd and doubled;
 * everything else comes from the graph's arena. Operands are indices, so
 * growing an array never invalidates a reference held by a pass. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ir.h"

const ir_op_info ir_op_table[IR_OP_COUNT] = {
#define X(e, name, dom, mi, ma, mo, mao, since, fl, shp, ref)                 \
    [IR_OP_##e] = {name, dom, mi, ma, mo, mao, since, fl},
#include "ops.def"
#undef X
};

static bool domain_is_onnx(const char *d) { return !d || !*d || !strcmp(d, "ai.onnx"); }

ir_op ir_op_lookup(const char *domain, const char *op_type)
{
    for (int i = 0; i < IR_OP_COUNT; i++) {
        const ir_op_info *o = &ir_op_table[i];
        bool dom_ok = domain_is_onnx(o->domain) ? domain_is_onnx(domain)
                                                : (domain && !strcmp(domain, o->domain));
        if (dom_ok && !strcmp(o->name, op_type))
            return (ir_op)i;
    }
    return IR_OP_UNKNOWN;
}

const char *ir_op_name(ir_op op) { return op < IR_OP_COUNT ? ir_op_table[op].name : "?"; }

/* ---- dtypes ------------------------------------------------------------ */

static const struct {
    ir_dtype t;
    size_t size;
    const char *name, *shortname;
} dtypes[] = {
    {IR_F32, 4, "float32", "f32"},  {IR_F16, 2, "float16", "f16"},
    {IR_BF16, 2, "bfloat16", "bf16"}, {IR_F64, 8, "float64", "f64"},
    {IR_I8, 1, "int8", "i8"},       {IR_I16, 2, "int16", "i16"},
    {IR_I32, 4, "int32", "i32"},    {IR_I64, 8, "int64", "i64"},
    {IR_U8, 1, "uint8", "u8"},      {IR_U16, 2, "uint16", "u16"},
    {IR_U32, 4, "uint32", "u32"},   {IR_U64, 8, "uint64", "u64"},
    {IR_BOOL, 1, "bool", "bool"},   {IR_STRING, 0, "string", "string"},
};
#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

size_t ir_dtype_size(ir_dtype t)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (dtypes[i].t == t)
            return dtypes[i].size;
    return 0;
}

const char *ir_dtype_name(ir_dtype t)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (dtypes[i].t == t)
            return dtypes[i].name;
    return "?";
}

const char *ir_dtype_short(ir_dtype t)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (dtypes[i].t == t)
            return dtypes[i].shortname;
    return "?";
}

ir_dtype ir_dtype_from_short(const char *s)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (!strcmp(dtypes[i].shortname, s) || !strcmp(dtypes[i].name, s))
            return dtypes[i].t;
    return IR_UNDEF;
}

bool ir_dtype_supported(ir_dtype t) { return ir_dtype_size(t) != 0; }

/* ---- shapes ------------------------------------------------------------ */

bool ir_mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

int64_t ir_shape_numel(const ir_shape *s)
{
    if (s->rank < 0)
        return -1;
    uint64_t n = 1;
    for (int i = 0; i < s->rank; i++) {
        if (s->dims[i] < 0 || !ir_mul_overflow_u64(n, (uint64_t)s->dims[i], &n) ||
            n > (uint64_t)INT64_MAX)
            return -1;
    }
    return (int64_t)n;
}

bool ir_shape_static(const ir_shape *s)
{
    if (s->rank < 0)
        return false;
    for (int i = 0; i < s->rank; i++)
        if (s->dims[i] < 0)
            return false;
    return true;
}

bool ir_shape_equal(const ir_shape *a, const ir_shape *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return false;
    return true;
}

int ir_shape_format(const ir_shape *s, char *buf, size_t n)
{
    if (s->rank < 0)
        return snprintf(buf, n, "[?]");
    size_t o = 0;
    o += (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < s->rank && o < n; i++) {
        const char *sep = i ? "," : "";
        if (s->dims[i] >= 0)
            o += (size_t)snprintf(buf + o, n - o, "%s%lld", sep, (long long)s->dims[i]);
        else if (s->sym[i])
            o += (size_t)snprintf(buf + o, n - o, "%s%s", sep, ir_q(s->sym[i]));
        else
            o += (size_t)snprintf(buf + o, n - o, "%s?", sep);
    }
    if (o < n)
        o += (size_t)snprintf(buf + o, n - o, "]");
    return (int)o;
}

/* ---- graph ------------------------------------------------------------- */

ir_graph *ir_graph_new(void)
{
    ir_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->arena = ir_arena_new();
    if (!g->arena) {
        free(g);
        return NULL;
    }
    g->producer_name = g->producer_version = g->graph_name = g->doc_string = "";
    return g;
}

void ir_graph_free(ir_graph *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < g->n_mappings; i++)
        munmap(g->mappings[i].addr, g->mappings[i].len);
    free(g->mappings);
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    ir_arena_free(g->arena);
    free(g);
}

/* Makes room for one more element in a malloc'd array. */
static bool grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? *cap * 2 : 16;
    if (nc <= *cap)
        return false;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = nc;
    return true;
}

int32_t ir_graph_add_value(ir_graph *g, const char *name, ir_dtype dtype, const ir_shape *shape)
{
    if (g->n_values >= INT32_MAX || !grow((void **)&g->values, &g->cap_values, g->n_values, sizeof(ir_value)))
        return -1;
    ir_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = ir_arena_strdup(g->arena, name);
    if (!v->name)
        return -1;
    v->dtype = dtype;
    if (shape)
        v->shape = *shape;
    else
        v->shape.rank = -1;
    v->producer = -1;
    return (int32_t)g->n_values++;
}

int32_t ir_graph_add_node(ir_graph *g, ir_op op, const char *name, const int32_t *inputs,
                          uint32_t n_in, const int32_t *outputs, uint32_t n_out)
{
    if (g->n_nodes >= INT32_MAX || !grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof(ir_node)))
        return -1;
    ir_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = ir_arena_strdup(g->arena, name);
    n->op = op;
    n->op_type = op < IR_OP_COUNT ? ir_op_table[op].name : "?";
    n->domain = op < IR_OP_COUNT ? ir_op_table[op].domain : "";
    n->inputs = ir_arena_alloc(g->arena, (n_in ? n_in : 1) * sizeof(int32_t), 4);
    n->outputs = ir_arena_alloc(g->arena, (n_out ? n_out : 1) * sizeof(int32_t), 4);
    if (!n->name || !n->inputs || !n->outputs)
        return -1;
    if (n_in)
        memcpy(n->inputs, inputs, n_in * sizeof(int32_t));
    if (n_out)
        memcpy(n->outputs, outputs, n_out * sizeof(int32_t));
    n->n_inputs = n_in;
    n->n_outputs = n_out;
    for (uint32_t i = 0; i < n_out; i++)
        if (outputs[i] >= 0 && (uint32_t)outputs[i] < g->n_values)
            g->values[outputs[i]].producer = (int32_t)g->n_nodes;
    return (int32_t)g->n_nodes++;
}

bool ir_graph_add_input(ir_graph *g, int32_t v)
{
    if (!grow((void **)&g->inputs, &g->cap_inputs, g->n_inputs, sizeof(int32_t)))
        return false;
    g->inputs[g->n_inputs++] = v;
    g->values[v].flags |= IR_VALUE_INPUT;
    return true;
}

bool ir_graph_add_output(ir_graph *g, int32_t v)
{
    if (!grow((void **)&g->outputs, &g->cap_outputs, g->n_outputs, sizeof(int32_t)))
        return false;
    g->outputs[g->n_outputs++] = v;
    g->values[v].flags |= IR_VALUE_OUTPUT;
    return true;
}

bool ir_graph_add_mapping(ir_graph *g, void *addr, size_t len)
{
    if (!grow((void **)&g->mappings, &g->cap_mappings, g->n_mappings, sizeof(ir_mapping)))
        return false;
    g->mappings[g->n_mappings++] = (ir_mapping){addr, len};
    return true;
}

int32_t ir_graph_find_value(const ir_graph *g, const char *name)
{
    for (uint32_t i = 0; i < g->n_values; i++)
        if (!strcmp(g->values[i].name, name))
            return (int32_t)i;
    return -1;
}

ir_tensor *ir_tensor_new(ir_graph *g, ir_dtype dtype, const ir_shape *shape)
{
    int64_t n = ir_shape_numel(shape);
    uint64_t bytes;
    if (n < 0 || !ir_mul_overflow_u64((uint64_t)n, ir_dtype_size(dtype), &bytes) || bytes > SIZE_MAX / 2)
        return NULL;
    ir_tensor *t = ir_arena_alloc(g->arena, sizeof *t, 8);
    if (!t)
        return NULL;
    t->dtype = dtype;
    t->shape = *shape;
    t->nbytes = bytes;
    t->data = ir_arena_alloc(g->arena, (size_t)bytes, 64);
    return t->data ? t : NULL;
}

void ir_value_set_const(ir_graph *g, int32_t v, ir_tensor *t)
{
    ir_value *val = &g->values[v];
    val->data = t;
    val->flags |= IR_VALUE_CONST;
    val->dtype = t->dtype;
    val->shape = t->shape;
}

/* ---- attributes -------------------------------------------------------- */

const ir_attr *ir_node_attr(const ir_node *n, const char *name)
{
    for (uint32_t i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name))
            return &n->attrs[i];
    return NULL;
}

int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    return a && a->type == IR_ATTR_INT ? a->i : dflt;
}

float ir_attr_float(const ir_node *n, const char *name, float dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    return a && a->type == IR_ATTR_FLOAT ? a->f : dflt;
}

const char *ir_attr_string(const ir_node *n, const char *name, const char *dflt)
{
    const ir_attr *a = ir_node_attr(n, name);
    return a && a->type == IR_ATTR_STRING ? a->s : dflt;
}

size_t ir_attr_ints(const ir_node *n, const char *name, const int64_t **out)
{
    const ir_attr *a = ir_node_attr(n, name);
    if (!a || a->type != IR_ATTR_INTS) {
        *out = NULL;
        return 0;
    }
    *out = a->ints;
    return a->n;
}

ir_attr *ir_node_add_attr(ir_graph *g, ir_node *n, const char *name, ir_attr_type type)
{
    ir_attr *na = ir_arena_alloc(g->arena, (n->n_attrs + 1) * sizeof(ir_attr), 8);
    if (!na)
        return NULL;
    if (n->n_attrs)
        memcpy(na, n->attrs, n->n_attrs * sizeof(ir_attr));
    ir_attr *a = &na[n->n_attrs];
    a->name = ir_arena_strdup(g->arena, name);
    a->type = type;
    n->attrs = na;
    n->n_attrs++;
    return a->name ? a : NULL;
}

int64_t ir_node_opset(const ir_graph *g, const ir_node *n)
{
    bool onnx = domain_is_onnx(n->domain);
    for (uint32_t i = 0; i < g->n_opsets; i++) {
        const char *d = g->opsets[i].domain;
        if (onnx ? domain_is_onnx(d) : (d && !strcmp(d, n->domain)))
            return g->opsets[i].version;
    }
    if (!onnx && !strcmp(n->domain, "onnxc"))
        return 1;
    return onnx ? g->opset : 0;
}
