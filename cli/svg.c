/* svg.c - the memory plan as a picture (`onnxc inspect --memory --format=svg`).
 *
 * One rectangle per planned tensor: x spans its lifetime (producer step to
 * last consumer step), y its bytes in the arena (offset to offset + size,
 * address 0 at the bottom). Colour says which op family produced it, a
 * dashed border that it reuses its input's buffer in place. The grey step
 * line is the bytes live at each step; its maximum is the lower bound any
 * plan needs, drawn dashed beside the arena's top, so the gap between the
 * two lines is what the placement wastes. Hovering a rectangle shows the
 * tensor, its producer, size, offset and lifetime (SVG <title>). The
 * output is plain SVG 1.1: no script, no external resources. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "passes.h"

enum { W = 1240, H = 700, PL = 84, PR = 300, PT = 56, PB = 56 }; /* size, plot margins */
#define PW (W - PL - PR)
#define PH (H - PT - PB)

typedef enum { FAM_CONV, FAM_GEMM, FAM_ATTN, FAM_NORM, FAM_POOL, FAM_ELTWISE, FAM_MOVE, FAM_COUNT } family;

static const struct {
    const char *label, *colour;
} families[FAM_COUNT] = {
    {"convolution", "#0072b2"},        {"MatMul / Gemm / Linear", "#e69f00"},
    {"attention", "#cc79a7"},          {"LayerNorm / BatchNorm / Softmax", "#009e73"},
    {"pooling / reduction", "#d55e00"}, {"elementwise", "#56b4e9"},
    {"data movement, other", "#9a9a9a"},
};

static family op_family(ir_op op)
{
    switch (op) {
    case IR_OP_CONV: case IR_OP_FUSED_CONV: return FAM_CONV;
    case IR_OP_MATMUL: case IR_OP_GEMM: case IR_OP_LINEAR: return FAM_GEMM;
    case IR_OP_ATTENTION: return FAM_ATTN;
    case IR_OP_LAYERNORM: case IR_OP_LAYERNORM_FUSED: case IR_OP_BATCHNORM: case IR_OP_SOFTMAX: return FAM_NORM;
    case IR_OP_MAXPOOL: case IR_OP_AVGPOOL: case IR_OP_GLOBALAVGPOOL: case IR_OP_REDUCEMEAN: case IR_OP_REDUCEMAX:
    case IR_OP_ARGMAX: case IR_OP_CUMSUM: case IR_OP_TOPK: return FAM_POOL;
    default: break;
    }
    return op < IR_OP_COUNT && (ir_op_table[op].flags & IR_OPF_ELTWISE) ? FAM_ELTWISE : FAM_MOVE;
}

/* Writes s as XML character data: markup characters escaped, control
 * characters and bytes that are not UTF-8 replaced by U+FFFD (XML 1.0
 * allows neither), at most max bytes of s. */
static void xml_text(FILE *f, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strnlen(s, max);
    while (p < end) {
        int n = *p < 0x80 ? 1 : cli_utf8_len(p);
        if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else if (*p == '"')
            fputs("&quot;", f);
        else if ((*p < 0x20 && *p != '\t' && *p != '\n') || !n || p + n > end)
            fputs("\xef\xbf\xbd", f);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n ? n : 1;
    }
}

/* A round tick step (1, 2 or 5 times a power of ten) giving about n ticks. */
static double tick_step(double range, int n)
{
    double raw = range > 0 ? range / n : 1, p = pow(10, floor(log10(raw)));
    return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

typedef struct {
    double steps, bytes; /* the axes' ranges */
} scale;

static double sx(const scale *s, double step) { return PL + PW * step / s->steps; }
static double sy(const scale *s, double bytes) { return PT + PH - PH * bytes / s->bytes; }

static void axes(FILE *f, const scale *s)
{
    fprintf(f, "<g font-size=\"11\" fill=\"#333\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#333\"/>\n", PL, PT, PW, PH);
    double ys = tick_step(s->bytes / 1e6, 8), xs = tick_step(s->steps, 10);
    for (double mb = 0; mb * 1e6 <= s->bytes * 1.0001; mb += ys)
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\">%g</text>\n", PL, PL + PW, sy(s, mb * 1e6), sy(s, mb * 1e6), PL - 6,
                sy(s, mb * 1e6) + 4, mb);
    for (double t = 0; t <= s->steps; t += xs)
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/><text x=\"%.1f\" y=\"%d\" "
                   "text-anchor=\"middle\">%g</text>\n", sx(s, t), sx(s, t), PT + PH, PT + PH + 5, sx(s, t),
                PT + PH + 18, t);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">node step (execution order): "
               "lifetime from producer to last consumer</text>\n", PL + PW / 2, H - 16);
    fprintf(f, "<text transform=\"translate(22,%d) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">arena "
               "offset (MB)</text>\n</g>\n", PT + PH / 2);
}

static void tensor_rect(FILE *f, const scale *s, const ir_graph *g, const mem_slot *m)
{
    const ir_value *v = &g->values[m->value];
    const ir_node *n = &g->nodes[v->producer];
    double x0 = sx(s, m->first), x1 = sx(s, m->last + 1), y0 = sy(s, (double)(m->offset + m->bytes));
    double h = sy(s, (double)m->offset) - y0;
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"%s>\n<title>", x0, y0,
            x1 - x0, h < 1 ? 1 : h, families[op_family(n->op)].colour,
            m->inplace_of >= 0 ? " stroke-dasharray=\"3,2\"" : "");
    xml_text(f, v->name, 200);
    fputs("\nproduced by ", f);
    if (*n->name)
        xml_text(f, n->name, 200);
    else
        fprintf(f, "node #%d", v->producer);
    fputs(" (", f);
    xml_text(f, n->op_type, 64);
    fprintf(f, ")\n%llu bytes (%.2f MB) at offset %llu (%.2f MB)\nlives from step %d to step %d",
            (unsigned long long)m->bytes, (double)m->bytes / 1e6, (unsigned long long)m->offset,
            (double)m->offset / 1e6, m->first, m->last);
    if (m->inplace_of >= 0) {
        fputs("\nin place of ", f);
        xml_text(f, g->values[m->inplace_of].name, 200);
    }
    fputs("</title></rect>\n", f);
}

/* The bytes live at each step as a step line (a buffer shared in place
 * counts once). */
static void live_line(FILE *f, const scale *s, const mem_plan *p, uint32_t steps)
{
    double *live = calloc(steps + 1, sizeof *live);
    if (!live)
        return;
    for (uint32_t i = 0; i < p->n_slots; i++) /* in place: its input still counts at its first step */
        for (int32_t t = p->slots[i].first + (p->slots[i].inplace_of >= 0); t <= p->slots[i].last; t++)
            live[t] += (double)p->slots[i].bytes;
    fputs("<polyline fill=\"none\" stroke=\"#222\" stroke-width=\"1\" stroke-opacity=\"0.6\" points=\"", f);
    for (uint32_t t = 0; t < steps; t++)
        fprintf(f, "%.1f,%.1f %.1f,%.1f ", sx(s, t), sy(s, live[t]), sx(s, t + 1), sy(s, live[t]));
    fputs("\"><title>bytes live at each step</title></polyline>\n", f);
    free(live);
}

/* A horizontal level across the plot, labelled at its right end above
 * (dy < 0) or below the line. */
static void level(FILE *f, const scale *s, double bytes, const char *dash, int dy, const char *what)
{
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-width=\"1.5\"%s/>\n"
               "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#c00\" text-anchor=\"end\">%s %.1f MB</text>\n",
            PL, PL + PW, sy(s, bytes), sy(s, bytes), dash, PL + PW - 4, sy(s, bytes) + dy, what, bytes / 1e6);
}

static void legend(FILE *f, const ir_graph *g, const mem_plan *p)
{
    uint32_t count[FAM_COUNT] = {0};
    double bytes[FAM_COUNT] = {0};
    for (uint32_t i = 0; i < p->n_slots; i++) {
        family k = op_family(g->nodes[g->values[p->slots[i].value].producer].op);
        count[k]++;
        bytes[k] += (double)p->slots[i].bytes;
    }
    int y = PT + 40, x = PL + PW + 16;
    fprintf(f, "<g font-size=\"11\" fill=\"#333\">\n<text x=\"%d\" y=\"%d\" font-weight=\"bold\">produced by "
               "(tensors, MB)</text>\n", x, y - 16);
    for (int k = 0; k < FAM_COUNT; k++) {
        if (!count[k])
            continue;
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s "
                   "(%u, %.1f)</text>\n", x, y - 9, families[k].colour, x + 20, y, families[k].label, count[k],
                bytes[k] / 1e6);
        y += 18;
    }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"#fff\" stroke=\"#333\" "
               "stroke-dasharray=\"3,2\"/><text x=\"%d\" y=\"%d\">in place (its input's buffer)</text>\n"
               "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#222\" stroke-opacity=\"0.6\"/>"
               "<text x=\"%d\" y=\"%d\">bytes live at each step</text>\n", x, y - 9, x + 20, y, x, x + 14,
            y + 14, y + 14, x + 20, y + 18);
    fprintf(f, "<text x=\"%d\" y=\"%d\">sum of tensors: %.1f MB</text>\n<text x=\"%d\" y=\"%d\">arena / peak "
               "live = %.3f</text>\n</g>\n", x, y + 44, (double)p->total_bytes / 1e6, x, y + 60,
            p->lower_bound ? (double)p->arena_bytes / (double)p->lower_bound : 1.0);
}

void svg_memory_write(const ir_graph *g, const mem_plan *p, const char *title, FILE *f)
{
    scale s = {g->n_nodes ? g->n_nodes : 1, p->arena_bytes ? (double)p->arena_bytes * 1.04 : 1e6};
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
               "version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, "
               "sans-serif\">\n<title>memory plan of ", W, H, W, H);
    xml_text(f, title, 300);
    fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<text x=\"%d\" y=\"24\" "
               "font-size=\"15\" font-weight=\"bold\">memory plan: ", W, H, PL);
    xml_text(f, title, 120);
    fprintf(f, "</text>\n<text x=\"%d\" y=\"42\" font-size=\"12\" fill=\"#333\">%u tensors in one arena of %.1f MB "
               "over %u node steps; peak live %.1f MB</text>\n", PL, p->n_slots, (double)p->arena_bytes / 1e6,
            g->n_nodes, (double)p->lower_bound / 1e6);
    axes(f, &s);
    fputs("<g stroke=\"#333\" stroke-width=\"0.4\" fill-opacity=\"0.85\">\n", f);
    for (uint32_t i = 0; i < p->n_slots; i++)
        tensor_rect(f, &s, g, &p->slots[i]);
    fputs("</g>\n", f);
    live_line(f, &s, p, g->n_nodes);
    level(f, &s, (double)p->arena_bytes, "", -4, "arena");
    level(f, &s, (double)p->lower_bound, " stroke-dasharray=\"6,3\"", 13, "peak live (lower bound)");
    legend(f, g, p);
    fputs("</svg>\n", f);
}
