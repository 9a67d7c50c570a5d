/* jit.c - `onnxc run --engine jit`: the same module as `onnxc compile`,
 * compiled in memory with LLVM's ORC LLJIT for the host CPU.
 *
 * The module is built inside the JIT's thread-safe context, optimized with
 * the same O3 pipeline, and handed to LLJIT; math functions the kernels
 * call (expf, erff, ...) resolve against this process. The returned model
 * table is run by the ordinary runtime. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "cg_llvm.h"

struct cg_jit {
    LLVMOrcLLJITRef jit;
    LLVMOrcThreadSafeContextRef tsc;
};

static ir_status jit_error(LLVMErrorRef e, const char *what, ir_diag *d)
{
    char *msg = LLVMGetErrorMessage(e);
    ir_status st = ir_fail(d, IR_ERR_INTERNAL, "JIT %s: %.800s", what, msg);
    LLVMDisposeErrorMessage(msg);
    return st;
}

static ir_status jit_add(cg_jit *j, cg_module *m, ir_diag *d)
{
    LLVMErrorRef e = LLVMOrcCreateLLJIT(&j->jit, NULL);
    if (e)
        return jit_error(e, "creation", d);
    LLVMOrcDefinitionGeneratorRef gen;
    e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
    if (e)
        return jit_error(e, "symbol search", d);
    LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(j->jit);
    LLVMOrcJITDylibAddGenerator(jd, gen);
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m->mod, j->tsc);
    m->mod = NULL; /* owned by the JIT now */
    e = LLVMOrcLLJITAddLLVMIRModule(j->jit, jd, tsm);
    return e ? jit_error(e, "adding the module", d) : IR_OK;
}

ir_status cg_jit_build(const ir_graph *g, const cg_options *o, cg_jit **out, const void **model, ir_diag *d)
{
    *out = NULL;
    cg_jit *j = calloc(1, sizeof *j);
    if (!j)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    j->tsc = LLVMOrcCreateNewThreadSafeContext();
    cg_options host = *o;
    host.target_cpu = NULL;
    host.target_features = NULL;
    cg_module *m = NULL;
    ir_status st = cg_build_in(&g, 1, &host, LLVMOrcThreadSafeContextGetContext(j->tsc), &m, d);
    if (!st)
        st = cg_optimize(m, d);
    if (!st)
        st = jit_add(j, m, d);
    char sym[200];
    snprintf(sym, sizeof sym, "%s_model", o->name);
    LLVMOrcExecutorAddress addr = 0;
    if (!st) {
        LLVMErrorRef e = LLVMOrcLLJITLookup(j->jit, &addr, sym);
        if (e)
            st = jit_error(e, "lookup", d);
    }
    cg_module_free(m);
    if (st) {
        cg_jit_free(j);
        return st;
    }
    *model = (const void *)(uintptr_t)addr;
    *out = j;
    return IR_OK;
}

void cg_jit_free(cg_jit *j)
{
    if (!j)
        return;
    if (j->jit)
        LLVMOrcDisposeLLJIT(j->jit);
    if (j->tsc)
        LLVMOrcDisposeThreadSafeContext(j->tsc);
    free(j);
}
