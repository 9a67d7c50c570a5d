/* test_cg_dense.c - the dense kernels (convolution, GEMM, attention,
 * normalization) run natively, node by node, against the reference engine.
 *
 * Each case is a small graph in the text IR with odd sizes (not multiples of
 * the vector width or of the microkernel's tile), lowered with
 * cg_program_build; every task of every node is run in reverse order with a
 * scratch area poisoned with NaN before each task (so no task relies on
 * another or on zeroed scratch), and every buffer - inputs, outputs, the
 * arena, the scratch - carries guard bytes that must survive. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "kabi.h"
#include "kernels.h"
#include "testutil.h"

KERNEL(gemm);
KERNEL(gemm_multi);
KERNEL(conv);
KERNEL(wino);
KERNEL(wino_prep);
KERNEL(attn);
KERNEL(layernorm);
KERNEL(softmax);

#define GUARD 256
#define GUARD_BYTE 0xa5

typedef void (*kfn)(const void *d, void *const *bufs, int64_t task, void *scratch);
#define WRAP(name)                                                                                                 \
    static void run_##name(const void *d, void *const *bufs, int64_t task, void *scratch)                        \
    {                                                                                                              \
        onnxc_k_##name(d, bufs, task, scratch);                                                                    \
    }
WRAP(gemm)
WRAP(gemm_multi)
WRAP(conv)
WRAP(wino)
WRAP(wino_prep)
WRAP(attn)
WRAP(layernorm)
WRAP(softmax)

static const struct {
    const char *name;
    kfn fn;
} kernel_table[] = {{"gemm", run_gemm},     {"gemm_multi", run_gemm_multi}, {"conv", run_conv},
                    {"wino", run_wino},     {"wino_prep", run_wino_prep},
                    {"attn", run_attn},     {"layernorm", run_layernorm},   {"softmax", run_softmax}};

static kfn find_kernel(const char *name)
{
    for (size_t i = 0; i < sizeof kernel_table / sizeof *kernel_table; i++)
        if (!strcmp(kernel_table[i].name, name))
            return kernel_table[i].fn;
    return NULL;
}

/* ---- guarded buffers ---------------------------------------------------- */

static void *guarded(size_t bytes)
{
    unsigned char *p = aligned_alloc(64, (bytes + GUARD + 63) / 64 * 64);
    if (p)
        memset(p + bytes, GUARD_BYTE, GUARD);
    return p;
}

static bool guard_ok(const void *p, size_t bytes)
{
    const unsigned char *g = (const unsigned char *)p + bytes;
    for (size_t i = 0; i < GUARD; i++)
        if (g[i] != GUARD_BYTE)
            return false;
    return true;
}

static uint32_t rng = 12345;
static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* ---- running a graph both ways ------------------------------------------ */

static int vec_bits; /* target vector width for the lowering (0: 512) */
static cg_precision precision; /* of the lowering; bf16 cases also check that node 0 uses bf16 */
static bool bf16_ref;          /* the reference sees node 0's inputs 0 and 1 rounded to bf16 */

static ir_graph *parse(const char *text)
{
    ir_graph *g = NULL;
    ir_diag d;
    if (ir_parse(text, &g, &d) || ir_infer_shapes(g, &d)) {
        fprintf(stderr, "\n  %s\n", d.msg);
        ir_graph_free(g);
        return NULL;
    }
    return g;
}

static size_t value_bytes(const ir_graph *g, int32_t v)
{
    return (size_t)ir_shape_numel(&g->values[v].shape) * ir_dtype_size(g->values[v].dtype);
}

/* Runs every task of every node of p natively, last task first. */
static bool run_program(const cg_program *p, void **bufs)
{
    uint64_t sb = p->scratch_bytes ? p->scratch_bytes : 64;
    float *scratch = guarded(sb);
    bool ok = scratch != NULL;
    for (uint32_t i = 0; ok && i < p->n_bufs; i++) { /* what onnxc_create does: the prepared buffers first */
        const cg_lowered *l = p->bufs[i].prep;
        if (p->bufs[i].kind != ONNXC_BUF_PREPARED)
            continue;
        kfn fn = l ? find_kernel(l->kernel) : NULL;
        CU_ASSERT(fn && bufs[i]);
        if (!fn || !bufs[i]) {
            ok = false;
            break;
        }
        for (int64_t t = l->n_tasks - 1; t >= 0; t--)
            fn(l->desc, bufs, t, scratch);
    }
    for (uint32_t i = 0; ok && i < p->g->n_nodes; i++)
        for (const cg_lowered *l = &p->nodes[i]; ok && l; l = l->next) {
            kfn fn = find_kernel(l->kernel);
            if (!fn) {
                fprintf(stderr, "\n  no native kernel %s\n", l->kernel);
                ok = false;
                break;
            }
            CU_ASSERT(l->scratch_bytes <= sb);
            for (int64_t t = l->n_tasks - 1; t >= 0; t--) {
                for (uint64_t k = 0; k < sb / 4; k++)
                    scratch[k] = NAN;
                fn(l->desc, bufs, t, scratch);
            }
        }
    if (scratch && !guard_ok(scratch, sb)) {
        fprintf(stderr, "\n  scratch overrun\n");
        ok = false;
    }
    free(scratch);
    return ok;
}

static bool close_enough(const float *a, const float *b, int64_t n, double rtol, double atol)
{
    double worst = 0;
    int64_t at = -1;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]), lim = atol + rtol * fabs((double)b[i]);
        if (!(e <= lim) && !(isnan(a[i]) && isnan(b[i])) && (at < 0 || e > worst)) {
            worst = e;
            at = i;
        }
    }
    if (at >= 0)
        fprintf(stderr, "\n  element %lld: got %.7g, expected %.7g\n", (long long)at, a[at], b[at]);
    if (getenv("CG_VERBOSE")) {
        double mx = 0, mag = 0;
        for (int64_t i = 0; i < n; i++) {
            mx = fmax(mx, fabs((double)a[i] - (double)b[i]));
            mag += fabs((double)b[i]) / (double)n;
        }
        fprintf(stderr, " [%lld values of mean size %.3g, max error %.3g]", (long long)n, mag, mx);
    }
    return at < 0;
}

static void round_bf16(float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        union {
            uint32_t u;
            float f;
        } v = {(uint32_t)k_bf16(x[i]) << 16};
        x[i] = v.f;
    }
}

/* Whether lowered node l computes in bf16. */
static bool uses_bf16(const cg_lowered *l)
{
    if (!strcmp(l->kernel, "conv"))
        return ((const struct k_conv *)l->desc)->bf16;
    if (!strcmp(l->kernel, "gemm"))
        return ((const struct k_gemm *)l->desc)->bf16;
    return !strcmp(l->kernel, "gemm_multi") && ((const struct k_gemm_multi *)l->desc)->g[0].bf16;
}

/* With bf16_ref: rounds what node 0 reads as its inputs 0 and 1 (graph
 * inputs in `in`, constants in place: the lowering has packed its copies)
 * for the reference run, so that only the kernel's sums may differ. */
static void round_ref_inputs(ir_graph *g, ir_tensor **in)
{
    const ir_node *n = &g->nodes[0];
    for (uint32_t k = 0; k < 2 && k < n->n_inputs; k++) {
        ir_value *v = &g->values[n->inputs[k]];
        for (uint32_t i = 0; i < g->n_inputs; i++)
            if (g->inputs[i] == n->inputs[k])
                round_bf16(in[i]->data, ir_shape_numel(&v->shape));
        if ((v->flags & IR_VALUE_CONST) && v->data)
            round_bf16(v->data->data, ir_shape_numel(&v->shape));
    }
}

/* An input named kpm... [R, L, S]: an additive key-padding mask as PyTorch
 * builds it, -inf on padded keys. Even rows pad the first 4/7 of the keys
 * (whole key chunks masked: the running softmax starts from nothing), odd
 * rows the last 2/3; the other keys get small finite values. */
static void key_padding(ir_tensor *t)
{
    int64_t rows = t->shape.dims[0], l = t->shape.dims[1], s = t->shape.dims[2];
    float *m = t->data;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < l; i++)
            for (int64_t j = 0; j < s; j++) {
                bool pad = r % 2 == 0 ? j < s * 4 / 7 : j >= s / 3;
                m[(r * l + i) * s + j] = pad ? -INFINITY : 0.25f * frand();
            }
}

/* Parses text, runs it natively and with the reference engine on random
 * inputs and compares every output. The first node must have at least
 * min_tasks tasks (to cover the tiling). */
static void check_graph(const char *text, double rtol, double atol, int64_t min_tasks)
{
    rng = 12345; /* every graph's inputs from the same sequence, whatever ran before */
    ir_graph *g = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_diag d;
    cg_program *p = NULL;
    ir_status st = cg_program_build_prec(g, 2, vec_bits, precision, &p, &d);
    if (st)
        fprintf(stderr, "\n  %s\n", d.msg);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    CU_ASSERT(p->nodes[0].n_tasks >= min_tasks);
    CU_ASSERT(uses_bf16(&p->nodes[0]) == (precision != CG_FP32));
    ir_tensor *in[8] = {0}, *ref[8] = {0};
    void *ins[8] = {0}, *outs[8] = {0}, *copy[8] = {0};
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        int32_t v = g->inputs[i];
        in[i] = ir_tensor_alloc(g->values[v].dtype, &g->values[v].shape);
        if (!strncmp(g->values[v].name, "kpm", 3))
            key_padding(in[i]);
        else
            for (int64_t k = 0; k < ir_shape_numel(&g->values[v].shape); k++)
                ((float *)in[i]->data)[k] = frand();
        ins[i] = guarded(value_bytes(g, v));
        copy[i] = malloc(value_bytes(g, v) + 1);
        memcpy(ins[i], in[i]->data, value_bytes(g, v));
        memcpy(copy[i], in[i]->data, value_bytes(g, v));
    }
    for (uint32_t i = 0; i < g->n_outputs; i++)
        outs[i] = guarded(value_bytes(g, g->outputs[i]));
    void *arena = guarded(p->plan.arena_bytes);
    void **bufs = calloc(p->n_bufs + 1, sizeof *bufs);
    CU_ASSERT(cg_program_alloc_prepared(p));
    cg_program_bind(p, arena, (const void *const *)ins, outs, bufs);
    CU_ASSERT(run_program(p, bufs));
    if (bf16_ref)
        round_ref_inputs(g, in);
    st = ir_ref_run(g, in, ref, NULL, NULL, &d);
    CU_ASSERT_EQUAL(st, IR_OK);
    CU_ASSERT(guard_ok(arena, p->plan.arena_bytes));
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        CU_ASSERT(guard_ok(ins[i], value_bytes(g, g->inputs[i])));
        CU_ASSERT(!memcmp(ins[i], copy[i], value_bytes(g, g->inputs[i])));
    }
    for (uint32_t i = 0; !st && i < g->n_outputs; i++) {
        size_t bytes = value_bytes(g, g->outputs[i]);
        CU_ASSERT(guard_ok(outs[i], bytes));
        CU_ASSERT(close_enough(outs[i], ref[i]->data, (int64_t)(bytes / 4), rtol, atol));
    }
    for (uint32_t i = 0; i < 8; i++) {
        ir_tensor_release(in[i]);
        ir_tensor_release(ref[i]);
        free(ins[i]);
        free(outs[i]);
        free(copy[i]);
    }
    free(arena);
    free(bufs);
    cg_program_free(p);
    ir_graph_free(g);
}

static void check(const char *text) { check_graph(text, 2e-4, 2e-4, 1); }

/* The lowering of the graph's only interesting node fails with st and a
 * message containing want. */
static void check_refused(const char *text, ir_status want_st, const char *want)
{
    ir_graph *g = parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_diag d;
    cg_program *p = NULL;
    CU_ASSERT_EQUAL(cg_program_build(g, 2, &p, &d), want_st);
    TU_ASSERT_CONTAINS(d.msg, want);
    cg_program_free(p);
    ir_graph_free(g);
}

/* ---- convolution -------------------------------------------------------- */

static void test_conv_3x3(void)
{
    check("opset ai.onnx 13\ninput %x : f32[1,5,9,11]\nconst %w : f32[7,5,3,3] = random\n"
          "const %b : f32[7] = random\n"
          "%y : f32[?] = Conv(%x, %w, %b) {kernel_shape=[3,3], pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n");
}

static void test_conv_pointwise_residual_relu(void)
{
    check("opset ai.onnx 13\ninput %x : f32[2,6,7,10]\ninput %r : f32[2,13,7,10]\n"
          "const %w : f32[13,6,1,1] = random\nconst %b : f32[13] = random\n"
          "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {activation=relu}  # c\noutput %y : f32[?]\n");
}

static void test_conv_strided_dilated_padded(void)
{
    check("opset ai.onnx 13\ninput %x : f32[1,3,17,19]\nconst %w : f32[5,3,3,3] = random\n"
          "%y : f32[?] = Conv(%x, %w) {strides=[2,2], dilations=[2,2], pads=[2,1,0,3]}  # c\noutput %y : f32[?]\n");
}

/* Stride-2 convolutions on rows as long as a B panel (runs of up to 48
 * output pixels in the im2col): a 7x7 stem-like and a 1x1 downsample-like
 * convolution, with padding on both sides and odd widths. */
static void test_conv_stride2_wide(void)
{
    check("opset ai.onnx 13\ninput %x : f32[1,3,11,93]\nconst %w : f32[8,3,7,7] = random\n"
          "%y : f32[?] = Conv(%x, %w) {strides=[2,2], pads=[3,3,3,3]}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,5,6,101]\nconst %w : f32[7,5,1,1] = random\n"
          "%y : f32[?] = Conv(%x, %w) {strides=[2,2]}  # c\noutput %y : f32[?]\n");
}

static void test_conv_grouped_same(void)
{
    check("opset ai.onnx 13\ninput %x : f32[2,6,8,9]\nconst %w : f32[9,2,3,3] = random\n"
          "const %b : f32[9] = random\ninput %r : f32[2,9,4,5]\n"
          "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {group=3, strides=[2,2], auto_pad=SAME_UPPER, "
          "activation=relu}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,3,7,6]\nconst %w : f32[4,3,2,2] = random\n"
          "%y : f32[?] = Conv(%x, %w) {auto_pad=SAME_LOWER}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,4,9,7]\nconst %w : f32[4,1,3,3] = random\n"
          "%y : f32[?] = Conv(%x, %w) {group=4, pads=[1,1,1,1], auto_pad=VALID}  # c\noutput %y : f32[?]\n");
}

static void test_conv_1d_3d(void)
{
    check("opset ai.onnx 13\ninput %x : f32[2,4,23]\nconst %w : f32[6,4,5] = random\n"
          "%y : f32[?] = Conv(%x, %w) {strides=[3], pads=[2,2]}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,2,5,6,7]\nconst %w : f32[3,2,2,3,2] = random\n"
          "%y : f32[?] = Conv(%x, %w) {pads=[1,0,1,0,1,1], strides=[1,2,1]}  # c\noutput %y : f32[?]\n");
}

static void test_conv_downsample_deep(void)
{
    /* 1x1 stride 2; then K = 630 > one K block, M over several tiles */
    check("opset ai.onnx 13\ninput %x : f32[1,16,9,13]\nconst %w : f32[33,16,1,1] = random\n"
          "%y : f32[?] = Conv(%x, %w) {strides=[2,2]}  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[1,70,6,7]\nconst %w : f32[250,70,3,3] = random\n"
          "const %b : f32[250] = random\n"
          "%y : f32[?] = onnxc.FusedConv(%x, %w, %b) {pads=[1,1,1,1], activation=relu}  # c\noutput %y : f32[?]\n");
}

static void test_conv_runtime_weight_chain(void)
{
    check("opset ai.onnx 13\ninput %x : f32[1,5,8,8]\ninput %w : f32[6,5,3,3]\nconst %w2 : f32[4,6,1,1] = random\n"
          "const %w3 : f32[4,5,1,1] = random\n"
          "%h : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c1\n"
          "%h2 : f32[?] = Conv(%x, %w3)  # c0\n"
          "%y : f32[?] = onnxc.FusedConv(%h, %w2, _, %h2) {activation=relu}  # c2\noutput %y : f32[?]\n");
}

static void test_conv_tiles(void)
{
    /* several N tiles with a partial last one; a grouped conv over images */
    check_graph("opset ai.onnx 13\ninput %x : f32[1,8,60,70]\nconst %w : f32[40,8,3,3] = random\n"
                "const %b : f32[40] = random\n%y : f32[?] = Conv(%x, %w, %b) {pads=[1,1,1,1]}  # c\n"
                "output %y : f32[?]\n",
                2e-4, 2e-4, 4);
    check_graph("opset ai.onnx 13\ninput %x : f32[3,32,30,31]\nconst %w : f32[64,16,3,3] = random\n"
                "%y : f32[?] = Conv(%x, %w) {group=2}  # c\noutput %y : f32[?]\n",
                2e-4, 2e-4, 6);
}

/* ---- matrix products ---------------------------------------------------- */

/* ---- Winograd convolution ----------------------------------------------- */

/* F(4x4, 3x3) against the reference's direct sum. Its error is the float32
 * rounding of the transforms, whose coefficients (up to 8 in At, 5 in Bt)
 * amplify it; unlike a direct sum's error it does not shrink with the
 * output element, so the bound is absolute: about eps x growth x sum|x w|.
 * With |x|, |w| <= 1, sum|x w| <= 9C; the tolerance 4e-6 * 9C (~34 eps per
 * unit of that bound) is ~8x the largest error measured here (1.6e-4 at
 * C = 40, outputs up to ~25) and ~100x below one dropped or doubled input
 * term (|x w| ~ 0.25). */
static double wino_tol(int64_t c) { return 4e-6 * 9.0 * (double)c; }

/* Lowers text with ONNXC_CONV_ALGO=algo and returns the first node's kernel
 * name (a copy), or "" when the lowering fails. */
static const char *lowered_kernel(const char *text, const char *algo)
{
    static char name[32];
    name[0] = 0;
    setenv("ONNXC_CONV_ALGO", algo, 1);
    ir_graph *g = parse(text);
    ir_diag d;
    cg_program *p = NULL;
    if (g && !cg_program_build_for(g, 2, vec_bits, &p, &d))
        snprintf(name, sizeof name, "%s", p->nodes[0].kernel);
    unsetenv("ONNXC_CONV_ALGO");
    cg_program_free(p);
    ir_graph_free(g);
    return name;
}

/* Each Winograd graph in F(4x4, 3x3) and in F(6x6, 3x3) (ONNXC_WINO_TILE):
 * the latter's error is about 1.8x F(4x4)'s (lower_dense_wino.c), within
 * the same bound's margin of ~8x. */
static void check_wino(const char *text, int64_t c, int64_t min_tasks)
{
    CU_ASSERT_STRING_EQUAL(lowered_kernel(text, "winograd"), "wino");
    setenv("ONNXC_CONV_ALGO", "winograd", 1);
    for (int tile = 4; tile <= 6; tile += 2) {
        setenv("ONNXC_WINO_TILE", tile == 4 ? "4" : "6", 1);
        check_graph(text, 0, wino_tol(c), min_tasks);
    }
    unsetenv("ONNXC_WINO_TILE");
    unsetenv("ONNXC_CONV_ALGO");
}

static void test_wino_odd(void)
{
    /* H, W not multiples of 4, channels not multiples of 16, batch 2, bias, residual, ReLU */
    check_wino("opset ai.onnx 13\ninput %x : f32[2,19,13,17]\ninput %r : f32[2,21,13,17]\n"
               "const %w : f32[21,19,3,3] = random\nconst %b : f32[21] = random\n"
               "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {pads=[1,1,1,1], activation=relu}  # c\n"
               "output %y : f32[?]\n",
               19, 2);
    /* no padding; asymmetric padding; no bias */
    check_wino("opset ai.onnx 13\ninput %x : f32[1,17,11,10]\nconst %w : f32[9,17,3,3] = random\n"
               "const %b : f32[9] = random\n%y : f32[?] = Conv(%x, %w, %b)  # c\noutput %y : f32[?]\n",
               17, 1);
    check_wino("opset ai.onnx 13\ninput %x : f32[1,23,11,10]\nconst %w : f32[30,23,3,3] = random\n"
               "%y : f32[?] = onnxc.FusedConv(%x, %w) {pads=[0,2,1,1], activation=relu}  # c\noutput %y : f32[?]\n",
               23, 1);
    /* tiny images: one partial tile, one row of tiles */
    check_wino("opset ai.onnx 13\ninput %x : f32[2,5,3,2]\nconst %w : f32[3,5,3,3] = random\n"
               "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n",
               5, 2);
}

static void test_wino_blocks(void)
{
    /* several tile blocks (runs crossing tile rows and B panels), M in
     * several blocks and steps, a partial last panel of tiles */
    check_wino("opset ai.onnx 13\ninput %x : f32[1,40,45,70]\ninput %r : f32[1,50,45,70]\n"
               "const %w : f32[50,40,3,3] = random\nconst %b : f32[50] = random\n"
               "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {pads=[1,1,1,1], activation=relu}  # c\n"
               "output %y : f32[?]\n",
               40, 2);
    if (getenv("WINO_BIG")) /* DETR-R50's layer1 size: slow under the reference engine, so on request */
        check_wino("opset ai.onnx 13\ninput %x : f32[1,64,200,267]\nconst %w : f32[64,64,3,3] = random\n"
               "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n",
               64, 2);
    check_wino("opset ai.onnx 13\ninput %x : f32[1,64,9,9]\nconst %w : f32[100,64,3,3] = random\n"
               "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n",
               64, 2);
}

/* Dilated convolutions as Winograd on their phase images (DETR-DC5's last
 * stage: dilation 2, pads 2): batch 2 with bias, residual and ReLU, planes
 * that are not multiples of 4 tiles per phase, dilation 3 with asymmetric
 * pads; planes or pads that do not divide by the dilation stay direct. */
static void test_wino_dilated(void)
{
    check_wino("opset ai.onnx 13\ninput %x : f32[2,12,18,22]\ninput %r : f32[2,20,18,22]\n"
               "const %w : f32[20,12,3,3] = random\nconst %b : f32[20] = random\n"
               "%y : f32[?] = onnxc.FusedConv(%x, %w, %b, %r) {dilations=[2,2], pads=[2,2,2,2], activation=relu}  # c\n"
               "output %y : f32[?]\n",
               12, 2);
    check_wino("opset ai.onnx 13\ninput %x : f32[1,9,21,27]\nconst %w : f32[7,9,3,3] = random\n"
               "%y : f32[?] = Conv(%x, %w) {dilations=[3,3], pads=[3,6,3,0]}  # c\noutput %y : f32[?]\n",
               9, 2);
    const char *odd = "opset ai.onnx 13\ninput %x : f32[1,8,17,22]\nconst %w : f32[8,8,3,3] = random\n"
                      "%y : f32[?] = Conv(%x, %w) {dilations=[2,2], pads=[2,2,2,2]}  # c\noutput %y : f32[?]\n";
    const char *pad1 = "opset ai.onnx 13\ninput %x : f32[1,8,18,22]\nconst %w : f32[8,8,3,3] = random\n"
                       "%y : f32[?] = Conv(%x, %w) {dilations=[2,2], pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n";
    CU_ASSERT_STRING_EQUAL(lowered_kernel(odd, "winograd"), "conv");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(pad1, "winograd"), "conv");
}

static void test_wino_choice(void)
{
    const char *small = "opset ai.onnx 13\ninput %x : f32[1,8,60,70]\nconst %w : f32[8,8,3,3] = random\n"
                        "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n";
    const char *wide = "opset ai.onnx 13\ninput %x : f32[1,64,56,56]\nconst %w : f32[64,64,3,3] = random\n"
                       "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1]}  # c\noutput %y : f32[?]\n";
    const char *strided = "opset ai.onnx 13\ninput %x : f32[1,64,56,56]\nconst %w : f32[64,64,3,3] = random\n"
                          "%y : f32[?] = Conv(%x, %w) {pads=[1,1,1,1], strides=[2,2]}  # c\noutput %y : f32[?]\n";
    CU_ASSERT_STRING_EQUAL(lowered_kernel(small, "auto"), "conv");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(wide, "auto"), "wino");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(wide, ""), "wino");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(wide, "direct"), "conv");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(small, "winograd"), "wino");
    CU_ASSERT_STRING_EQUAL(lowered_kernel(strided, "winograd"), "conv"); /* not eligible: direct */
    CU_ASSERT_STRING_EQUAL(lowered_kernel(wide, "fast"), "");
    setenv("ONNXC_CONV_ALGO", "fast", 1);
    check_refused(wide, IR_ERR_USAGE, "node 'c' (Conv): ONNXC_CONV_ALGO is 'fast'; expected auto, direct or winograd");
    unsetenv("ONNXC_CONV_ALGO");
}

static void test_linear(void)
{
    check("opset ai.onnx 13\ninput %x : f32[3,5,37]\nconst %w : f32[37,45] = random\nconst %b : f32[45] = random\n"
          "%y : f32[?] = onnxc.Linear(%x, %w, %b) {activation=relu}  # l\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[301,400]\ninput %w : f32[400,70]\n"
          "%y : f32[?] = onnxc.Linear(%x, %w)  # l\noutput %y : f32[?]\n");
}

static void test_gemm_tiles(void)
{
    /* M and N tiles, both with partial edges, and several K blocks */
    check_graph("opset ai.onnx 13\ninput %x : f32[700,900]\nconst %w : f32[900,200] = random\n"
                "const %b : f32[200] = random\n%y : f32[?] = onnxc.Linear(%x, %w, %b)  # l\noutput %y : f32[?]\n",
                2e-4, 2e-4, 4);
    check_graph("opset ai.onnx 13\ninput %a : f32[3,200,150]\ninput %b : f32[3,150,333]\n"
                "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n",
                2e-4, 2e-4, 4);
}

static void test_matmul(void)
{
    check("opset ai.onnx 13\ninput %a : f32[2,1,7,9]\ninput %b : f32[3,9,5]\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[2,3,7,9]\nconst %b : f32[3,9,20] = random\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[4,33,70]\nconst %b : f32[70,50] = random\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[9]\ninput %b : f32[2,9,3]\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\nconst %a : f32[5,11] = random\ninput %b : f32[11]\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
}

static void test_gemm(void)
{
    check("opset ai.onnx 13\ninput %a : f32[17,6]\nconst %b : f32[19,17] = random\nconst %c : f32[19] = random\n"
          "%y : f32[?] = Gemm(%a, %b, %c) {transA=1, transB=1, alpha=0.5, beta=2.0}  # g\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[6,17]\ninput %b : f32[17,40]\ninput %c : f32[6,1]\n"
          "%y : f32[?] = Gemm(%a, %b, %c) {beta=-1.0}  # g\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[6,17]\ninput %b : f32[40,17]\nconst %c : f32[] = [0.25]\n"
          "%y : f32[?] = Gemm(%a, %b, %c) {transB=1}  # g\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[6,17]\ninput %b : f32[17,40]\ninput %c : f32[6,40]\n"
          "%y : f32[?] = Gemm(%a, %b, %c)  # g\noutput %y : f32[?]\n");
}

/* ---- attention ---------------------------------------------------------- */

static void test_attention_self(void)
{
    /* q = k: the fused [Wq | Wk] projection; batch 2, 3 heads of 8 */
    check("opset ai.onnx 13\ninput %x : f32[13,2,24]\ninput %v : f32[13,2,24]\n"
          "const %wq : f32[24,24] = random\nconst %bq : f32[24] = random\nconst %wk : f32[24,24] = random\n"
          "const %bk : f32[24] = random\nconst %wv : f32[24,24] = random\nconst %bv : f32[24] = random\n"
          "const %wo : f32[24,20] = random\nconst %bo : f32[20] = random\n"
          "%y : f32[?] = onnxc.Attention(%x, %x, %v, %wq, %bq, %wk, %bk, %wv, %bv, %wo, %bo) "
          "{num_heads=3, scale=0.35}  # a\noutput %y : f32[?]\n");
}

static void test_attention_cross_mask(void)
{
    /* L != S over two key chunks (online softmax), additive mask per batch
     * and head, run-time K projection weights, no bk */
    check("opset ai.onnx 13\ninput %q : f32[30,2,16]\ninput %k : f32[560,2,16]\ninput %wk : f32[16,32]\n"
          "input %mask : f32[4,30,560]\n"
          "const %wq : f32[16,32] = random\nconst %bq : f32[32] = random\n"
          "const %wv : f32[16,32] = random\nconst %bv : f32[32] = random\n"
          "const %wo : f32[32,16] = random\nconst %bo : f32[16] = random\n"
          "%y : f32[?] = onnxc.Attention(%q, %k, %k, %wq, %bq, %wk, _, %wv, %bv, %wo, %bo, %mask) "
          "{num_heads=2, scale=0.25}  # a\noutput %y : f32[?]\n");
}

static void test_attention_projected_queries(void)
{
    /* Wq and bq omitted: q is already projected; key-padding mask [N, 1, S] */
    check("opset ai.onnx 13\ninput %q : f32[5,1,32]\ninput %k : f32[41,1,32]\ninput %mask : f32[1,1,41]\n"
          "const %wk : f32[32,32] = random\nconst %bk : f32[32] = random\n"
          "const %wv : f32[32,32] = random\nconst %bv : f32[32] = random\n"
          "const %wo : f32[32,32] = random\nconst %bo : f32[32] = random\n"
          "%y : f32[?] = onnxc.Attention(%q, %k, %k, _, _, %wk, %bk, %wv, %bv, %wo, %bo, %mask) "
          "{num_heads=1, scale=0.17}  # a\noutput %y : f32[?]\n");
}

static void test_attention_odd_heads(void)
{
    /* head size 10 (no microkernel divides it), several query blocks and
     * query groups, more keys than one chunk, key-padding mask */
    check("opset ai.onnx 13\ninput %q : f32[150,1,20]\ninput %k : f32[700,1,12]\ninput %mask : f32[1,1,700]\n"
          "const %wq : f32[20,20] = random\nconst %wk : f32[12,20] = random\nconst %bk : f32[20] = random\n"
          "const %wv : f32[12,20] = random\nconst %wo : f32[20,7] = random\n"
          "%y : f32[?] = onnxc.Attention(%q, %k, %k, %wq, _, %wk, %bk, %wv, _, %wo, _, %mask) "
          "{num_heads=2, scale=0.3}  # a\noutput %y : f32[?]\n");
}

static void test_attention_key_padding(void)
{
    /* DETR on a padded batch: -inf on padded keys, one mask row per
     * (batch, head) for all queries; encoder self-attention over two key
     * chunks, decoder cross-attention with projected queries */
    check("opset ai.onnx 13\ninput %x : f32[700,2,24]\ninput %kpm : f32[6,1,700]\n"
          "const %wq : f32[24,24] = random\nconst %bq : f32[24] = random\nconst %wk : f32[24,24] = random\n"
          "const %bk : f32[24] = random\nconst %wv : f32[24,24] = random\nconst %bv : f32[24] = random\n"
          "const %wo : f32[24,24] = random\nconst %bo : f32[24] = random\n"
          "%y : f32[?] = onnxc.Attention(%x, %x, %x, %wq, %bq, %wk, %bk, %wv, %bv, %wo, %bo, %kpm) "
          "{num_heads=3, scale=0.35}  # a\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %q : f32[11,2,16]\ninput %k : f32[37,2,16]\ninput %kpm : f32[4,1,37]\n"
          "const %wk : f32[16,16] = random\nconst %bk : f32[16] = random\n"
          "const %wv : f32[16,16] = random\nconst %wo : f32[16,9] = random\n"
          "%y : f32[?] = onnxc.Attention(%q, %k, %k, _, _, %wk, %bk, %wv, _, %wo, _, %kpm) "
          "{num_heads=2, scale=0.5}  # a\noutput %y : f32[?]\n");
}

/* ---- normalization ------------------------------------------------------ */

static void test_layernorm(void)
{
    check("opset ai.onnx 13\ninput %x : f32[7,3,40]\ninput %r : f32[7,3,40]\nconst %s : f32[40] = random\n"
          "const %b : f32[40] = random\n"
          "%y : f32[?], %sum : f32[?] = onnxc.LayerNorm(%x, %s, %b, %r) {axis=2, epsilon=1e-5}  # ln\n"
          "output %y : f32[?]\noutput %sum : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[5,6,7]\ninput %r : f32[5,6,7]\nconst %s : f32[7] = random\n"
          "const %b : f32[7] = random\n"
          "%y : f32[?] = onnxc.LayerNorm(%x, %s, %b, %r) {axis=1, epsilon=1e-3}  # ln\noutput %y : f32[?]\n");
    check("opset ai.onnx 17\ninput %x : f32[4,9,35]\ninput %s : f32[35]\n"
          "%y : f32[?] = LayerNormalization(%x, %s) {axis=-1}  # ln\noutput %y : f32[?]\n");
    check("opset ai.onnx 17\ninput %x : f32[4,9,35]\nconst %s : f32[9,1] = random\nconst %b : f32[1] = random\n"
          "%y : f32[?] = LayerNormalization(%x, %s, %b) {axis=1, epsilon=0.01}  # ln\noutput %y : f32[?]\n");
}

static void test_softmax(void)
{
    check("opset ai.onnx 13\ninput %x : f32[3,5,37]\n%y : f32[?] = Softmax(%x)  # s\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[3,21,19]\n%y : f32[?] = Softmax(%x) {axis=1}  # s\n"
          "output %y : f32[?]\n");
    check("opset ai.onnx 11\ninput %x : f32[3,5,7]\n%y : f32[?] = Softmax(%x)  # s\noutput %y : f32[?]\n");
    check("opset ai.onnx 11\ninput %x : f32[2,3,4,5]\n%y : f32[?] = Softmax(%x) {axis=2}  # s\n"
          "output %y : f32[?]\n");
}

/* The 256-bit shapes (6x16 microkernel) a target without AVX-512 gets. */
static void test_avx2_shapes(void)
{
    vec_bits = 256;
    test_conv_3x3();
    test_conv_grouped_same();
    test_wino_odd();
    test_wino_blocks();
    test_gemm_tiles();
    test_attention_self();
    test_attention_odd_heads();
    vec_bits = 0;
}

static void test_empty(void)
{
    /* K = 0: the output is the bias alone; an empty batch; no rows */
    check("opset ai.onnx 13\ninput %a : f32[3,0]\ninput %b : f32[0,4]\ninput %c : f32[4]\n"
          "%y : f32[?] = Gemm(%a, %b, %c)  # g\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[0,3,5,5]\nconst %w : f32[2,3,3,3] = random\n"
          "%y : f32[?] = Conv(%x, %w)  # c\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[0,7]\nconst %w : f32[7,5] = random\n"
          "%y : f32[?] = onnxc.Linear(%x, %w)  # l\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %x : f32[0,7]\n%y : f32[?] = Softmax(%x)  # s\noutput %y : f32[?]\n");
}

static void test_refused(void)
{
    check_refused("opset ai.onnx 13\ninput %a : f16[6,17]\ninput %b : f16[17,4]\n"
                  "%y : f16[?] = MatMul(%a, %b)  # m\noutput %y : f16[?]\n",
                  IR_ERR_UNSUPPORTED, "MatMul");
    check_refused("opset ai.onnx 17\ninput %x : f32[4,9]\nconst %s : f32[9] = random\n"
                  "%y : f32[?], %m : f64[?] = LayerNormalization(%x, %s) {stash_type=11}  # ln\noutput %y : f32[?]\n"
                  "output %m : f64[?]\n",
                  IR_ERR_UNSUPPORTED, "output 1 is float64; the compiled kernels support only float32");
}

/* The host's feature list names avx512fp16 (disabled on Zen 4) beside
   avx512f: only the exact feature decides the width. */
static void test_vector_width(void)
{
    CU_ASSERT_EQUAL(cg_vec_bits_for("znver4", "+avx2,+avx512f,-avx512fp16,+fma"), 512);
    CU_ASSERT_EQUAL(cg_vec_bits_for("znver4", "-avx512fp16,+avx512f,+avx2"), 512);
    CU_ASSERT_EQUAL(cg_vec_bits_for("znver4", "+avx2,-avx512f,-avx512fp16"), 256);
    CU_ASSERT_EQUAL(cg_vec_bits_for("x86-64", "+sse2,-avx512f,-avx2"), 128);
    CU_ASSERT_EQUAL(cg_vec_bits_for("x86-64-v4", ""), 512);
    CU_ASSERT_EQUAL(cg_vec_bits_for("haswell", NULL), 256);
    CU_ASSERT_EQUAL(cg_vec_bits_for("x86-64", ""), 128);
}

/* ---- bf16 --------------------------------------------------------------- */

static void test_bf16_rounding(void)
{
    /* nearest, ties to even (0x3f80_8000 is halfway between 0x3f80 and 0x3f81) */
    static const uint32_t in[] = {0x3f800000u, 0x3f808000u, 0x3f818000u, 0x3f808001u, 0xbf80ffffu,
                                  0x7f7fffffu, 0x7fc00001u, 0x7f800001u, 0xff800000u, 0x00000001u};
    static const uint16_t want[] = {0x3f80, 0x3f80, 0x3f82, 0x3f81, 0xbf81, 0x7f80, 0x7fc0, 0x7fc0, 0xff80, 0x0000};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        union {
            uint32_t u;
            float f;
        } v = {in[i]};
        CU_ASSERT_EQUAL(k_bf16(v.f), want[i]);
    }
}

/* Runs the kernels only on CPUs with AVX512_BF16 (passes elsewhere, said). */
static bool have_bf16(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bf16"))
        return true;
    fprintf(stderr, " [no AVX512_BF16 on this CPU: bf16 kernels not run]");
    return false;
}

/* bf16 products with fp32 sums against the reference on the same inputs
 * rounded to bf16: the products of bf16 values are exact in fp32, so only
 * the summation order differs, and the fp32 tolerance of the other cases
 * holds. (Against the unrounded inputs the error could reach K * 2^-8
 * times the largest |a||b|: a tolerance that would hide bugs.) Odd K (37,
 * 9, 45), K blocks of odd planned length (315 -> 316), edges in M and N,
 * groups, padding, residual and ReLU epilogues. */
static void test_bf16_conv_gemm(void)
{
    if (!have_bf16())
        return;
    precision = CG_BF16_ALL;
    bf16_ref = true;
    test_conv_3x3();
    test_conv_pointwise_residual_relu();
    test_conv_strided_dilated_padded();
    test_conv_stride2_wide();
    test_conv_grouped_same();
    test_conv_1d_3d();
    test_conv_downsample_deep();
    test_conv_tiles();
    check("opset ai.onnx 13\ninput %x : f32[2,7,9,11]\nconst %w : f32[13,7,1,1] = random\n"
          "%y : f32[?] = Conv(%x, %w)  # c\noutput %y : f32[?]\n"); /* pointwise, odd K */
    check("opset ai.onnx 13\ninput %x : f32[3,5,37]\nconst %w : f32[37,45] = random\nconst %b : f32[45] = random\n"
          "%y : f32[?] = onnxc.Linear(%x, %w, %b) {activation=relu}  # l\noutput %y : f32[?]\n");
    check_graph("opset ai.onnx 13\ninput %x : f32[700,900]\nconst %w : f32[900,200] = random\n"
                "const %b : f32[200] = random\n%y : f32[?] = onnxc.Linear(%x, %w, %b)  # l\noutput %y : f32[?]\n",
                2e-4, 2e-4, 4);
    check("opset ai.onnx 13\ninput %a : f32[2,3,7,9]\nconst %b : f32[3,9,20] = random\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[4,33,70]\nconst %b : f32[70,50] = random\n"
          "%y : f32[?] = MatMul(%a, %b)  # m\noutput %y : f32[?]\n");
    check("opset ai.onnx 13\ninput %a : f32[17,6]\nconst %b : f32[19,17] = random\nconst %c : f32[19] = random\n"
          "%y : f32[?] = Gemm(%a, %b, %c) {transA=1, transB=1, alpha=0.5, beta=2.0}  # g\noutput %y : f32[?]\n");
    bf16_ref = false;
    precision = CG_FP32;
}

/* Attention's projections in bf16: the scores and softmax(.)V stay fp32 on
 * the projected (unrounded) values, so no rounded reference exists; the
 * bound is that of bf16 inputs: |error| <= about 2 * 2^-8 * sum |a||b| per
 * projection, here sums of 24 products of values below 1 (weights) and a
 * few (activations): 0.05 absolute, and relative 2^-6 for the larger
 * outputs. An fp32 path would pass too, so uses_bf16 checks the path. */
static void test_bf16_attention(void)
{
    if (!have_bf16())
        return;
    precision = CG_BF16_ALL;
    check_graph("opset ai.onnx 13\ninput %x : f32[13,2,24]\ninput %v : f32[13,2,24]\n"
                "const %wq : f32[24,24] = random\nconst %bq : f32[24] = random\nconst %wk : f32[24,24] = random\n"
                "const %bk : f32[24] = random\nconst %wv : f32[24,24] = random\nconst %bv : f32[24] = random\n"
                "const %wo : f32[24,20] = random\nconst %bo : f32[20] = random\n"
                "%y : f32[?] = onnxc.Attention(%x, %x, %v, %wq, %bq, %wk, %bk, %wv, %bv, %wo, %bo) "
                "{num_heads=3, scale=0.35}  # a\noutput %y : f32[?]\n",
                1.0 / 64, 0.05, 1);
    precision = CG_FP32;
}

/* Under CG_BF16 the output heads stay fp32 (a Linear -> Relu -> Linear
 * chain feeding the output is all head; behind a LayerNorm, a product is
 * not), and so does the first layer, which reads a graph input. */
static void test_bf16_heads(void)
{
    ir_graph *g = parse("opset ai.onnx 17\ninput %x : f32[5,16]\nconst %wf : f32[16,16] = random\n"
                        "const %w0 : f32[16,16] = random\nconst %s : f32[16] = random\n"
                        "const %w1 : f32[16,16] = random\nconst %w2 : f32[16,8] = random\n"
                        "%f : f32[?] = onnxc.Linear(%x, %wf) {activation=relu}  # first\n"
                        "%h : f32[?] = onnxc.Linear(%f, %w0)  # body\n"
                        "%n : f32[?] = LayerNormalization(%h, %s) {axis=-1}  # ln\n"
                        "%a : f32[?] = onnxc.Linear(%n, %w1) {activation=relu}  # head1\n"
                        "%y : f32[?] = onnxc.Linear(%a, %w2)  # head2\noutput %y : f32[?]\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ir_diag d;
    cg_program *p = NULL;
    CU_ASSERT_EQUAL_FATAL(cg_program_build_prec(g, 2, 0, CG_BF16, &p, &d), IR_OK);
    CU_ASSERT(!uses_bf16(&p->nodes[0]));
    CU_ASSERT(uses_bf16(&p->nodes[1]));
    CU_ASSERT(!uses_bf16(&p->nodes[3]));
    CU_ASSERT(!uses_bf16(&p->nodes[4]));
    cg_program_free(p);
    CU_ASSERT_EQUAL_FATAL(cg_program_build_prec(g, 2, 256, CG_BF16, &p, &d), IR_OK);
    CU_ASSERT(!uses_bf16(&p->nodes[1])); /* no bf16 kernels for 256-bit targets */
    cg_program_free(p);
    ir_graph_free(g);
}

static const tu_case cases[] = {
    {"vector_width", test_vector_width},
    {"conv_3x3", test_conv_3x3},
    {"conv_pointwise_residual_relu", test_conv_pointwise_residual_relu},
    {"conv_strided_dilated_padded", test_conv_strided_dilated_padded},
    {"conv_stride2_wide", test_conv_stride2_wide},
    {"conv_grouped_same", test_conv_grouped_same},
    {"conv_1d_3d", test_conv_1d_3d},
    {"conv_downsample_deep", test_conv_downsample_deep},
    {"conv_runtime_weight_chain", test_conv_runtime_weight_chain},
    {"conv_tiles", test_conv_tiles},
    {"wino_odd", test_wino_odd},
    {"wino_blocks", test_wino_blocks},
    {"wino_dilated", test_wino_dilated},
    {"wino_choice", test_wino_choice},
    {"linear", test_linear},
    {"gemm_tiles", test_gemm_tiles},
    {"matmul", test_matmul},
    {"gemm", test_gemm},
    {"attention_self", test_attention_self},
    {"attention_cross_mask", test_attention_cross_mask},
    {"attention_key_padding", test_attention_key_padding},
    {"attention_projected_queries", test_attention_projected_queries},
    {"attention_odd_heads", test_attention_odd_heads},
    {"layernorm", test_layernorm},
    {"softmax", test_softmax},
    {"avx2_shapes", test_avx2_shapes},
    {"empty", test_empty},
    {"refused", test_refused},
    {"bf16_rounding", test_bf16_rounding},
    {"bf16_conv_gemm", test_bf16_conv_gemm},
    {"bf16_attention", test_bf16_attention},
    {"bf16_heads", test_bf16_heads},
    {NULL, NULL},
};

int main(void) { return tu_run("cg_dense", cases); }
