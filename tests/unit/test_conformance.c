/* test_conformance.c - ONNX's own backend node tests (libonnx-testdata)
 * through the reference engine.
 *
 * Every test_<name>/model.onnx is loaded; a model the loader refuses as
 * unsupported is a skip, grouped by reason (the ops onnxc lacks); everything
 * else must run and match every output_N.pb within rtol 1e-3, atol 1e-5. A
 * failure of a supported op is a bug, so the suite fails on any. Filter with
 * CONF_FILTER=substring (test directory names); CONF_VERBOSE=1 prints every
 * result. With the argument `jit` every test runs through the compiler
 * instead: the graph is bound to the test's input shapes, optimized,
 * compiled with LLVM in memory and run by the runtime, specialized (as by
 * `onnxc run`) on inputs whose values decide a shape or Dropout's mode; a
 * model the compiler cannot lower is a failure too (every op the reference
 * engine supports must compile). */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "frontend.h"
#include "kernels.h"
#include "onnxc_rt.h"
#include "passes.h"
#include "testutil.h"

static bool use_jit; /* argv[1] == "jit": optimize + compile with LLVM + run */

#define MAX_TESTS 4096
#define RTOL 1e-3
#define ATOL 1e-5

typedef struct {
    char reason[160];
    int count;
    char first[64];
} skip_group;

static skip_group skips[512];
static int n_skip_groups;

static void add_skip(const char *test, const char *msg)
{
    char reason[160];
    snprintf(reason, sizeof reason, "%.159s", msg);
    /* group unsupported-op messages by their op list, not the node names */
    char *first = strstr(reason, " (");
    if (strstr(reason, "unsupported op") && first)
        *first = 0;
    for (int i = 0; i < n_skip_groups; i++)
        if (!strcmp(skips[i].reason, reason)) {
            skips[i].count++;
            return;
        }
    if (n_skip_groups < 512) {
        skip_group *s = &skips[n_skip_groups++];
        memcpy(s->reason, reason, sizeof s->reason);
        snprintf(s->first, sizeof s->first, "%.63s", test);
        s->count = 1;
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_dir(const char *dir, const char *prefix, char **names, int max)
{
    DIR *dp = opendir(dir);
    int n = 0;
    if (!dp)
        return 0;
    for (struct dirent *e; (e = readdir(dp)) && n < max;)
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            names[n++] = strdup(e->d_name);
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    return n;
}

/* Compares got with want; fills why on mismatch. */
static bool tensors_close(const ir_tensor *got, const ir_tensor *want, char *why, size_t n)
{
    if (got->dtype != want->dtype) {
        snprintf(why, n, "dtype %s, expected %s", ir_dtype_name(got->dtype), ir_dtype_name(want->dtype));
        return false;
    }
    if (!ir_shape_equal(&got->shape, &want->shape)) {
        char a[128], b[128];
        ir_shape_format(&got->shape, a, sizeof a);
        ir_shape_format(&want->shape, b, sizeof b);
        snprintf(why, n, "shape %.60s, expected %.60s", a, b);
        return false;
    }
    int64_t cnt = ir_tensor_numel(got);
    for (int64_t i = 0; i < cnt; i++) {
        double a = ir_tensor_get_f64(got, i), b = ir_tensor_get_f64(want, i);
        if ((isnan(a) && isnan(b)) || a == b)
            continue;
        if (!(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
            snprintf(why, n, "element %lld is %.9g, expected %.9g", (long long)i, a, b);
            return false;
        }
    }
    return true;
}

/* Optimizes g for the inputs' shapes, compiles it in memory, runs it. */
static ir_status jit_run(ir_graph *g, ir_tensor *const *in, ir_tensor **out, ir_diag *d)
{
    for (uint32_t i = 0; i < g->n_inputs; i++)
        g->values[g->inputs[i]].shape = in[i]->shape;
    pass_report r;
    pass_report_init(&r);
    ir_status st = passes_optimize(g, NULL, &r, d);
    bool again = true; /* as `onnxc run`: specialize on inputs deciding shapes or modes */
    while (!st && !(st = passes_specialize_inputs(g, in, NULL, &again, d)) && again)
        st = passes_optimize(g, NULL, &r, d);
    pass_report_free(&r);
    for (uint32_t v = 0; !st && v < g->n_values; v++)
        if (!ir_shape_static(&g->values[v].shape)) /* compiled code needs static shapes */
            st = ir_fail(d, IR_ERR_UNSUPPORTED, "value '%s' has a data-dependent shape: only the reference engine "
                         "runs it", ir_q(g->values[v].name));
    if (st)
        return st;
    cg_jit *j = NULL;
    const void *model = NULL;
    cg_options o = cg_options_default();
    if (!st)
        st = cg_jit_build(g, &o, &j, &model, d);
    onnxc_ctx *c = st ? NULL : onnxc_create(model, 1, NULL);
    if (!st && !c)
        st = ir_fail(d, IR_ERR_INTERNAL, "onnxc_create failed");
    const void *ip[64];
    void *op[64];
    for (uint32_t i = 0; !st && i < g->n_inputs; i++)
        ip[i] = in[i]->data;
    for (uint32_t i = 0; !st && i < g->n_outputs; i++) {
        const ir_value *v = &g->values[g->outputs[i]];
        out[i] = ir_tensor_alloc(v->dtype, &v->shape);
        op[i] = out[i] ? out[i]->data : NULL;
        if (!out[i])
            st = ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    if (!st && onnxc_run(c, ip, op) != ONNXC_OK)
        st = ir_fail(d, IR_ERR_INTERNAL, "run: %.900s", onnxc_error(c));
    onnxc_destroy(c);
    cg_jit_free(j);
    return st;
}

/* A compile failure as unsupported is a skip (listed with its reason) only
 * when the reference engine refuses the run too (random training Dropout):
 * the JIT must run every test the reference engine runs, so refusing one
 * (no lowering for a supported op, a shape it cannot make static) is a
 * failure. */
static ir_status jit_or_ref_skip(const ir_graph *orig_path_g, ir_tensor *const *in, ir_tensor **got, ir_diag *d)
{
    ir_graph *g = (ir_graph *)orig_path_g;
    ir_status st = jit_run(g, in, got, d);
    if (st != IR_ERR_UNSUPPORTED)
        return st;
    char msg[sizeof d->msg];
    snprintf(msg, sizeof msg, "%s", d->msg);
    ir_tensor *tmp[64] = {0};
    ir_status rs = ir_ref_run(g, in, tmp, NULL, NULL, d);
    for (uint32_t i = 0; i < g->n_outputs && i < 64; i++)
        ir_tensor_release(tmp[i]);
    if (rs == IR_ERR_UNSUPPORTED)
        return ir_fail(d, rs, "%.1000s", msg);
    return ir_fail(d, IR_ERR_INTERNAL, "the JIT refuses what the reference engine runs: %.1000s", msg);
}

/* Runs one test_data_set directory; returns true on pass. */
static bool run_set(const ir_graph *g, const char *set_dir, const char *test_name, bool *skipped, char *why,
                    size_t wn)
{
    char dir[4096]; /* tu_path's buffers rotate: keep our own copy */
    snprintf(dir, sizeof dir, "%s", set_dir);
    ir_tensor *in[64] = {0}, *want[64] = {0}, *got[64] = {0};
    bool ok = g->n_inputs <= 64 && g->n_outputs <= 64;
    ir_diag d = {0};
    if (!ok)
        snprintf(why, wn, "too many inputs/outputs");
    for (uint32_t i = 0; ok && i < g->n_inputs; i++)
        if (onnx_read_tensor_pb(tu_path("%s/input_%u.pb", dir, i), &in[i], NULL, &d)) {
            snprintf(why, wn, "input %u: %.1000s", i, d.msg);
            ok = false;
        }
    for (uint32_t i = 0; ok && i < g->n_outputs; i++)
        if (onnx_read_tensor_pb(tu_path("%s/output_%u.pb", dir, i), &want[i], NULL, &d)) {
            snprintf(why, wn, "output %u: %.1000s", i, d.msg);
            ok = false;
        }
    /* ONNX's test data stores bfloat16 tensors as uint16 (numpy has no
     * bfloat16): same bits, relabelled */
    for (uint32_t i = 0; ok && i < g->n_inputs; i++)
        if (in[i]->dtype == IR_U16 && g->values[g->inputs[i]].dtype == IR_BF16)
            in[i]->dtype = IR_BF16;
    for (uint32_t i = 0; ok && i < g->n_outputs; i++)
        if (want[i]->dtype == IR_U16 && g->values[g->outputs[i]].dtype == IR_BF16)
            want[i]->dtype = IR_BF16;
    ir_status st = ok ? (use_jit ? jit_or_ref_skip(g, in, got, &d) : ir_ref_run(g, in, got, NULL, NULL, &d)) : IR_OK;
    if (st == IR_ERR_UNSUPPORTED) {
        add_skip(test_name, d.msg);
        *skipped = true;
        ok = false;
    } else if (st) {
        snprintf(why, wn, "run: %.1000s", d.msg);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < g->n_outputs; i++) {
        char w[200];
        if (!tensors_close(got[i], want[i], w, sizeof w)) {
            snprintf(why, wn, "output %u '%.100s': %.200s", i, g->values[g->outputs[i]].name, w);
            ok = false;
        }
    }
    for (int i = 0; i < 64; i++) {
        ir_tensor_release(in[i]);
        ir_tensor_release(want[i]);
        ir_tensor_release(got[i]);
    }
    return ok;
}

/* Tests whose data contradicts their own model (checked by hand). */
static const char *const inconsistent[] = {
    "test_castlike_FLOAT_to_BFLOAT16_expanded", /* input 'like' declared [3,4], data is [1] */
    "test_castlike_BFLOAT16_to_FLOAT_expanded", /* the same */
    NULL,
};

/* Returns 1 pass, 0 fail, -1 skip. */
static int run_test(const char *root, const char *name, char *why, size_t wn)
{
    for (int i = 0; inconsistent[i]; i++)
        if (!strcmp(name, inconsistent[i])) {
            add_skip(name, "the test's data contradicts its model's declared input shape");
            return -1;
        }
    ir_graph *g = NULL;
    ir_diag d = {0};
    ir_status st = onnx_load_file(tu_path("%s/%s/model.onnx", root, name), NULL, &g, &d);
    if (st == IR_ERR_UNSUPPORTED) {
        add_skip(name, d.msg);
        return -1;
    }
    if (st) {
        snprintf(why, wn, "load: %.1000s", d.msg);
        return 0;
    }
    char *sets[64];
    int ns = list_dir(tu_path("%s/%s", root, name), "test_data_set_", sets, 64);
    bool ok = ns > 0, skipped = false;
    if (!ns)
        snprintf(why, wn, "no test_data_set");
    for (int i = 0; i < ns; i++) {
        if (ok)
            ok = run_set(g, tu_path("%s/%s/%s", root, name, sets[i]), name, &skipped, why, wn);
        free(sets[i]);
    }
    ir_graph_free(g);
    return skipped ? -1 : ok;
}

static void test_node_conformance(void)
{
    const char *root = ONNXC_TESTDATA_DIR "/node";
    const char *filter = getenv("CONF_FILTER");
    bool verbose = getenv("CONF_VERBOSE") != NULL;
    static char *tests[MAX_TESTS];
    int n = list_dir(root, "test_", tests, MAX_TESTS), pass = 0, fail = 0, skip = 0;
    CU_ASSERT(n > 0);
    for (int i = 0; i < n; i++) {
        if (filter && !strstr(tests[i], filter)) {
            free(tests[i]);
            continue;
        }
        char why[1500] = "";
        int r = run_test(root, tests[i], why, sizeof why);
        if (r > 0)
            pass++;
        else if (r < 0)
            skip++;
        else
            fail++;
        if (r == 0 || (verbose && r > 0))
            printf("%s %s%s%s\n", r > 0 ? "PASS" : "FAIL", tests[i], r ? "" : ": ", why);
        free(tests[i]);
    }
    printf("\nskipped, by reason:\n");
    for (int i = 0; i < n_skip_groups; i++)
        printf("  %4d  %s  (e.g. %s)\n", skips[i].count, skips[i].reason, skips[i].first);
    printf("\nONNX node conformance (%s): %d passed, %d failed, %d skipped\n",
           use_jit ? "LLVM JIT" : "reference engine", pass, fail, skip);
    CU_ASSERT_EQUAL(fail, 0);
}

int main(int argc, char **argv)
{
    use_jit = argc > 1 && !strcmp(argv[1], "jit");
    static const tu_case cases[] = {{"node_conformance", test_node_conformance}, {NULL, NULL}};
    return tu_run("conformance", cases);
}
