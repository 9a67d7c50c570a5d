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

static void inspect_help(void)
{
    puts("usage: onnxc inspect MODEL [options]\n"
         "\n"
         "Describes an ONNX model: ir_version, producer, opsets, inputs and outputs with\n"
         "dtype and shape (symbolic dims by name), node count, op histogram (most frequent\n"
         "first), initializer count, parameter count and bytes.\n"
         "\n"
         "  --json                 print the same as one JSON object\n"
         "  --ir                   print the whole graph in onnxc's text IR\n"
         "  --input-shape NAME:DIMS  bind an input's dims, e.g. inputs:1x3x800x1066\n"
         "                         (repeatable; unknown dims take these sizes)\n"
         "  -h, --help             show this help\n"
         "\n"
         "Exit status: 0 success, 1 bad model, 2 bad usage.");
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
    fprintf(f, "}, \"initializer_count\": %llu, \"parameter_count\": %llu, \"parameter_bytes\": %llu}\n",
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

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"ir", no_argument, 0, 'i'},
                                         {"input-shape", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    bool json = false, ir = false;
    const char *shapes[64];
    int n_shapes = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'i': ir = true; break;
        case 's':
            if (n_shapes == 64)
                return cli_usage_error("inspect", "too many --input-shape options");
            shapes[n_shapes++] = optarg;
            break;
        case 'h': inspect_help(); return EXIT_OK;
        default:
            return cli_usage_error("inspect", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("inspect", optind >= argc ? "missing MODEL" : "expected one MODEL");
    ir_diag d = {0};
    ir_graph *g = cli_load(argv[optind], &d);
    if (!g)
        return cli_fail(&d);
    for (int i = 0; i < n_shapes; i++)
        if (cli_bind_shape(g, shapes[i], &d)) {
            ir_graph_free(g);
            return cli_fail(&d);
        }
    if (ir)
        ir_print(g, stdout, IR_PRINT_CONST_DATA);
    else if (json)
        print_json(stdout, g);
    else
        print_text(stdout, g);
    ir_graph_free(g);
    return fflush(stdout) ? EXIT_BAD : EXIT_OK;
}
