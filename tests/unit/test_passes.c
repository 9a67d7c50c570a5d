/* test_passes.c - every optimizer pass on text IR in, text IR out, and the
 * fusions on attention blocks exported from PyTorch (including deliberately
 * broken ones, which must be declined with the right reason). Numerical
 * equivalence is checked with the reference engine: reference(original)
 * against reference(optimized), and against PyTorch's own output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "kernels.h"
#include "passes.h"
#include "testutil.h"

static char *print_graph(const ir_graph *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ir_print(g, f, IR_PRINT_CONST_DATA);
    fclose(f);
    return buf;
}

static ir_graph *parse(const char *text)
{
    ir_graph *g = NULL;
    ir_diag d = {0};
    ir_status st = ir_parse(text, &g, &d);
    if (st)
        fprintf(stderr, "\n  parse: %s\n", d.msg);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    return g;
}

/* Runs one pass (after shape inference) and compacts, like the pipeline. */
static void run_pass(ir_graph *g, pass_fn fn, pass_report *r)
{
    pass_options o = pass_options_default();
    pass_ctx c = {&o, r};
    ir_diag d = {0};
    bool changed;
    CU_ASSERT_EQUAL(ir_infer_shapes(g, &d), IR_OK);
    ir_status st = fn(g, &c, &d, &changed);
    if (st)
        fprintf(stderr, "\n  pass: %s\n", d.msg);
    CU_ASSERT_EQUAL(st, IR_OK);
    CU_ASSERT(ir_graph_compact(g));
    CU_ASSERT_EQUAL(ir_verify(g, &d), IR_OK);
}

/* Runs g on deterministic inputs; returns output 0 (caller releases). */
static ir_tensor *run_ref(const ir_graph *g)
{
    ir_tensor *in[8] = {0}, *out[8] = {0};
    for (uint32_t i = 0; i < g->n_inputs && i < 8; i++) {
        const ir_value *v = &g->values[g->inputs[i]];
        in[i] = ir_tensor_alloc(v->dtype, &v->shape);
        for (int64_t k = 0; k < ir_tensor_numel(in[i]); k++)
            ir_tensor_set_f64(in[i], k, sin((double)(k * 7 + i * 3)) * 2.0);
    }
    ir_diag d = {0};
    ir_status st = ir_ref_run(g, in, out, NULL, NULL, &d);
    if (st)
        fprintf(stderr, "\n  run: %s\n", d.msg);
    CU_ASSERT_EQUAL(st, IR_OK);
    for (uint32_t i = 0; i < 8; i++)
        ir_tensor_release(in[i]);
    for (uint32_t i = 1; i < 8; i++)
        ir_tensor_release(out[i]);
    return out[0];
}

static void assert_close(const ir_tensor *a, const ir_tensor *b, double atol, double rtol)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_FATAL(ir_shape_equal(&a->shape, &b->shape));
    double worst = 0;
    for (int64_t i = 0; i < ir_tensor_numel(a); i++) {
        double x = ir_tensor_get_f64(a, i), y = ir_tensor_get_f64(b, i);
        double excess = fabs(x - y) - (atol + rtol * fabs(y));
        worst = excess > worst ? excess : worst;
    }
    if (worst > 0)
        fprintf(stderr, "\n  outputs differ beyond tolerance by %g\n", worst);
    CU_ASSERT(worst <= 0);
}

/* Parses `in`, checks the reference output before and after the pass, and
 * the printed result against `want` (substring lines, each must appear). */
static void check_pass(const char *in, pass_fn fn, const char *const *want, const char *const *absent)
{
    ir_graph *g = parse(in);
    ir_diag d = {0};
    CU_ASSERT_EQUAL(ir_infer_shapes(g, &d), IR_OK);
    ir_tensor *before = run_ref(g);
    pass_report r;
    pass_report_init(&r);
    run_pass(g, fn, &r);
    char *text = print_graph(g);
    for (int i = 0; want && want[i]; i++)
        TU_ASSERT_CONTAINS(text, want[i]);
    for (int i = 0; absent && absent[i]; i++) {
        bool found = strstr(text, absent[i]) != NULL;
        if (found)
            fprintf(stderr, "\n  unexpected \"%s\" in:\n%s\n", absent[i], text);
        CU_ASSERT_FALSE(found);
    }
    ir_tensor *after = run_ref(g);
    assert_close(after, before, 1e-5, 1e-4);
    ir_tensor_release(before);
    ir_tensor_release(after);
    free(text);
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_parse_roundtrip(void)
{
    const char *text = "opset ai.onnx 13\n"
                       "input  %x : f32[2,3]\n"
                       "const  %w : f32[3] = [1.0, 2.5, -3.0]\n"
                       "const  %\"odd name\" : i64[2] = [3, 2]\n"
                       "%y : f32[2,3] = Mul(%x, %w) {alpha=0.5, axes=[0,1], mode=nearest}  # mul_0\n"
                       "%z : f32[3,2] = Reshape(%y, %\"odd name\")  # r\n"
                       "output %z : f32[3,2]\n";
    ir_graph *g = parse(text);
    char *out = print_graph(g);
    CU_ASSERT_STRING_EQUAL(out, text);
    free(out);
    ir_graph_free(g);
    ir_diag d = {0};
    CU_ASSERT_EQUAL(ir_parse("input %x : q9[2]\n", &g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "line 1: unknown dtype");
    CU_ASSERT_EQUAL(ir_parse("input %x : f32[2]\n%y = Relu(%x\n", &g, &d), IR_ERR_MODEL);
    TU_ASSERT_CONTAINS(d.msg, "line 2");
}

static void test_fold_constants(void)
{
    /* the shape arithmetic PyTorch exports around every Reshape */
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[2,3,4]\n"
                     "const  %i0 : i64[] = [0]\n"
                     "const  %m1 : i64[1] = [-1]\n"
                     "%s : i64[?] = Shape(%x)\n"
                     "%d0 : i64[?] = Gather(%s, %i0) {axis=0}\n"
                     "%u : i64[?] = Unsqueeze(%d0) {axes=[0]}\n"
                     "%shape : i64[?] = Concat(%u, %m1) {axis=0}\n"
                     "%y : f32[?] = Reshape(%x, %shape)\n"
                     "output %y : f32[?]\n";
    const char *want[] = {"const  %shape : i64[2] = [2, -1]", "%y : f32[2,12] = Reshape(%x, %shape)", NULL};
    const char *absent[] = {"Shape(", "Gather(", "Concat(", NULL};
    check_pass(in, pass_fold_constants, want, absent);
}

static void test_fold_limit(void)
{
    /* a constant of 2^30 floats must not be materialized */
    ir_graph *g = parse("opset ai.onnx 12\n"
                        "input  %x : f32[1]\n"
                        "const  %shape : i64[3] = [1024, 1024, 1024]\n"
                        "%big : f32[?] = ConstantOfShape(%shape)\n"
                        "%y : f32[?] = Add(%big, %x)\n"
                        "output %y : f32[?]\n");
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_fold_constants, &r);
    char *text = print_graph(g);
    TU_ASSERT_CONTAINS(text, "ConstantOfShape(%shape)");
    free(text);
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_simplify(void)
{
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[2,3]\n"
                     "%a : f32[?] = Identity(%x)\n"
                     "%t1 : f32[?] = Transpose(%a) {perm=[1,0]}\n"
                     "%t2 : f32[?] = Transpose(%t1) {perm=[1,0]}\n"
                     "%s : f32[?] = Unsqueeze(%t2) {axes=[0]}\n"
                     "%q : f32[?] = Squeeze(%s) {axes=[0]}\n"
                     "%y : f32[?] = Relu(%q)\n"
                     "output %y : f32[?]\n";
    const char *want[] = {"%y : f32[2,3] = Relu(%x)", NULL};
    const char *absent[] = {"Identity", "Transpose", NULL};
    ir_graph *g = parse(in);
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_simplify, &r);
    run_pass(g, pass_eliminate_dead, &r);
    char *text = print_graph(g);
    TU_ASSERT_CONTAINS(text, want[0]);
    CU_ASSERT_PTR_NULL(strstr(text, absent[0]));
    CU_ASSERT_PTR_NULL(strstr(text, absent[1]));
    free(text);
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_cse_and_dead(void)
{
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[4]\n"
                     "const  %c1 : f32[4] = [2.0]\n"
                     "const  %c2 : f32[4] = [2.0]\n"
                     "%a : f32[?] = Mul(%x, %c1)\n"
                     "%b : f32[?] = Mul(%x, %c2)\n"
                     "%unused : f32[?] = Neg(%x)\n"
                     "%y : f32[?] = Add(%a, %b)\n"
                     "output %y : f32[?]\n";
    const char *want[] = {"%y : f32[4] = Add(%a, %a)", NULL};
    const char *absent[] = {"%b :", "%c2", NULL};
    check_pass(in, pass_cse, want, absent);
    const char *want2[] = {"%y : f32[4] = Add(%a, %b)", NULL};
    const char *absent2[] = {"Neg", NULL};
    check_pass(in, pass_eliminate_dead, want2, absent2);
}

static void test_prune_outputs(void)
{
    ir_graph *g = parse("opset ai.onnx 12\ninput %x : f32[2]\n%a : f32[?] = Neg(%x)\n%b : f32[?] = Abs(%x)\n"
                        "output %a : f32[?]\noutput %b : f32[?]\n");
    const char *keep[] = {"b"};
    pass_options o = pass_options_default();
    o.outputs = keep;
    o.n_outputs = 1;
    pass_report r;
    pass_report_init(&r);
    ir_diag d = {0};
    CU_ASSERT_EQUAL(passes_optimize(g, &o, &r, &d), IR_OK);
    CU_ASSERT_EQUAL(g->n_outputs, 1);
    CU_ASSERT_EQUAL(g->n_nodes, 1);
    CU_ASSERT_EQUAL(g->nodes[0].op, IR_OP_ABS);
    const char *bad[] = {"nope"};
    o.outputs = bad;
    CU_ASSERT_EQUAL(passes_optimize(g, &o, &r, &d), IR_ERR_USAGE);
    TU_ASSERT_CONTAINS(d.msg, "--outputs: the model has no output 'nope' (outputs: b)");
    pass_report_free(&r);
    ir_graph_free(g);
}

static const char *conv_bn =
    "opset ai.onnx 12\n"
    "input  %x : f32[1,2,5,5]\n"
    "const  %w : f32[3,2,3,3] = random\n"
    "const  %b : f32[3] = [0.1, -0.2, 0.3]\n"
    "const  %scale : f32[1,3,1,1] = [0.5, 2.0, -1.0]\n"
    "const  %shift : f32[1,3,1,1] = [1.0, 0.0, -0.5]\n"
    "%c : f32[?] = Conv(%x, %w, %b) {kernel_shape=[3,3], pads=[1,1,1,1]}  # conv\n"
    "%m : f32[?] = Mul(%c, %scale)  # bn_mul\n"
    "%y : f32[?] = Add(%m, %shift)  # bn_add\n"
    "output %y : f32[?]\n";

static void test_fold_batchnorm(void)
{
    const char *want[] = {"%y : f32[1,3,5,5] = Conv(%x, %w.folded_weight, %w.folded_bias)", NULL};
    const char *absent[] = {"Mul(", "Add(", NULL};
    check_pass(conv_bn, pass_fold_batchnorm, want, absent);
    /* a non-per-channel constant is declined with the reason */
    ir_graph *g = parse("opset ai.onnx 12\ninput %x : f32[1,2,4,4]\nconst %w : f32[2,2,1,1] = random\n"
                        "const %s : f32[1,2,4,4] = random\n"
                        "%c : f32[?] = Conv(%x, %w)  # conv\n%y : f32[?] = Mul(%c, %s)  # m\noutput %y : f32[?]\n");
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_fold_batchnorm, &r);
    CU_ASSERT_EQUAL(r.matched[FUSE_CONV_BN], 0);
    CU_ASSERT_EQUAL_FATAL(r.n_declined, 1);
    TU_ASSERT_CONTAINS(r.declined[0].reason, "Mul after conv not folded into it: its constant operand is not per-channel");
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_fuse_conv(void)
{
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[1,2,5,5]\n"
                     "const  %w : f32[2,2,3,3] = random\n"
                     "const  %b : f32[2] = [0.1, -0.2]\n"
                     "%c : f32[?] = Conv(%x, %w, %b) {kernel_shape=[3,3], pads=[1,1,1,1]}  # conv\n"
                     "%s : f32[?] = Add(%c, %x)  # residual\n"
                     "%y : f32[?] = Relu(%s)  # relu\n"
                     "output %y : f32[?]\n";
    const char *want[] = {"%y : f32[1,2,5,5] = onnxc.FusedConv(%x, %w, %b, %x) {kernel_shape=[3,3], pads=[1,1,1,1], "
                          "activation=relu}  # conv",
                          NULL};
    const char *absent[] = {"Relu(", "= Add(", NULL};
    check_pass(in, pass_fuse_conv, want, absent);
}

static const char *layernorm_chain =
    "opset ai.onnx 12\n"
    "input  %a : f32[2,3,8]\n"
    "input  %r : f32[2,3,8]\n"
    "const  %two : f32[] = [2.0]\n"
    "const  %eps : f32[] = [1e-05]\n"
    "const  %gamma : f32[8] = random\n"
    "const  %beta : f32[8] = random\n"
    "%x : f32[?] = Add(%a, %r)  # residual\n"
    "%m : f32[?] = ReduceMean(%x) {axes=[-1]}  # mean\n"
    "%d : f32[?] = Sub(%x, %m)\n"
    "%p : f32[?] = Pow(%d, %two)\n"
    "%v : f32[?] = ReduceMean(%p) {axes=[-1]}\n"
    "%e : f32[?] = Add(%v, %eps)\n"
    "%s : f32[?] = Sqrt(%e)\n"
    "%n : f32[?] = Div(%d, %s)\n"
    "%g : f32[?] = Mul(%n, %gamma)\n"
    "%y : f32[?] = Add(%g, %beta)\n"
    "output %y : f32[?]\n";

static void test_fuse_layernorm(void)
{
    const char *want[] = {"%y : f32[2,3,8] = onnxc.LayerNorm(%a, %gamma, %beta, %r) {axis=2, epsilon=9.99999975e-06}",
                          NULL};
    const char *absent[] = {"ReduceMean", "Sqrt", NULL};
    check_pass(layernorm_chain, pass_fuse_layernorm, want, absent);
    /* Pow(d, 3) is not a variance: declined with the reason */
    char *broken = strdup(layernorm_chain);
    char *two = strstr(broken, "[2.0]");
    two[1] = '3';
    ir_graph *g = parse(broken);
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_fuse_layernorm, &r);
    CU_ASSERT_EQUAL(r.matched[FUSE_LAYERNORM], 0);
    CU_ASSERT_FATAL(r.n_declined >= 1);
    CU_ASSERT_STRING_EQUAL(r.declined[0].node, "mean");
    TU_ASSERT_CONTAINS(r.declined[0].reason, "Pow with an exponent other than 2");
    pass_report_free(&r);
    ir_graph_free(g);
    free(broken);
}

static void test_fuse_linear(void)
{
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[4,3]\n"
                     "const  %w : f32[3,5] = random\n"
                     "const  %b : f32[5] = random\n"
                     "const  %w2 : f32[2,5] = random\n"
                     "%m : f32[?] = MatMul(%x, %w)\n"
                     "%a : f32[?] = Add(%b, %m)\n"
                     "%r : f32[?] = Relu(%a)  # ffn\n"
                     "%y : f32[?] = Gemm(%r, %w2) {transB=1}  # head\n"
                     "output %y : f32[?]\n";
    const char *want[] = {"%r : f32[4,5] = onnxc.Linear(%x, %w, %b) {activation=relu}  # ffn",
                          "%y : f32[4,2] = onnxc.Linear(%r, %w2.T)  # head", NULL};
    const char *absent[] = {"MatMul", "Gemm", NULL};
    check_pass(in, pass_fuse_linear, want, absent);
}

static void test_unstack(void)
{
    /* DETR's heads: stack two layers, transpose, Linear, then take them apart */
    const char *in = "opset ai.onnx 12\n"
                     "input  %h0 : f32[3,1,4]\n"
                     "input  %h1 : f32[3,1,4]\n"
                     "const  %w : f32[4,2] = random\n"
                     "const  %b : f32[2] = random\n"
                     "const  %k : i64[] = [1]\n"
                     "const  %s0 : i64[1] = [0]\n"
                     "const  %s1 : i64[1] = [1]\n"
                     "%u0 : f32[?] = Unsqueeze(%h0) {axes=[0]}\n"
                     "%u1 : f32[?] = Unsqueeze(%h1) {axes=[0]}\n"
                     "%st : f32[?] = Concat(%u0, %u1) {axis=0}\n"
                     "%t : f32[?] = Transpose(%st) {perm=[0,2,1,3]}\n"
                     "%l : f32[?] = onnxc.Linear(%t, %w, %b)  # head\n"
                     "%y : f32[?] = Gather(%l, %k) {axis=0}\n"
                     "%a : f32[?] = Slice(%l, %s0, %s1, %s0)\n"
                     "%aux : f32[?] = Squeeze(%a) {axes=[0]}\n"
                     "output %y : f32[?]\n"
                     "output %aux : f32[?]\n";
    ir_graph *g = parse(in);
    ir_diag d = {0};
    CU_ASSERT_EQUAL(ir_infer_shapes(g, &d), IR_OK);
    ir_tensor *before = run_ref(g);
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_unstack, &r);
    run_pass(g, pass_simplify, &r);
    run_pass(g, pass_eliminate_dead, &r);
    char *text = print_graph(g);
    TU_ASSERT_CONTAINS(text, "%y : f32[1,3,2] = onnxc.Linear(%t.slice1, %w, %b)  # head.slice1");
    TU_ASSERT_CONTAINS(text, "%aux : f32[1,3,2] = onnxc.Linear(%t.slice0, %w, %b)  # head.slice0");
    TU_ASSERT_CONTAINS(text, "= Transpose(%h1) {perm=[1,0,2]}");
    CU_ASSERT_PTR_NULL(strstr(text, "Concat"));
    CU_ASSERT_PTR_NULL(strstr(text, "Gather"));
    CU_ASSERT_PTR_NULL(strstr(text, "Squeeze"));
    ir_tensor *after = run_ref(g);
    assert_close(after, before, 1e-6, 1e-6);
    ir_tensor_release(before);
    ir_tensor_release(after);
    free(text);
    pass_report_free(&r);
    ir_graph_free(g);
}

/* A lone Unsqueeze sunk below a Cast (DETR's padding mask: mask[None].float())
 * is made again in the graph's opset: axes an input from opset 13 on. */
static void test_unstack_opset13(void)
{
    static const char *const forms[2][3] = {
        {"opset ai.onnx 12\n", "Unsqueeze(%m) {axes=[0]}", "= Unsqueeze(%c.slice0) {axes=[0]}"},
        {"opset ai.onnx 13\nconst %ax : i64[1] = [0]\n", "Unsqueeze(%m, %ax)",
         "= Unsqueeze(%c.slice0, %c.slice0.slice1000.axes)"},
    };
    for (int f = 0; f < 2; f++) {
        char in[512];
        snprintf(in, sizeof in,
                 "%sinput %%m : bool[2,5,7]\n%%u : bool[?] = %s\n%%c : f32[?] = Cast(%%u) {to=1}\n"
                 "%%y : f32[?] = Add(%%c, %%c)\noutput %%y : f32[?]\n",
                 forms[f][0], forms[f][1]);
        const char *want[] = {forms[f][2], NULL};
        check_pass(in, pass_unstack, want, NULL);
    }
}

static void test_materialize_outputs(void)
{
    /* an output that folded to a constant, and an input passed through */
    const char *in = "opset ai.onnx 12\n"
                     "input  %x : f32[2,3]\n"
                     "%s : i64[?] = Shape(%x)\n"
                     "output %s : i64[?]\n"
                     "output %x : f32[2,3]\n";
    ir_graph *g = parse(in);
    pass_report r;
    pass_report_init(&r);
    run_pass(g, pass_fold_constants, &r);
    run_pass(g, pass_materialize_outputs, &r);
    char *text = print_graph(g);
    TU_ASSERT_CONTAINS(text, "const  %s.source : i64[2] = [2, 3]");
    TU_ASSERT_CONTAINS(text, "%s : i64[2] = Identity(%s.source)  # s.source");
    TU_ASSERT_CONTAINS(text, "output %s : i64[2]");
    TU_ASSERT_CONTAINS(text, "output %x : f32[2,3]"); /* an input stays itself */
    CU_ASSERT(g->values[g->outputs[0]].producer >= 0);
    free(text);
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_memory_plan(void)
{
    /* x -> a -> b -> c -> y: a and c can share, b is in place over a */
    ir_graph *g = parse("opset ai.onnx 12\ninput %x : f32[16]\n"
                        "%a : f32[?] = Exp(%x)\n%b : f32[?] = Relu(%a)\n%c : f32[?] = Neg(%b)\n"
                        "%y : f32[?] = Add(%c, %x)\noutput %y : f32[?]\n");
    ir_diag d = {0};
    CU_ASSERT_EQUAL(ir_infer_shapes(g, &d), IR_OK);
    mem_plan p;
    CU_ASSERT_EQUAL_FATAL(plan_memory(g, &p, &d), IR_OK);
    CU_ASSERT_EQUAL(p.n_slots, 3);
    CU_ASSERT_EQUAL(p.total_bytes, 3 * 64);
    CU_ASSERT_EQUAL(p.arena_bytes, 64); /* all three reuse one buffer */
    CU_ASSERT_EQUAL(p.lower_bound, 64);
    CU_ASSERT_EQUAL(p.slots[0].offset, 0);
    CU_ASSERT_EQUAL(p.slots[1].inplace_of, p.slots[0].value);
    CU_ASSERT_EQUAL(p.slots[2].inplace_of, p.slots[1].value);
    mem_plan_free(&p);
    ir_graph_free(g);
    /* two values alive together get disjoint ranges */
    g = parse("opset ai.onnx 12\ninput %x : f32[100]\n%a : f32[?] = Exp(%x)\n%b : f32[?] = Neg(%x)\n"
              "%y : f32[?] = Add(%a, %b)\noutput %y : f32[?]\n");
    CU_ASSERT_EQUAL(ir_infer_shapes(g, &d), IR_OK);
    CU_ASSERT_EQUAL_FATAL(plan_memory(g, &p, &d), IR_OK);
    CU_ASSERT_EQUAL(p.arena_bytes, 2 * 448);
    CU_ASSERT_NOT_EQUAL(p.slots[0].offset, p.slots[1].offset);
    mem_plan_free(&p);
    ir_graph_free(g);
}

/* ---- attention blocks exported from PyTorch ---------------------------- */

static ir_graph *load_model(const char *name)
{
    ir_graph *g = NULL;
    ir_diag d = {0};
    ir_status st = onnx_load_file(tu_path("%s/models/attention/%s.onnx", ONNXC_BUILD_DIR, name), NULL, &g, &d);
    if (st)
        fprintf(stderr, "\n  load %s: %s\n", name, d.msg);
    CU_ASSERT_EQUAL_FATAL(st, IR_OK);
    return g;
}

/* Optimizes, checks the counts, and compares with PyTorch's output y. */
static void check_model(const char *name, uint32_t attn, uint32_t ln, const char *decline)
{
    ir_graph *g = load_model(name);
    ir_tensor *in[3] = {0}, *out[1] = {0}, *want = NULL;
    ir_diag d = {0};
    const char *names[3] = {"x", "pos", "mem"};
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        for (int k = 0; k < 3; k++)
            if (!strcmp(g->values[g->inputs[i]].name, names[k]))
                CU_ASSERT_EQUAL(npy_read(tu_path("%s/models/attention/%s.inputs/%s.npy", ONNXC_BUILD_DIR, name, names[k]),
                                         &in[i], &d), IR_OK);
        g->values[g->inputs[i]].shape = in[i]->shape;
    }
    CU_ASSERT_EQUAL(npy_read(tu_path("%s/models/attention/%s.inputs/y.npy", ONNXC_BUILD_DIR, name), &want, &d), IR_OK);
    pass_report r;
    pass_report_init(&r);
    CU_ASSERT_EQUAL_FATAL(passes_optimize(g, NULL, &r, &d), IR_OK);
    CU_ASSERT_EQUAL(r.matched[FUSE_ATTENTION], attn);
    CU_ASSERT_EQUAL(r.matched[FUSE_LAYERNORM], ln);
    bool found = !decline;
    for (uint32_t i = 0; decline && i < r.n_declined; i++)
        found |= r.declined[i].kind == FUSE_ATTENTION && strstr(r.declined[i].reason, decline);
    if (!found)
        fprintf(stderr, "\n  %s: no attention declined with \"%s\"\n", name, decline);
    CU_ASSERT(found);
    CU_ASSERT_EQUAL(ir_ref_run(g, in, out, NULL, NULL, &d), IR_OK);
    assert_close(out[0], want, 1e-4, 1e-3);
    for (int i = 0; i < 3; i++)
        ir_tensor_release(in[i]);
    ir_tensor_release(out[0]);
    ir_tensor_release(want);
    pass_report_free(&r);
    ir_graph_free(g);
}

static void test_attention_self(void) { check_model("mha_self_op12", 1, 1, NULL); }
static void test_attention_cross(void) { check_model("mha_cross_op12", 1, 1, NULL); }
static void test_attention_batch2_op17(void) { check_model("mha_self_op17_b2", 1, 1, NULL); }
static void test_attention_prenorm(void) { check_model("mha_prenorm_op13", 1, 2, NULL); }
static void test_attention_broken_axis(void)
{
    check_model("broken_axis", 0, 0, "the Softmax runs over a transposed axis");
}
static void test_attention_broken_scale(void)
{
    check_model("broken_scale", 0, 0, "scaled by a constant that is not a single non-zero scalar");
}

int main(void)
{
    static const tu_case cases[] = {
        {"parse_roundtrip", test_parse_roundtrip},
        {"fold_constants", test_fold_constants},
        {"fold_limit", test_fold_limit},
        {"simplify", test_simplify},
        {"cse_and_dead", test_cse_and_dead},
        {"prune_outputs", test_prune_outputs},
        {"fold_batchnorm", test_fold_batchnorm},
        {"fuse_conv", test_fuse_conv},
        {"fuse_layernorm", test_fuse_layernorm},
        {"fuse_linear", test_fuse_linear},
        {"unstack", test_unstack},
        {"unstack_opset13", test_unstack_opset13},
        {"materialize_outputs", test_materialize_outputs},
        {"memory_plan", test_memory_plan},
        {"attention_self", test_attention_self},
        {"attention_cross", test_attention_cross},
        {"attention_batch2_op17", test_attention_batch2_op17},
        {"attention_prenorm", test_attention_prenorm},
        {"attention_broken_axis", test_attention_broken_axis},
        {"attention_broken_scale", test_attention_broken_scale},
        {NULL, NULL},
    };
    return tu_run("passes", cases);
}
