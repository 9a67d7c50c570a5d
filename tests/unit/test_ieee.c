/* test_ieee.c - NaN and infinities through compiled models.
 *
 * Inputs holding NaN, +Inf and -Inf run through small models with the ops
 * DETR compiles (Conv + bias + ReLU, MaxPool, MatMul + bias, Softmax,
 * LayerNormalization, multi-head attention exported from PyTorch), once
 * optimized and compiled with LLVM and run by the runtime on 2 threads (as
 * `onnxc run` and compiled executables do), once by the reference engine on
 * the original graph. Every output element must be of the same class (NaN,
 * +Inf, -Inf, finite) in both, finite ones within rtol 1e-4, atol 1e-5, and
 * nothing may trap (floating-point exceptions stay masked, as IEEE 754's
 * default; a SIGFPE would end the test).
 *
 * What IEEE 754 fixes and what it leaves to the op, as onnxc implements it
 * (the reference kernels and the compiled ones alike):
 *  - sums and products: NaN in, NaN out; Inf * 0 and Inf - Inf are NaN, so
 *    a convolution or matrix product over one +Inf gives +Inf, -Inf or NaN
 *    depending on the weights' signs and zeros;
 *  - ReLU and MaxPool propagate NaN (as PyTorch and numpy's maximum do),
 *    unlike C's fmax and IEEE 754-2008's maxNum, which return the number;
 *  - Softmax computes exp(x - max): a row holding +Inf becomes NaN
 *    (Inf - Inf), -Inf entries get probability 0, a row of only -Inf is
 *    NaN (0 / 0); LayerNorm's statistics make a whole row NaN from one NaN
 *    or Inf; attention spreads a NaN key or value to every query. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "frontend.h"
#include "kernels.h"
#include "onnxc_rt.h"
#include "passes.h"
#include "testutil.h"

#define ATTN_DIR ONNXC_BUILD_DIR "/models/attention/"

static uint32_t rng = 2024;
static float urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

/* Text IR: head, then "const %NAME : f32[DIMS] = [...]" for each
 * {NAME, DIMS} with random values in [-1, 1), then body (malloc'd). */
static char *graph_text(const char *head, const char *const (*consts)[2], int nc, const char *body)
{
    size_t len = 1 << 16, o = (size_t)snprintf(NULL, 0, "%s", head);
    char *t = malloc(len);
    snprintf(t, len, "%s", head);
    for (int c = 0; c < nc; c++) {
        o += (size_t)snprintf(t + o, len - o, "const %%%s : f32[%s] = [", consts[c][0], consts[c][1]);
        int64_t n = 1;
        for (const char *p = consts[c][1]; *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
            n *= atoi(p);
        for (int64_t i = 0; i < n && o < len; i++)
            o += (size_t)snprintf(t + o, len - o, "%s%.6g", i ? ", " : "", urand());
        o += (size_t)snprintf(t + o, len - o, "]\n");
    }
    snprintf(t + o, len - o, "%s", body);
    return t;
}

/* Conv 3->8 (3x3, pad 1) + bias + ReLU, then MaxPool 2x2; both outputs. */
static char *cnn_text(void)
{
    static const char *const c[][2] = {{"w", "8,3,3,3"}, {"b", "8"}};
    return graph_text("opset ai.onnx 17\ninput %x : f32[1,3,10,10]\n", c, 2,
                      "%c : f32[?] = Conv(%x, %w, %b) {kernel_shape=[3,3], pads=[1,1,1,1]}  # conv\n"
                      "%r : f32[?] = Relu(%c)  # relu\n"
                      "%p : f32[?] = MaxPool(%r) {kernel_shape=[2,2], strides=[2,2]}  # pool\n"
                      "output %r : f32[?]\noutput %p : f32[?]\n");
}

/* MatMul + bias, Softmax over its rows, LayerNormalization of the input. */
static char *dense_text(void)
{
    static const char *const c[][2] = {{"w", "32,24"}, {"b", "24"}, {"g", "32"}, {"h", "32"}};
    return graph_text("opset ai.onnx 17\ninput %x : f32[6,32]\n", c, 4,
                      "%m : f32[?] = MatMul(%x, %w)  # mm\n%y : f32[?] = Add(%m, %b)  # bias\n"
                      "%s : f32[?] = Softmax(%x) {axis=-1}  # sm\n"
                      "%n : f32[?] = LayerNormalization(%x, %g, %h) {axis=-1, epsilon=1e-5}  # ln\n"
                      "output %y : f32[?]\noutput %s : f32[?]\noutput %n : f32[?]\n");
}

static ir_graph *load(const char *what)
{
    ir_graph *g = NULL;
    ir_diag d = {0};
    ir_status st;
    if (strncmp(what, "opset ", 6)) { /* a path, not text IR */
        onnx_load_opts o = {0};
        st = onnx_load_file(what, &o, &g, &d);
    } else {
        st = ir_parse(what, &g, &d);
        if (!st)
            st = ir_infer_shapes(g, &d);
    }
    if (st)
        fprintf(stderr, "\n  load: %s\n", d.msg);
    return st ? NULL : g;
}

/* Optimizes g, compiles it with LLVM, runs it on 2 threads. */
static ir_status run_compiled(ir_graph *g, ir_tensor *const *in, ir_tensor **out, ir_diag *d)
{
    pass_report r;
    pass_report_init(&r);
    ir_status st = passes_optimize(g, NULL, &r, d);
    pass_report_free(&r);
    cg_jit *j = NULL;
    const void *model = NULL;
    cg_options o = cg_options_default();
    if (!st)
        st = cg_jit_build(g, &o, &j, &model, d);
    onnxc_ctx *c = st ? NULL : onnxc_create(model, 2, NULL);
    if (!st && !c)
        st = ir_fail(d, IR_ERR_INTERNAL, "onnxc_create failed");
    const void *ip[8];
    void *op[8];
    for (uint32_t i = 0; !st && i < g->n_inputs; i++)
        ip[i] = in[i]->data;
    for (uint32_t k = 0; !st && k < g->n_outputs; k++) {
        const ir_value *v = &g->values[g->outputs[k]];
        out[k] = ir_tensor_alloc(v->dtype, &v->shape);
        op[k] = out[k]->data;
    }
    if (!st && onnxc_run(c, ip, op) != ONNXC_OK)
        st = ir_fail(d, IR_ERR_INTERNAL, "run: %.900s", onnxc_error(c));
    onnxc_destroy(c);
    cg_jit_free(j);
    return st;
}

enum { FINITE, NAN_, PINF, NINF };
static const char *const class_names[] = {"finite", "NaN", "+Inf", "-Inf"};

static int fp_class(double x)
{
    return isnan(x) ? NAN_ : isinf(x) ? (x > 0 ? PINF : NINF) : FINITE;
}

/* Same class everywhere, finite values close; counts the special ones. */
static bool same(const ir_tensor *got, const ir_tensor *want, const char *what, int64_t *special)
{
    for (int64_t i = 0, n = ir_tensor_numel(want); i < n; i++) {
        double a = ir_tensor_get_f64(got, i), b = ir_tensor_get_f64(want, i);
        int ca = fp_class(a), cb = fp_class(b);
        if (ca != cb || (cb == FINITE && !(fabs(a - b) <= 1e-5 + 1e-4 * fabs(b)))) {
            fprintf(stderr, "\n  %s: element %lld is %.9g (%s), the reference engine's %.9g (%s)\n", what,
                    (long long)i, a, class_names[ca], b, class_names[cb]);
            return false;
        }
        *special += cb != FINITE;
    }
    return true;
}

typedef struct {
    double value;  /* put at every stride-th element from first */
    int64_t first, stride;
} poison;

/* Runs model (text IR or .onnx) with input `which` poisoned; the others are
 * random. Returns how many output elements are not finite. */
static int64_t check(const char *model, uint32_t which, const poison *p, int np)
{
    ir_graph *gr = load(model), *gc = load(model);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gc);
    ir_tensor *in[8] = {0}, *want[8] = {0}, *got[8] = {0};
    for (uint32_t i = 0; i < gr->n_inputs; i++) {
        const ir_value *v = &gr->values[gr->inputs[i]];
        in[i] = ir_tensor_alloc(v->dtype, &v->shape);
        float *x = in[i]->data;
        int64_t n = ir_tensor_numel(in[i]);
        for (int64_t e = 0; e < n; e++)
            x[e] = urand();
        for (int k = 0; i == which && k < np; k++)
            for (int64_t e = p[k].first; e < n; e += p[k].stride)
                x[e] = (float)p[k].value;
    }
    ir_diag d = {0};
    ir_status st = ir_ref_run(gr, in, want, NULL, NULL, &d);
    if (st)
        fprintf(stderr, "\n  reference: %s\n", d.msg);
    CU_ASSERT_EQUAL(st, IR_OK);
    ir_status sc = run_compiled(gc, in, got, &d);
    if (sc)
        fprintf(stderr, "\n  compiled: %s\n", d.msg);
    CU_ASSERT_EQUAL(sc, IR_OK);
    int64_t special = 0;
    for (uint32_t k = 0; !st && !sc && k < gr->n_outputs; k++) {
        char what[160];
        snprintf(what, sizeof what, "%.60s output '%s'", strncmp(model, "opset ", 6) ? model : "graph",
                 gr->values[gr->outputs[k]].name);
        CU_ASSERT(same(got[k], want[k], what, &special));
    }
    for (int i = 0; i < 8; i++) {
        ir_tensor_release(in[i]);
        ir_tensor_release(want[i]);
        ir_tensor_release(got[i]);
    }
    ir_graph_free(gr);
    ir_graph_free(gc);
    return special;
}

static const poison p_nan[] = {{NAN, 7, 53}}, p_pinf[] = {{INFINITY, 11, 61}},
                    p_ninf[] = {{-INFINITY, 3, 47}},
                    p_mixed[] = {{NAN, 5, 97}, {INFINITY, 20, 89}, {-INFINITY, 41, 83}};
#define P(x) x, (int)(sizeof x / sizeof *x)

static void test_cnn(void)
{
    char *t = cnn_text();
    /* each case changes some outputs, never all of them */
    int64_t n[4] = {check(t, 0, P(p_nan)), check(t, 0, P(p_pinf)), check(t, 0, P(p_ninf)),
                    check(t, 0, P(p_mixed))};
    for (int i = 0; i < 4; i++)
        CU_ASSERT(n[i] > 0 && n[i] < 8 * 100 + 8 * 25);
    free(t);
}

static void test_dense(void)
{
    char *t = dense_text();
    int64_t n[4] = {check(t, 0, P(p_nan)), check(t, 0, P(p_pinf)), check(t, 0, P(p_ninf)),
                    check(t, 0, P(p_mixed))};
    for (int i = 0; i < 4; i++)
        CU_ASSERT(n[i] > 0 && n[i] < 3 * 6 * 32);
    /* Softmax rows: one -Inf (probability 0, the rest finite), all -Inf
     * (0/0: NaN), one +Inf (Inf - Inf: NaN) */
    static const poison row_ninf[] = {{-INFINITY, 32 * 1 + 4, 1000}},
                        row_all_ninf[] = {{-INFINITY, 32 * 2, 1}},
                        row_pinf[] = {{INFINITY, 32 * 5 + 9, 1000}};
    CU_ASSERT(check(t, 0, P(row_ninf)) > 0);
    CU_ASSERT(check(t, 0, P(row_all_ninf)) > 0);
    CU_ASSERT(check(t, 0, P(row_pinf)) > 0);
    free(t);
}

/* Elementwise Max/Min and ReduceMax: IEEE 754-2008's maxNum (C's fmax)
 * would return the number; onnxc propagates NaN, as numpy's maximum and
 * PyTorch do (ONNX leaves it open). */
static void test_max_min(void)
{
    static const char t[] = "opset ai.onnx 17\ninput %a : f32[4,37]\ninput %b : f32[37]\n"
                            "%x : f32[?] = Max(%a, %b)  # max\n%n : f32[?] = Min(%a, %b)  # min\n"
                            "%r : f32[?] = ReduceMax(%a) {axes=[1], keepdims=0}  # rmax\n"
                            "output %x : f32[?]\noutput %n : f32[?]\noutput %r : f32[?]\n";
    CU_ASSERT(check(t, 0, P(p_mixed)) > 0);
    CU_ASSERT(check(t, 1, P(p_mixed)) > 0);
    CU_ASSERT(check(t, 0, P(p_nan)) > 0);
}

/* PyTorch's MultiheadAttention + residual + LayerNorm (tests/models/
 * gen_attention.py), fused into one Attention node when compiled: a NaN
 * query spoils its own row, a NaN key or value every row. */
static void test_attention(void)
{
    static const poison q1[] = {{NAN, 16 * 1 + 3, 1000}}, qinf[] = {{INFINITY, 16 * 2 + 5, 1000}},
                        kv[] = {{NAN, 16 * 3 + 7, 1000}}, kvinf[] = {{-INFINITY, 16 * 4 + 1, 1000}};
    const char *cross = ATTN_DIR "mha_cross_op12.onnx", *self = ATTN_DIR "mha_self_op12.onnx";
    int64_t row = check(cross, 0, P(q1)); /* x: the queries */
    CU_ASSERT(row > 0 && row < 5 * 16);
    CU_ASSERT(check(cross, 0, P(qinf)) > 0);
    CU_ASSERT(check(cross, 2, P(kv)) > 0); /* mem: keys and values */
    CU_ASSERT(check(cross, 2, P(kvinf)) > 0);
    CU_ASSERT(check(self, 0, P(p_mixed)) > 0);
}

int main(void)
{
    static const tu_case cases[] = {
        {"cnn", test_cnn},
        {"dense", test_dense},
        {"max_min", test_max_min},
        {"attention", test_attention},
        {NULL, NULL},
    };
    return tu_run("ieee", cases);
}
