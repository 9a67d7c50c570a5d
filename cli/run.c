/* run.c - `onnxc run`: execute a model on tensors from files.
 *
 * Inputs are .npy or ONNX TensorProto .pb files, bound by name (or
 * positionally when the model has one input). Outputs are written as
 * DIR/NAME.npy (atomically) with a one-line summary each; --compare checks
 * them against reference .npy files with numpy's allclose rule
 * |a - b| <= atol + rtol * |b|; --dump writes every intermediate tensor so a
 * disagreement can be localized node by node (the compiled code's against
 * the reference engine's on the same optimized graph). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "kernels.h"
#include "passes.h"
#include "codegen.h"
#include "onnxc_rt.h"

typedef struct {
    const char *inputs[64];
    int n_inputs;
    const char *shapes[64];
    int n_shapes;
    const char *out_dir, *compare_dir, *dump_dir, *engine, *keep_fp32;
    double rtol, atol;
    bool optimize;
    int precision;
} run_opts;

static void run_help(void)
{
    puts("usage: onnxc run MODEL --input NAME=FILE [...] [options]\n"
         "\n"
         "Executes a model. Inputs are .npy (numpy) or .pb (ONNX TensorProto) files.\n"
         "\n"
         "  -i, --input NAME=FILE    bind a graph input (FILE alone if the model has one input)\n"
         "  -o, --output-dir DIR     write each output as DIR/NAME.npy (created if needed)\n"
         "      --compare DIR        compare outputs with DIR/NAME.npy; exit 1 past tolerance\n"
         "      --rtol X, --atol X   comparison tolerances (default 1e-3, 1e-4)\n"
         "      --engine jit|ref     jit: optimize and compile with LLVM in memory (default);\n"
         "                           ref: the reference engine (scalar kernels, the oracle)\n"
         "      --precision fp32|bf16  jit: the arithmetic of the convolutions and products (see\n"
         "                           onnxc compile --help)\n"
         "      --keep-fp32 A,B      jit, bf16: nodes whose names contain A or B stay fp32\n"
         "  -O, --optimize           run the optimizer (at the inputs' shapes) before executing\n"
         "      --input-shape NAME:DIMS  check/bind an input's shape, e.g. inputs:1x3x800x1066\n"
         "      --dump DIR           write every intermediate value as DIR/<value>.npy (with\n"
         "                           the JIT: every value of the optimized graph; compare\n"
         "                           with --engine ref -O --dump)\n"
         "  -h, --help               show this help\n"
         "\n"
         "Exit status: 0 success, 1 bad model/input or failed comparison, 2 bad usage.");
}

/* Maps a tensor name to a safe file name component. */
static void file_name(const char *name, char *out, size_t n, int32_t uniq)
{
    size_t o = 0;
    bool changed = !*name || !strcmp(name, ".") || !strcmp(name, "..");
    for (const char *p = name; *p && o + 1 < n && o < 150; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        out[o++] = ok ? c : '_';
        changed |= !ok;
    }
    changed |= strlen(name) > 150;
    out[o] = 0;
    if (changed && uniq >= 0)
        snprintf(out + o, n - o, "~%d", (int)uniq);
}

static ir_status load_tensor(const char *path, ir_tensor **t, ir_diag *d)
{
    size_t l = strlen(path);
    if (l > 3 && !strcmp(path + l - 3, ".pb"))
        return onnx_read_tensor_pb(path, t, NULL, d);
    return npy_read(path, t, d);
}

static ir_status bind_inputs(const ir_graph *g, const run_opts *o, ir_tensor **in, ir_diag *d)
{
    for (int i = 0; i < o->n_inputs; i++) {
        const char *spec = o->inputs[i], *eq = strchr(spec, '=');
        int32_t slot = -1;
        if (!eq && g->n_inputs == 1 && o->n_inputs == 1) {
            slot = 0;
            eq = spec - 1;
        }
        for (uint32_t k = 0; eq && slot < 0 && k < g->n_inputs; k++) {
            const char *nm = g->values[g->inputs[k]].name;
            if (strlen(nm) == (size_t)(eq - spec) && !strncmp(nm, spec, (size_t)(eq - spec)))
                slot = (int32_t)k;
        }
        if (slot < 0 || in[slot])
            return ir_fail(d, IR_ERR_USAGE, "--input '%s': %s", ir_q(spec),
                           !eq ? "expected NAME=FILE"
                           : slot < 0 ? "the model has no input of that name"
                                      : "that input is given twice");
        ir_status st = load_tensor(eq + 1, &in[slot], d);
        if (st)
            return st;
        /* every engine reads the data as the graph's type (the jit engine
         * unchecked: an int8 file for a float input would be overread) */
        const ir_value *v = &g->values[g->inputs[slot]];
        if (v->dtype != IR_UNDEF && in[slot]->dtype != v->dtype)
            return ir_fail(d, IR_ERR_USAGE, "input '%s' is %s, expected %s", ir_q(v->name),
                           ir_dtype_name(in[slot]->dtype), ir_dtype_name(v->dtype));
    }
    for (uint32_t k = 0; k < g->n_inputs; k++)
        if (!in[k])
            return ir_fail(d, IR_ERR_USAGE, "input '%s' is not given (--input %s=FILE)",
                           ir_q(g->values[g->inputs[k]].name), ir_q(g->values[g->inputs[k]].name));
    return IR_OK;
}

static void print_summary(const char *name, const ir_tensor *t)
{
    char shape[256];
    ir_shape_format(&t->shape, shape, sizeof shape);
    int64_t n = ir_tensor_numel(t);
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = ir_tensor_get_f64(t, i);
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
    }
    if (n)
        printf("%-20s %s%s min %.6g max %.6g mean %.6g\n", ir_q(name), ir_dtype_name(t->dtype), shape,
               mn, mx, sum / (double)n);
    else
        printf("%-20s %s%s (empty)\n", ir_q(name), ir_dtype_name(t->dtype), shape);
}

/* Compares t with DIR/NAME.npy; prints one line; returns false past tolerance. */
static bool compare_one(const run_opts *o, const char *name, const ir_tensor *t)
{
    char fn[256], path[4400];
    file_name(name, fn, sizeof fn, -1);
    snprintf(path, sizeof path, "%s/%s.npy", o->compare_dir, fn);
    ir_tensor *ref = NULL;
    ir_diag d = {0};
    if (npy_read(path, &ref, &d)) {
        printf("compare %-20s FAIL: %s\n", ir_q(name), d.msg);
        return false;
    }
    bool ok = ir_shape_equal(&ref->shape, &t->shape);
    double max_abs = 0, max_rel = 0;
    int64_t n = ir_tensor_numel(t), bad = 0;
    for (int64_t i = 0; ok && i < n; i++) {
        double a = ir_tensor_get_f64(t, i), b = ir_tensor_get_f64(ref, i);
        if (isnan(a) && isnan(b))
            continue;
        double e = fabs(a - b);
        if (isnan(e) || (isinf(a) && a != b))
            e = INFINITY;
        else if (isinf(a))
            e = 0;
        max_abs = e > max_abs ? e : max_abs;
        if (b != 0 && e / fabs(b) > max_rel)
            max_rel = e / fabs(b);
        bad += !(e <= o->atol + o->rtol * fabs(b));
    }
    if (!ir_shape_equal(&ref->shape, &t->shape)) {
        char a[256], b[256];
        ir_shape_format(&t->shape, a, sizeof a);
        ir_shape_format(&ref->shape, b, sizeof b);
        printf("compare %-20s FAIL: shape %s, reference %s\n", ir_q(name), a, b);
    } else {
        printf("compare %-20s max abs %.3g, max rel %.3g, %lld of %lld beyond rtol %g atol %g: %s\n",
               ir_q(name), max_abs, max_rel, (long long)bad, (long long)n, o->rtol, o->atol,
               bad ? "FAIL" : "ok");
    }
    ir_tensor_release(ref);
    return ok && !bad;
}

static void dump_value(void *ctx, const ir_graph *g, int32_t v, const ir_tensor *t)
{
    char fn[256], path[4400];
    ir_diag d;
    file_name(g->values[v].name, fn, sizeof fn, v);
    snprintf(path, sizeof path, "%s/%s.npy", (const char *)ctx, fn);
    if (npy_write(path, t, &d))
        fprintf(stderr, "onnxc: --dump: %s\n", d.msg);
}

static bool make_dir(const char *dir, ir_diag *d)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c == '/' || !c) {
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST) {
                ir_fail(d, IR_ERR_IO, "cannot create directory %s: %s", ir_q(buf), strerror(errno));
                return false;
            }
            *p = c;
        }
        if (!c)
            return true;
    }
}

static int parse_run_opts(int argc, char **argv, run_opts *o)
{
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'},   {"output-dir", required_argument, 0, 'o'},
        {"compare", required_argument, 0, 'c'}, {"rtol", required_argument, 0, 'r'},
        {"atol", required_argument, 0, 'a'},    {"engine", required_argument, 0, 'e'},
        {"input-shape", required_argument, 0, 's'}, {"dump", required_argument, 0, 'D'},
        {"optimize", no_argument, 0, 'O'},      {"help", no_argument, 0, 'h'},
        {"precision", required_argument, 0, 'p'}, {"keep-fp32", required_argument, 0, 'k'},
        {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hi:o:O", opts, NULL)) != -1) {
        switch (c) {
        case 'O': o->optimize = true; break;
        case 'p':
            if (!cli_parse_precision(optarg, &o->precision))
                return cli_usage_error("run", "unknown --precision '%s' (fp32, bf16)", ir_q(optarg));
            break;
        case 'i':
            if (o->n_inputs == 64)
                return cli_usage_error("run", "too many --input options");
            o->inputs[o->n_inputs++] = optarg;
            break;
        case 's':
            if (o->n_shapes == 64)
                return cli_usage_error("run", "too many --input-shape options");
            o->shapes[o->n_shapes++] = optarg;
            break;
        case 'o': o->out_dir = optarg; break;
        case 'c': o->compare_dir = optarg; break;
        case 'D': o->dump_dir = optarg; break;
        case 'e': o->engine = optarg; break;
        case 'k': o->keep_fp32 = optarg; break;
        case 'r':
        case 'a': {
            double v = strtod(optarg, &end);
            if (*end || !(v >= 0))
                return cli_usage_error("run", "--%s expects a non-negative number", c == 'r' ? "rtol" : "atol");
            *(c == 'r' ? &o->rtol : &o->atol) = v;
            break;
        }
        case 'h': run_help(); return -1;
        default: return cli_usage_error("run", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("run", optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (strcmp(o->engine, "ref") && strcmp(o->engine, "jit"))
        return cli_usage_error("run", "unknown engine '%s' (available: jit, ref)", ir_q(o->engine));
    return cli_check_keep_fp32("run", o->keep_fp32, o->precision);
}

/* Binds every input's shape to the given tensor's and optimizes. For the
 * JIT, inputs whose values decide a shape or a mode are bound to their
 * values too (reported), and the graph optimized again. */
static ir_status optimize_for(ir_graph *g, ir_tensor *const *in, bool jit, ir_diag *d)
{
    for (uint32_t k = 0; k < g->n_inputs; k++) {
        ir_value *v = &g->values[g->inputs[k]];
        if (v->shape.rank >= 0 && v->shape.rank != in[k]->shape.rank)
            return ir_fail(d, IR_ERR_USAGE, "input '%s' has rank %d, expected %d", ir_q(v->name),
                           in[k]->shape.rank, v->shape.rank);
        v->shape = in[k]->shape;
    }
    pass_report r;
    pass_report_init(&r);
    pass_options po = pass_options_default();
    ir_status st = passes_optimize(g, &po, &r, d);
    bool again = jit;
    while (!st && again && !(st = passes_specialize_inputs(g, in, stderr, &again, d)) && again)
        st = passes_optimize(g, &po, &r, d);
    if (!st)
        fprintf(stderr, "onnxc: optimized to %u nodes (attention %u, layernorm %u, conv+bn %u, conv+add+relu %u, "
                        "linear %u fused)\n", g->n_nodes, r.matched[FUSE_ATTENTION], r.matched[FUSE_LAYERNORM],
                r.matched[FUSE_CONV_BN], r.matched[FUSE_CONV_ADD_RELU], r.matched[FUSE_LINEAR]);
    pass_report_free(&r);
    return st;
}

/* Compiles g in memory and runs it once with the runtime. */
static ir_status run_jit(const ir_graph *g, const run_opts *o, ir_tensor *const *in, ir_tensor **out, ir_diag *d)
{
    cg_options co = cg_options_default();
    co.precision = (cg_precision)o->precision;
    co.keep_fp32 = o->keep_fp32;
    cg_jit *j = NULL;
    const void *model = NULL;
    ir_status st = cg_jit_build(g, &co, &j, &model, d);
    onnxc_status rs = ONNXC_OK;
    onnxc_ctx *c = st ? NULL : onnxc_create(model, 0, &rs);
    if (!st && !c)
        st = ir_fail(d, IR_ERR_NOMEM, "cannot create the runtime context: %s", onnxc_status_name(rs));
    const void **ip = calloc(g->n_inputs + 1, sizeof *ip);
    void **op = calloc(g->n_outputs + 1, sizeof *op);
    if (!st && (!ip || !op))
        st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; !st && k < g->n_inputs; k++)
        ip[k] = in[k]->data;
    for (uint32_t k = 0; !st && k < g->n_outputs; k++) {
        const ir_value *v = &g->values[g->outputs[k]];
        out[k] = ir_tensor_alloc(v->dtype, &v->shape);
        if (!out[k])
            st = ir_fail(d, IR_ERR_NOMEM, "out of memory for output '%s'", ir_q(v->name));
        else
            op[k] = out[k]->data;
    }
    if (!st && onnxc_run(c, ip, op) != ONNXC_OK)
        st = ir_fail(d, IR_ERR_MODEL, "%s", onnxc_error(c));
    if (c && getenv("ONNXC_PROFILE"))
        onnxc_profile_print(c, stderr);
    onnxc_destroy(c);
    cg_jit_free(j);
    free(ip);
    free(op);
    return st;
}

/* --dump with the JIT: every value a node computes becomes an extra graph
 * output (compiled code writes outputs to the caller's buffers and never
 * reuses them in place), so its intermediates can be compared with the
 * reference engine's (`--engine ref -O --dump`) node by node. */
static ir_status expose_values(ir_graph *g, ir_tensor ***out, ir_diag *d)
{
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t j = 0; j < g->nodes[i].n_outputs; j++) {
            int32_t v = g->nodes[i].outputs[j];
            if (v < 0 || (g->values[v].flags & (IR_VALUE_OUTPUT | IR_VALUE_CONST)))
                continue;
            g->values[v].flags |= IR_VALUE_OUTPUT;
            if (!ir_graph_add_output(g, v))
                return ir_fail(d, IR_ERR_NOMEM, "out of memory");
        }
    ir_tensor **o = realloc(*out, (g->n_outputs + 1) * sizeof *o);
    if (!o)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memset(o, 0, (g->n_outputs + 1) * sizeof *o);
    *out = o;
    return IR_OK;
}

static int write_outputs(const ir_graph *g, const run_opts *o, ir_tensor **out)
{
    int rc = EXIT_OK;
    ir_diag d = {0};
    if (o->out_dir && !make_dir(o->out_dir, &d))
        return cli_fail(&d);
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        const char *name = g->values[g->outputs[k]].name;
        print_summary(name, out[k]);
        if (o->out_dir) {
            char fn[256], path[4400];
            file_name(name, fn, sizeof fn, -1);
            snprintf(path, sizeof path, "%s/%s.npy", o->out_dir, fn);
            if (npy_write(path, out[k], &d))
                rc = cli_fail(&d);
        }
    }
    for (uint32_t k = 0; o->compare_dir && k < g->n_outputs; k++)
        if (!compare_one(o, g->values[g->outputs[k]].name, out[k]))
            rc = EXIT_BAD;
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_opts o = {.engine = "jit", .rtol = 1e-3, .atol = 1e-4};
    int rc = parse_run_opts(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    ir_diag d = {0};
    ir_graph *g = cli_load(argv[optind], &d);
    if (!g)
        return cli_fail(&d);
    ir_tensor **in = calloc(g->n_inputs + 1, sizeof *in), **out = calloc(g->n_outputs + 1, sizeof *out);
    ir_status st = in && out ? IR_OK : ir_fail(&d, IR_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < o.n_shapes; i++)
        st = cli_bind_shape(g, o.shapes[i], &d);
    if (!st)
        st = bind_inputs(g, &o, in, &d);
    bool jit = !strcmp(o.engine, "jit");
    if (!st && (o.optimize || jit))
        st = optimize_for(g, in, jit, &d);
    if (!st && o.dump_dir && !make_dir(o.dump_dir, &d))
        st = IR_ERR_IO;
    uint32_t n_model_outputs = g->n_outputs;
    if (!st && jit && o.dump_dir)
        st = expose_values(g, &out, &d);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!st && jit)
        st = run_jit(g, &o, in, out, &d);
    else if (!st)
        st = ir_ref_run(g, in, out, o.dump_dir ? dump_value : NULL, (void *)o.dump_dir, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint32_t n_outputs = g->n_outputs;
    if (!st) {
        fprintf(stderr, "onnxc: ran %u nodes with the %s engine in %.3f s\n", g->n_nodes, o.engine,
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
        for (uint32_t k = 0; jit && o.dump_dir && k < n_outputs; k++) /* all values it computed */
            dump_value((void *)o.dump_dir, g, g->outputs[k], out[k]);
        g->n_outputs = n_model_outputs;
        rc = write_outputs(g, &o, out);
    } else {
        rc = cli_fail(&d);
    }
    for (uint32_t k = 0; in && k < g->n_inputs; k++)
        ir_tensor_release(in[k]);
    for (uint32_t k = 0; out && k < n_outputs; k++)
        ir_tensor_release(out[k]);
    free(in);
    free(out);
    ir_graph_free(g);
    return rc;
}
