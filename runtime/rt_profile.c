/* rt_profile.c - per-node timing, on when ONNXC_PROFILE=1 at onnxc_create.
 *
 * onnxc_run reads the monotonic clock between nodes and adds each node's
 * wall time (its parallel-for, workers included) to a per-node sum; the
 * table divides by the number of runs. Sorting by time shows where a model
 * spends its time; GFLOP/s (from the flop count the compiler computed for
 * each node) shows how far a kernel is from the machine's peak; the
 * by-op summary shows which kernel family to work on. The gap between the
 * nodes' total and the runs' wall time is the runtime's own overhead. A
 * profile covers one entry of a multi-shape model: selecting another one
 * starts it afresh. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX and GNU declarations without the build system's -D */
#endif
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static uint32_t max_nodes(const onnxc_model *m)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < m->n_entries; k++)
        n = m->entries[k].n_nodes > n ? m->entries[k].n_nodes : n;
    return n;
}

onnxc_status onnxc_rt_profile_init(onnxc_ctx *c)
{
    const char *env = getenv("ONNXC_PROFILE");
    if (!env || !*env || !strcmp(env, "0"))
        return ONNXC_OK;
    c->prof_ns = calloc(max_nodes(c->m) + 1, sizeof *c->prof_ns);
    return c->prof_ns ? ONNXC_OK : ONNXC_ERR_NOMEM;
}

int onnxc_profile_enabled(const onnxc_ctx *c)
{
    return c && c->prof_ns;
}

void onnxc_profile_reset(onnxc_ctx *c)
{
    if (!c || !c->prof_ns)
        return;
    memset(c->prof_ns, 0, max_nodes(c->m) * sizeof *c->prof_ns);
    c->prof_runs = c->prof_run_ns = 0;
}

/* A model string made safe and cut to `w` characters, keeping its end (the
 * informative part of a path-like ONNX node name). buf holds w + 1. */
static const char *cut(const char *s, size_t w, char *buf)
{
    s = onnxc_rt_q(s ? s : "?");
    size_t n = strlen(s);
    if (n <= w)
        return s;
    snprintf(buf, w + 1, "...%s", s + (n - w + 3));
    return buf;
}

static void row(FILE *f, const char *label, const char *op, double ns, double total, double flops,
                double runs)
{
    double ms = ns / runs / 1e6;
    fprintf(f, "%-46s %-20s %9.3f %6.1f%%", label, op, ms, total > 0 ? 100.0 * ns / total : 0.0);
    if (flops > 0 && ns > 0)
        fprintf(f, " %9.1f\n", flops * runs / ns);
    else
        fprintf(f, " %9s\n", "-");
}

/* Nodes sorted by time, descending (stable: ties keep model order). */
static void sort_by_time(const uint64_t *ns, uint32_t *order, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = i, v = i;
        while (k > 0 && ns[order[k - 1]] < ns[v]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = v;
    }
}

/* Totals per op, sorted by time. */
static void print_by_op(const onnxc_ctx *c, FILE *f, double total, double runs)
{
    const onnxc_entry *e = c->e;
    uint32_t n = e->n_nodes, n_ops = 0;
    uint64_t *ns = calloc(n + 1, sizeof *ns);
    double *flops = calloc(n + 1, sizeof *flops);
    uint32_t *first = calloc(n + 1, sizeof *first), *count = calloc(n + 1, sizeof *count),
             *order = calloc(n + 1, sizeof *order);
    for (uint32_t i = 0; ns && flops && first && count && order && i < n; i++) {
        const char *op = e->nodes[i].op ? e->nodes[i].op : "?";
        uint32_t k = 0;
        while (k < n_ops && strcmp(e->nodes[first[k]].op ? e->nodes[first[k]].op : "?", op))
            k++;
        if (k == n_ops)
            first[n_ops++] = i;
        ns[k] += c->prof_ns[i];
        flops[k] += e->nodes[i].flops;
        count[k]++;
    }
    if (n_ops) {
        sort_by_time(ns, order, n_ops);
        fprintf(f, "\n%-46s %-20s %9s %7s %9s\n", "by op", "", "ms/run", "share", "GFLOP/s");
        for (uint32_t i = 0; i < n_ops; i++) {
            uint32_t k = order[i];
            char nodes[32];
            snprintf(nodes, sizeof nodes, "%u node%s", count[k], count[k] == 1 ? "" : "s");
            char b[64];
            row(f, cut(e->nodes[first[k]].op, 46, b), nodes, (double)ns[k], total, flops[k], runs);
        }
    }
    free(ns);
    free(flops);
    free(first);
    free(count);
    free(order);
}

void onnxc_profile_print(const onnxc_ctx *c, FILE *f)
{
    if (!c || !f)
        return;
    if (!c->prof_ns) {
        fprintf(f, "onnxc: no profile (set ONNXC_PROFILE=1 before onnxc_create)\n");
        return;
    }
    const onnxc_entry *e = c->e;
    fprintf(f, "onnxc profile: model '%s', ", onnxc_rt_q(c->m->name));
    if (c->m->n_entries > 1)
        fprintf(f, "entry %u of %u, ", (unsigned)(e - c->m->entries), c->m->n_entries);
    fprintf(f, "%u nodes, %llu runs, %d threads\n", e->n_nodes, (unsigned long long)c->prof_runs,
            onnxc_threads(c));
    if (!c->prof_runs)
        return;
    double runs = (double)c->prof_runs, total = 0, flops = 0;
    uint32_t *order = malloc((e->n_nodes + 1) * sizeof *order);
    if (!order)
        return;
    for (uint32_t i = 0; i < e->n_nodes; i++) {
        total += (double)c->prof_ns[i];
        flops += e->nodes[i].flops;
    }
    sort_by_time(c->prof_ns, order, e->n_nodes);
    fprintf(f, "%-4s %-41s %-20s %9s %7s %9s\n", "#", "node", "op", "ms/run", "share", "GFLOP/s");
    for (uint32_t r = 0; r < e->n_nodes; r++) {
        const onnxc_node_desc *n = &e->nodes[order[r]];
        char label[96], b1[64], b2[64];
        snprintf(label, sizeof label, "%-4u %s", order[r], cut(n->name, 41, b1));
        row(f, label, cut(n->op, 20, b2), (double)c->prof_ns[order[r]], total, n->flops, runs);
    }
    row(f, "total", "", total, total, flops, runs);
    fprintf(f, "%-46s %-20s %9.3f\n", "run (wall, with runtime overhead)", "",
            (double)c->prof_run_ns / runs / 1e6);
    print_by_op(c, f, total, runs);
    free(order);
}
