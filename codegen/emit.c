/* emit.c - builds the LLVM module of a compiled model.
 *
 * The module holds: the kernel templates (bitcode compiled from
 * codegen/kernels at build time, linked in, marked always-inline and
 * internal), every constant buffer as a 64-byte aligned constant global,
 * every node's descriptor as a constant global, one wrapper per node that
 * calls its kernel with its descriptor (so O3 specializes the kernel to the
 * node), and the `onnxc_model` table the runtime executes: one entry per
 * program (input shapes). Constant buffers are deduplicated by content, so
 * the weights that several entries use are emitted once (and a model's
 * identical constants once, too). Everything is built through the LLVM C
 * API; target.c optimizes and emits it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/BitReader.h>
#include <llvm-c/Core.h>
#include <llvm-c/Linker.h>

#include "cg_internal.h"
#include "cg_llvm.h"
#include "kernels/k_dense.h"

extern const unsigned char onnxc_kernels_bc[];
extern const unsigned long onnxc_kernels_bc_size;

cg_options cg_options_default(void)
{
    /* O2: as fast as O3 on DETR-R50 (the kernels are written vectorized and
       unrolled), in a third of the compile time */
    return (cg_options){.name = "model", .opt_level = 2};
}

double cg_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static ir_status link_kernels(cg_module *m, ir_diag *d)
{
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(
        (const char *)onnxc_kernels_bc, (size_t)onnxc_kernels_bc_size, "onnxc_kernels");
    LLVMModuleRef km = NULL;
    if (LLVMParseBitcodeInContext2(m->ctx, buf, &km)) {
        LLVMDisposeMemoryBuffer(buf);
        return ir_fail(d, IR_ERR_INTERNAL, "the embedded kernel bitcode does not load");
    }
    LLVMDisposeMemoryBuffer(buf);
    LLVMSetTarget(km, LLVMGetTarget(m->mod));
    LLVMSetDataLayout(km, LLVMGetDataLayoutStr(m->mod));
    if (LLVMLinkModules2(m->mod, km))
        return ir_fail(d, IR_ERR_INTERNAL, "linking the kernel bitcode failed");
    unsigned ai = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
    unsigned ni = LLVMGetEnumAttributeKindForName("noinline", 8);
    for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f; f = LLVMGetNextFunction(f)) {
        if (LLVMIsDeclaration(f))
            continue;
        size_t len;
        const char *name = LLVMGetValueName2(f, &len);
        LLVMSetLinkage(f, LLVMInternalLinkage);
        if (!strncmp(name, "onnxc_k_", 8)) {
            LLVMRemoveEnumAttributeAtIndex(f, LLVMAttributeFunctionIndex, ni);
            LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(m->ctx, ai, 0));
        }
    }
    for (LLVMValueRef gv = LLVMGetFirstGlobal(m->mod); gv; gv = LLVMGetNextGlobal(gv))
        if (!LLVMIsDeclaration(gv))
            LLVMSetLinkage(gv, LLVMInternalLinkage);
    return IR_OK;
}

/* A private constant global holding bytes, aligned; returns it (a ptr). */
static LLVMValueRef const_bytes(cg_module *m, const char *name, const void *data, uint64_t n, unsigned align)
{
    LLVMValueRef init = LLVMConstStringInContext2(m->ctx, data ? data : "", data ? (size_t)n : 0, 1);
    LLVMValueRef gv = LLVMAddGlobal(m->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetAlignment(gv, align);
    return gv;
}

static LLVMValueRef cstring(cg_module *m, const char *s)
{
    return const_bytes(m, "str", s, strlen(s) + 1, 1);
}

/* SYM(bufs, task, scratch) { onnxc_k_K(&SYM_desc, bufs, task, scratch); }:
 * eE_node_i_p for phase p of node i of entry E, eE_prep_b for the prep of
 * buffer b; `node` names the node in messages. */
static ir_status emit_task(cg_module *m, const char *sym, const char *node, const cg_lowered *ln, LLVMValueRef *fn_out,
                           ir_diag *d)
{
    char name[160];
    snprintf(name, sizeof name, "onnxc_k_%s", ln->kernel);
    LLVMValueRef kernel = LLVMGetNamedFunction(m->mod, name);
    if (!kernel || LLVMIsDeclaration(kernel))
        return ir_fail(d, IR_ERR_INTERNAL, "node '%s': kernel %s is not in the kernel bitcode", ir_q(node), name);
    snprintf(name, sizeof name, "%s_desc", sym);
    LLVMValueRef desc = const_bytes(m, name, ln->desc, ln->desc_size, 64);
    LLVMValueRef fn = LLVMAddFunction(m->mod, sym, m->task_ty);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(m->ctx, fn, "entry");
    LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
    LLVMPositionBuilderAtEnd(b, bb);
    LLVMValueRef args[4] = {desc, LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), LLVMGetParam(fn, 2)};
    LLVMBuildCall2(b, m->kernel_ty, kernel, args, 4, "");
    LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);
    *fn_out = fn;
    return IR_OK;
}

static LLVMValueRef i32c(cg_module *m, int64_t v) { return LLVMConstInt(LLVMInt32TypeInContext(m->ctx), (unsigned long long)v, 1); }
static LLVMValueRef i64c(cg_module *m, int64_t v) { return LLVMConstInt(LLVMInt64TypeInContext(m->ctx), (unsigned long long)v, 1); }

static LLVMValueRef array_global(cg_module *m, const char *name, LLVMTypeRef elem, LLVMValueRef *vals, uint32_t n)
{
    LLVMValueRef init = LLVMConstArray2(elem, vals, n);
    LLVMValueRef gv = LLVMAddGlobal(m->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetAlignment(gv, 16);
    return gv;
}

static LLVMValueRef tensor_descs(cg_module *m, const ir_graph *g, const char *name, const int32_t *vals, uint32_t n)
{
    LLVMValueRef *items = calloc(n + 1, sizeof *items);
    for (uint32_t k = 0; k < n; k++) {
        const ir_value *v = &g->values[vals[k]];
        LLVMValueRef dims[ONNXC_MAX_RANK];
        for (int j = 0; j < ONNXC_MAX_RANK; j++)
            dims[j] = i64c(m, j < v->shape.rank ? v->shape.dims[j] : 0);
        LLVMValueRef f[4] = {cstring(m, v->name), i32c(m, v->dtype), i32c(m, v->shape.rank),
                             LLVMConstArray2(LLVMInt64TypeInContext(m->ctx), dims, ONNXC_MAX_RANK)};
        items[k] = LLVMConstNamedStruct(m->tensor_ty, f, 4);
    }
    LLVMValueRef gv = array_global(m, name, m->tensor_ty, items, n);
    free(items);
    return gv;
}

static uint64_t data_hash(const unsigned char *p, uint64_t n)
{
    uint64_t h = n * 0x9e3779b97f4a7c15u, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = ((h ^ w) * 0xff51afd7ed558ccdu) ^ (h >> 29);
    }
    for (; n; p++, n--)
        h = (h ^ *p) * 0x100000001b3u;
    return h;
}

/* The constant global holding data (one per distinct content); entry e
 * uses it. NULL if out of memory. */
static LLVMValueRef shared_const(cg_module *m, uint32_t e, const void *data, uint64_t bytes)
{
    uint64_t h = data_hash(data, data ? bytes : 0);
    for (uint32_t i = 0; i < m->n_consts; i++) {
        cg_const_global *c = &m->consts[i];
        if (c->hash == h && c->bytes == bytes && (!bytes || !memcmp(c->data, data, (size_t)bytes))) {
            c->users |= 1u << e;
            return c->gv;
        }
    }
    if (!IR_GROW(m->consts, m->cap_consts, m->n_consts, 256))
        return NULL;
    char name[64];
    snprintf(name, sizeof name, "const_%u", m->n_consts);
    LLVMValueRef gv = const_bytes(m, name, data, bytes, 64);
    m->consts[m->n_consts++] = (cg_const_global){h, bytes, data, gv, 1u << e};
    m->stats.const_bytes += bytes;
    return gv;
}

/* The model's offset of prepared buffer b of entry e: an earlier one made
 * from the same constant by the same derivation, else a new one (*fresh:
 * entry e runs its prep). UINT64_MAX if out of memory. */
static uint64_t shared_prep(cg_module *m, uint32_t e, const cg_buf_info *b, bool *fresh)
{
    const cg_buf_info *src = &m->progs[e]->bufs[b->src];
    LLVMValueRef gv = shared_const(m, e, src->data, src->bytes);
    *fresh = false;
    if (!gv)
        return UINT64_MAX;
    for (uint32_t i = 0; i < m->n_preps; i++) {
        const cg_prep_global *q = &m->preps[i];
        if (q->src == gv && q->bytes == b->bytes && q->key_size == b->key_size &&
            !memcmp(q->key, b->key, b->key_size))
            return q->offset;
    }
    if (!IR_GROW(m->preps, m->cap_preps, m->n_preps, 64))
        return UINT64_MAX;
    uint64_t off = m->stats.prepared_bytes;
    m->preps[m->n_preps++] = (cg_prep_global){gv, b->key, b->key_size, b->bytes, off};
    m->stats.prepared_bytes += (b->bytes + 63) / 64 * 64;
    *fresh = true;
    return off;
}

/* Entry e's buffer table; fresh[i]: entry e makes prepared buffer i. */
static ir_status buf_descs(cg_module *m, uint32_t e, LLVMValueRef *out, bool *fresh, ir_diag *d)
{
    const cg_program *p = m->progs[e];
    LLVMValueRef *items = calloc(p->n_bufs + 1, sizeof *items);
    LLVMValueRef null = LLVMConstPointerNull(m->ptr_ty);
    ir_status st = items ? IR_OK : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; !st && i < p->n_bufs; i++) {
        const cg_buf_info *b = &p->bufs[i];
        LLVMValueRef data = null;
        uint64_t offset = b->offset;
        if (b->kind == ONNXC_BUF_CONST && !(data = shared_const(m, e, b->data, b->bytes)))
            st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        if (b->kind == ONNXC_BUF_PREPARED && (offset = shared_prep(m, e, b, &fresh[i])) == UINT64_MAX)
            st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
        int32_t index = b->index;
        if (b->kind == ONNXC_BUF_CONST && b->prep_src && !b->node_use) { /* read by preps only */
            index = ONNXC_CONST_PREP_ONLY;
            offset = b->bytes;
        }
        LLVMValueRef f[4] = {i32c(m, b->kind), i32c(m, index), i64c(m, (int64_t)offset), data};
        items[i] = LLVMConstNamedStruct(m->buf_ty, f, 4);
    }
    char name[32];
    snprintf(name, sizeof name, "e%u_bufs", e);
    if (!st)
        *out = array_global(m, name, m->buf_ty, items, p->n_bufs);
    free(items);
    return st;
}

/* One table entry per phase of every node (most nodes have one). */
static ir_status node_descs(cg_module *m, uint32_t e, LLVMValueRef *out, uint32_t *count, ir_diag *d)
{
    const cg_program *p = m->progs[e];
    const ir_graph *g = p->g;
    uint32_t total = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (const cg_lowered *ph = &p->nodes[i]; ph; ph = ph->next)
            total++;
    LLVMValueRef *items = calloc(total + 1, sizeof *items);
    if (!items)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        char op[256], name[300];
        snprintf(op, sizeof op, "%s%s%s", n->domain, *n->domain ? "." : "", n->op_type);
        uint32_t phase = 0;
        for (const cg_lowered *ph = &p->nodes[i]; ph; ph = ph->next, phase++) {
            LLVMValueRef fn = NULL;
            char sym[64];
            snprintf(sym, sizeof sym, "e%u_node_%u_%u", e, i, phase);
            ir_status st = emit_task(m, sym, n->name, ph, &fn, d);
            if (st) {
                free(items);
                return st;
            }
            if (phase || ph->next || !strcmp(ph->kernel, "wino")) /* the profile shows the algorithm */
                snprintf(name, sizeof name, "%.250s [%s]", n->name, ph->kernel);
            else
                snprintf(name, sizeof name, "%.250s", n->name);
            LLVMValueRef f[5] = {fn, i64c(m, ph->n_tasks), cstring(m, name), cstring(m, op),
                                 LLVMConstReal(LLVMDoubleTypeInContext(m->ctx), ph->flops)};
            items[k++] = LLVMConstNamedStruct(m->node_ty, f, 5);
        }
    }
    char sym[32];
    snprintf(sym, sizeof sym, "e%u_nodes", e);
    *out = array_global(m, sym, m->node_ty, items, total);
    *count = total;
    free(items);
    return IR_OK;
}

/* The preps entry e runs at creation: those of its fresh prepared buffers. */
static ir_status prep_descs(cg_module *m, uint32_t e, const bool *fresh, LLVMValueRef *out, uint32_t *count,
                            ir_diag *d)
{
    const cg_program *p = m->progs[e];
    LLVMValueRef *items = calloc(p->n_bufs + 1, sizeof *items);
    if (!items)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->n_bufs; i++) {
        const cg_buf_info *b = &p->bufs[i];
        if (!fresh[i])
            continue;
        if (!b->prep) {
            free(items);
            return ir_fail(d, IR_ERR_INTERNAL, "prepared buffer %u has no task that makes it", i);
        }
        char sym[64], name[300];
        snprintf(sym, sizeof sym, "e%u_prep_%u", e, i);
        LLVMValueRef fn = NULL;
        ir_status st = emit_task(m, sym, b->prep_name, b->prep, &fn, d);
        if (st) {
            free(items);
            return st;
        }
        snprintf(name, sizeof name, "%.250s [%s]", b->prep_name, b->prep->kernel);
        LLVMValueRef f[5] = {fn, i64c(m, b->prep->n_tasks), cstring(m, name), cstring(m, "onnxc.prepare"),
                             LLVMConstReal(LLVMDoubleTypeInContext(m->ctx), b->prep->flops)};
        items[k++] = LLVMConstNamedStruct(m->node_ty, f, 5);
    }
    char sym[32];
    snprintf(sym, sizeof sym, "e%u_preps", e);
    *out = k ? array_global(m, sym, m->node_ty, items, k) : LLVMConstPointerNull(m->ptr_ty);
    *count = k;
    free(items);
    return IR_OK;
}

static void make_types(cg_module *m)
{
    LLVMContextRef c = m->ctx;
    LLVMTypeRef i32 = LLVMInt32TypeInContext(c), i64 = LLVMInt64TypeInContext(c);
    m->ptr_ty = LLVMPointerTypeInContext(c, 0);
    LLVMTypeRef targs[3] = {m->ptr_ty, i64, m->ptr_ty}, kargs[4] = {m->ptr_ty, m->ptr_ty, i64, m->ptr_ty};
    m->task_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), targs, 3, 0);
    m->kernel_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), kargs, 4, 0);
    m->node_ty = LLVMStructCreateNamed(c, "onnxc_node_desc");
    LLVMTypeRef nf[5] = {m->ptr_ty, i64, m->ptr_ty, m->ptr_ty, LLVMDoubleTypeInContext(c)};
    LLVMStructSetBody(m->node_ty, nf, 5, 0);
    m->buf_ty = LLVMStructCreateNamed(c, "onnxc_buf_desc");
    LLVMTypeRef bf[4] = {i32, i32, i64, m->ptr_ty};
    LLVMStructSetBody(m->buf_ty, bf, 4, 0);
    m->tensor_ty = LLVMStructCreateNamed(c, "onnxc_tensor_desc");
    LLVMTypeRef tf[4] = {m->ptr_ty, i32, i32, LLVMArrayType2(i64, ONNXC_MAX_RANK)};
    LLVMStructSetBody(m->tensor_ty, tf, 4, 0);
    m->entry_ty = LLVMStructCreateNamed(c, "onnxc_entry");
    LLVMTypeRef ef[10] = {i64, i64, m->ptr_ty, m->ptr_ty, i32, m->ptr_ty, i32, m->ptr_ty, i32, m->ptr_ty};
    LLVMStructSetBody(m->entry_ty, ef, 10, 0);
    m->model_ty = LLVMStructCreateNamed(c, "onnxc_model");
    LLVMTypeRef mf[8] = {i32, i32, m->ptr_ty, i32, i32, i32, m->ptr_ty, i64};
    LLVMStructSetBody(m->model_ty, mf, 8, 0);
}

/* Entry e's onnxc_entry constant; fills its statistics. */
static ir_status emit_entry(cg_module *m, uint32_t e, LLVMValueRef *out, ir_diag *d)
{
    const cg_program *p = m->progs[e];
    const ir_graph *g = p->g;
    LLVMValueRef nodes = NULL, bufs = NULL, preps = NULL;
    uint32_t n_nodes = 0, n_preps = 0;
    bool *fresh = calloc(p->n_bufs + 1, sizeof *fresh);
    ir_status st = fresh ? node_descs(m, e, &nodes, &n_nodes, d) : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    if (!st)
        st = buf_descs(m, e, &bufs, fresh, d);
    if (!st)
        st = prep_descs(m, e, fresh, &preps, &n_preps, d);
    free(fresh);
    if (st)
        return st;
    uint64_t arena = (p->plan.arena_bytes + 63) / 64 * 64;
    char in[32], outs[32];
    snprintf(in, sizeof in, "e%u_inputs", e);
    snprintf(outs, sizeof outs, "e%u_outputs", e);
    LLVMValueRef f[10] = {i64c(m, (int64_t)arena), i64c(m, (int64_t)p->scratch_bytes),
                         tensor_descs(m, g, in, g->inputs, g->n_inputs),
                         tensor_descs(m, g, outs, g->outputs, g->n_outputs), i32c(m, p->n_bufs), bufs,
                         i32c(m, n_nodes), nodes, i32c(m, n_preps), preps};
    *out = LLVMConstNamedStruct(m->entry_ty, f, 10);
    cg_entry_stats *es = &m->stats.entries[e];
    es->nodes = g->n_nodes;
    es->arena_bytes = arena;
    es->scratch_bytes = p->scratch_bytes;
    m->stats.nodes += g->n_nodes;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (!strcmp(p->nodes[i].kernel, "wino")) {
            m->stats.wino_convs++;
            m->stats.wino6_convs += ((const struct k_wino *)p->nodes[i].desc)->tm == 6;
        }
    m->stats.arena_bytes = arena > m->stats.arena_bytes ? arena : m->stats.arena_bytes;
    m->stats.scratch_bytes = p->scratch_bytes > m->stats.scratch_bytes ? p->scratch_bytes : m->stats.scratch_bytes;
    return IR_OK;
}

/* Constant bytes per entry, and of those the ones other entries use too. */
static void const_stats(cg_module *m)
{
    for (uint32_t i = 0; i < m->n_consts; i++) {
        const cg_const_global *c = &m->consts[i];
        for (uint32_t e = 0; e < m->n_progs; e++)
            if (c->users >> e & 1) {
                m->stats.entries[e].const_bytes += c->bytes;
                if (c->users & ~(1u << e))
                    m->stats.entries[e].shared_bytes += c->bytes;
            }
    }
}

static ir_status emit_model(cg_module *m, ir_diag *d)
{
    const ir_graph *g = m->progs[0]->g;
    LLVMValueRef entries[CG_MAX_ENTRIES];
    for (uint32_t e = 0; e < m->n_progs; e++) {
        ir_status st = emit_entry(m, e, &entries[e], d);
        if (st)
            return st;
    }
    m->stats.n_entries = m->n_progs;
    const_stats(m);
    LLVMValueRef f[8] = {i32c(m, ONNXC_MODEL_ABI), i32c(m, (int32_t)cg_target_cpu_needs(m)), cstring(m, m->name), i32c(m, g->n_inputs), i32c(m, g->n_outputs),
                         i32c(m, m->n_progs), array_global(m, "entries", m->entry_ty, entries, m->n_progs),
                         i64c(m, (int64_t)m->stats.prepared_bytes)};
    char sym[200];
    snprintf(sym, sizeof sym, "%s_model", m->name);
    LLVMValueRef gv = LLVMAddGlobal(m->mod, m->model_ty, sym);
    LLVMSetInitializer(gv, LLVMConstNamedStruct(m->model_ty, f, 8));
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMExternalLinkage);
    m->model_gv = gv;
    /* the executable's main finds the model through this weak alias */
    LLVMValueRef alias = LLVMAddAlias2(m->mod, m->model_ty, 0, gv, "onnxc_entry_model");
    LLVMSetLinkage(alias, LLVMWeakAnyLinkage);
    return IR_OK;
}

/* Every graph has the first one's inputs and outputs (names, dtypes). */
static ir_status check_entries(const ir_graph *const *gs, uint32_t n, ir_diag *d)
{
    for (uint32_t e = 1; e < n; e++) {
        bool same = gs[e]->n_inputs == gs[0]->n_inputs && gs[e]->n_outputs == gs[0]->n_outputs;
        for (uint32_t k = 0; same && k < gs[0]->n_inputs + gs[0]->n_outputs; k++) {
            bool in = k < gs[0]->n_inputs;
            uint32_t j = in ? k : k - gs[0]->n_inputs;
            const ir_value *a = &gs[0]->values[in ? gs[0]->inputs[j] : gs[0]->outputs[j]];
            const ir_value *b = &gs[e]->values[in ? gs[e]->inputs[j] : gs[e]->outputs[j]];
            same = !strcmp(a->name, b->name) && a->dtype == b->dtype;
        }
        if (!same)
            return ir_fail(d, IR_ERR_USAGE, "entry %u does not have the inputs and outputs of entry 0 "
                           "(one model at several input shapes is expected)", e);
    }
    return IR_OK;
}

static bool valid_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 100)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

ir_status cg_build_in(const ir_graph *const *gs, uint32_t n, const cg_options *o, LLVMContextRef ctx,
                      cg_module **out, ir_diag *d)
{
    *out = NULL;
    if (!valid_identifier(o->name))
        return ir_fail(d, IR_ERR_USAGE, "--name '%s' is not a C identifier", ir_q(o->name));
    if (n < 1 || n > CG_MAX_ENTRIES)
        return ir_fail(d, IR_ERR_USAGE, "%u entries: a model holds 1 to %d", n, CG_MAX_ENTRIES);
    ir_status st = check_entries(gs, n, d);
    cg_module *m = st ? NULL : calloc(1, sizeof *m);
    if (st || !m)
        return st ? st : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    snprintf(m->name, sizeof m->name, "%s", o->name);
    m->opt = *o;
    m->own_ctx = ctx == NULL;
    m->ctx = ctx ? ctx : LLVMContextCreate();
    m->progs = calloc(n, sizeof *m->progs);
    m->pins = n > 1 ? cg_pins_new() : NULL;
    st = m->progs && (n == 1 || m->pins) ? cg_target_init(m, d) : ir_fail(d, IR_ERR_NOMEM, "out of memory");
    if (!st && o->precision != CG_FP32 && (!cg_target_has(m, "avx512bf16") || cg_target_vec_bits(m) < 512))
        st = ir_fail(d, IR_ERR_USAGE, "--precision bf16 needs a target CPU with AVX512_BF16 (e.g. znver4, "
                     "sapphirerapids); target '%s' lacks it: compile with --precision fp32 or another --target-cpu",
                     ir_q(m->cpu));
    double t0 = cg_now_ms();
    for (; !st && m->n_progs < n; m->n_progs++)
        st = cg_program_build_pinned(gs[m->n_progs], 2, cg_target_vec_bits(m), o->precision, o->keep_fp32, m->pins,
                                     &m->progs[m->n_progs], d);
    m->stats.lower_ms = cg_now_ms() - t0;
    if (!st) {
        t0 = cg_now_ms();
        m->mod = LLVMModuleCreateWithNameInContext(m->name, m->ctx);
        cg_target_apply(m);
        make_types(m);
        st = link_kernels(m, d);
        if (!st)
            st = emit_model(m, d);
        m->stats.emit_ms = cg_now_ms() - t0;
    }
    if (st) {
        cg_module_free(m);
        return st;
    }
    *out = m;
    return IR_OK;
}

ir_status cg_build(const ir_graph *g, const cg_options *o, cg_module **out, ir_diag *d)
{
    return cg_build_in(&g, 1, o, NULL, out, d);
}

ir_status cg_build_entries(const ir_graph *const *gs, uint32_t n, const cg_options *o, cg_module **out,
                           ir_diag *d)
{
    return cg_build_in(gs, n, o, NULL, out, d);
}

void cg_module_free(cg_module *m)
{
    if (!m)
        return;
    if (m->mod)
        LLVMDisposeModule(m->mod);
    if (m->tm)
        LLVMDisposeTargetMachine(m->tm);
    if (m->own_ctx && m->ctx)
        LLVMContextDispose(m->ctx);
    for (uint32_t e = 0; m->progs && e < m->n_progs; e++)
        cg_program_free(m->progs[e]);
    free(m->progs);
    cg_pins_free(m->pins);
    free(m->consts);
    free(m->preps);
    free(m->cpu);
    free(m->features);
    free(m->triple);
    free(m);
}

const cg_stats *cg_module_stats(const cg_module *m) { return &m->stats; }
