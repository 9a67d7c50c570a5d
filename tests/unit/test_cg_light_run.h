/* test_cg_light_run.h - runs a lowered program natively, for the light
 * kernel tests (test_cg_light.c) and the native conformance run
 * (test_cg_light_conf.c). Static functions only: each test includes it.
 *
 *     cg_program *p;  cg_program_build(g, 2, &p, &d);
 *     ir_tensor *out[8];  char why[256];
 *     if (!lt_run(g, p, inputs, out, why, sizeof why)) ...
 *
 * Every task of every node runs in reverse order, with the scratch area
 * poisoned before each task (no task may rely on another's work or on
 * zeroed scratch); inputs, outputs, the arena and the scratch carry guard
 * bytes that must survive, and the inputs must come back unchanged. Graph
 * outputs that are graph inputs or constants are copied first, as the
 * emitter does. The kernel table holds the light kernels and the dense
 * ones, so whole graphs run. */
#ifndef ONNXC_TEST_CG_LIGHT_RUN_H
#define ONNXC_TEST_CG_LIGHT_RUN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "kabi.h"
#include "kernels.h"

typedef void (*lt_kfn)(const void *d, void *const *bufs, int64_t task, void *scratch);

/* clang-format off */
#define LT_KERNELS(X)                                                                              \
    X(binary) X(unary) X(cast) X(where) X(copy) X(view) X(transpose) X(slice) X(concat)            \
    X(gather) X(pad) X(range) X(reduce) X(cumsum) X(argmax) X(topk) X(batchnorm) X(maxpool)        \
    X(pool) X(globalpool) X(resize) X(gemm) X(gemm_multi) X(conv) X(attn) X(layernorm)            \
    X(softmax)
/* clang-format on */

#define LT_DECL(name)                                                                              \
    KERNEL(name);                                                                                  \
    static void lt_run_##name(const void *d, void *const *bufs, int64_t task, void *scratch)       \
    {                                                                                              \
        onnxc_k_##name(d, bufs, task, scratch);                                                    \
    }
LT_KERNELS(LT_DECL)
#undef LT_DECL

#define LT_ENTRY(name) {#name, lt_run_##name},
static const struct {
    const char *name;
    lt_kfn fn;
} lt_kernels[] = {LT_KERNELS(LT_ENTRY)};
#undef LT_ENTRY

static lt_kfn lt_find(const char *name)
{
    for (size_t i = 0; i < sizeof lt_kernels / sizeof *lt_kernels; i++)
        if (!strcmp(lt_kernels[i].name, name))
            return lt_kernels[i].fn;
    return NULL;
}

#define LT_GUARD 128
#define LT_GUARD_BYTE 0xa5

static void *lt_guarded(size_t bytes)
{
    unsigned char *p = aligned_alloc(64, (bytes + LT_GUARD + 63) / 64 * 64);
    if (p)
        memset(p + bytes, LT_GUARD_BYTE, LT_GUARD);
    return p;
}

static bool lt_guard_ok(const void *p, size_t bytes)
{
    const unsigned char *g = (const unsigned char *)p + bytes;
    for (size_t i = 0; i < LT_GUARD; i++)
        if (g[i] != LT_GUARD_BYTE)
            return false;
    return true;
}

static size_t lt_bytes(const ir_graph *g, int32_t v)
{
    return (size_t)ir_shape_numel(&g->values[v].shape) * ir_dtype_size(g->values[v].dtype);
}

/* Runs every task of every node, last task first. */
static bool lt_nodes(const cg_program *p, void **bufs, char *why, size_t wn)
{
    uint64_t sb = p->scratch_bytes ? p->scratch_bytes : 64;
    unsigned char *scratch = lt_guarded(sb);
    bool ok = scratch != NULL;
    for (uint32_t i = 0; ok && i < p->g->n_nodes; i++) {
        const cg_lowered *l = &p->nodes[i];
        lt_kfn fn = lt_find(l->kernel);
        if (!fn) {
            snprintf(why, wn, "no native kernel '%s'", l->kernel);
            ok = false;
        } else if (l->scratch_bytes > sb) {
            snprintf(why, wn, "node %u asks for more scratch than the program's", i);
            ok = false;
        }
        for (int64_t t = l->n_tasks - 1; ok && t >= 0; t--) {
            memset(scratch, 0xff, sb);
            fn(l->desc, bufs, t, scratch);
        }
    }
    if (ok && !lt_guard_ok(scratch, sb)) {
        snprintf(why, wn, "scratch overrun");
        ok = false;
    }
    free(scratch);
    return ok;
}

/* Graph outputs no node produces (graph inputs, constants). */
static void lt_copy_outputs(const ir_graph *g, ir_tensor *const *in, void **outs)
{
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        int32_t v = g->outputs[k];
        if (g->values[v].producer >= 0)
            continue;
        const void *src = g->values[v].data ? g->values[v].data->data : NULL;
        for (uint32_t i = 0; i < g->n_inputs; i++)
            if (g->inputs[i] == v)
                src = in[i]->data;
        if (src && lt_bytes(g, v))
            memcpy(outs[k], src, lt_bytes(g, v));
    }
}

static bool lt_check_buffers(const ir_graph *g, const cg_program *p, void *arena, void **ins,
                             ir_tensor *const *in, void **outs, char *why, size_t wn)
{
    if (!lt_guard_ok(arena, p->plan.arena_bytes)) {
        snprintf(why, wn, "arena overrun");
        return false;
    }
    for (uint32_t i = 0; i < g->n_inputs; i++)
        if (!lt_guard_ok(ins[i], lt_bytes(g, g->inputs[i])) ||
            memcmp(ins[i], in[i]->data, lt_bytes(g, g->inputs[i]))) {
            snprintf(why, wn, "input %u was written", i);
            return false;
        }
    for (uint32_t k = 0; k < g->n_outputs; k++)
        if (!lt_guard_ok(outs[k], lt_bytes(g, g->outputs[k]))) {
            snprintf(why, wn, "output %u overrun", k);
            return false;
        }
    return true;
}

/* Runs p (built from g) on the inputs; out[k] get malloc'd tensors. */
static bool lt_run(const ir_graph *g, const cg_program *p, ir_tensor *const *in, ir_tensor **out,
                   char *why, size_t wn)
{
    void **ins = calloc(g->n_inputs + 1, sizeof *ins),
         **outs = calloc(g->n_outputs + 1, sizeof *outs);
    void **bufs = calloc(p->n_bufs + 1, sizeof *bufs);
    void *arena = lt_guarded(p->plan.arena_bytes);
    bool ok = ins && outs && bufs && arena;
    for (uint32_t i = 0; ok && i < g->n_inputs; i++) {
        ins[i] = lt_guarded(lt_bytes(g, g->inputs[i]));
        memcpy(ins[i], in[i]->data, lt_bytes(g, g->inputs[i]));
    }
    for (uint32_t k = 0; ok && k < g->n_outputs; k++) {
        outs[k] = lt_guarded(lt_bytes(g, g->outputs[k]));
        memset(outs[k], 0xee, lt_bytes(g, g->outputs[k]));
    }
    if (ok) {
        memset(arena, 0xdd, p->plan.arena_bytes);
        cg_program_bind(p, arena, (const void *const *)ins, outs, bufs);
        lt_copy_outputs(g, in, outs);
        ok = lt_nodes(p, bufs, why, wn) && lt_check_buffers(g, p, arena, ins, in, outs, why, wn);
    }
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        const ir_value *v = &g->values[g->outputs[k]];
        out[k] = ok ? ir_tensor_alloc(v->dtype, &v->shape) : NULL;
        if (out[k] && out[k]->nbytes)
            memcpy(out[k]->data, outs[k], (size_t)out[k]->nbytes);
    }
    for (uint32_t i = 0; ins && i < g->n_inputs; i++)
        free(ins[i]);
    for (uint32_t k = 0; outs && k < g->n_outputs; k++)
        free(outs[k]);
    free(ins);
    free(outs);
    free(bufs);
    free(arena);
    return ok;
}

/* The same through LLVM: g compiled in memory (cg_jit_build), the model
 * table's nodes run task by task as the runtime would, last task first. */
static bool lt_run_jit(const ir_graph *g, ir_tensor *const *in, ir_tensor **out, char *why,
                       size_t wn)
{
    cg_options co = cg_options_default();
    cg_jit *j = NULL;
    const void *mv = NULL;
    ir_diag d = {0};
    if (cg_jit_build(g, &co, &j, &mv, &d)) {
        snprintf(why, wn, "jit: %.200s", d.msg);
        return false;
    }
    const onnxc_entry *m = &((const onnxc_model *)mv)->entries[0];
    void **bufs = calloc(m->n_bufs + 1, sizeof *bufs),
         **outs = calloc(g->n_outputs + 1, sizeof *outs);
    void *arena = lt_guarded(m->arena_bytes), *scratch = lt_guarded(m->scratch_bytes + 64);
    bool ok = bufs && outs && arena && scratch;
    for (uint32_t k = 0; ok && k < g->n_outputs; k++) {
        const ir_value *v = &g->values[g->outputs[k]];
        out[k] = ir_tensor_alloc(v->dtype, &v->shape);
        outs[k] = out[k] ? out[k]->data : NULL;
    }
    for (uint32_t i = 0; ok && i < m->n_bufs; i++) {
        const onnxc_buf_desc *b = &m->bufs[i];
        bufs[i] = b->kind == ONNXC_BUF_ARENA    ? (char *)arena + b->offset
                  : b->kind == ONNXC_BUF_INPUT  ? in[b->index]->data
                  : b->kind == ONNXC_BUF_OUTPUT ? outs[b->index]
                                                : (void *)(uintptr_t)b->data;
    }
    for (uint32_t i = 0; ok && i < m->n_nodes; i++)
        for (int64_t t = m->nodes[i].n_tasks - 1; t >= 0; t--)
            m->nodes[i].fn(bufs, t, scratch);
    if (ok &&
        (!lt_guard_ok(arena, m->arena_bytes) || !lt_guard_ok(scratch, m->scratch_bytes + 64))) {
        snprintf(why, wn, "jit: arena or scratch overrun");
        ok = false;
    }
    free(bufs);
    free(outs);
    free(arena);
    free(scratch);
    cg_jit_free(j);
    return ok;
}

/* got ~ want within rtol/atol (NaN matches NaN); fills why. */
static bool lt_close(const ir_tensor *got, const ir_tensor *want, double rtol, double atol,
                     char *why, size_t wn)
{
    if (got->dtype != want->dtype || !ir_shape_equal(&got->shape, &want->shape)) {
        char a[128], b[128];
        ir_shape_format(&got->shape, a, sizeof a);
        ir_shape_format(&want->shape, b, sizeof b);
        snprintf(why, wn, "got %s%.60s, expected %s%.60s", ir_dtype_short(got->dtype), a,
                 ir_dtype_short(want->dtype), b);
        return false;
    }
    ir_dtype t = want->dtype;
    bool fl = t == IR_F32 || t == IR_F64 || t == IR_F16 || t == IR_BF16;
    for (int64_t i = 0, n = ir_tensor_numel(got); i < n; i++) {
        double a = ir_tensor_get_f64(got, i), b = ir_tensor_get_f64(want, i);
        if (!fl && ir_tensor_get_i64(got, i) == ir_tensor_get_i64(want, i))
            continue; /* exact, also beyond double's 53 bits */
        if (fl && ((isnan(a) && isnan(b)) || a == b))
            continue;
        if (a == b || !(fabs(a - b) <= atol + rtol * fabs(b))) {
            snprintf(why, wn, "element %lld is %.9g, expected %.9g", (long long)i, a, b);
            return false;
        }
    }
    return true;
}

#endif
