/* compile.c - `onnxc compile`: an ONNX model to a native executable, shared
 * library, object file (+ header), LLVM IR or assembly.
 *
 * Stages: load, bind input shapes, optimize, lower and emit LLVM IR, LLVM
 * O3 for the target CPU, object code, then the system C compiler links the
 * object with the onnxc runtime (libc, libm, pthreads only). Progress goes
 * to stderr, one line per stage with its time; the compiled model's summary
 * ends it. The runtime is found in $ONNXC_RUNTIME_DIR, next to the
 * installed compiler (../lib/onnxc), or in the build tree.
 *
 * `--input-shape x:A,B,C` compiles the model for each listed shape: the
 * whole pipeline (shape inference, optimization, memory plan, lowering)
 * runs once per shape, and the programs become the entries of one artifact
 * whose weights are stored once; the runtime picks the entry of the input
 * shapes it is given. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "codegen.h"
#include "kernels.h"
#include "passes.h"

typedef enum { EMIT_EXE, EMIT_LIB, EMIT_OBJ, EMIT_LLVM, EMIT_ASM } emit_kind;

typedef struct {
    const char *model, *out, *name, *outputs, *target_cpu, *keep_fp32;
    const char *shapes[64];
    int n_shapes, opt_level, precision;
    emit_kind emit;
    bool quiet;
} compile_opts;

static void compile_help(void)
{
    puts("usage: onnxc compile MODEL -o OUT [options]\n"
         "\n"
         "Compiles an ONNX model to native code through LLVM.\n"
         "\n"
         "  -o, --output OUT         the artifact (exe: OUT; lib: OUT = libNAME.so; obj: OUT = NAME.o;\n"
         "                           lib and obj also write NAME.h beside it)\n"
         "      --emit KIND          exe (default), lib, obj, llvm (textual IR) or asm\n"
         "      --name NAME          C symbol prefix (default: from OUT)\n"
         "      --input-shape NAME:DIMS  bind a dynamic input, e.g. inputs:1x3x800x1066; several shapes\n"
         "                           (inputs:1x3x800x1088,1x3x1088x800) make one entry each in one\n"
         "                           artifact, weights shared (every input lists as many, or one)\n"
         "      --outputs A,B        keep only these outputs\n"
         "      --target-cpu CPU     LLVM CPU name (default: this machine; e.g. x86-64-v3, znver4)\n"
         "      --precision P        fp32 (default) or bf16: convolutions and products with constant\n"
         "                           weights in bfloat16 with fp32 sums (weights prepacked in bf16);\n"
         "                           the output heads, softmax, normalization and the attention\n"
         "                           scores stay fp32. Needs a target with AVX512_BF16\n"
         "      --keep-fp32 A,B      with --precision bf16: the products of the nodes whose names\n"
         "                           contain A or B stay fp32 (e.g. transformer)\n"
         "  -O LEVEL                 LLVM optimization level 0-3 (default 2)\n"
         "  -q, --quiet              no progress on stderr\n"
         "  -h, --help               show this help\n"
         "\n"
         "The executable takes `--input NAME=FILE.npy ... --output-dir DIR [--repeat N]`.\n"
         "Exit status: 0 success, 1 bad model or unsupported op, 2 bad usage.");
}

static bool parse_emit(const char *s, emit_kind *e)
{
    static const char *names[] = {"exe", "lib", "obj", "llvm", "asm"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i])) {
            *e = (emit_kind)i;
            return true;
        }
    return false;
}

static int parse_compile_opts(int argc, char **argv, compile_opts *o)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},      {"emit", required_argument, 0, 'e'},
        {"name", required_argument, 0, 'n'},        {"input-shape", required_argument, 0, 's'},
        {"outputs", required_argument, 0, 'u'},     {"target-cpu", required_argument, 0, 'c'},
        {"quiet", no_argument, 0, 'q'},             {"help", no_argument, 0, 'h'},
        {"precision", required_argument, 0, 'p'},   {"keep-fp32", required_argument, 0, 'k'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:O:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'n': o->name = optarg; break;
        case 'u': o->outputs = optarg; break;
        case 'c': o->target_cpu = optarg; break;
        case 'k': o->keep_fp32 = optarg; break;
        case 'q': o->quiet = true; break;
        case 'p':
            if (!cli_parse_precision(optarg, &o->precision))
                return cli_usage_error("compile", "unknown --precision '%s' (fp32, bf16)", ir_q(optarg));
            break;
        case 'e':
            if (!parse_emit(optarg, &o->emit))
                return cli_usage_error("compile", "unknown --emit '%s' (exe, lib, obj, llvm, asm)", ir_q(optarg));
            break;
        case 'O':
            if (optarg[0] < '0' || optarg[0] > '3' || optarg[1])
                return cli_usage_error("compile", "-O expects 0, 1, 2 or 3");
            o->opt_level = optarg[0] - '0';
            break;
        case 's':
            if (o->n_shapes == 64)
                return cli_usage_error("compile", "too many --input-shape options");
            o->shapes[o->n_shapes++] = optarg;
            break;
        case 'h': compile_help(); return -1;
        default: return cli_usage_error("compile", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("compile", optind >= argc ? "missing MODEL" : "expected one MODEL");
    if (!o->out)
        return cli_usage_error("compile", "missing -o OUT");
    o->model = argv[optind];
    return cli_check_keep_fp32("compile", o->keep_fp32, o->precision);
}

/* NAME from OUT: basename without "lib" prefix and extension, as an identifier. */
static void default_name(const char *out, char *name, size_t n)
{
    const char *b = strrchr(out, '/');
    b = b ? b + 1 : out;
    if (!strncmp(b, "lib", 3) && b[3])
        b += 3;
    size_t o = 0;
    for (; *b && *b != '.' && o + 1 < n; b++)
        name[o++] = ((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9')) ? *b : '_';
    name[o] = 0;
    if (!o || (name[0] >= '0' && name[0] <= '9'))
        snprintf(name, n, "model");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void stage(const compile_opts *o, const char *what, double t0)
{
    if (!o->quiet)
        fprintf(stderr, "onnxc: %-28s %7.2f s\n", what, now_s() - t0);
}

/* The runtime directory holding libonnxc_rt.a, onnxc_main.o, onnxc_rt.h. */
static bool runtime_dir(char *dir, size_t n)
{
    const char *env = getenv("ONNXC_RUNTIME_DIR");
    struct stat st;
    char probe[PATH_MAX + 32];
    if (env && *env) {
        snprintf(dir, n, "%s", env);
        return true;
    }
    char exe[4000];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        snprintf(dir, n, "%.4000s/../lib/onnxc", exe);
        snprintf(probe, sizeof probe, "%s/libonnxc_rt.a", dir);
        if (!stat(probe, &st))
            return true;
    }
    snprintf(dir, n, "%s", ONNXC_BUILD_RUNTIME_DIR);
    snprintf(probe, sizeof probe, "%s/libonnxc_rt.a", dir);
    return !stat(probe, &st);
}

/* Runs argv, waiting; returns its exit status or -1. */
static int spawn(char *const *argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Flushes a finished artifact to disk before it takes OUT's name: a crash
 * cannot leave a truncated file there, and the runtime can page out the
 * constants only its load-time preparation reads as soon as the artifact
 * runs (the kernel does not drop dirty pages of a just-written file). */
static bool sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* Gives the file tmp, written with status st, its final name out (durably);
 * if st failed or the rename does, tmp is removed and out left as it was. */
static ir_status put_in_place(ir_status st, const char *tmp, const char *out, ir_diag *d)
{
    if (st) {
        unlink(tmp);
        return st;
    }
    if (!sync_file(tmp) || rename(tmp, out)) {
        int e = errno;
        unlink(tmp);
        return ir_fail(d, IR_ERR_IO, "cannot write %s: %s", ir_q(out), strerror(e));
    }
    return IR_OK;
}

static ir_status link_artifact(const compile_opts *o, const char *obj, ir_diag *d)
{
    char rt[PATH_MAX], lib[PATH_MAX + 32], mainobj[PATH_MAX + 32], tmp[PATH_MAX + 32];
    if (!runtime_dir(rt, sizeof rt))
        return ir_fail(d, IR_ERR_IO, "cannot find the onnxc runtime (libonnxc_rt.a); set ONNXC_RUNTIME_DIR");
    snprintf(lib, sizeof lib, "%s/libonnxc_rt.a", rt);
    snprintf(mainobj, sizeof mainobj, "%s/onnxc_main.o", rt);
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", o->out, (long)getpid());
    const char *cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
    char *argv[16];
    int a = 0;
    argv[a++] = (char *)cc;
    if (o->emit == EMIT_LIB)
        argv[a++] = "-shared";
    argv[a++] = "-o";
    argv[a++] = tmp;
    argv[a++] = (char *)obj;
    if (o->emit == EMIT_EXE)
        argv[a++] = mainobj;
    argv[a++] = lib;
    if (*ONNXC_RUNTIME_LINK_FLAGS) /* a sanitizer build's runtime needs its runtime */
        argv[a++] = ONNXC_RUNTIME_LINK_FLAGS;
    argv[a++] = "-lm";
    argv[a++] = "-lpthread";
    argv[a] = NULL;
    int rc = spawn(argv);
    if (rc != 0) {
        unlink(tmp);
        return ir_fail(d, IR_ERR_IO, "linking %s with %s failed (exit %d)", ir_q(o->out), cc, rc);
    }
    return put_in_place(IR_OK, tmp, o->out, d);
}

/* Before any work: OUT's folder exists and takes new files (the artifact is
 * written beside OUT under a temporary name, then renamed to OUT). */
static ir_status check_out_dir(const char *out, ir_diag *d)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == out ? 1 : (int)(slash - out), out);
    struct stat st;
    bool exists = !stat(dir, &st);
    if (!exists || !S_ISDIR(st.st_mode))
        return ir_fail(d, IR_ERR_IO, "cannot write %s: %s %s", ir_q(out), ir_q(dir),
                       exists ? "is not a folder" : "does not exist");
    if (access(dir, W_OK | X_OK))
        return ir_fail(d, IR_ERR_IO, "cannot write %s: %s", ir_q(out), strerror(errno));
    return IR_OK;
}

/* Shapes listed by --input-shape spec i ("NAME:S1,S2,..."): 1 or more. */
static uint32_t spec_count(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    uint32_t n = 1;
    for (const char *p = colon ? colon : spec; *p; p++)
        n += *p == ',';
    return n;
}

/* The number of entries: every --input-shape lists that many shapes, or one. */
static ir_status count_entries(const compile_opts *o, uint32_t *n, ir_diag *d)
{
    *n = 1;
    for (int i = 0; i < o->n_shapes; i++)
        *n = spec_count(o->shapes[i]) > *n ? spec_count(o->shapes[i]) : *n;
    for (int i = 0; i < o->n_shapes; i++)
        if (spec_count(o->shapes[i]) != 1 && spec_count(o->shapes[i]) != *n)
            return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s' lists %u shapes, another input %u: each input lists "
                           "the same number of shapes (or one for all)", ir_q(o->shapes[i]),
                           spec_count(o->shapes[i]), *n);
    if (*n > CG_MAX_ENTRIES)
        return ir_fail(d, IR_ERR_USAGE, "--input-shape lists %u shapes: at most %d", *n, CG_MAX_ENTRIES);
    return IR_OK;
}

/* Binds entry e's shape of spec "NAME:S1,S2,..." (its only one if it has one). */
static ir_status bind_entry_shape(ir_graph *g, const char *spec, uint32_t e, ir_diag *d)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || spec_count(spec) == 1)
        return cli_bind_shape(g, spec, d);
    const char *p = colon + 1;
    for (uint32_t k = 0; k < e; k++)
        p = strchr(p, ',') + 1;
    size_t len = strcspn(p, ",");
    if (!len)
        return ir_fail(d, IR_ERR_USAGE, "--input-shape '%s': shape %u is empty", ir_q(spec), e + 1);
    char one[512];
    snprintf(one, sizeof one, "%.*s:%.*s", (int)(colon - spec > 300 ? 300 : colon - spec), spec,
             (int)(len > 200 ? 200 : len), p);
    return cli_bind_shape(g, one, d);
}

/* Entry e's input shapes differ from every earlier entry's. */
static ir_status check_distinct(ir_graph *const *gs, uint32_t e, ir_diag *d)
{
    for (uint32_t k = 0; k < e; k++) {
        bool same = true;
        for (uint32_t i = 0; same && i < gs[e]->n_inputs; i++) {
            const ir_shape *a = &gs[k]->values[gs[k]->inputs[i]].shape, *b = &gs[e]->values[gs[e]->inputs[i]].shape;
            same = a->rank == b->rank && !memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]);
        }
        if (same)
            return ir_fail(d, IR_ERR_USAGE, "--input-shape: shapes %u and %u are the same", k + 1, e + 1);
    }
    return IR_OK;
}

static ir_status prepare(ir_graph *g, const compile_opts *o, uint32_t e, ir_diag *d)
{
    for (int i = 0; i < o->n_shapes; i++) {
        ir_status st = bind_entry_shape(g, o->shapes[i], e, d);
        if (st)
            return st;
    }
    for (uint32_t k = 0; k < g->n_inputs; k++)
        if (!ir_shape_static(&g->values[g->inputs[k]].shape)) {
            char s[256];
            ir_shape_format(&g->values[g->inputs[k]].shape, s, sizeof s);
            return ir_fail(d, IR_ERR_USAGE, "input '%s' has dynamic shape %s: bind it with --input-shape %s:DIMS",
                           ir_q(g->values[g->inputs[k]].name), s, ir_q(g->values[g->inputs[k]].name));
        }
    pass_options po = pass_options_default();
    char *list = o->outputs ? strdup(o->outputs) : NULL;
    const char *names[256];
    if (list)
        for (char *t = strtok(list, ","); t && po.n_outputs < 256; t = strtok(NULL, ","))
            names[po.n_outputs++] = t;
    po.outputs = list ? names : NULL;
    pass_report r;
    pass_report_init(&r);
    ir_status st = passes_optimize(g, &po, &r, d);
    if (!st)
        st = passes_refuse_value_inputs(g, d);
    pass_report_free(&r);
    free(list);
    return st;
}

/* Writes the module as the requested artifact (obj/lib/exe via an object). */
static ir_status write_artifact(cg_module *m, const compile_opts *o, double t0, ir_diag *d)
{
    /* every file is written under a temporary name and renamed when complete */
    char obj[PATH_MAX + 32];
    snprintf(obj, sizeof obj, "%s.o.tmp-%ld", o->out, (long)getpid());
    if (o->emit == EMIT_LLVM || o->emit == EMIT_ASM)
        return put_in_place(cg_emit_text(m, obj, o->emit == EMIT_ASM, d), obj, o->out, d);
    ir_status st = cg_emit_object(m, obj, d);
    char what[40];
    snprintf(what, sizeof what, "LLVM O%d + object code", o->opt_level);
    stage(o, what, t0);
    if (st || o->emit == EMIT_OBJ)
        st = put_in_place(st, obj, o->out, d);
    else {
        st = link_artifact(o, obj, d);
        unlink(obj);
        stage(o, "link", t0);
    }
    if (!st && o->emit != EMIT_EXE) {
        char hdr[PATH_MAX + 160], tmp[PATH_MAX + 192];
        const char *slash = strrchr(o->out, '/');
        int dirlen = slash ? (int)(slash - o->out + 1) : 0;
        snprintf(hdr, sizeof hdr, "%.*s%s.h", dirlen, o->out, o->name);
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld", hdr, (long)getpid());
        st = put_in_place(cg_emit_header(m, tmp, d), tmp, hdr, d);
    }
    return st;
}

/* "x [1,3,800,1088], mask [1,800,1088]": the input shapes of g. */
static void input_shapes(const ir_graph *g, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t k = 0; k < g->n_inputs && o + 1 < n; k++) {
        const ir_value *v = &g->values[g->inputs[k]];
        char s[256];
        ir_shape_format(&v->shape, s, sizeof s);
        o += (size_t)snprintf(buf + o, n - o, "%s%s %s", k ? ", " : "", ir_q(v->name), s);
    }
}

static void summary_wino(const cg_stats *s)
{
    char kinds[64];
    if (!s->wino6_convs || s->wino6_convs == s->wino_convs)
        snprintf(kinds, sizeof kinds, "F(%dx%d,3x3)", s->wino6_convs ? 6 : 4, s->wino6_convs ? 6 : 4);
    else
        snprintf(kinds, sizeof kinds, "(%u F(4x4,3x3), %u F(6x6,3x3))", s->wino_convs - s->wino6_convs,
                 s->wino6_convs);
    if (s->wino_convs)
        fprintf(stderr, "onnxc:   %u convolution%s Winograd %s%s (ONNXC_CONV_ALGO=auto|direct|winograd); "
                "their transformed weights, %.1f MB (%llu bytes), are made from the stored filters at load\n",
                s->wino_convs, s->wino_convs > 1 ? "s" : "", kinds, s->n_entries > 1 ? " in all entries" : "",
                (double)s->prepared_bytes / 1e6, (unsigned long long)s->prepared_bytes);
}

static void summary(const compile_opts *o, ir_graph *const *gs, const cg_module *m, double t0)
{
    if (o->quiet)
        return;
    const cg_stats *s = cg_module_stats(m);
    struct stat st;
    long long size = stat(o->out, &st) ? -1 : (long long)st.st_size;
    fprintf(stderr, "onnxc: compiled %s -> %s (%s) in %.2f s", ir_q(o->model), ir_q(o->out),
            (const char *[]){"executable", "shared library", "object", "LLVM IR", "assembly"}[o->emit], now_s() - t0);
    if (s->n_entries == 1) {
        fprintf(stderr, "\nonnxc:   %u nodes; weights %.1f MB (%llu bytes); workspace %.1f MB; scratch %.1f KB/thread; "
                "file %.1f MB\n", gs[0]->n_nodes, (double)s->const_bytes / 1e6, (unsigned long long)s->const_bytes,
                (double)s->arena_bytes / 1e6, (double)s->scratch_bytes / 1e3, (double)size / 1e6);
        summary_wino(s);
        return;
    }
    fprintf(stderr, ", %u entries\nonnxc:   constant data %.1f MB (%llu bytes), each stored once; workspace %.1f MB "
            "(the largest entry's); file %.1f MB\n", s->n_entries, (double)s->const_bytes / 1e6,
            (unsigned long long)s->const_bytes, (double)s->arena_bytes / 1e6, (double)size / 1e6);
    for (uint32_t e = 0; e < s->n_entries; e++) {
        const cg_entry_stats *es = &s->entries[e];
        char shapes[600];
        input_shapes(gs[e], shapes, sizeof shapes);
        fprintf(stderr, "onnxc:   entry %u: %s: %u nodes; constants %.1f MB (%.1f MB shared with other entries); "
                "workspace %.1f MB; scratch %.1f KB/thread\n", e, shapes, es->nodes, (double)es->const_bytes / 1e6,
                (double)es->shared_bytes / 1e6, (double)es->arena_bytes / 1e6, (double)es->scratch_bytes / 1e3);
    }
    summary_wino(s);
}

/* Loads and optimizes the model once per entry (each at its input shapes). */
static ir_status build_graphs(const compile_opts *o, ir_graph **gs, uint32_t n, double t0, ir_diag *d)
{
    for (uint32_t e = 0; e < n; e++) {
        if (!(gs[e] = cli_load(o->model, d)))
            return IR_ERR_MODEL;
        if (n == 1)
            stage(o, "load", t0);
        ir_status st = prepare(gs[e], o, e, d);
        if (!st && n > 1)
            st = check_distinct(gs, e, d);
        if (st)
            return st;
        char what[64];
        snprintf(what, sizeof what, "load + optimize entry %u", e);
        stage(o, n == 1 ? "optimize" : what, t0);
    }
    return IR_OK;
}

int cmd_compile(int argc, char **argv)
{
    compile_opts o = {.opt_level = 2, .emit = EMIT_EXE};
    int rc = parse_compile_opts(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char name[128];
    if (!o.name) {
        default_name(o.out, name, sizeof name);
        o.name = name;
    }
    double t0 = now_s();
    ir_diag d = {0};
    uint32_t n = 1;
    ir_graph *gs[CG_MAX_ENTRIES] = {0};
    ir_status st = check_out_dir(o.out, &d);
    if (!st)
        st = count_entries(&o, &n, &d);
    if (!st)
        st = build_graphs(&o, gs, n, t0, &d);
    cg_module *m = NULL;
    cg_options co = cg_options_default();
    co.name = o.name;
    co.target_cpu = o.target_cpu;
    co.opt_level = o.opt_level;
    co.precision = (cg_precision)o.precision;
    co.keep_fp32 = o.keep_fp32;
    if (!st) {
        st = cg_build_entries((const ir_graph *const *)gs, n, &co, &m, &d);
        stage(&o, "lower + emit LLVM IR", t0);
    }
    if (!st)
        st = write_artifact(m, &o, t0, &d);
    if (!st)
        summary(&o, gs, m, t0);
    rc = st ? cli_fail(&d) : EXIT_OK;
    cg_module_free(m);
    for (uint32_t e = 0; e < n; e++)
        ir_graph_free(gs[e]);
    return rc;
}
