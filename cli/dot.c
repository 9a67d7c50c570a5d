/* dot.c - Graphviz output of a graph (`onnxc inspect --format=dot`).
 *
 * Nodes are boxes labelled with their op and output shape; edges carry the
 * tensor's shape; constants are not drawn (they would triple the picture).
 * Nodes are clustered by where they sit in the model, read from the
 * exporter's hierarchical node names: a transformer layer ("layers.3"), a
 * ResNet stage ("layer2"), or else the first two name components. That keeps
 * DETR's graph readable at any size. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Writes the cluster key of a node name into key (empty: no cluster). */
static void cluster_key(const char *name, char *key, size_t n)
{
    key[0] = 0;
    const char *p = name;
    while (*p == '/')
        p++;
    const char *last = strrchr(p, '/');
    if (!last)
        return;
    int comps = 0;
    for (const char *c = p; c < last;) {
        const char *e = strchr(c, '/');
        size_t len = (size_t)(e - c);
        comps++;
        bool layer = (len > 7 && !strncmp(c, "layers.", 7) && isdigit((unsigned char)c[7])) ||
                     (len == 6 && !strncmp(c, "layer", 5) && isdigit((unsigned char)c[5]));
        if (layer || (comps == 2 && !strstr(p, "layer"))) {
            snprintf(key, n, "%.*s", (int)(e - p), p);
            return;
        }
        c = e + 1;
    }
    snprintf(key, n, "%.*s", (int)(last - p), p);
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

void dot_write(const ir_graph *g, FILE *f)
{
    fprintf(f, "digraph onnxc {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
               "  edge [fontname=\"Helvetica\", fontsize=8];\n");
    char (*keys)[256] = calloc(g->n_nodes + 1, sizeof *keys);
    bool *done = calloc(g->n_nodes + 1, 1);
    if (!keys || !done) {
        free(keys);
        free(done);
        return;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        cluster_key(g->nodes[i].name, keys[i], sizeof keys[i]);
    uint32_t nc = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        if (done[i])
            continue;
        bool clustered = keys[i][0] != 0;
        if (clustered) {
            fprintf(f, "  subgraph cluster_%u {\n    label=\"", nc++);
            dot_escape(f, keys[i]);
            fprintf(f, "\"; style=rounded; color=\"#888888\";\n");
        }
        for (uint32_t j = i; j < g->n_nodes; j++)
            if (!done[j] && !strcmp(keys[j], keys[i]) && (clustered || j == i)) {
                write_node(f, g, j, clustered ? "    " : "  ");
                done[j] = true;
            }
        if (clustered)
            fprintf(f, "  }\n");
    }
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
        if (p >= 0)
            fprintf(f, "  n%d -> o%u;\n", p, k);
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const ir_node *n = &g->nodes[i];
        for (uint32_t k = 0; k < n->n_inputs; k++) {
            int32_t v = n->inputs[k];
            if (v < 0 || (g->values[v].flags & IR_VALUE_CONST))
                continue;
            char shape[256];
            ir_shape_format(&g->values[v].shape, shape, sizeof shape);
            if (g->values[v].producer >= 0)
                fprintf(f, "  n%d -> n%u [label=\"%s\"];\n", g->values[v].producer, i, shape);
            else
                fprintf(f, "  v%d -> n%u [label=\"%s\"];\n", v, i, shape);
        }
    }
    fprintf(f, "}\n");
    free(keys);
    free(done);
}
