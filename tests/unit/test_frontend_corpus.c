/* test_frontend_corpus.c - the ONNX loader on ONNX's own test data, on
 * thousands of mutated models, and on a large model against the time and
 * memory goals.
 *
 * The DETR exports of gen_detr.py load with the counts, inputs and outputs
 * the onnx package reports (MODEL.stats.json). Every model of
 * libonnx-testdata either loads (with the node count the onnx
 * Python package reports, and verified) or is refused as unsupported or
 * invalid with a message; the refusals are printed grouped by reason. Every
 * TensorProto file there is read and compared with numpy's bytes (CRC-32),
 * or refused cleanly when it is not a numeric tensor (strings, sequences,
 * optionals). Mutations (every truncation, random byte changes) of good
 * models must never crash: run this under ASan+UBSan too. The large model
 * (~64 MB of weights), and DETR-R50 when it has been exported, must load in
 * under a second with a peak RSS below 1.3x the file, measured in a child
 * process. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend.h"
#include "kernels.h"
#include "testutil.h"

#define BAD_DIR ONNXC_BUILD_DIR "/models/bad"
#define SMALL_DIR ONNXC_BUILD_DIR "/models/small"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* ---- Python's view of the test data ------------------------------------ */

/* Runs a Python script over the test data and returns its output lines
 * ("path\tfield\t...") as a NULL-terminated, sorted array. */
static char **python_lines(const char *script, const char *arg, char **storage)
{
    char *argv[] = {(char *)ONNXC_PYTHON, "-c", (char *)script, (char *)arg, NULL};
    int rc = tu_exec(argv, storage);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc || !*storage)
        return NULL;
    size_t n = 0, cap = 4096;
    char **lines = malloc(cap * sizeof *lines);
    for (char *save = NULL, *l = strtok_r(*storage, "\n", &save); l && lines; l = strtok_r(NULL, "\n", &save)) {
        if (n + 1 == cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        if (lines)
            lines[n++] = l;
    }
    if (lines)
        lines[n] = NULL;
    return lines;
}

/* Field k (0 = path) of a tab-separated line, copied into buf. */
static const char *field(const char *line, int k, char *buf, size_t n)
{
    for (; k > 0 && line; k--)
        line = (line = strchr(line, '\t')) ? line + 1 : NULL;
    if (!line)
        return NULL;
    size_t len = strcspn(line, "\t");
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), line);
    return buf;
}

/* ---- refusal reasons ---------------------------------------------------- */

typedef struct {
    char reason[200];
    int count;
} group;

static group groups[256];
static int n_groups;

/* "3 unsupported ops in 4 nodes: A (...), B (...)" -> "unsupported ops: A, B";
 * other messages with quoted names replaced by '*'. */
static void normalize(const char *msg, char *out, size_t n)
{
    const char *list = strstr(msg, "unsupported op") ? strstr(msg, ": ") : NULL;
    size_t o = 0;
    if (list) {
        o = (size_t)snprintf(out, n, "unsupported ops:");
        for (const char *p = list + 2; *p && o < n;) {
            size_t len = strcspn(p, " ");
            o += (size_t)snprintf(out + o, n - o, " %.*s", (int)len, p);
            p = strstr(p, "), ");
            p = p ? p + 3 : "";
        }
        return;
    }
    for (const char *p = msg; *p && o + 8 < n; p++) {
        if (*p == '/' && (p == msg || p[-1] == ' ')) { /* a path */
            o += (size_t)snprintf(out + o, n - o, "<path>");
            p += strcspn(p, " :") - 1;
            continue;
        }
        if (!strncmp(p, "byte ", 5) && p[5] >= '0' && p[5] <= '9') {
            o += (size_t)snprintf(out + o, n - o, "byte N");
            p += 4 + strspn(p + 5, "0123456789");
            continue;
        }
        out[o++] = *p;
        if (*p == '\'' && (p = strchr(p + 1, '\''))) {
            out[o++] = '*';
            out[o++] = '\'';
        } else if (!p)
            break;
    }
    out[o] = 0;
}

static void add_reason(const char *msg)
{
    char r[200];
    normalize(msg, r, sizeof r);
    for (int i = 0; i < n_groups; i++)
        if (!strcmp(groups[i].reason, r)) {
            groups[i].count++;
            return;
        }
    if (n_groups < 256) {
        snprintf(groups[n_groups].reason, sizeof groups[0].reason, "%s", r);
        groups[n_groups++].count = 1;
    }
}

static int by_count(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return x->count != y->count ? y->count - x->count : strcmp(x->reason, y->reason);
}

static void print_reasons(int max)
{
    qsort(groups, (size_t)n_groups, sizeof groups[0], by_count);
    for (int i = 0; i < n_groups && i < max; i++)
        printf("      %4d  %s\n", groups[i].count, groups[i].reason);
    if (n_groups > max)
        printf("      (%d more reasons)\n", n_groups - max);
    n_groups = 0;
}

/* ---- models of the test data ------------------------------------------- */

static const char py_models[] =
    "import glob, onnx, sys\n"
    "for p in sorted(glob.glob(sys.argv[1] + '/*/*/model.onnx')):\n"
    "    try:\n"
    "        print(p, len(onnx.load(p, load_external_data=False).graph.node), sep='\\t')\n"
    "    except Exception:\n"
    "        print(p, -1, sep='\\t')\n";

/* Loads one model; returns true when it loaded. */
static bool load_one(const char *path, long nodes, int *n_model)
{
    ir_graph *g;
    ir_diag d = {0};
    ir_status st = onnx_load_file(path, NULL, &g, &d);
    if (st == IR_OK) {
        if ((long)g->n_nodes != nodes)
            fprintf(stderr, "\n  %s: %u nodes, onnx says %ld", path, g->n_nodes, nodes);
        CU_ASSERT_EQUAL((long)g->n_nodes, nodes);
        CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
        ir_graph_free(g);
        return true;
    }
    if (st != IR_ERR_UNSUPPORTED && st != IR_ERR_MODEL)
        fprintf(stderr, "\n  %s: %s: %s", path, ir_status_name(st), d.msg);
    CU_ASSERT(st == IR_ERR_UNSUPPORTED || st == IR_ERR_MODEL);
    CU_ASSERT(d.msg[0] && printable(d.msg));
    *n_model += st == IR_ERR_MODEL;
    add_reason(d.msg);
    return false;
}

static void test_testdata_models(void)
{
    char *out = NULL, buf[64];
    char **lines = python_lines(py_models, ONNXC_TESTDATA_DIR, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lines);
    int loaded = 0, refused = 0, invalid = 0;
    for (char **l = lines; *l; l++) {
        char path[4096];
        field(*l, 0, path, sizeof path);
        long nodes = strtol(field(*l, 1, buf, sizeof buf) ? buf : "-1", NULL, 10);
        if (load_one(path, nodes, &invalid))
            loaded++;
        else
            refused++;
    }
    printf("\n    libonnx-testdata models: %d loaded, %d refused (%d of them as invalid)\n", loaded,
           refused, invalid);
    print_reasons(40);
    CU_ASSERT(loaded + refused > 1000);
    CU_ASSERT(loaded > 300);
    free(lines);
    free(out);
}

/* ---- the DETR exports of tests/models/gen_detr.py --------------------------- */

/* Their MODEL.stats.json, the onnx package's counts, as one line each. */
static const char py_detr[] =
    "import glob, json, os, sys\n"
    "for p in sorted(glob.glob(sys.argv[1] + '/models/detr/*.onnx')):\n"
    "    s = p[:-5] + '.stats.json'\n"
    "    if not os.path.exists(s): continue\n"
    "    d = json.load(open(s))\n"
    "    io = ' '.join('%s:%s[%s]' % (v['name'], v['dtype'], ','.join('?' if x is None else str(x)\n"
    "                  for x in v['shape'])) for v in d['inputs'] + d['outputs'])\n"
    "    print(p, d['node_count'], d['initializer_count'], d['parameter_bytes'], d['ir_version'], io,\n"
    "          sep='\\t')\n";

/* "name:dtype[dims] ..." of the graph's inputs and outputs. */
static void io_summary(const ir_graph *g, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (uint32_t k = 0; k < g->n_inputs + g->n_outputs && o < n; k++) {
        const ir_value *v = &g->values[k < g->n_inputs ? g->inputs[k] : g->outputs[k - g->n_inputs]];
        char shape[512];
        ir_shape_format(&v->shape, shape, sizeof shape);
        o += (size_t)snprintf(buf + o, n - o, "%s%s:%s%s", k ? " " : "", v->name, ir_dtype_name(v->dtype), shape);
    }
}

static void check_detr(const char *line)
{
    char path[4096], buf[64], io[4096], want_io[4096];
    field(line, 0, path, sizeof path);
    ir_graph *g;
    ir_diag d;
    ir_status st = onnx_load_file(path, NULL, &g, &d);
    if (st)
        fprintf(stderr, "\n  %s: %s", path, d.msg);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    uint64_t count, elements, bytes;
    ir_param_stats(g, &count, &elements, &bytes);
    io_summary(g, io, sizeof io);
    field(line, 5, want_io, sizeof want_io);
    bool same = !strcmp(io, want_io);
    if (!same)
        fprintf(stderr, "\n  %s:\n    loaded %s\n    onnx   %s", path, io, want_io);
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(g->n_nodes, strtoul(field(line, 1, buf, sizeof buf), NULL, 10));
    CU_ASSERT_EQUAL(count, strtoull(field(line, 2, buf, sizeof buf), NULL, 10));
    CU_ASSERT_EQUAL(bytes, strtoull(field(line, 3, buf, sizeof buf), NULL, 10));
    CU_ASSERT_EQUAL(g->ir_version, strtoll(field(line, 4, buf, sizeof buf), NULL, 10));
    printf("\n    %s: %u nodes, %llu initializers, %.1f MB of weights", strrchr(path, '/') + 1, g->n_nodes,
           (unsigned long long)count, (double)bytes / 1e6);
    ir_graph_free(g);
}

static void test_detr_exports(void)
{
    char *out = NULL;
    char **lines = python_lines(py_detr, ONNXC_BUILD_DIR, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lines);
    for (char **l = lines; *l; l++)
        check_detr(*l);
    printf("\n");
    CU_ASSERT_PTR_NOT_NULL(lines[0]); /* gen_detr.py always exports the tiny ones */
    free(lines);
    free(out);
}

/* ---- tensor files ----------------------------------------------------------- */

static const char py_tensors[] =
    "import glob, onnx, sys, zlib\n"
    "from onnx import numpy_helper\n"
    "import numpy as np\n"
    "for p in sorted(glob.glob(sys.argv[1] + '/*/*/test_data_set_*/*.pb')):\n"
    "    try:\n"
    "        t = onnx.TensorProto()\n"
    "        t.ParseFromString(open(p, 'rb').read())\n"
    "        if t.data_type in (0, 8, 14, 15, 16): raise ValueError\n"
    "        a = np.ascontiguousarray(numpy_helper.to_array(t))\n"
    "        print(p, t.name, t.data_type, zlib.crc32(a.tobytes()), sep='\\t')\n"
    "    except Exception:\n"
    "        print(p, '-', sep='\\t')\n";

static uint32_t crc32(const void *data, uint64_t n)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xFFFFFFFFu;
    for (uint64_t i = 0; i < n; i++)
        c = table[(c ^ ((const uint8_t *)data)[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Reads one tensor file; numpy's view (name, dtype, crc) when it has one. */
static bool read_one(const char *line, int *mismatches)
{
    char path[4096], name[512], dt[32], crc[32];
    field(line, 0, path, sizeof path);
    bool numeric = field(line, 2, dt, sizeof dt) && field(line, 3, crc, sizeof crc);
    ir_tensor *t;
    char *nm;
    ir_diag d = {0};
    ir_status st = onnx_read_tensor_pb(path, &t, &nm, &d);
    if (st != IR_OK) {
        CU_ASSERT(!numeric);
        CU_ASSERT(st == IR_ERR_UNSUPPORTED || st == IR_ERR_MODEL);
        CU_ASSERT(d.msg[0] && printable(d.msg));
        if (numeric)
            fprintf(stderr, "\n  %s: %s", path, d.msg);
        add_reason(d.msg);
        return false;
    }
    if (numeric) {
        field(line, 1, name, sizeof name);
        bool same = !strcmp(nm, name) && (long)t->dtype == strtol(dt, NULL, 10) &&
                    crc32(t->data, t->nbytes) == strtoul(crc, NULL, 10);
        if (!same && ++*mismatches < 10)
            fprintf(stderr, "\n  %s: differs from numpy", path);
    }
    free(nm);
    ir_tensor_release(t);
    return true;
}

static void test_testdata_tensors(void)
{
    char *out = NULL;
    char **lines = python_lines(py_tensors, ONNXC_TESTDATA_DIR, &out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lines);
    int ok = 0, refused = 0, mismatches = 0;
    for (char **l = lines; *l; l++)
        read_one(*l, &mismatches) ? ok++ : refused++;
    printf("\n    libonnx-testdata tensors: %d read, %d refused\n", ok, refused);
    print_reasons(12);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT(ok > 3000);
    free(lines);
    free(out);
}

/* ---- mutations -------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void load_mutant(const uint8_t *buf, size_t len, int *loaded)
{
    ir_graph *g;
    ir_diag d = {0};
    ir_status st = onnx_load_buffer(buf, len, NULL, NULL, &g, &d);
    if (st == IR_OK) {
        (*loaded)++;
        CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
        ir_graph_free(g);
        return;
    }
    if (st == IR_ERR_INTERNAL || !d.msg[0] || !printable(d.msg))
        fprintf(stderr, "\n  mutant: %s: %s", ir_status_name(st), d.msg);
    CU_ASSERT(st != IR_ERR_INTERNAL && d.msg[0] && printable(d.msg));
}

static void test_mutations(void)
{
    static const char *files[] = {SMALL_DIR "/tiny_conv.onnx", SMALL_DIR "/matmul_softmax.onnx",
                                  BAD_DIR "/good_forms.onnx", BAD_DIR "/good_attrs.onnx",
                                  BAD_DIR "/good_symdims.onnx", BAD_DIR "/good_optional.onnx"};
    int loaded = 0, total = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        uint8_t *orig = (uint8_t *)tu_read_file(files[f], &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
        uint8_t *buf = malloc(len);
        for (size_t cut = 0; cut < len; cut++, total++)
            load_mutant(orig, cut, &loaded); /* every truncation */
        for (int i = 0; i < 3000; i++, total++) {
            memcpy(buf, orig, len);
            for (uint64_t k = 0, n = 1 + rng() % 4; k < n; k++) {
                uint64_t r = rng();
                buf[r % len] = (r >> 32) % 3 ? (uint8_t)(r >> 40) : buf[r % len] ^ (uint8_t)(1u << (r >> 40) % 8);
            }
            load_mutant(buf, len, &loaded);
        }
        free(buf);
        free(orig);
    }
    printf("\n    mutants: %d loaded, %d refused, no crash\n", loaded, total - loaded);
}

/* ---- the large model ------------------------------------------------------ */

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)))
            v = strtol(line + strlen(key) + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* In a child process: peak RSS growth (kB) and time of one load of path, then the
 * node and constant counts, how many constants are views into the file, and
 * for good_big.onnx how many hold the values gen_bad.py wrote (wK is all K). */
static void measure_child(const char *path, int fd)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f); /* resets the peak RSS */
        fclose(f);
    }
    long rss0 = status_kb("VmRSS:");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ir_graph *g;
    ir_diag d;
    ir_status st = onnx_load_file(path, NULL, &g, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long peak = status_kb("VmHWM:") - rss0;
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    int consts = 0, good = 0, mapped = 0;
    for (uint32_t v = 0; !st && v < g->n_values; v++) {
        const ir_value *val = &g->values[v];
        if (!(val->flags & IR_VALUE_CONST))
            continue;
        consts++;
        mapped += (val->flags & IR_VALUE_MAPPED) != 0;
        float want = (float)strtol(val->name + 1, NULL, 10), *p = val->data->data;
        int64_t n = ir_tensor_numel(val->data);
        good += val->dtype == IR_F32 && n > 0 && p[0] == want && p[n / 2] == want && p[n - 1] == want;
    }
    dprintf(fd, "%d %ld %f %d %d %d %u %s", (int)st, peak, secs, consts, good, mapped, st ? 0 : g->n_nodes,
            d.msg);
    _exit(0);
}

typedef struct {
    int status, consts, good, mapped;
    unsigned nodes;
    long peak_kb;
    double secs;
} measure;

/* Loads path in a child process and checks the time and memory goals. */
static measure measure_load(const char *path)
{
    measure m = {-1, 0, 0, 0, 0, 0, 0};
    struct stat sb;
    int p[2];
    CU_ASSERT_FATAL(stat(path, &sb) == 0 && pipe(p) == 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* a fresh process: this one's heap would hide allocations */
        char fd[16];
        snprintf(fd, sizeof fd, "%d", p[1]);
        execl("/proc/self/exe", "test_frontend_corpus", "--measure", path, fd, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[1200] = "";
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    waitpid(pid, NULL, 0);
    buf[n > 0 ? n : 0] = 0;
    CU_ASSERT_FATAL(sscanf(buf, "%d %ld %lf %d %d %d %u", &m.status, &m.peak_kb, &m.secs, &m.consts,
                           &m.good, &m.mapped, &m.nodes) == 7);
    double ratio = (double)m.peak_kb * 1024 / (double)sb.st_size;
    printf("\n    %s: %.1f MB, %u nodes, %d initializers (%d viewed in place): %.3f s, "
           "peak RSS +%.1f MB (%.2fx the file)\n",
           strrchr(path, '/') + 1, (double)sb.st_size / 1e6, m.nodes, m.consts, m.mapped, m.secs,
           (double)m.peak_kb / 1e3, ratio);
    CU_ASSERT_EQUAL(m.status, IR_OK);
    if (!SANITIZED) {
        CU_ASSERT(m.secs < 1.0);
        CU_ASSERT(ratio < 1.3);
    }
    return m;
}

static void test_big_model(void)
{
    measure m = measure_load(BAD_DIR "/good_big.onnx");
    CU_ASSERT_EQUAL(m.nodes, 1000);
    CU_ASSERT_EQUAL(m.consts, 160); /* Constant nodes stay nodes */
    CU_ASSERT_EQUAL(m.good, 160);
    CU_ASSERT(m.mapped > 0 && m.mapped < 160); /* some aligned, some not */
}

/* The full-size DETR-R50 export (tests/models/gen_detr.py with
 * ONNXC_FULL_DETR=1): < 1 s and < 1.3x its size in peak memory. */
static void test_detr_r50(void)
{
    const char *path = ONNXC_BUILD_DIR "/models/detr/r50-op12.onnx";
    if (!tu_exists(path)) {
        printf("\n    skipped: no %s (ONNXC_FULL_DETR=1 exports it)\n", path);
        return;
    }
    measure m = measure_load(path);
    CU_ASSERT_EQUAL(m.nodes, 2583);
    CU_ASSERT_EQUAL(m.consts, 424);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--measure"))
        measure_child(argv[2], atoi(argv[3]));
    static const tu_case cases[] = {
        {"testdata_models", test_testdata_models},
        {"testdata_tensors", test_testdata_tensors},
        {"detr_exports", test_detr_exports},
        {"mutations", test_mutations},
        {"big_model", test_big_model},
        {"detr_r50", test_detr_r50},
        {NULL, NULL},
    };
    return tu_run("frontend_corpus", cases);
}
