/* describe.c - `onnxc inspect -O --kernels`: what every node lowers to.
 *
 * The program is lowered as `onnxc compile` would for the target (the
 * host's vector width unless given), without generating code, and each
 * node phase is described from its descriptor: the kernel, its precision,
 * the matrix product it computes (M x N x K, the microkernel's mr x nr
 * register tile, the cache tiles mc x nc x kc), its task count and scratch,
 * its flops, and the lowering's note on the choice it made (direct or
 * Winograd with the cost model's estimate, why a product stays float32 in a
 * bf16 build). The CLI prints the rows. */
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "kernels/k_dense.h"
#include "lower_dense.h"

static int host_vec_bits(void)
{
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    int bits = cg_vec_bits_for(cpu, features);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    return bits;
}

static double gemm_flops(const struct k_gemm *g)
{
    return 2.0 * (double)g->m * (double)g->n * (double)g->k * (double)g->batches;
}

static void gemm_info(const struct k_gemm *g, cg_kernel_row *r)
{
    snprintf(r->product, sizeof r->product, "%lldx%lldx%lld%s", (long long)g->m, (long long)g->n, (long long)g->k,
             g->batches > 1 ? " batched" : "");
    snprintf(r->tiles, sizeof r->tiles, "mr x nr %dx%d, mc x nc x kc %lldx%lldx%lld", g->mr, 16 * g->nv,
             (long long)g->mc, (long long)g->nc, (long long)g->kc);
    r->precision = g->bf16 ? "bf16" : "fp32";
    r->product_flops = gemm_flops(g);
}

/* The product and tiles of the dense kernels; false for the others. */
static bool dense_info(const cg_lowered *l, cg_kernel_row *r)
{
    if (!strcmp(l->kernel, "gemm")) {
        gemm_info(l->desc, r);
    } else if (!strcmp(l->kernel, "gemm_multi")) {
        const struct k_gemm_multi *g = l->desc;
        gemm_info(&g->g[0], r);
        size_t o = strlen(r->product);
        for (int64_t i = 1; i < g->n_g; i++) {
            const struct k_gemm *gi = &g->g[i];
            if (o < sizeof r->product)
                o += (size_t)snprintf(r->product + o, sizeof r->product - o, " + %lldx%lldx%lld", (long long)gi->m,
                                      (long long)gi->n, (long long)gi->k);
            r->product_flops += gemm_flops(gi);
        }
    } else if (!strcmp(l->kernel, "conv")) {
        const struct k_conv *c = l->desc;
        snprintf(r->product, sizeof r->product, "%lldx%lldx%lld%s", (long long)c->mg, (long long)c->npix,
                 (long long)c->kdim, c->pw ? " (1x1: X's planes)" : " (im2col per tile)");
        snprintf(r->tiles, sizeof r->tiles, "mr x nr %dx%d, mc x nc x kc %lldx%lldx%lld", c->mr, 16 * c->nv,
                 (long long)c->mc, (long long)c->nc, (long long)c->kc);
        r->precision = c->bf16 ? "bf16" : "fp32";
        r->product_flops = 2.0 * (double)c->mg * (double)c->npix * (double)c->kdim * (double)(c->batch * c->groups);
    } else if (!strcmp(l->kernel, "wino")) {
        const struct k_wino *w = l->desc;
        snprintf(r->product, sizeof r->product, "%d x %lldx%lldx%lld (F(%dx%d,3x3): %lld tiles)",
                 WINO_PP(w->tm), (long long)w->m, (long long)(w->t_blocks * w->nbp), (long long)w->c,
                 w->tm, w->tm, (long long)w->tiles);
        snprintf(r->tiles, sizeof r->tiles, "mr x nr %dx%d, %lld tiles x %lld channels per task", w->mr, 16 * w->nv,
                 (long long)w->nb, (long long)w->mc);
        r->product_flops = 2.0 * WINO_PP(w->tm) * (double)w->m * (double)(w->t_blocks * w->nbp) * (double)w->c *
                           (double)w->images;
    } else if (!strcmp(l->kernel, "attn")) {
        const struct k_attn *a = l->desc;
        snprintf(r->product, sizeof r->product, "%lld heads of %lld queries x %lld keys x %lld",
                 (long long)(a->N * a->H), (long long)a->L, (long long)a->S, (long long)a->hd);
        snprintf(r->tiles, sizeof r->tiles, "mr x nr %dx%d, %lld queries per task, keys in chunks of %lld", a->mr,
                 16 * a->nv, (long long)a->qg, (long long)a->sc);
        r->product_flops = 4.0 * (double)(a->N * a->H) * (double)a->L * (double)a->S * (double)a->hd; /* QK', PV */
    } else {
        return false;
    }
    return true;
}

ir_status cg_describe_kernels(const ir_graph *g, int threads, int vec_bits, cg_precision precision,
                              const char *keep_fp32, cg_kernel_report *r, ir_diag *d)
{
    memset(r, 0, sizeof *r);
    r->vec_bits = vec_bits ? vec_bits : host_vec_bits();
    r->threads = threads;
    cg_program *p = NULL;
    ir_status st = cg_program_build_pinned(g, threads, r->vec_bits, precision, keep_fp32, NULL, &p, d);
    if (st)
        return st;
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (const cg_lowered *l = &p->nodes[i]; l; l = l->next)
            n++;
    r->rows = calloc(n + 1, sizeof *r->rows);
    if (!r->rows) {
        cg_program_free(p);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const char *why = precision != CG_FP32 ? ld_fp32_reason(p, &g->nodes[i]) : NULL;
        for (const cg_lowered *l = &p->nodes[i]; l; l = l->next) {
            cg_kernel_row *row = &r->rows[r->n++];
            row->node = i;
            row->kernel = l->kernel;
            row->precision = "fp32";
            row->tasks = l->n_tasks;
            row->scratch_bytes = l->scratch_bytes;
            row->flops = l->flops;
            bool dense = dense_info(l, row);
            /* a product that stays fp32 in a bf16 build (Winograd's and
               attention's own say so themselves or always are) */
            bool fp32 = dense && why && !strcmp(row->precision, "fp32") && strcmp(l->kernel, "wino") &&
                        strcmp(l->kernel, "attn");
            snprintf(row->note, sizeof row->note, "%s%s%s%s", l->note ? l->note : "", l->note && fp32 ? "; " : "",
                     fp32 ? "float32: " : "", fp32 ? why : "");
        }
    }
    r->prepared_bytes = p->prepared_bytes;
    cg_program_free(p);
    return IR_OK;
}

void cg_kernel_report_free(cg_kernel_report *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}
