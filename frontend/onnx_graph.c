/* onnx_graph.c - builds the IR graph from an unpacked GraphProto.
 *
 * ONNX names values by string; the IR by index. A hash map from name to
 * value index resolves every reference once: initializers first (so graph
 * inputs that merely declare an initializer stay constants), then runtime
 * inputs, then every node output (so nodes listed out of topological order
 * still resolve; ir_toposort re-sorts them and reports cycles), then node
 * inputs, graph outputs and value_info. A name produced twice maps to one
 * value with two producers, which ir_toposort reports naming both nodes.
 *
 * Attributes are checked against their declared type (ONNX sets `type` from
 * IR version 2 on) before conversion, so a FLOAT posing as INTS is an error
 * naming node and attribute, not a silently wrong default. Subgraph
 * attributes are refused on known ops; unknown ops are refused as a group
 * later, by ir_check_supported, which lists them all. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "onnx_internal.h"

typedef struct {
    const char *key; /* a value's name, in the graph's arena */
    int32_t v;
} nm_slot;

typedef struct {
    onnx_ctx *c;
    nm_slot *slots;
    uint32_t cap, n;
    int32_t *tmp; /* node operand scratch */
    size_t tmp_cap;
    uint64_t seed; /* of the name hash */
} builder;

/* ---- name map --------------------------------------------------------- */

/* FNV-1a, then a keyed finalizer: names come from the model, and a fixed
 * hash would let a crafted model collide them all into one probe chain. */
static uint64_t name_hash(const builder *b, const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    h ^= b->seed;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static int32_t nm_find(const builder *b, const char *name)
{
    if (!b->cap)
        return -1;
    for (uint64_t i = name_hash(b, name);; i++) {
        const nm_slot *s = &b->slots[i & (b->cap - 1)];
        if (!s->key)
            return -1;
        if (!strcmp(s->key, name))
            return s->v;
    }
}

static void nm_insert(const builder *b, nm_slot *slots, uint32_t cap, nm_slot x)
{
    uint64_t h = name_hash(b, x.key);
    while (slots[h & (cap - 1)].key)
        h++;
    slots[h & (cap - 1)] = x;
}

static bool nm_put(builder *b, const char *key, int32_t v)
{
    if (2 * ((uint64_t)b->n + 1) > b->cap) { /* keep the load under one half */
        if (b->cap > UINT32_MAX / 2)
            return false;
        uint32_t nc = b->cap ? b->cap * 2 : 256;
        nm_slot *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return false;
        for (uint32_t i = 0; i < b->cap; i++)
            if (b->slots[i].key)
                nm_insert(b, ns, nc, b->slots[i]);
        free(b->slots);
        b->slots = ns;
        b->cap = nc;
    }
    nm_insert(b, b->slots, b->cap, (nm_slot){key, v});
    b->n++;
    return true;
}

/* Adds a named value and indexes it. */
static ir_status add_value(builder *b, const char *name, ir_dtype dt, const ir_shape *shape, int32_t *v)
{
    ir_graph *g = b->c->g;
    *v = ir_graph_add_value(g, name, dt, shape);
    if (*v < 0 || !nm_put(b, g->values[*v].name, *v))
        return ir_fail(b->c->d, IR_ERR_NOMEM, "out of memory adding value '%s'", ir_q(name));
    return IR_OK;
}

static const char *str(const char *s) { return s ? s : ""; }

const char *onnx_node_label(const Onnx__NodeProto *np, size_t index, char *buf, size_t n)
{
    if (np->name && *np->name)
        snprintf(buf, n, "node '%s' (%s)", ir_q(np->name), ir_q(str(np->op_type)));
    else
        snprintf(buf, n, "node #%zu (%s)", index, ir_q(str(np->op_type)));
    return buf;
}

/* ---- declared types --------------------------------------------------- */

static const char *type_kind(Onnx__TypeProto__ValueCase k)
{
    switch (k) {
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: return "a sequence";
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return "a map";
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: return "an optional";
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: return "a sparse tensor";
    default: return "not a tensor";
    }
}

static void read_dims(builder *b, const Onnx__TensorShapeProto *sp, ir_shape *sh)
{
    sh->rank = (int32_t)sp->n_dim;
    for (size_t i = 0; i < sp->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *dm = sp->dim[i];
        sh->dims[i] = -1;
        if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dm->dim_value >= 0)
            sh->dims[i] = dm->dim_value;
        else if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dm->dim_param &&
                 *dm->dim_param)
            sh->sym[i] = ir_arena_strdup(b->c->g->arena, dm->dim_param);
    }
}

/* A value's declared tensor type. For graph inputs and outputs (strict) what
 * onnxc cannot hold is an error; for value_info it is just not recorded. */
static ir_status read_type(builder *b, const Onnx__ValueInfoProto *vi, const char *kind, bool strict,
                           ir_dtype *dt, ir_shape *sh)
{
    const Onnx__TypeProto *tp = vi->type;
    *dt = IR_UNDEF;
    memset(sh, 0, sizeof *sh);
    sh->rank = -1;
    if (!tp || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET)
        return IR_OK;
    if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return strict ? ir_fail(b->c->d, IR_ERR_UNSUPPORTED, "%s '%s' is %s; onnxc handles only tensors",
                                kind, ir_q(str(vi->name)), type_kind(tp->value_case))
                      : IR_OK;
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    int32_t et = tt->has_elem_type ? tt->elem_type : 0;
    if (et && !ir_dtype_supported((ir_dtype)et) && strict)
        return ir_fail(b->c->d, IR_ERR_UNSUPPORTED, "%s '%s' has data type %d (%s), which onnxc does not handle",
                       kind, ir_q(str(vi->name)), (int)et, ir_dtype_name((ir_dtype)et));
    if (et && ir_dtype_supported((ir_dtype)et))
        *dt = (ir_dtype)et;
    if (!tt->shape)
        return IR_OK;
    if (tt->shape->n_dim > IR_MAX_RANK)
        return strict ? ir_fail(b->c->d, IR_ERR_UNSUPPORTED, "%s '%s' has rank %zu; onnxc supports at most %d",
                                kind, ir_q(str(vi->name)), tt->shape->n_dim, IR_MAX_RANK)
                      : IR_OK;
    read_dims(b, tt->shape, sh);
    return IR_OK;
}

/* Records a declared type on a computed value (constants keep their own). */
static void apply_type(ir_graph *g, int32_t v, ir_dtype dt, const ir_shape *sh)
{
    ir_value *val = &g->values[v];
    if (val->flags & IR_VALUE_CONST)
        return;
    if (dt != IR_UNDEF)
        val->dtype = dt;
    if (sh->rank >= 0)
        val->shape = *sh;
}

/* ---- initializers and inputs -------------------------------------------- */

static ir_status add_initializer(builder *b, size_t i, pb_range r, pb_buf *kept, pb_ranges *raws)
{
    onnx_ctx *c = b->c;
    kept->len = raws->n = 0;
    ir_status st = pb_split(c->model.addr, r, 9, kept, raws, c->d);
    if (st)
        return st;
    Onnx__TensorProto *tp = (Onnx__TensorProto *)pb_unpack(&c->alloc, &onnx__tensor_proto__descriptor,
                                                           kept->p, kept->len, r.off, c->d);
    if (!tp)
        return c->d->status;
    char label[256];
    snprintf(label, sizeof label, "initializer '%s'", ir_q(str(tp->name)));
    onnx_raw raw = {0};
    if (raws->n)
        raw = (onnx_raw){c->model.addr + raws->r[raws->n - 1].off, raws->r[raws->n - 1].len,
                         c->own_map ? &c->model : NULL};
    ir_tensor *t;
    bool mapped;
    int32_t v;
    if (!tp->name || !*tp->name)
        st = ir_fail(c->d, IR_ERR_MODEL, "initializer #%zu has no name", i);
    else if (nm_find(b, tp->name) >= 0)
        st = ir_fail(c->d, IR_ERR_MODEL, "initializer '%s' is defined twice", ir_q(tp->name));
    else if (!(st = onnx_tensor_to_ir(c, tp, raws->n ? &raw : NULL, label, &t, &mapped)) &&
             !(st = add_value(b, tp->name, t->dtype, &t->shape, &v))) {
        ir_value_set_const(c->g, v, t);
        if (mapped)
            c->g->values[v].flags |= IR_VALUE_MAPPED;
    }
    pb_free(&c->alloc, tp);
    return st;
}

static ir_status add_initializers(builder *b, const Onnx__GraphProto *gp, const pb_ranges *inits)
{
    pb_buf kept = {0};
    pb_ranges raws = {0};
    ir_status st = IR_OK;
    for (size_t i = 0; i < inits->n && !st; i++)
        st = add_initializer(b, i, inits->r[i], &kept, &raws);
    pb_buf_free(&kept);
    pb_ranges_free(&raws);
    if (!st && gp->n_sparse_initializer)
        st = ir_fail(b->c->d, IR_ERR_UNSUPPORTED, "the graph has %zu sparse initializers, which onnxc does not handle",
                     gp->n_sparse_initializer);
    return st;
}

static ir_status add_inputs(builder *b, const Onnx__GraphProto *gp)
{
    onnx_ctx *c = b->c;
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name)
            return ir_fail(c->d, IR_ERR_MODEL, "graph input #%zu has no name", i);
        int32_t v = nm_find(b, vi->name);
        if (v >= 0 && (c->g->values[v].flags & IR_VALUE_CONST))
            continue; /* declares an initializer (required before IR version 4) */
        if (v >= 0)
            return ir_fail(c->d, IR_ERR_MODEL, "graph input '%s' is listed twice", ir_q(vi->name));
        ir_dtype dt;
        ir_shape sh;
        ir_status st = read_type(b, vi, "graph input", true, &dt, &sh);
        if (st || (st = add_value(b, vi->name, dt, &sh, &v)))
            return st;
        if (!ir_graph_add_input(c->g, v))
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory adding graph input '%s'", ir_q(vi->name));
    }
    return IR_OK;
}

/* ---- attributes --------------------------------------------------------- */

static const char *const attr_type_names[] = {
    "UNDEFINED", "FLOAT",   "INT",    "STRING",        "TENSOR",         "GRAPH",      "FLOATS", "INTS",
    "STRINGS",   "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};

/* Bit t set when the field of attribute type t holds a value. */
static uint32_t attr_fields(const Onnx__AttributeProto *ap)
{
    bool set[15] = {
        [IR_ATTR_FLOAT] = ap->has_f,           [IR_ATTR_INT] = ap->has_i,
        [IR_ATTR_STRING] = ap->has_s,          [IR_ATTR_TENSOR] = ap->t != NULL,
        [IR_ATTR_GRAPH] = ap->g != NULL,       [IR_ATTR_SPARSE_TENSOR] = ap->sparse_tensor != NULL,
        [IR_ATTR_TYPE_PROTO] = ap->tp != NULL, [IR_ATTR_FLOATS] = ap->n_floats > 0,
        [IR_ATTR_INTS] = ap->n_ints > 0,       [IR_ATTR_STRINGS] = ap->n_strings > 0,
        [IR_ATTR_TENSORS] = ap->n_tensors > 0, [IR_ATTR_GRAPHS] = ap->n_graphs > 0,
        [IR_ATTR_SPARSE_TENSORS] = ap->n_sparse_tensors > 0, [IR_ATTR_TYPE_PROTOS] = ap->n_type_protos > 0,
    };
    uint32_t m = 0;
    for (uint32_t t = 1; t < 15; t++)
        m |= (uint32_t)set[t] << t;
    return m;
}

static ir_status check_attr_type(onnx_ctx *c, const char *nl, const Onnx__AttributeProto *ap)
{
    const char *an = ir_q(str(ap->name));
    int32_t t = ap->has_type ? (int32_t)ap->type : 0;
    if (t <= 0 || t > IR_ATTR_TYPE_PROTOS)
        return ir_fail(c->d, IR_ERR_MODEL, "%s: wrong attribute type for '%s': %s", nl, an,
                       t ? "the declared type is not an AttributeType" : "the type is missing");
    uint32_t others = attr_fields(ap) & ~(1u << t);
    if (others) {
        uint32_t o = (uint32_t)__builtin_ctz(others);
        return ir_fail(c->d, IR_ERR_MODEL, "%s: wrong attribute type for '%s': declared %s but the %s field is set",
                       nl, an, attr_type_names[t], attr_type_names[o]);
    }
    if (t == IR_ATTR_TENSOR && !ap->t)
        return ir_fail(c->d, IR_ERR_MODEL, "%s: wrong attribute type for '%s': declared TENSOR but no tensor is set",
                       nl, an);
    return IR_OK;
}

static ir_status attr_tensors(onnx_ctx *c, const char *nl, const Onnx__AttributeProto *ap, ir_attr *a)
{
    size_t n = a->type == IR_ATTR_TENSOR ? 1 : ap->n_tensors;
    if (!(a->tensor = ir_arena_alloc(c->g->arena, (n ? n : 1) * sizeof(ir_tensor), 8)))
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", nl);
    for (size_t i = 0; i < n; i++) {
        char label[400];
        snprintf(label, sizeof label, "%s, attribute '%s'%s", nl, ir_q(str(ap->name)),
                 n > 1 || a->type == IR_ATTR_TENSORS ? " (a tensor of the list)" : "");
        ir_tensor *t;
        bool mapped;
        ir_status st = onnx_tensor_to_ir(c, a->type == IR_ATTR_TENSOR ? ap->t : ap->tensors[i], NULL,
                                         label, &t, &mapped);
        if (st)
            return st;
        a->tensor[i] = *t;
    }
    a->n = a->type == IR_ATTR_TENSORS ? n : 0;
    return IR_OK;
}

static bool attr_lists(ir_arena *ar, const Onnx__AttributeProto *ap, ir_attr *a)
{
    if (a->type == IR_ATTR_FLOATS) {
        a->n = ap->n_floats;
        a->floats = ir_arena_alloc(ar, (a->n ? a->n : 1) * sizeof(float), 8);
        return a->floats && (!a->n || memcpy(a->floats, ap->floats, a->n * sizeof(float)));
    }
    if (a->type == IR_ATTR_INTS) {
        a->n = ap->n_ints;
        a->ints = ir_arena_alloc(ar, (a->n ? a->n : 1) * sizeof(int64_t), 8);
        return a->ints && (!a->n || memcpy(a->ints, ap->ints, a->n * sizeof(int64_t)));
    }
    a->n = ap->n_strings;
    a->strings = ir_arena_alloc(ar, (a->n ? a->n : 1) * sizeof(char *), 8);
    for (size_t i = 0; a->strings && i < a->n; i++)
        if (!(a->strings[i] = ir_arena_strndup(ar, (const char *)ap->strings[i].data, ap->strings[i].len)))
            return false;
    return a->strings != NULL;
}

static ir_status convert_attr(onnx_ctx *c, const char *nl, ir_op op, const Onnx__AttributeProto *ap,
                              ir_attr *a)
{
    ir_arena *ar = c->g->arena;
    ir_status st = check_attr_type(c, nl, ap);
    if (st)
        return st;
    a->type = (ir_attr_type)ap->type;
    a->name = ir_arena_strdup(ar, str(ap->name));
    a->ref_attr_name = ap->ref_attr_name ? ir_arena_strdup(ar, ap->ref_attr_name) : NULL;
    bool ok = a->name != NULL;
    switch (a->type) {
    case IR_ATTR_FLOAT: a->f = ap->f; break;
    case IR_ATTR_INT: a->i = ap->i; break;
    case IR_ATTR_STRING:
        a->s_len = ap->s.len;
        ok = ok && (a->s = ir_arena_strndup(ar, (const char *)ap->s.data, ap->s.len));
        break;
    case IR_ATTR_TENSOR:
    case IR_ATTR_TENSORS: return attr_tensors(c, nl, ap, a);
    case IR_ATTR_FLOATS:
    case IR_ATTR_INTS:
    case IR_ATTR_STRINGS: ok = ok && attr_lists(ar, ap, a); break;
    case IR_ATTR_GRAPH:
    case IR_ATTR_GRAPHS:
        if (op != IR_OP_UNKNOWN)
            return ir_fail(c->d, IR_ERR_UNSUPPORTED,
                           "%s: attribute '%s' is a subgraph (%s), which onnxc does not handle", nl,
                           ir_q(a->name), attr_type_names[a->type]);
        break;
    default: break; /* sparse tensors and type protos: the type is kept */
    }
    return ok ? IR_OK : ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", nl);
}

/* ---- nodes ------------------------------------------------------------ */

/* Creates a value for every node output not yet known. */
static ir_status add_node_outputs(builder *b, const Onnx__GraphProto *gp)
{
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        for (size_t k = 0; k < np->n_output; k++) {
            const char *name = np->output[k];
            int32_t v;
            ir_status st;
            if (*name && nm_find(b, name) < 0 && (st = add_value(b, name, IR_UNDEF, NULL, &v)))
                return st;
        }
    }
    return IR_OK;
}

/* Resolves names[0..n) into b->tmp; "" is an omitted optional operand. */
static ir_status resolve(builder *b, const Onnx__NodeProto *np, size_t idx, char **names, size_t n)
{
    if (n > b->tmp_cap) {
        int32_t *nt = realloc(b->tmp, n * sizeof *nt);
        if (!nt)
            return ir_fail(b->c->d, IR_ERR_NOMEM, "out of memory loading node #%zu", idx);
        b->tmp = nt;
        b->tmp_cap = n;
    }
    for (size_t k = 0; k < n; k++) {
        b->tmp[k] = *names[k] ? nm_find(b, names[k]) : -1;
        if (*names[k] && b->tmp[k] < 0) {
            char nl[256];
            return ir_fail(b->c->d, IR_ERR_MODEL,
                           "%s: input %zu '%s' is not defined (no node, initializer or graph input "
                           "produces it)",
                           onnx_node_label(np, idx, nl, sizeof nl), k, ir_q(names[k]));
        }
    }
    return IR_OK;
}

static ir_status add_node(builder *b, const Onnx__NodeProto *np, size_t idx)
{
    onnx_ctx *c = b->c;
    ir_graph *g = c->g;
    char nl[256];
    onnx_node_label(np, idx, nl, sizeof nl);
    if (np->n_input > UINT32_MAX / 2 || np->n_output > UINT32_MAX / 2)
        return ir_fail(c->d, IR_ERR_MODEL, "%s has too many operands", nl);
    ir_op op = ir_op_lookup(str(np->domain), str(np->op_type));
    ir_status st = resolve(b, np, idx, np->input, np->n_input);
    if (st)
        return st;
    int32_t *ins = malloc((np->n_input ? np->n_input : 1) * sizeof *ins);
    if (!ins)
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", nl);
    if (np->n_input)
        memcpy(ins, b->tmp, np->n_input * sizeof *ins);
    st = resolve(b, np, idx, np->output, np->n_output);
    int32_t ni = st ? -1 : ir_graph_add_node(g, op, str(np->name), ins, (uint32_t)np->n_input, b->tmp,
                                             (uint32_t)np->n_output);
    free(ins);
    if (st)
        return st;
    ir_node *n = ni >= 0 ? &g->nodes[ni] : NULL;
    if (!n || !(n->op_type = ir_arena_strdup(g->arena, str(np->op_type))) ||
        !(n->domain = ir_arena_strdup(g->arena, str(np->domain))) ||
        !(n->attrs = ir_arena_alloc(g->arena, (np->n_attribute ? np->n_attribute : 1) * sizeof(ir_attr), 8)))
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", nl);
    for (size_t k = 0; k < np->n_attribute; k++, n->n_attrs++)
        if ((st = convert_attr(c, nl, op, np->attribute[k], &n->attrs[k])))
            return st;
    return IR_OK;
}

/* ---- outputs and value_info ------------------------------------------- */

static ir_status add_outputs(builder *b, const Onnx__GraphProto *gp)
{
    onnx_ctx *c = b->c;
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi->name || !*vi->name)
            return ir_fail(c->d, IR_ERR_MODEL, "graph output #%zu has no name", i);
        int32_t v = nm_find(b, vi->name);
        if (v < 0)
            return ir_fail(c->d, IR_ERR_MODEL, "graph output '%s' is not produced by any node",
                           ir_q(vi->name));
        ir_dtype dt;
        ir_shape sh;
        ir_status st = read_type(b, vi, "graph output", true, &dt, &sh);
        if (st)
            return st;
        apply_type(c->g, v, dt, &sh);
        if (!ir_graph_add_output(c->g, v))
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory adding graph output '%s'", ir_q(vi->name));
    }
    for (size_t i = 0; i < gp->n_value_info; i++) {
        const Onnx__ValueInfoProto *vi = gp->value_info[i];
        int32_t v = vi->name ? nm_find(b, vi->name) : -1;
        ir_dtype dt;
        ir_shape sh;
        if (v >= 0 && read_type(b, vi, "value", false, &dt, &sh) == IR_OK)
            apply_type(c->g, v, dt, &sh);
    }
    return IR_OK;
}

ir_status onnx_graph_build(onnx_ctx *c, const Onnx__GraphProto *gp, const pb_ranges *inits)
{
    builder b = {.c = c};
    if (getrandom(&b.seed, sizeof b.seed, GRND_NONBLOCK) != sizeof b.seed)
        b.seed = (uint64_t)(uintptr_t)&b ^ (uint64_t)time(NULL);
    c->g->graph_name = ir_arena_strdup(c->g->arena, str(gp->name));
    if (!c->g->graph_name)
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading the graph");
    if (gp->doc_string && !*c->g->doc_string)
        c->g->doc_string = ir_arena_strdup(c->g->arena, gp->doc_string);
    ir_status st;
    if (!(st = add_initializers(&b, gp, inits)) && !(st = add_inputs(&b, gp)) &&
        !(st = add_node_outputs(&b, gp)))
        for (size_t i = 0; i < gp->n_node && !st; i++)
            st = add_node(&b, gp->node[i], i);
    if (!st)
        st = add_outputs(&b, gp);
    free(b.slots);
    free(b.tmp);
    return st;
}
