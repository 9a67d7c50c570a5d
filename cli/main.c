/* main.c - the onnxc command line: subcommand dispatch and the helpers the
 * subcommands share (loading with messages, --input-shape binding, JSON). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codegen.h"

static void usage(FILE *f)
{
    fputs("usage: onnxc <command> [options]\n"
          "\n"
          "commands:\n"
          "  inspect MODEL [--json] [--ir]        describe a model: inputs, outputs, ops, weights\n"
          "  run MODEL --input NAME=FILE ...      execute a model on .npy or .pb inputs\n"
          "  compile MODEL -o OUT [--emit KIND]   compile to a native executable, library or object\n"
          "\n"
          "Run `onnxc <command> --help` for a command's options; `onnxc --list-ops` lists\n"
          "the operators and which engines run them; `onnxc --version` the versions read.\n"
          "Exit status: 0 success, 1 bad model or input, 2 bad usage.\n",
          f);
}

int cli_fail(const ir_diag *d)
{
    fprintf(stderr, "onnxc: %s\n", d->msg);
    return d->status == IR_ERR_USAGE ? EXIT_USAGE : EXIT_BAD;
}

bool cli_parse_precision(const char *s, int *precision)
{
    *precision = !strcmp(s, "bf16");
    return *precision || !strcmp(s, "fp32");
}

int cli_check_keep_fp32(const char *cmd, const char *list, int precision)
{
    if (!list)
        return 0;
    if (!cg_keep_fp32_valid(list))
        return cli_usage_error(cmd, "--keep-fp32 expects comma-separated parts of node names, not '%s'", ir_q(list));
    if (!precision)
        return cli_usage_error(cmd, "--keep-fp32 goes with --precision bf16");
    return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "onnxc %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'onnxc %s --help'.\n", cmd);
    return EXIT_USAGE;
}

ir_graph *cli_load(const char *path, ir_diag *d)
{
    ir_graph *g = NULL;
    if (onnx_load_file(path, NULL, &g, d) != IR_OK) {
        char msg[sizeof d->msg];
        snprintf(msg, sizeof msg, "%s", d->msg);
        /* a message from the loader may already name the file */
        if (strncmp(msg, path, strlen(path)))
            snprintf(d->msg, sizeof d->msg, "%s: %.900s", ir_q(path), msg);
        return NULL;
    }
    return g;
}

static ir_status parse_dims(const char *p, ir_shape *s, ir_diag *d, const char *spec)
{
    s->rank = 0;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9' || s->rank == IR_MAX_RANK)
            return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s': expected NAME:D1xD2x...", ir_q(spec));
        long long v = strtoll(p, &end, 10);
        if (v <= 0 || v > ((long long)1 << 32))
            return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s': bad dimension", ir_q(spec));
        s->dims[s->rank++] = v;
        p = end;
        if (*p == 'x' || *p == 'X' || *p == ',')
            p++;
        else if (*p)
            return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s': expected NAME:D1xD2x...", ir_q(spec));
    }
    return IR_OK;
}

ir_status cli_bind_shape(ir_graph *g, const char *spec, ir_diag *d)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec)
        return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s': expected NAME:D1xD2x...", ir_q(spec));
    ir_shape s;
    ir_status st = parse_dims(colon + 1, &s, d, spec);
    if (st)
        return st;
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        ir_value *v = &g->values[g->inputs[i]];
        if (strlen(v->name) != (size_t)(colon - spec) || strncmp(v->name, spec, (size_t)(colon - spec)))
            continue;
        if (v->shape.rank >= 0 && v->shape.rank != s.rank)
            return ir_fail(d, IR_ERR_USAGE, "--input-shape: input '%s' has rank %d, got %d dims",
                           ir_q(v->name), v->shape.rank, s.rank);
        for (int32_t k = 0; v->shape.rank >= 0 && k < s.rank; k++)
            if (v->shape.dims[k] >= 0 && v->shape.dims[k] != s.dims[k])
                return ir_fail(d, IR_ERR_USAGE, "--input-shape: input '%s' dimension %d is fixed at %lld, got %lld",
                               ir_q(v->name), k, (long long)v->shape.dims[k], (long long)s.dims[k]);
        v->shape = s;
        return IR_OK;
    }
    return ir_fail(d, IR_ERR_USAGE, "--input-shape: the model has no input named '%.*s'",
                   (int)(colon - spec > 96 ? 96 : colon - spec), spec);
}

int cli_utf8_len(const unsigned char *p)
{
    int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (n == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
        (n == 4 && p[0] == 0xf4 && p[1] >= 0x90) || (n == 3 && p[0] == 0xed && p[1] >= 0xa0))
        return 0;
    return n;
}

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
        } else if (*p < 0x80) {
            fputc(*p, f);
        } else {
            int n = cli_utf8_len(p);
            if (n) {
                fwrite(p, 1, (size_t)n, f);
                p += n - 1;
            } else {
                fputs("\\ufffd", f); /* not UTF-8: the replacement character */
            }
        }
    }
    fputc('"', f);
}

/* Every op of ir/ops.def, and whether the compiler lowers it (the
 * reference engine runs them all): the README's op list is this output. */
static void list_ops(void)
{
    printf("%-20s %-8s %-6s %s\n", "op", "domain", "since", "engines");
    for (int op = 0; op < IR_OP_COUNT; op++) {
        const ir_op_info *i = &ir_op_table[op];
        char since[16] = "-";
        if (!(i->flags & IR_OPF_INTERNAL))
            snprintf(since, sizeof since, "%d", (int)i->since);
        printf("%-20s %-8s %-6s %s\n", i->name, *i->domain ? i->domain : "ai.onnx", since,
               cg_op_lowered((ir_op)op) ? "reference, compiled" : "reference");
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("onnxc %s (ONNX IR versions %d-%d, ai.onnx opsets %d-%d)\n", ONNXC_VERSION,
               ONNX_IR_VERSION_MIN, ONNX_IR_VERSION_MAX, ONNX_OPSET_MIN, ONNX_OPSET_MAX);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--list-ops")) {
        list_ops();
        return fflush(stdout) ? EXIT_BAD : EXIT_OK;
    }
    if (!strcmp(cmd, "inspect"))
        return cmd_inspect(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "compile"))
        return cmd_compile(argc - 1, argv + 1);
    fprintf(stderr, "onnxc: unknown command '%s'\n", ir_q(cmd));
    usage(stderr);
    return EXIT_USAGE;
}
