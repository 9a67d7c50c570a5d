/* inspect.c - `onnxc inspect`: what is in a model.
 *
 * Prints the model's metadata, inputs and outputs (symbolic dims by name),
 * node count, op histogram and weight totals, as text for people or as one
 * JSON object for scripts (the keys are a stable interface, tested against
 * the onnx Python package's own counts). --ir prints the whole graph in the
 * text IR. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codegen.h"
#include "kernels.h"
#include "passes.h"

static void inspect_help(void)
{
    fputs("usage: onnxc inspect MODEL [options]\n"
         "\n"
         "Describes an ONNX model: ir_version, producer, opsets, inputs and outputs with\n"
         "dtype and shape (symbolic dims by name), node count, op histogram (most frequent\n"
         "first), initializer count, parameter count and bytes.\n"
         "\n"
         "  --json                   print the same as one JSON object\n"
         "  --ir                     print the whole graph in onnxc's text IR\n"
         "  --input-shape NAME:DIMS  bind an input's dims, e.g. inputs:1x3x800x1066\n"
         "                           (repeatable; unknown dims take these sizes)\n"
         "  -O, --optimize           run the optimizer first; report what it fused and what\n"
         "                           it declined, and why (with --json: key \"fusions\")\n"
         "      --outputs A,B        keep only these outputs (prunes what feeds only others)\n"
         "      --no-fuse            optimize without the fusion passes\n"
         "      --print-after=PASS   print the text IR after PASS (or 'all'), with a summary\n"
         "                           line per pass: nodes before -> after\n"
         "      --kernels            lower as `onnxc compile` would for this CPU (implies -O):\n"
         "                           per node the kernel, precision, tasks, flops, the\n"
         "                           product (M x N x K) with its register and cache tiles,\n"
         "                           and why (e.g. Winograd's estimated cost vs direct)\n"
         "      --precision P        with --kernels: fp32 (default) or bf16\n"
         "      --keep-fp32 A,B      with --precision bf16: as in onnxc compile (those nodes fp32)\n"
         "      --memory             print the memory plan: value, bytes, offset, first and\n"
         "                           last use, arena size, sum of intermediates, lower bound\n"
         "      --format=FMT         text (default), json, ir, onnx, dot or svg; onnx and dot\n"
         "                           write the (optimized) graph to -o FILE, svg (with\n"
         "                           --memory) a picture of the memory plan\n"
         "      --cluster-depth N    dot: nest clusters by the first N components of the\n"
         "                           node names, e.g. /transformer/encoder/layers.3 (default\n"
         "                           5; 0: no clusters)\n"
         "  -o, --output FILE        where --format=onnx|dot|svg writes\n"
         "  -h, --help               show this help\n"
         "\n"
         "Passes, in order:", stdout);
    int col = 17; /* wrapped at 79 columns */
    for (const char *const *p = passes_names(); *p; p++) {
        int n = (int)strlen(*p);
        col = col + 1 + n > 79 ? (putchar('\n'), n) : (putchar(' '), col + 1 + n);
        fputs(*p, stdout);
    }
    puts("\nExit status: 0 success, 1 bad model, 2 bad usage.");
}

static void json_shape(FILE *f, const ir_shape *s)
{
    if (s->rank < 0) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (int32_t i = 0; i < s->rank; i++) {
        if (i)
            fputs(", ", f);
        if (s->dims[i] >= 0)
            fprintf(f, "%lld", (long long)s->dims[i]);
        else if (s->sym[i])
            json_string(f, s->sym[i]);
        else
            fputs("null", f);
    }
    fputc(']', f);
}

static void json_values(FILE *f, const ir_graph *g, const int32_t *vals, uint32_t n)
{
    fputc('[', f);
    for (uint32_t i = 0; i < n; i++) {
        const ir_value *v = &g->values[vals[i]];
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, v->name);
        fprintf(f, ", \"dtype\": \"%s\", \"shape\": ", ir_dtype_name(v->dtype));
        json_shape(f, &v->shape);
        fputc('}', f);
    }
    fputc(']', f);
}

static void print_json(FILE *f, ir_graph *g)
{
    ir_op_count *h;
    uint32_t nh = ir_op_histogram(g, &h);
    uint64_t count, elems, bytes;
    ir_param_stats(g, &count, &elems, &bytes);
    fprintf(f, "{\"ir_version\": %lld, \"producer\": ", (long long)g->ir_version);
    json_string(f, g->producer_name);
    fputs(", \"producer_version\": ", f);
    json_string(f, g->producer_version);
    fputs(", \"opsets\": {", f);
    for (uint32_t i = 0; i < g->n_opsets; i++) {
        fputs(i ? ", " : "", f);
        json_string(f, g->opsets[i].domain);
        fprintf(f, ": %lld", (long long)g->opsets[i].version);
    }
    fputs("}, \"inputs\": ", f);
    json_values(f, g, g->inputs, g->n_inputs);
    fputs(", \"outputs\": ", f);
    json_values(f, g, g->outputs, g->n_outputs);
    fprintf(f, ", \"node_count\": %u, \"op_histogram\": {", g->n_nodes);
    for (uint32_t i = 0; i < nh; i++) {
        fputs(i ? ", " : "", f);
        json_string(f, h[i].op_type);
        fprintf(f, ": %u", h[i].count);
    }
    fprintf(f, "}, \"initializer_count\": %llu, \"parameter_count\": %llu, \"parameter_bytes\": %llu",
            (unsigned long long)count, (unsigned long long)elems, (unsigned long long)bytes);
}

static void print_values(FILE *f, const char *title, const ir_graph *g, const int32_t *vals,
                         uint32_t n)
{
    fprintf(f, "%s (%u):\n", title, n);
    for (uint32_t i = 0; i < n; i++) {
        const ir_value *v = &g->values[vals[i]];
        char shape[512];
        ir_shape_format(&v->shape, shape, sizeof shape);
        fprintf(f, "  %-24s %s%s\n", ir_q(v->name), ir_dtype_name(v->dtype), shape);
    }
}

static void print_text(FILE *f, ir_graph *g)
{
    ir_op_count *h;
    uint32_t nh = ir_op_histogram(g, &h);
    uint64_t count, elems, bytes;
    ir_param_stats(g, &count, &elems, &bytes);
    fprintf(f, "ir_version:   %lld\n", (long long)g->ir_version);
    fprintf(f, "producer:     %s %s\n", ir_q(g->producer_name), ir_q(g->producer_version));
    fputs("opsets:      ", f);
    for (uint32_t i = 0; i < g->n_opsets; i++)
        fprintf(f, " %s %lld", *g->opsets[i].domain ? ir_q(g->opsets[i].domain) : "ai.onnx",
                (long long)g->opsets[i].version);
    fputc('\n', f);
    print_values(f, "inputs", g, g->inputs, g->n_inputs);
    print_values(f, "outputs", g, g->outputs, g->n_outputs);
    fprintf(f, "nodes:        %u\n", g->n_nodes);
    fprintf(f, "initializers: %llu (%llu parameters, %.1f MB)\n", (unsigned long long)count,
            (unsigned long long)elems, (double)bytes / 1e6);
    fprintf(f, "op histogram (%u ops):\n", nh);
    for (uint32_t i = 0; i < nh; i++)
        fprintf(f, "  %-20s %6u\n", h[i].op_type, h[i].count);
}

typedef enum { FMT_TEXT, FMT_JSON, FMT_IR, FMT_ONNX, FMT_DOT, FMT_SVG } out_format;

typedef struct {
    out_format format;
    bool optimize, memory, fuse, kernels, bf16, precision_set;
    const char *model, *print_after, *out_file, *outputs, *keep_fp32;
    const char *shapes[64];
    int n_shapes, cluster_depth;
} inspect_opts;


static void json_report(FILE *f, const pass_report *r)
{
    fputs(", \"fusions\": {", f);
    for (int k = 0; k < FUSE_KIND_COUNT; k++) {
        fprintf(f, "%s\"%s\": {\"matched\": %u, \"declined\": [", k ? ", " : "", fuse_kind_name((fuse_kind)k),
                r->matched[k]);
        bool first = true;
        for (uint32_t i = 0; i < r->n_declined; i++) {
            if (r->declined[i].kind != (fuse_kind)k)
                continue;
            fputs(first ? "{\"node\": " : ", {\"node\": ", f);
            json_string(f, r->declined[i].node);
            fputs(", \"reason\": ", f);
            json_string(f, r->declined[i].reason);
            fputc('}', f);
            first = false;
        }
        fputs("]}", f);
    }
    fputs("}, \"passes\": [", f);
    for (uint32_t i = 0; i < r->n_steps; i++)
        fprintf(f, "%s{\"pass\": \"%s\", \"nodes_before\": %u, \"nodes_after\": %u, \"ms\": %.2f}", i ? ", " : "",
                r->steps[i].pass, r->steps[i].nodes_before, r->steps[i].nodes_after, r->steps[i].ms);
    fputc(']', f);
}

static void json_memory(FILE *f, const ir_graph *g, const mem_plan *p)
{
    fprintf(f, ", \"memory\": {\"arena_bytes\": %llu, \"total_bytes\": %llu, \"lower_bound\": %llu, \"values\": [",
            (unsigned long long)p->arena_bytes, (unsigned long long)p->total_bytes,
            (unsigned long long)p->lower_bound);
    for (uint32_t i = 0; i < p->n_slots; i++) {
        const mem_slot *s = &p->slots[i];
        fputs(i ? ", {\"value\": " : "{\"value\": ", f);
        json_string(f, g->values[s->value].name);
        fprintf(f, ", \"bytes\": %llu, \"offset\": %llu, \"first\": %d, \"last\": %d", (unsigned long long)s->bytes,
                (unsigned long long)s->offset, s->first, s->last);
        if (s->inplace_of >= 0) {
            fputs(", \"inplace_of\": ", f);
            json_string(f, g->values[s->inplace_of].name);
        }
        fputc('}', f);
    }
    fputs("]}", f);
}

static void text_report(FILE *f, const pass_report *r)
{
    fputs("passes:\n", f);
    for (uint32_t i = 0; i < r->n_steps; i++)
        fprintf(f, "  %-16s %5u -> %5u nodes  %8.1f ms\n", r->steps[i].pass, r->steps[i].nodes_before,
                r->steps[i].nodes_after, r->steps[i].ms);
    fputs("fusions:\n", f);
    for (int k = 0; k < FUSE_KIND_COUNT; k++) {
        uint32_t nd = 0;
        for (uint32_t i = 0; i < r->n_declined; i++)
            nd += r->declined[i].kind == (fuse_kind)k;
        fprintf(f, "  %-14s %4u fused, %u declined\n", fuse_kind_name((fuse_kind)k), r->matched[k], nd);
        for (uint32_t i = 0; i < r->n_declined; i++)
            if (r->declined[i].kind == (fuse_kind)k)
                fprintf(f, "      declined at %s: %s\n", r->declined[i].node, r->declined[i].reason);
    }
}

static void text_memory(FILE *f, const ir_graph *g, const mem_plan *p)
{
    fprintf(f, "memory plan (%u intermediates):\n  %-48s %12s %12s %6s %6s\n", p->n_slots, "value", "bytes", "offset",
            "first", "last");
    for (uint32_t i = 0; i < p->n_slots; i++) {
        const mem_slot *s = &p->slots[i];
        fprintf(f, "  %-48.48s %12llu %12llu %6d %6d%s\n", ir_q(g->values[s->value].name),
                (unsigned long long)s->bytes, (unsigned long long)s->offset, s->first, s->last,
                s->inplace_of >= 0 ? "  (in place)" : "");
    }
    fprintf(f, "arena:        %llu bytes (%.1f MB)\n", (unsigned long long)p->arena_bytes, (double)p->arena_bytes / 1e6);
    fprintf(f, "sum of intermediates: %llu bytes (%.1f MB)\n", (unsigned long long)p->total_bytes,
            (double)p->total_bytes / 1e6);
    fprintf(f, "lower bound:  %llu bytes (%.1f MB); arena / lower bound = %.3f\n", (unsigned long long)p->lower_bound,
            (double)p->lower_bound / 1e6, p->lower_bound ? (double)p->arena_bytes / (double)p->lower_bound : 1.0);
}

static ir_status write_file(const ir_graph *g, const inspect_opts *o, const mem_plan *p, ir_diag *d)
{
    if (o->format == FMT_ONNX)
        return onnx_save_file(g, o->out_file, d);
    FILE *f = fopen(o->out_file, "w");
    if (!f)
        return ir_fail(d, IR_ERR_IO, "%s: cannot write", ir_q(o->out_file));
    ir_status st = IR_OK;
    if (o->format == FMT_SVG)
        svg_memory_write(g, p, o->model, f);
    else
        st = dot_write(g, o->cluster_depth, f, d);
    if (fclose(f) && !st)
        st = ir_fail(d, IR_ERR_IO, "%s: cannot write", ir_q(o->out_file));
    return st;
}

/* What every node lowers to (--kernels), tiled as `onnxc compile` tiles it
 * (for 2 threads), as text lines or the JSON value of key "kernels". */
static ir_status kernels(const ir_graph *g, const inspect_opts *o, bool json, ir_diag *d)
{
    cg_kernel_report r;
    cg_precision prec = o->bf16 ? CG_BF16 : CG_FP32;
    ir_status st = cg_describe_kernels(g, 2, 0, prec, o->keep_fp32, &r, d);
    if (st)
        return st;
    static const char *const kinds[] = {"conv", "wino", "gemm", "gemm_multi", "attn"};
    double total = 0, by[5] = {0}, products = 0;
    for (uint32_t i = 0; i < r.n; i++) {
        total += r.rows[i].flops;
        products += r.rows[i].product_flops;
        for (int k = 0; k < 5; k++)
            by[k] += strcmp(r.rows[i].kernel, kinds[k]) ? 0 : r.rows[i].flops;
    }
    if (json)
        printf(", \"kernels\": {\"vector_bits\": %d, \"threads\": %d, \"precision\": \"%s\", \"flops\": %.0f, "
               "\"product_flops\": %.0f, \"prepared_bytes\": %llu, \"nodes\": [",
               r.vec_bits, r.threads, o->bf16 ? "bf16" : "fp32", total, products,
               (unsigned long long)r.prepared_bytes);
    else
        printf("\nkernels (%d-bit vectors, tiled for %d threads, %s):\n  %-4s %-44s %-11s %-5s %8s %10s  %s\n",
               r.vec_bits, r.threads, o->bf16 ? "bf16" : "fp32", "#", "node", "kernel", "prec", "tasks", "MFLOP",
               "product and tiles");
    for (uint32_t i = 0; i < r.n; i++) {
        const cg_kernel_row *w = &r.rows[i];
        const char *name = g->nodes[w->node].name;
        if (json) {
            printf("%s{\"node\": ", i ? ", " : "");
            json_string(stdout, name);
            printf(", \"op\": ");
            json_string(stdout, g->nodes[w->node].op_type);
            printf(", \"kernel\": \"%s\", \"precision\": \"%s\", \"tasks\": %lld, \"scratch_bytes\": %llu, "
                   "\"flops\": %.0f",
                   w->kernel, w->precision, (long long)w->tasks, (unsigned long long)w->scratch_bytes, w->flops);
            if (*w->product) {
                printf(", \"product_flops\": %.0f, \"product\": ", w->product_flops);
                json_string(stdout, w->product);
                printf(", \"tiles\": ");
                json_string(stdout, w->tiles);
            }
            if (*w->note) {
                printf(", \"note\": ");
                json_string(stdout, w->note);
            }
            putchar('}');
            continue;
        }
        size_t len = strlen(name);
        printf("  %-4u %s%-*.*s %-11s %-5s %8lld %10.1f", w->node, len > 44 ? "..." : "", len > 44 ? 41 : 44,
               len > 44 ? 41 : 44, len > 44 ? name + len - 41 : name, w->kernel, w->precision, (long long)w->tasks,
               w->flops / 1e6);
        if (*w->product)
            printf("  %s%s%s", w->product, *w->tiles ? ", " : "", w->tiles);
        putchar('\n');
        if (*w->note)
            printf("       %s\n", w->note);
    }
    if (json) {
        printf("]}");
    } else {
        printf("  total %.4g GFLOP:", total / 1e9);
        for (int k = 0; k < 5; k++)
            if (by[k] > 0)
                printf(" %s %.1f%%", kinds[k], 100.0 * by[k] / total);
        printf("\n  products the kernels run: %.4g GFLOP (Winograd's in the transformed domain)", products / 1e9);
        printf("\n  made at load (Winograd weights): %.1f MB\n", (double)r.prepared_bytes / 1e6);
    }
    cg_kernel_report_free(&r);
    return IR_OK;
}

static ir_status report(ir_graph *g, const inspect_opts *o, const pass_report *r, const mem_plan *p, ir_diag *d)
{
    switch (o->format) {
    case FMT_IR: ir_print(g, stdout, IR_PRINT_CONST_DATA); break;
    case FMT_JSON:
        print_json(stdout, g);
        if (o->optimize)
            json_report(stdout, r);
        if (p)
            json_memory(stdout, g, p);
        if (o->kernels) {
            ir_status st = kernels(g, o, true, d);
            if (st)
                return st;
        }
        fputs("}\n", stdout);
        break;
    case FMT_TEXT:
        print_text(stdout, g);
        if (o->optimize)
            text_report(stdout, r);
        if (p)
            text_memory(stdout, g, p);
        if (o->kernels)
            return kernels(g, o, false, d);
        break;
    default: return write_file(g, o, p, d);
    }
    return IR_OK;
}

static const char *const format_names[] = {"text", "json", "ir", "onnx", "dot", "svg"};

static int parse_format(const char *s, out_format *f)
{
    for (int i = 0; i <= FMT_SVG; i++)
        if (!strcmp(s, format_names[i])) {
            *f = (out_format)i;
            return 0;
        }
    return cli_usage_error("inspect", "unknown --format '%s' (text, json, ir, onnx, dot, svg)", ir_q(s));
}

static int parse_inspect_opts(int argc, char **argv, inspect_opts *o)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'},          {"ir", no_argument, 0, 'i'},
        {"input-shape", required_argument, 0, 's'}, {"optimize", no_argument, 0, 'O'},
        {"outputs", required_argument, 0, 'u'}, {"no-fuse", no_argument, 0, 'n'},
        {"print-after", required_argument, 0, 'p'}, {"memory", no_argument, 0, 'm'},
        {"format", required_argument, 0, 'f'},  {"output", required_argument, 0, 'o'},
        {"cluster-depth", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'},
        {"kernels", no_argument, 0, 'k'},       {"precision", required_argument, 0, 'P'},
        {"keep-fp32", required_argument, 0, 'K'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hOo:", opts, NULL)) != -1) {
        switch (c) {
        case 'j': o->format = FMT_JSON; break;
        case 'i': o->format = FMT_IR; break;
        case 'O': o->optimize = true; break;
        case 'n': o->fuse = false; break;
        case 'm': o->memory = true; break;
        case 'k': o->kernels = o->optimize = true; break;
        case 'P':
            if (strcmp(optarg, "fp32") && strcmp(optarg, "bf16"))
                return cli_usage_error("inspect", "--precision expects fp32 or bf16, not '%s'", ir_q(optarg));
            o->bf16 = !strcmp(optarg, "bf16");
            o->precision_set = true;
            break;
        case 'u': o->outputs = optarg; break;
        case 'K': o->keep_fp32 = optarg; break;
        case 'p': o->print_after = optarg; break;
        case 'o': o->out_file = optarg; break;
        case 'c': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 32)
                return cli_usage_error("inspect", "--cluster-depth expects 0 to 32");
            o->cluster_depth = (int)v;
            break;
        }
        case 'f':
            if (parse_format(optarg, &o->format))
                return EXIT_USAGE;
            break;
        case 's':
            if (o->n_shapes == 64)
                return cli_usage_error("inspect", "too many --input-shape options");
            o->shapes[o->n_shapes++] = optarg;
            break;
        case 'h': inspect_help(); return -1;
        default: return cli_usage_error("inspect", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("inspect", optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (o->precision_set && !o->kernels)
        return cli_usage_error("inspect", "--precision goes with --kernels");
    if (cli_check_keep_fp32("inspect", o->keep_fp32, o->bf16))
        return EXIT_USAGE;
    if (o->kernels && o->format != FMT_TEXT && o->format != FMT_JSON)
        return cli_usage_error("inspect", "--kernels prints text or JSON");
    if (o->format >= FMT_ONNX && !o->out_file)
        return cli_usage_error("inspect", "--format=%s needs -o FILE", format_names[o->format]);
    if (o->format == FMT_SVG && !o->memory)
        return cli_usage_error("inspect", "--format=svg draws the memory plan: add --memory");
    o->model = argv[optind];
    if ((o->print_after || o->outputs) && !o->optimize)
        return cli_usage_error("inspect", "--print-after and --outputs need --optimize");
    return 0;
}

/* Splits "a,b,c" into names (pointers into a copy the caller frees). */
static uint32_t split_names(char *list, const char **names, uint32_t max)
{
    uint32_t n = 0;
    for (char *tok = strtok(list, ","); tok && n < max; tok = strtok(NULL, ","))
        names[n++] = tok;
    return n;
}

static ir_status optimize(ir_graph *g, const inspect_opts *o, pass_report *r, ir_diag *d)
{
    pass_options po = pass_options_default();
    char *list = o->outputs ? strdup(o->outputs) : NULL;
    const char *names[256];
    if (list) {
        po.outputs = names;
        po.n_outputs = split_names(list, names, 256);
    }
    po.print_after = o->print_after;
    po.print_to = stdout;
    po.fuse = o->fuse;
    ir_status st = passes_optimize(g, &po, r, d);
    free(list);
    return st;
}

int cmd_inspect(int argc, char **argv)
{
    inspect_opts o = {.format = FMT_TEXT, .fuse = true, .cluster_depth = 5};
    int rc = parse_inspect_opts(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    ir_diag d = {0};
    ir_graph *g = cli_load(argv[optind], &d);
    if (!g)
        return cli_fail(&d);
    pass_report rep;
    pass_report_init(&rep);
    mem_plan plan = {0};
    ir_status st = IR_OK;
    for (int i = 0; !st && i < o.n_shapes; i++)
        st = cli_bind_shape(g, o.shapes[i], &d);
    if (!st && o.optimize)
        st = optimize(g, &o, &rep, &d);
    else if (!st && o.memory)
        st = ir_infer_shapes(g, &d);
    if (!st && o.memory)
        st = plan_memory(g, &plan, &d);
    if (!st)
        st = report(g, &o, &rep, o.memory ? &plan : NULL, &d);
    rc = st ? cli_fail(&d) : (fflush(stdout) ? EXIT_BAD : EXIT_OK);
    mem_plan_free(&plan);
    pass_report_free(&rep);
    ir_graph_free(g);
    return rc;
}
