/* cg_llvm.h - the LLVM side of codegen/, shared by emit.c, target.c and
 * jit.c (the only files that include LLVM headers). */
#ifndef ONNXC_CG_LLVM_H
#define ONNXC_CG_LLVM_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "cg_internal.h"

/* A constant global of the module and the entries whose buffers use it. */
typedef struct {
    uint64_t hash, bytes;
    const void *data;
    LLVMValueRef gv;
    uint32_t users; /* bit e: entry e */
} cg_const_global;

/* A prepared buffer of the model: made from constant global src by the
 * derivation `key`, at `offset` in the prepared area. */
typedef struct {
    LLVMValueRef src;
    const void *key;
    size_t key_size;
    uint64_t bytes, offset;
} cg_prep_global;

struct cg_module {
    char name[128];
    cg_options opt;
    cg_program **progs; /* one per entry */
    uint32_t n_progs;
    cg_pins *pins;
    cg_const_global *consts; /* deduplicated by content */
    uint32_t n_consts, cap_consts;
    cg_prep_global *preps; /* deduplicated by source and derivation */
    uint32_t n_preps, cap_preps;
    LLVMContextRef ctx;
    bool own_ctx;
    LLVMModuleRef mod;
    LLVMTargetMachineRef tm;
    char *triple, *cpu, *features;
    LLVMTypeRef ptr_ty, task_ty, kernel_ty, node_ty, buf_ty, tensor_ty, entry_ty, model_ty;
    LLVMValueRef model_gv;
    bool optimized;
    cg_stats stats;
};

double cg_now_ms(void);
/* Builds the module of n graphs (entries) in ctx (NULL: a context of its own). */
ir_status cg_build_in(const ir_graph *const *gs, uint32_t n, const cg_options *o, LLVMContextRef ctx,
                      cg_module **out, ir_diag *d);
/* Creates the target machine for m->opt (host CPU unless named). */
ir_status cg_target_init(cg_module *m, ir_diag *d);
/* The widest vector registers of the target, in bits (512, 256 or 128):
 * from the features (+avx512f, +avx2) or, for a named CPU, its family. */
int cg_target_vec_bits(const cg_module *m);
/* Whether the target has an LLVM feature ("avx512bf16"): from the
 * features, or for a named CPU without them, its family (bf16 only). */
bool cg_target_has(const cg_module *m, const char *feature);
/* The ONNXC_CPU_* features the built program's code needs. */
uint32_t cg_target_cpu_needs(const cg_module *m);
/* Sets the module's triple and data layout. */
void cg_target_apply(cg_module *m);
/* Stamps the target CPU/features on every function and runs O-level passes. */
ir_status cg_optimize(cg_module *m, ir_diag *d);

#endif
