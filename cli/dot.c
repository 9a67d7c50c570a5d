/* dot.c - Graphviz output of a graph (`onnxc inspect --format=dot`).
 *
 * Nodes are boxes labelled with their op and output shape; constants (and
 * Constant nodes) are not drawn: they would triple the picture. Edges carry
 * a shape only where the node's label does not already show it (graph
 * inputs, outputs after the first), which also keeps Graphviz fast on
 * graphs of thousands of nodes.
 * Nodes are clustered by where they sit in the model, read from the
 * exporter's hierarchical node names (PyTorch writes the module path, e.g.
 * /backbone/backbone.0/body/layer2/layer2.0/conv1/Conv or
 * /transformer/encoder/layers.3/self_attn/MatMul; fused nodes keep the name
 * of the node they were anchored at). Every name prefix of at most `depth`
 * components is a cluster nested in its parent's, so a ResNet stage holds
 * its blocks and a transformer layer its attention and norms. A cluster of
 * one node is dissolved into its parent, and a chain of clusters with no
 * nodes of their own (backbone > backbone.0 > body) becomes one cluster
 * labelled with the joined path; that keeps DETR's graph readable at any
 * size. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *comp; /* this level's name component (not NUL-terminated) */
    uint32_t len;
    int32_t parent, first_child, next_sibling, last_child;
    uint32_t n_direct, n_total; /* nodes in it directly, and with its descendants */
} cluster;

typedef struct {
    cluster *c;
    uint32_t n;
    int32_t *of_node; /* deepest cluster of each graph node (0: the root) */
} cluster_tree;

static int32_t child_cluster(cluster_tree *t, int32_t parent, const char *comp, uint32_t len)
{
    for (int32_t k = t->c[parent].first_child; k >= 0; k = t->c[k].next_sibling)
        if (t->c[k].len == len && !memcmp(t->c[k].comp, comp, len))
            return k;
    int32_t k = (int32_t)t->n++;
    t->c[k] = (cluster){comp, len, parent, -1, -1, -1, 0, 0};
    if (t->c[parent].last_child >= 0)
        t->c[t->c[parent].last_child].next_sibling = k;
    else
        t->c[parent].first_child = k;
    t->c[parent].last_child = k;
    return k;
}

/* Places each node in the cluster of its name's first `depth` components
 * (the last component, the node's own name, never counts). */
static bool cluster_build(const ir_graph *g, int depth, cluster_tree *t)
{
    size_t cap = 1;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        cap += (size_t)depth < strlen(g->nodes[i].name) ? (size_t)depth : strlen(g->nodes[i].name);
    t->c = calloc(cap, sizeof *t->c);
    t->of_node = calloc(g->n_nodes + 1, sizeof *t->of_node);
    if (!t->c || !t->of_node)
        return false;
    t->c[0] = (cluster){"", 0, -1, -1, -1, -1, 0, 0};
    t->n = 1;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const char *p = g->nodes[i].name;
        t->of_node[i] = -1;
        if (g->nodes[i].op == IR_OP_CONSTANT)
            continue;
        int32_t at = 0;
        for (int d = 0; d < depth; d++) {
            while (*p == '/')
                p++;
            const char *e = strchr(p, '/');
            if (!e) /* the rest is the node's own name */
                break;
            at = child_cluster(t, at, p, (uint32_t)(e - p < 200 ? e - p : 200));
            p = e;
        }
        t->of_node[i] = at;
        t->c[at].n_direct++;
        for (int32_t k = at; k >= 0; k = t->c[k].parent)
            t->c[k].n_total++;
    }
    return true;
}

static void dot_escape(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

static void write_node(FILE *f, const ir_graph *g, uint32_t i, const char *indent)
{
    const ir_node *n = &g->nodes[i];
    char shape[256] = "";
    if (n->n_outputs && n->outputs[0] >= 0)
        ir_shape_format(&g->values[n->outputs[0]].shape, shape, sizeof shape);
    bool fused = !strcmp(n->domain, "onnxc");
    fprintf(f, "%sn%u [label=\"%s\\n%s\", tooltip=\"", indent, i, n->op_type, shape);
    dot_escape(f, n->name);
    fprintf(f, "\"%s];\n", fused ? ", style=filled, fillcolor=\"#ffd27f\"" : "");
}

typedef struct {
    const ir_graph *g;
    const cluster_tree *t;
    FILE *f;
    uint32_t n_open;
} dot_ctx;

/* Writes cluster k's nodes and sub-clusters; prefix is the path of merged
 * ancestors not yet shown in a label. */
static void write_cluster(dot_ctx *x, int32_t k, const char *prefix, int indent)
{
    const cluster *c = &x->t->c[k];
    char path[1024];
    snprintf(path, sizeof path, "%s%s%.*s", prefix, *prefix && k ? "/" : "", (int)c->len, c->comp);
    bool open = k > 0 && c->n_total > 1 && !(c->n_direct == 0 && c->first_child >= 0 &&
                                             x->t->c[c->first_child].next_sibling < 0);
    if (open) {
        fprintf(x->f, "%*ssubgraph cluster_%u {\n%*slabel=\"", indent, "", x->n_open++, indent + 2, "");
        dot_escape(x->f, path);
        fprintf(x->f, "\"; style=rounded; color=\"#888888\"; fontname=\"Helvetica\"; fontsize=11;\n");
        indent += 2;
    }
    char ind[64];
    snprintf(ind, sizeof ind, "%*s", indent < 60 ? indent : 60, "");
    for (uint32_t i = 0; c->n_direct && i < x->g->n_nodes; i++)
        if (x->t->of_node[i] == k)
            write_node(x->f, x->g, i, ind);
    /* a dissolved cluster passes its path on only when it merges a chain */
    const char *pass = open ? "" : c->n_total > 1 ? path : prefix;
    for (int32_t ch = c->first_child; ch >= 0; ch = x->t->c[ch].next_sibling)
        write_cluster(x, ch, pass, indent);
    if (open)
        fprintf(x->f, "%*s}\n", indent - 2, "");
}

static void write_edges(const ir_graph *g, FILE *f)
{
    for (uint32_t k = 0; k < g->n_inputs; k++) {
        fprintf(f, "  v%d [shape=ellipse, label=\"", g->inputs[k]);
        dot_escape(f, g->values[g->inputs[k]].name);
        fprintf(f, "\"];\n");
    }
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        fprintf(f, "  o%u [shape=ellipse, label=\"", k);
        dot_escape(f, g->values[g->outputs[k]].name);
        fprintf(f, "\"];\n");
        int32_t p = g->values[g->outputs[k]].producer;
        if (p >= 0 && g->nodes[p].op != IR_OP_CONSTANT)
            fprintf(f, "  n%d -> o%u;\n", p, k);
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (uint32_t k = 0; n->op != IR_OP_CONSTANT && k < n->n_inputs; k++) {
            int32_t v = n->inputs[k], p = v >= 0 ? g->values[v].producer : -1;
            if (v < 0 || (g->values[v].flags & IR_VALUE_CONST) || (p >= 0 && g->nodes[p].op == IR_OP_CONSTANT))
                continue;
            char shape[256] = "";
            if (p < 0 || g->nodes[p].outputs[0] != v)
                ir_shape_format(&g->values[v].shape, shape, sizeof shape);
            if (p >= 0)
                fprintf(f, "  n%d -> n%u", p, i);
            else
                fprintf(f, "  v%d -> n%u", v, i);
            if (*shape)
                fprintf(f, " [label=\"%s\"]", shape);
            fputs(";\n", f);
        }
    }
}

ir_status dot_write(const ir_graph *g, int depth, FILE *f, ir_diag *d)
{
    cluster_tree t = {0};
    if (!cluster_build(g, depth, &t)) {
        free(t.c);
        free(t.of_node);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory writing the graph");
    }
    fprintf(f, "digraph onnxc {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
               "  edge [fontname=\"Helvetica\", fontsize=8];\n");
    dot_ctx x = {g, &t, f, 0};
    write_cluster(&x, 0, "", 2);
    write_edges(g, f);
    fprintf(f, "}\n");
    free(t.c);
    free(t.of_node);
    return IR_OK;
}
