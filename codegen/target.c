/* target.c - the target machine, LLVM's optimization pipeline, and output
 * of a compiled model as an object file, LLVM IR or assembly, plus the C
 * header that declares it.
 *
 * The target CPU defaults to the host (`--target-cpu` picks another, e.g.
 * x86-64-v3 for portable builds). Every function, including the kernel
 * templates that were compiled for generic x86-64, is stamped with the
 * target's CPU and features before optimization, so O3 vectorizes the
 * specialized kernels for the real vector width. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "cg_llvm.h"

static char *dup_llvm(char *s)
{
    char *r = strdup(s ? s : "");
    LLVMDisposeMessage(s);
    return r;
}

ir_status cg_target_init(cg_module *m, ir_diag *d)
{
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    m->triple = dup_llvm(LLVMGetDefaultTargetTriple());
    bool host = !m->opt.target_cpu || !strcmp(m->opt.target_cpu, "native");
    m->cpu = host ? dup_llvm(LLVMGetHostCPUName()) : strdup(m->opt.target_cpu);
    m->features = m->opt.target_features ? strdup(m->opt.target_features)
                  : host                 ? dup_llvm(LLVMGetHostCPUFeatures())
                                         : strdup("");
    LLVMTargetRef t;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(m->triple, &t, &err)) {
        ir_status st = ir_fail(d, IR_ERR_INTERNAL, "LLVM target %s: %s", m->triple, err ? err : "");
        LLVMDisposeMessage(err);
        return st;
    }
    m->tm = LLVMCreateTargetMachine(t, m->triple, m->cpu, m->features,
                                    m->opt.opt_level >= 2 ? LLVMCodeGenLevelAggressive : LLVMCodeGenLevelDefault,
                                    LLVMRelocPIC, LLVMCodeModelDefault);
    if (!m->tm)
        return ir_fail(d, IR_ERR_USAGE, "LLVM does not know target CPU '%s'", ir_q(m->cpu));
    return IR_OK;
}

/* +1 when the comma-separated feature list enables NAME exactly, -1 when it
   disables it, 0 when it does not mention it ("avx512f" is not "avx512fp16"). */
static int feature_state(const char *features, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = features; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n + 1 && (p[0] == '+' || p[0] == '-') && !strncmp(p + 1, name, n))
            return p[0] == '+' ? 1 : -1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int cg_vec_bits_for(const char *cpu, const char *features)
{
    const char *f = features ? features : "";
    int avx512 = feature_state(f, "avx512f"), avx2 = feature_state(f, "avx2");
    if (avx512 > 0)
        return 512;
    if (avx512 < 0 || (*f && avx2 > 0))
        return avx2 > 0 ? 256 : 128;
    static const char *const v512[] = {"x86-64-v4", "skylake-avx512", "cascadelake", "cooperlake", "cannonlake",
                                       "icelake", "tigerlake", "rocketlake", "sapphirerapids", "graniterapids",
                                       "emeraldrapids", "znver4", "znver5", "knl", "knm", NULL};
    static const char *const v256[] = {"x86-64-v3", "haswell", "broadwell", "skylake", "alderlake", "raptorlake",
                                       "meteorlake", "arrowlake", "lunarlake", "gracemont", "znver1", "znver2",
                                       "znver3", "bdver4", "core-avx2", NULL};
    for (int i = 0; v512[i]; i++)
        if (!strncmp(cpu, v512[i], strlen(v512[i])))
            return 512;
    for (int i = 0; v256[i]; i++)
        if (!strncmp(cpu, v256[i], strlen(v256[i])))
            return 256;
    return 128;
}

int cg_target_vec_bits(const cg_module *m) { return cg_vec_bits_for(m->cpu, m->features); }

void cg_target_apply(cg_module *m)
{
    LLVMSetTarget(m->mod, m->triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(m->tm);
    LLVMSetModuleDataLayout(m->mod, td);
    LLVMDisposeTargetData(td);
}

static void stamp_target(cg_module *m)
{
    LLVMAttributeRef cpu = LLVMCreateStringAttribute(m->ctx, "target-cpu", 10, m->cpu, (unsigned)strlen(m->cpu));
    LLVMAttributeRef feat =
        LLVMCreateStringAttribute(m->ctx, "target-features", 15, m->features, (unsigned)strlen(m->features));
    for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f; f = LLVMGetNextFunction(f)) {
        if (LLVMIsDeclaration(f))
            continue;
        LLVMRemoveStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, "target-cpu", 10);
        LLVMRemoveStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, "target-features", 15);
        LLVMRemoveStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, "tune-cpu", 8);
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, cpu);
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, feat);
    }
}

ir_status cg_optimize(cg_module *m, ir_diag *d)
{
    if (m->optimized)
        return IR_OK;
    char *err = NULL;
    if (LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &err)) {
        ir_status st = ir_fail(d, IR_ERR_INTERNAL, "generated LLVM IR is invalid: %.800s", err ? err : "");
        LLVMDisposeMessage(err);
        return st;
    }
    LLVMDisposeMessage(err);
    stamp_target(m);
    double t0 = cg_now_ms();
    char pipeline[32];
    snprintf(pipeline, sizeof pipeline, "default<O%d>", m->opt.opt_level < 0 ? 0 : m->opt.opt_level > 3 ? 3 : m->opt.opt_level);
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(m->mod, pipeline, m->tm, po);
    LLVMDisposePassBuilderOptions(po);
    m->stats.opt_ms = cg_now_ms() - t0;
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        ir_status st = ir_fail(d, IR_ERR_INTERNAL, "LLVM optimization failed: %.800s", msg);
        LLVMDisposeErrorMessage(msg);
        return st;
    }
    m->optimized = true;
    return IR_OK;
}

ir_status cg_emit_object(cg_module *m, const char *path, ir_diag *d)
{
    ir_status st = cg_optimize(m, d);
    if (st)
        return st;
    double t0 = cg_now_ms();
    char *err = NULL;
    if (LLVMTargetMachineEmitToFile(m->tm, m->mod, path, LLVMObjectFile, &err)) {
        st = ir_fail(d, IR_ERR_IO, "%s: %s", ir_q(path), err ? err : "cannot write");
        LLVMDisposeMessage(err);
        return st;
    }
    m->stats.obj_ms = cg_now_ms() - t0;
    return IR_OK;
}

ir_status cg_emit_text(cg_module *m, const char *path, bool assembly, ir_diag *d)
{
    ir_status st = cg_optimize(m, d);
    if (st)
        return st;
    char *err = NULL;
    bool fail = assembly ? LLVMTargetMachineEmitToFile(m->tm, m->mod, path, LLVMAssemblyFile, &err)
                         : LLVMPrintModuleToFile(m->mod, path, &err);
    if (fail) {
        st = ir_fail(d, IR_ERR_IO, "%s: %s", ir_q(path), err ? err : "cannot write");
        LLVMDisposeMessage(err);
        return st;
    }
    return IR_OK;
}

/* An identifier for a tensor name in the header (non-alnum -> '_'). */
static void ident(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s && o + 1 < n; s++)
        out[o++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')) ? *s : '_';
    out[o] = 0;
}

/* #define NAME_INPUT_x 0 (and OUTPUT), with its dtype and every entry's shape. */
static void header_io(FILE *f, const cg_module *m, bool inputs)
{
    const ir_graph *g = m->progs[0]->g;
    uint32_t n = inputs ? g->n_inputs : g->n_outputs;
    for (uint32_t k = 0; k < n; k++) {
        const ir_value *v = &g->values[(inputs ? g->inputs : g->outputs)[k]];
        char id[128], shape[256], all[1024] = "";
        ident(v->name, id, sizeof id);
        size_t o = 0;
        for (uint32_t e = 0; e < m->n_progs && o + 260 < sizeof all; e++) {
            const ir_graph *ge = m->progs[e]->g;
            ir_shape_format(&ge->values[(inputs ? ge->inputs : ge->outputs)[k]].shape, shape, sizeof shape);
            if (!strstr(all, shape))
                o += (size_t)snprintf(all + o, sizeof all - o, "%s%s", o ? " | " : "", shape);
        }
        fprintf(f, "#define %s_%s_%s %u /* %s %s%s */\n", m->name, inputs ? "INPUT" : "OUTPUT", id, k, ir_q(v->name),
                ir_dtype_name(v->dtype), all);
    }
}

/* #define NAME_ENTRYe_INPUT_x_SHAPE {1, 3, 800, 1066} (and OUTPUT) for entry e. */
static void header_entry(FILE *f, const cg_module *m, uint32_t e)
{
    const ir_graph *g = m->progs[e]->g;
    fprintf(f, "#define %s_ENTRY%u_WORKSPACE_SIZE %lluu\n", m->name, e,
            (unsigned long long)m->stats.entries[e].arena_bytes);
    for (uint32_t k = 0; k < g->n_inputs + g->n_outputs; k++) {
        bool in = k < g->n_inputs;
        const ir_value *v = &g->values[in ? g->inputs[k] : g->outputs[k - g->n_inputs]];
        char id[128];
        ident(v->name, id, sizeof id);
        fprintf(f, "#define %s_ENTRY%u_%s_%s_SHAPE {", m->name, e, in ? "INPUT" : "OUTPUT", id);
        for (int32_t j = 0; j < v->shape.rank; j++)
            fprintf(f, "%s%lld", j ? ", " : "", (long long)v->shape.dims[j]);
        fprintf(f, "}\n");
    }
}

ir_status cg_emit_header(const cg_module *m, const char *path, ir_diag *d)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ir_fail(d, IR_ERR_IO, "%s: cannot write", ir_q(path));
    const char *n = m->name;
    const ir_graph *g = m->progs[0]->g;
    fprintf(f, "/* %s.h - generated by onnxc %s: a compiled model and its entry points.\n"
               " * Link %s.o (or lib%s.so) with the onnxc runtime (pkg-config onnxc_rt).\n"
               " *\n"
               " *     onnxc_ctx *c = %s_create(0, NULL);   // 0: default thread count\n"
               " *     const void *in[%s_NUM_INPUTS] = {...};  void *out[%s_NUM_OUTPUTS] = {...};\n"
               " *     if (%s_run(c, in, out) != ONNXC_OK) fprintf(stderr, \"%%s\\n\", onnxc_error(c));\n"
               " *     %s_destroy(c);\n"
               " *\n"
               " * The model has %s_NUM_ENTRIES entries, one per set of input shapes it was\n"
               " * compiled for (%s_ENTRYk_*). The context runs entry 0 until %s_select picks\n"
               " * the entry of the given input shapes (onnxc_select, onnxc_selected). */\n",
            n, IR_VERSION_STRING, n, n, n, n, n, n, n, n, n, n);
    fprintf(f, "#ifndef %s_ONNXC_H\n#define %s_ONNXC_H\n\n#include \"onnxc_rt.h\"\n\n", n, n);
    fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\nextern const onnxc_model %s_model;\n\n", n);
    fprintf(f, "#define %s_WORKSPACE_SIZE %lluu /* arena bytes%s */\n", n, (unsigned long long)m->stats.arena_bytes,
            m->n_progs > 1 ? ", the largest entry's" : "");
    fprintf(f, "#define %s_NUM_INPUTS %u\n#define %s_NUM_OUTPUTS %u\n", n, g->n_inputs, n, g->n_outputs);
    header_io(f, m, true);
    header_io(f, m, false);
    fprintf(f, "\n#define %s_NUM_ENTRIES %u\n", n, m->n_progs);
    for (uint32_t e = 0; e < m->n_progs; e++)
        header_entry(f, m, e);
    fprintf(f, "\nstatic inline onnxc_ctx *%s_create(int n_threads, onnxc_status *err)\n"
               "{\n    return onnxc_create(&%s_model, n_threads, err);\n}\n\n"
               "static inline onnxc_status %s_select(onnxc_ctx *c, const int32_t *ranks, const int64_t *const *dims)\n"
               "{\n    return onnxc_select(c, ranks, dims);\n}\n\n"
               "static inline onnxc_status %s_run(onnxc_ctx *c, const void *const *inputs, void *const *outputs)\n"
               "{\n    return onnxc_run(c, inputs, outputs);\n}\n\n"
               "static inline void %s_destroy(onnxc_ctx *c)\n{\n    onnxc_destroy(c);\n}\n\n",
            n, n, n, n, n);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n#endif\n");
    return fclose(f) ? ir_fail(d, IR_ERR_IO, "%s: cannot write", ir_q(path)) : IR_OK;
}
