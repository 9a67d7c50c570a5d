/* pipeline.c - the fixed pass pipeline and the fusion report.
 *
 * Passes run in the order of the table below; after each one the graph is
 * compacted (dead nodes and unreferenced values dropped), verified, and
 * printed when --print-after names it. Clean-up passes appear twice because
 * folding exposes work for simplification and CSE and vice versa; two
 * rounds reach the fixpoint on every graph we have seen, and the summary
 * line per pass shows it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "passes.h"

static const struct {
    char letter;
    const char *name;
    pass_fn fn;
    bool fusion;
} pipeline[] = {
    {'i', "infer_shapes", pass_infer_shapes, false},
    {'o', "prune_outputs", pass_prune_outputs, false},
    {'f', "fold_constants", pass_fold_constants, false},
    {'s', "simplify", pass_simplify, false},
    {'c', "cse", pass_cse, false},
    {'F', "fold_constants", pass_fold_constants, false},
    {'S', "simplify", pass_simplify, false},
    {'d', "eliminate_dead", pass_eliminate_dead, false},
    {'b', "fold_batchnorm", pass_fold_batchnorm, true},
    {'l', "fuse_layernorm", pass_fuse_layernorm, true},
    {'a', "fuse_attention", pass_fuse_attention, true},
    {'r', "fuse_conv", pass_fuse_conv, true},
    {'m', "fuse_linear", pass_fuse_linear, true},
    {'u', "unstack", pass_unstack, true},
    {'U', "simplify", pass_simplify, false},
    {'C', "cse", pass_cse, true},
    {'D', "eliminate_dead", pass_eliminate_dead, false},
    {'M', "materialize_outputs", pass_materialize_outputs, false},
};
#define N_PASSES (sizeof pipeline / sizeof pipeline[0])

const char *const *passes_names(void)
{
    static const char *names[N_PASSES + 1];
    uint32_t n = 0;
    for (size_t i = 0; i < N_PASSES; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < n; j++)
            seen |= !strcmp(names[j], pipeline[i].name);
        if (!seen)
            names[n++] = pipeline[i].name;
    }
    names[n] = NULL;
    return names;
}

const char *fuse_kind_name(fuse_kind k)
{
    static const char *names[FUSE_KIND_COUNT] = {"conv_bn", "conv_add_relu", "layernorm", "attention",
                                                 "linear"};
    return k < FUSE_KIND_COUNT ? names[k] : "?";
}

pass_options pass_options_default(void)
{
    return (pass_options){.fold_limit = 64u << 20, .verify = true, .fuse = true};
}

void pass_report_init(pass_report *r) { memset(r, 0, sizeof *r); }

void pass_report_free(pass_report *r)
{
    for (uint32_t i = 0; i < r->n_declined; i++) {
        free(r->declined[i].node);
        free(r->declined[i].reason);
    }
    free(r->declined);
    memset(r, 0, sizeof *r);
}

void pass_decline(pass_report *r, fuse_kind k, const char *node, const char *fmt, ...)
{
    if (!r)
        return;
    if (r->n_declined == r->cap_declined) {
        uint32_t nc = r->cap_declined ? r->cap_declined * 2 : 16;
        fuse_decline *p = realloc(r->declined, nc * sizeof *p);
        if (!p)
            return;
        r->declined = p;
        r->cap_declined = nc;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fuse_decline *dcl = &r->declined[r->n_declined];
    dcl->kind = k;
    dcl->node = strdup(node ? node : "");
    dcl->reason = strdup(buf);
    if (dcl->node && dcl->reason)
        r->n_declined++;
}

static uint32_t live_nodes(const ir_graph *g)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        n += !g->nodes[i].dead;
    return n;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static ir_status run_pass(ir_graph *g, size_t i, pass_ctx *c, ir_diag *d)
{
    const pass_options *o = c->opt;
    pass_report *r = c->report;
    uint32_t before = live_nodes(g);
    double t0 = now_ms();
    bool changed = false;
    ir_status st = pipeline[i].fn(g, c, d, &changed);
    if (st)
        return st;
    if (!ir_graph_compact(g))
        return ir_fail(d, IR_ERR_NOMEM, "out of memory compacting the graph");
    if (o->verify && (st = ir_verify(g, d))) {
        char msg[sizeof d->msg];
        snprintf(msg, sizeof msg, "%s", d->msg);
        return ir_fail(d, IR_ERR_INTERNAL, "verifier after pass %s: %.900s", pipeline[i].name, msg);
    }
    if (r->n_steps < sizeof r->steps / sizeof r->steps[0]) {
        pass_step *s = &r->steps[r->n_steps++];
        snprintf(s->pass, sizeof s->pass, "%s", pipeline[i].name);
        s->nodes_before = before;
        s->nodes_after = g->n_nodes;
        s->ms = now_ms() - t0;
    }
    FILE *f = o->print_to ? o->print_to : stdout;
    if (o->print_after && (!strcmp(o->print_after, "all") || !strcmp(o->print_after, pipeline[i].name))) {
        fprintf(f, "# after %s: %u -> %u nodes\n", pipeline[i].name, before, g->n_nodes);
        ir_print(g, f, IR_PRINT_CONST_DATA);
    }
    return IR_OK;
}

ir_status passes_optimize(ir_graph *g, const pass_options *o, pass_report *r, ir_diag *d)
{
    pass_options dflt = pass_options_default();
    if (!o)
        o = &dflt;
    if (o->print_after && strcmp(o->print_after, "all")) {
        bool known = false;
        for (size_t i = 0; i < N_PASSES; i++)
            known |= !strcmp(o->print_after, pipeline[i].name);
        if (!known)
            return ir_fail(d, IR_ERR_USAGE, "--print-after: no pass named '%s'", ir_q(o->print_after));
    }
    pass_ctx c = {o, r};
    for (size_t i = 0; i < N_PASSES; i++) {
        if (pipeline[i].fusion && !o->fuse)
            continue;
        ir_status st = run_pass(g, i, &c, d);
        if (st)
            return st;
    }
    return IR_OK;
}
