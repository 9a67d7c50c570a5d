/* program.c - the lowered form of a graph: buffers and lowered nodes.
 *
 * Every IR value a kernel touches becomes a buffer: a graph input or output
 * (the caller's memory), a constant (data emitted into the artifact), or an
 * intermediate at its offset in the arena planned by plan_memory. Lowering
 * functions ask for buffers by value, add constants of their own (prepacked
 * weights), and describe each node as kernel + descriptor + task count.
 * Programs of one model at several input shapes share a pin table, so that
 * their weights are packed alike. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "cg_internal.h"

static const struct {
    ir_op op;
    cg_lower_fn fn;
} lowerings[] = {
#define L(op, fn) {IR_OP_##op, cg_lower_##fn},
#include "lower_dense.def"
#include "lower_light.def"
#undef L
    {IR_OP_COUNT, NULL}, /* sentinel */
};

bool cg_op_lowered(ir_op op)
{
    for (size_t k = 0; lowerings[k].fn; k++)
        if (lowerings[k].op == op)
            return true;
    return false;
}

const ir_graph *cg_graph(const cg_program *p) { return p->g; }
int cg_threads_hint(const cg_program *p) { return p->threads_hint; }

void *cg_alloc(cg_program *p, size_t bytes) { return ir_arena_alloc(p->arena, bytes ? bytes : 1, 64); }

static int32_t add_buf(cg_program *p, cg_buf_info b)
{
    if (!IR_GROW(p->bufs, p->cap_bufs, p->n_bufs, 64))
        return -1;
    p->bufs[p->n_bufs] = b;
    return (int32_t)p->n_bufs++;
}

int32_t cg_const(cg_program *p, const void *data, uint64_t bytes)
{
    void *copy = ir_arena_alloc(p->arena, bytes ? (size_t)bytes : 1, 64);
    if (!copy)
        return -1;
    if (bytes)
        memcpy(copy, data, (size_t)bytes);
    return add_buf(p, (cg_buf_info){ONNXC_BUF_CONST, 0, 0, copy, bytes, -1});
}

int32_t cg_prepared(cg_program *p, uint64_t bytes, int32_t src, const void *key, size_t key_size)
{
    void *k = ir_arena_alloc(p->arena, key_size ? key_size : 1, 8);
    if (!k || src < 0)
        return -1;
    memcpy(k, key, key_size);
    cg_buf_info b = {ONNXC_BUF_PREPARED, 0, p->prepared_bytes, NULL, bytes, -1, NULL, NULL, src, k, key_size};
    p->prepared_bytes += (bytes + 63) / 64 * 64;
    return add_buf(p, b);
}

ir_status cg_set_prep(cg_program *p, int32_t buf, const cg_lowered *prep, const char *name, ir_diag *d)
{
    cg_lowered *l = cg_alloc(p, sizeof *l);
    void *desc = cg_alloc(p, prep->desc_size);
    char *nm = ir_arena_strdup(p->arena, name);
    if (!l || !desc || !nm || buf < 0 || (uint32_t)buf >= p->n_bufs)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    *l = *prep;
    memcpy(desc, prep->desc, prep->desc_size);
    l->desc = desc;
    l->next = NULL;
    p->bufs[buf].prep = l;
    p->bufs[buf].prep_name = nm;
    if (l->scratch_bytes > p->scratch_bytes)
        p->scratch_bytes = (l->scratch_bytes + 63) / 64 * 64;
    return IR_OK;
}

bool cg_program_alloc_prepared(cg_program *p)
{
    if (!p->prepared_mem && p->prepared_bytes)
        p->prepared_mem = aligned_alloc(64, (size_t)p->prepared_bytes);
    return p->prepared_mem || !p->prepared_bytes;
}

void cg_note(cg_program *p, cg_lowered *out, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t old = out->note ? strlen(out->note) : 0;
    char *s = cg_alloc(p, old + strlen(buf) + 3);
    if (s) {
        snprintf(s, old + strlen(buf) + 3, "%s%s%s", old ? out->note : "", old ? "; " : "", buf);
        out->note = s;
    }
}

int32_t cg_temp(cg_program *p, uint64_t bytes)
{
    uint64_t off = p->temp_base + p->temp_used;
    p->temp_used += (bytes + 63) / 64 * 64;
    p->temp_max = p->temp_used > p->temp_max ? p->temp_used : p->temp_max;
    return add_buf(p, (cg_buf_info){ONNXC_BUF_ARENA, 0, off, NULL, bytes, -1});
}

static int32_t value_buf(cg_program *p, int32_t v)
{
    if (v < 0)
        return -1;
    if (p->buf_of[v] >= 0)
        return p->buf_of[v];
    const ir_graph *g = p->g;
    const ir_value *val = &g->values[v];
    cg_buf_info b = {ONNXC_BUF_ARENA, 0, 0, NULL, 0, v};
    for (uint32_t k = 0; k < g->n_outputs; k++)
        if (g->outputs[k] == v) {
            b.kind = ONNXC_BUF_OUTPUT;
            b.index = (int32_t)k;
        }
    for (uint32_t k = 0; b.kind == ONNXC_BUF_ARENA && k < g->n_inputs; k++)
        if (g->inputs[k] == v) {
            b.kind = ONNXC_BUF_INPUT;
            b.index = (int32_t)k;
        }
    if (b.kind == ONNXC_BUF_ARENA && (val->flags & IR_VALUE_CONST) && val->data) {
        b.kind = ONNXC_BUF_CONST;
        b.data = val->data->data;
        b.bytes = val->data->nbytes;
    } else if (b.kind == ONNXC_BUF_ARENA) {
        for (uint32_t i = 0; i < p->plan.n_slots; i++)
            if (p->plan.slots[i].value == v) {
                b.offset = p->plan.slots[i].offset;
                b.bytes = p->plan.slots[i].bytes;
            }
    }
    int32_t idx = add_buf(p, b);
    p->buf_of[v] = idx;
    return idx;
}

int32_t cg_buf(cg_program *p, int32_t v)
{
    int32_t i = value_buf(p, v);
    if (i >= 0)
        p->bufs[i].node_use = true;
    return i;
}

int32_t cg_prep_source(cg_program *p, int32_t v)
{
    int32_t i = value_buf(p, v);
    if (i >= 0)
        p->bufs[i].prep_src = true;
    return i;
}

/* ---- pins ----------------------------------------------------------------- */

/* GEMM `seq` of the `dup`-th node named `node` (names need not be unique,
 * and are often empty) chose (mr, nv). */
typedef struct {
    uint64_t hash; /* of the node name */
    char *node;
    uint32_t dup, seq;
    int32_t mr, nv;
} pin;

struct cg_pins {
    pin *items;
    uint32_t n, cap;
    const char *node; /* the node being lowered, NULL if it has no constant input */
    uint64_t hash;
    uint32_t dup, seq; /* earlier nodes of its name; GEMMs planned so far for it */
};

cg_pins *cg_pins_new(void) { return calloc(1, sizeof(cg_pins)); }

void cg_pins_free(cg_pins *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->items[i].node);
    free(t->items);
    free(t);
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Node n is about to be lowered. */
static void pins_begin(cg_pins *t, const ir_graph *g, const ir_node *n)
{
    if (!t)
        return;
    t->node = NULL;
    t->seq = t->dup = 0;
    for (uint32_t i = 0; i < n->n_inputs && !t->node; i++)
        if (n->inputs[i] >= 0 && (g->values[n->inputs[i]].flags & IR_VALUE_CONST))
            t->node = n->name;
    for (const ir_node *o = g->nodes; t->node && o < n; o++)
        t->dup += !strcmp(o->name, n->name);
    t->hash = t->node ? name_hash(t->node) : 0;
}

void cg_pin_kernel(const cg_program *p, int32_t *mr, int32_t *nv)
{
    cg_pins *t = p->pins;
    if (!t || !t->node)
        return;
    uint32_t seq = t->seq++;
    for (uint32_t i = 0; i < t->n; i++) {
        const pin *q = &t->items[i];
        if (q->hash == t->hash && q->dup == t->dup && q->seq == seq && !strcmp(q->node, t->node)) {
            *mr = q->mr;
            *nv = q->nv;
            return;
        }
    }
    if (!IR_GROW(t->items, t->cap, t->n, 64))
        return; /* unpinned: the weight may be stored twice, nothing worse */
    char *name = strdup(t->node);
    if (name)
        t->items[t->n++] = (pin){t->hash, name, t->dup, seq, *mr, *nv};
}

void cg_pin_choice(const cg_program *p, int32_t *choice)
{
    int32_t unused = 0;
    cg_pin_kernel(p, choice, &unused);
}

/* ---- lowering -------------------------------------------------------------- */

/* Lowers node i; *none is set when no lowering exists for its op (a
 * lowering that exists but refuses the node returns its own message). */
static ir_status lower_node(cg_program *p, uint32_t i, bool *none, ir_diag *d)
{
    const ir_node *n = &p->g->nodes[i];
    *none = false;
    for (size_t k = 0; lowerings[k].fn; k++)
        if (lowerings[k].op == n->op) {
            cg_lowered *out = &p->nodes[i];
            memset(out, 0, sizeof *out);
            out->n_tasks = 1;
            p->temp_used = 0;
            pins_begin(p->pins, p->g, n);
            ir_status st = lowerings[k].fn(p, n, out, d);
            if (st)
                return st;
            if (out->n_tasks < 1 || !out->kernel || !out->desc)
                return ir_fail(d, IR_ERR_INTERNAL, "node '%s' (%s): lowering produced no kernel", ir_q(n->name),
                               n->op_type);
            void *copy = cg_alloc(p, out->desc_size);
            if (!copy)
                return ir_fail(d, IR_ERR_NOMEM, "out of memory");
            memcpy(copy, out->desc, out->desc_size);
            out->desc = copy;
            for (const cg_lowered *ph = out; ph; ph = ph->next)
                if (ph->scratch_bytes > p->scratch_bytes)
                    p->scratch_bytes = (ph->scratch_bytes + 63) / 64 * 64;
            return IR_OK;
        }
    *none = true;
    return IR_ERR_UNSUPPORTED;
}

/* Names every node whose op has no lowering, all at once. */
static ir_status lower_all(cg_program *p, ir_diag *d)
{
    char list[800] = "";
    size_t o = 0;
    uint32_t missing = 0;
    for (uint32_t i = 0; i < p->g->n_nodes; i++) {
        bool none;
        ir_status st = lower_node(p, i, &none, d);
        if (st == IR_ERR_UNSUPPORTED && none) {
            const ir_node *n = &p->g->nodes[i];
            if (!strstr(list, n->op_type) && o < sizeof list - 120)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s%s%s (first at node '%s')", missing ? ", " : "",
                                      *n->domain ? n->domain : "", *n->domain ? "." : "", n->op_type, ir_q(n->name));
            missing++;
        } else if (st) {
            return st;
        }
    }
    if (missing)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "the compiler cannot yet generate code for %u node%s: %s", missing,
                       missing > 1 ? "s" : "", list);
    return IR_OK;
}

ir_status cg_program_build(const ir_graph *g, int threads_hint, cg_program **out, ir_diag *d)
{
    return cg_program_build_for(g, threads_hint, 0, out, d);
}

ir_status cg_program_build_for(const ir_graph *g, int threads_hint, int vec_bits, cg_program **out, ir_diag *d)
{
    return cg_program_build_prec(g, threads_hint, vec_bits, CG_FP32, out, d);
}

ir_status cg_program_build_prec(const ir_graph *g, int threads_hint, int vec_bits, cg_precision precision,
                                cg_program **out, ir_diag *d)
{
    return cg_program_build_pinned(g, threads_hint, vec_bits, precision, NULL, NULL, out, d);
}

ir_status cg_program_build_pinned(const ir_graph *g, int threads_hint, int vec_bits, cg_precision precision,
                                  const char *keep_fp32, cg_pins *pins, cg_program **out, ir_diag *d)
{
    cg_program *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    p->g = g;
    p->pins = pins;
    p->vec_bits = vec_bits;
    p->precision = precision;
    p->keep_fp32 = keep_fp32;
    p->threads_hint = threads_hint > 0 ? threads_hint : 2;
    p->arena = ir_arena_new();
    p->buf_of = malloc((g->n_values + 1) * sizeof *p->buf_of);
    p->nodes = calloc(g->n_nodes + 1, sizeof *p->nodes);
    ir_status st = p->arena && p->buf_of && p->nodes ? IR_OK : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    if (!st) {
        memset(p->buf_of, 0xff, (g->n_values + 1) * sizeof *p->buf_of);
        st = plan_memory(g, &p->plan, d);
        p->temp_base = (p->plan.arena_bytes + 63) / 64 * 64;
    }
    for (uint32_t k = 0; !st && k < g->n_inputs; k++)
        st = cg_buf(p, g->inputs[k]) < 0 ? ir_fail(d, IR_ERR_NOMEM, "out of memory") : IR_OK;
    for (uint32_t k = 0; !st && k < g->n_outputs; k++) {
        const ir_value *v = &g->values[g->outputs[k]];
        if (v->flags & IR_VALUE_INPUT)
            st = ir_fail(d, IR_ERR_UNSUPPORTED, "graph output '%s' is also a graph input: the compiler does not "
                         "support passing an input straight through", ir_q(v->name));
        else if (v->producer < 0)
            st = ir_fail(d, IR_ERR_INTERNAL, "graph output '%s' is not produced by a node", ir_q(v->name));
        else if (cg_buf(p, g->outputs[k]) < 0)
            st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    if (!st)
        st = lower_all(p, d);
    if (!st && p->temp_max)
        p->plan.arena_bytes = p->temp_base + p->temp_max;
    if (st) {
        cg_program_free(p);
        return st;
    }
    *out = p;
    return IR_OK;
}

void cg_program_free(cg_program *p)
{
    if (!p)
        return;
    mem_plan_free(&p->plan);
    free(p->bufs);
    free(p->buf_of);
    free(p->nodes);
    free(p->prepared_mem);
    ir_arena_free(p->arena);
    free(p);
}

void cg_program_bind(const cg_program *p, void *arena, const void *const *inputs, void *const *outputs, void **bufs)
{
    for (uint32_t i = 0; i < p->n_bufs; i++) {
        const cg_buf_info *b = &p->bufs[i];
        switch (b->kind) {
        case ONNXC_BUF_ARENA: bufs[i] = (char *)arena + b->offset; break;
        case ONNXC_BUF_INPUT: bufs[i] = (void *)(uintptr_t)inputs[b->index]; break;
        case ONNXC_BUF_OUTPUT: bufs[i] = outputs[b->index]; break;
        case ONNXC_BUF_PREPARED: bufs[i] = p->prepared_mem ? (char *)p->prepared_mem + b->offset : NULL; break;
        default: bufs[i] = (void *)(uintptr_t)b->data;
        }
    }
}
