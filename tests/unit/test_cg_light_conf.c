/* test_cg_light_conf.c - ONNX's backend node tests (libonnx-testdata)
 * through the compiled path, run natively: for every test_<name>/ whose
 * model loads, the graph inputs are bound to the test data's shapes, the
 * graph is lowered (as loaded, and again after passes_optimize) with
 * cg_program_build, every node's tasks run with the native builds of the
 * kernel templates (test_cg_light_run.h), and each output is compared with
 * output_N.pb within rtol 1e-3, atol 1e-5 - the criterion the reference
 * engine meets in test_conformance.c. A third pass compiles the optimized
 * graph with LLVM in memory (cg_jit_build) and runs the model's tasks.
 *
 * A test is "unlowerable" when the compiler refuses a node (an op or form
 * it lacks) or a node's kernel has no native build here; those are grouped
 * by reason. Any failure of a lowered test is a bug: the suite fails on
 * one. Tests the reference engine cannot run or match either are counted
 * apart. CONF_FILTER=substring, CONF_VERBOSE=1 as in test_conformance.c;
 * CONF_SKIP_KERNELS=conv,gemm counts tests using those kernels as
 * unlowerable (to isolate one family's kernels, e.g. under a sanitizer). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "passes.h"
#include "test_cg_light_run.h"
#include "testutil.h"

#define MAX_TESTS 4096

enum { R_PASS, R_FAIL, R_UNLOWERABLE, R_SKIP, R_REF_FAILS, R_COUNT };

typedef struct {
    char reason[120];
    int count;
    char first[64];
} group;

#define N_MODES 3
static const char *const mode_names[N_MODES] = {"as loaded", "optimized", "optimized, LLVM JIT"};
static group groups[N_MODES][256];
static int n_groups[N_MODES];

static void add_group(int mode, const char *test, const char *msg)
{
    char r[120];
    snprintf(r, sizeof r, "%.119s", msg);
    char *cut = strstr(r, " (first at");
    if (cut)
        *cut = 0;
    if (!strncmp(r, "node '", 6) && (cut = strstr(r + 6, "' (")))
        memmove(r, cut + 3, strlen(cut + 3) + 1); /* drop the node's name */
    for (int i = 0; i < n_groups[mode]; i++)
        if (!strcmp(groups[mode][i].reason, r)) {
            groups[mode][i].count++;
            return;
        }
    if (n_groups[mode] < 256) {
        group *g = &groups[mode][n_groups[mode]++];
        memcpy(g->reason, r, sizeof r);
        snprintf(g->first, sizeof g->first, "%.63s", test);
        g->count = 1;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

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

typedef struct {
    ir_tensor *in[64], *want[64], *got[64], *ref[64];
} set_data;

static void set_free(set_data *s)
{
    for (int i = 0; i < 64; i++) {
        ir_tensor_release(s->in[i]);
        ir_tensor_release(s->want[i]);
        ir_tensor_release(s->got[i]);
        ir_tensor_release(s->ref[i]);
    }
}

/* Loads the model with its inputs bound to the data's shapes. */
static ir_status load_bound(const char *model, set_data *s, ir_graph **out, ir_diag *d)
{
    ir_graph *g = NULL;
    ir_status st = onnx_load_file(model, NULL, &g, d);
    for (uint32_t i = 0; !st && i < g->n_inputs; i++) {
        ir_value *v = &g->values[g->inputs[i]];
        if (s->in[i]->dtype == IR_U16 && v->dtype == IR_BF16)
            s->in[i]->dtype = IR_BF16; /* ONNX's test data stores bfloat16 as uint16 */
        v->shape = s->in[i]->shape;
    }
    if (!st)
        st = ir_infer_shapes(g, d);
    for (uint32_t k = 0; !st && k < g->n_outputs; k++)
        if (s->want[k]->dtype == IR_U16 && g->values[g->outputs[k]].dtype == IR_BF16)
            s->want[k]->dtype = IR_BF16;
    if (st)
        ir_graph_free(g);
    *out = st ? NULL : g;
    return st;
}

static bool read_set(const char *dir, uint32_t n_in, uint32_t n_out, set_data *s)
{
    ir_diag d;
    for (uint32_t i = 0; i < n_in; i++)
        if (onnx_read_tensor_pb(tu_path("%s/input_%u.pb", dir, i), &s->in[i], NULL, &d))
            return false;
    for (uint32_t i = 0; i < n_out; i++)
        if (onnx_read_tensor_pb(tu_path("%s/output_%u.pb", dir, i), &s->want[i], NULL, &d))
            return false;
    return true;
}

static bool outputs_match(const ir_graph *g, ir_tensor *const *got, ir_tensor *const *want,
                          char *why, size_t wn)
{
    for (uint32_t k = 0; k < g->n_outputs; k++) {
        char w[300];
        if (!got[k] || !lt_close(got[k], want[k], 1e-3, 1e-5, w, sizeof w)) {
            snprintf(why, wn, "output %u: %s", k, got[k] ? w : "missing");
            return false;
        }
    }
    return true;
}

/* Is kernel k listed in $CONF_SKIP_KERNELS ("conv,gemm")? */
static bool skipped_kernel(const char *k)
{
    const char *s = getenv("CONF_SKIP_KERNELS");
    size_t n = strlen(k);
    for (const char *q = s; q && (q = strstr(q, k)); q += n)
        if ((q == s || q[-1] == ',') && (q[n] == ',' || !q[n]))
            return true;
    return false;
}

/* The node whose kernel has no native build here (or is skipped), or NULL. */
static const char *missing_kernel(const cg_program *p)
{
    for (uint32_t i = 0; i < p->g->n_nodes; i++)
        if (!lt_find(p->nodes[i].kernel) || skipped_kernel(p->nodes[i].kernel))
            return p->nodes[i].kernel;
    return NULL;
}

/* One data set in one mode (0: as loaded, 1: optimized, 2: optimized and
 * compiled by LLVM in memory, the model's tasks run by lt_run_jit). */
static int run_mode(const char *model, const char *name, const char *dir, int mode, char *why,
                    size_t wn)
{
    ir_graph *g0 = NULL, *g = NULL;
    ir_diag d = {0};
    set_data s = {{0}};
    if (onnx_load_file(model, NULL, &g0, &d))
        return R_SKIP;
    bool ok =
        g0->n_inputs <= 64 && g0->n_outputs <= 64 && read_set(dir, g0->n_inputs, g0->n_outputs, &s);
    int r = R_SKIP;
    if (ok && !load_bound(model, &s, &g, &d)) {
        pass_options o = pass_options_default();
        pass_report rep;
        pass_report_init(&rep);
        ir_status st = mode ? passes_optimize(g, &o, &rep, &d) : IR_OK;
        pass_report_free(&rep);
        cg_program *p = NULL;
        if (!st)
            st = cg_program_build(g, 2, &p, &d);
        const char *mk = p && mode < 2 ? missing_kernel(p) : NULL;
        if (st == IR_ERR_UNSUPPORTED || mk) {
            char msg[200];
            snprintf(msg, sizeof msg, mk ? "kernel '%s' not run natively here" : "%s",
                     mk ? mk : d.msg);
            add_group(mode, name, msg);
            r = R_UNLOWERABLE;
        } else if (st) {
            snprintf(why, wn, "%s: %.1000s", mode_names[mode], d.msg);
            r = R_FAIL;
        } else if (!(mode < 2 ? lt_run(g, p, s.in, s.got, why, wn)
                              : lt_run_jit(g, s.in, s.got, why, wn)) ||
                   !outputs_match(g, s.got, s.want, why, wn)) {
            bool ref_ok = !ir_ref_run(g0, s.in, s.ref, NULL, NULL, &d) &&
                          outputs_match(g0, s.ref, s.want, why, wn);
            r = ref_ok ? R_FAIL : R_REF_FAILS;
        } else {
            r = R_PASS;
        }
        cg_program_free(p);
    }
    set_free(&s);
    ir_graph_free(g);
    ir_graph_free(g0);
    return r;
}

static const char *const inconsistent[] = {"test_castlike_FLOAT_to_BFLOAT16_expanded",
                                           "test_castlike_BFLOAT16_to_FLOAT_expanded", NULL};

/* Worst result over the test's data sets in one mode. */
static int run_test(const char *root, const char *name, int mode, char *why, size_t wn)
{
    for (int i = 0; inconsistent[i]; i++)
        if (!strcmp(name, inconsistent[i]))
            return R_SKIP;
    char model[4096], *sets[64];
    snprintf(model, sizeof model, "%s/%s/model.onnx", root, name);
    int ns = list_dir(tu_path("%s/%s", root, name), "test_data_set_", sets, 64),
        r = ns ? R_PASS : R_SKIP;
    for (int i = 0; i < ns; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s/%s", root, name, sets[i]);
        if (r == R_PASS)
            r = run_mode(model, name, dir, mode, why, wn);
        free(sets[i]);
    }
    return r;
}

static void test_native_conformance(void)
{
    const char *root = ONNXC_TESTDATA_DIR "/node";
    const char *filter = getenv("CONF_FILTER");
    bool verbose = getenv("CONF_VERBOSE") != NULL;
    static char *tests[MAX_TESTS];
    int n = list_dir(root, "test_", tests, MAX_TESTS), count[N_MODES][R_COUNT] = {{0}};
    CU_ASSERT(n > 0);
    for (int i = 0; i < n; i++) {
        for (int mode = 0; mode < N_MODES && (!filter || strstr(tests[i], filter)); mode++) {
            char why[1500] = "";
            int r = run_test(root, tests[i], mode, why, sizeof why);
            count[mode][r]++;
            if (r == R_FAIL || (verbose && r != R_UNLOWERABLE && r != R_SKIP))
                printf("%s (%s) %s%s%s\n",
                       r == R_PASS   ? "PASS"
                       : r == R_FAIL ? "FAIL"
                                     : "REF-FAILS-TOO",
                       mode_names[mode], tests[i], r == R_PASS ? "" : ": ", r == R_PASS ? "" : why);
        }
        free(tests[i]);
    }
    for (int mode = 0; mode < N_MODES; mode++) {
        printf("\n%s: unlowerable, by reason:\n", mode_names[mode]);
        for (int i = 0; i < n_groups[mode]; i++)
            printf("  %4d  %s  (e.g. %s)\n", groups[mode][i].count, groups[mode][i].reason,
                   groups[mode][i].first);
        printf("ONNX node conformance, compiled path (%s): %d passed, %d failed, %d unlowerable, "
               "%d not loadable, %d where the reference fails too\n",
               mode_names[mode], count[mode][R_PASS], count[mode][R_FAIL],
               count[mode][R_UNLOWERABLE], count[mode][R_SKIP], count[mode][R_REF_FAILS]);
        CU_ASSERT_EQUAL(count[mode][R_FAIL], 0);
    }
}

int main(void)
{
    static const tu_case cases[] = {{"native_conformance", test_native_conformance}, {NULL, NULL}};
    return tu_run("cg_light_conf", cases);
}
