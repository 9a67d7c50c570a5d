/* lower_dense.h - what the dense lowerings (lower_dense*.c) share: operand
 * checks, compile-time weight packing and the choice of microkernel shape,
 * tiles and task count for a GEMM-shaped node.
 *
 *     ld_gemm_plan t;
 *     ld_plan_gemm(p, batches, m, n, k, false, &t);   // mr, nv, mc, nc, kc, tiles
 *     int32_t w = ld_prepack_b(p, data, n, 1, k, n, t.nv, 1, 0);  // [k, n] row-major
 */
#ifndef ONNXC_LOWER_DENSE_H
#define ONNXC_LOWER_DENSE_H

#include "codegen.h"
#include "kabi.h"

/* node 'NAME' (Op): message (ir_fail_node, under the lowerings' short name) */
#define ld_fail ir_fail_node

/* The value of input i, or NULL when the input is omitted. */
const ir_value *ld_in(const cg_program *p, const ir_node *n, uint32_t i);
/* Constant float data of input i, or NULL when it is not a constant. */
const float *ld_const(const cg_program *p, const ir_node *n, uint32_t i);
/* Every present input and output is float32 with a static shape; names the
 * first that is not. */
ir_status ld_check_f32(const cg_program *p, const ir_node *n, ir_diag *d);
int64_t ld_numel(const ir_value *v);

/* The target's vector width in bits (512 unless the program says less). */
int ld_vector_bits(const cg_program *p);

typedef struct {
    int32_t mr, nv;
    int64_t mc, nc, kc, m_tiles, n_tiles;
    uint64_t scratch; /* bytes per thread if both operands are packed at run time */
    int32_t bf16;     /* set by ld_plan_bf16 */
} ld_gemm_plan;

/* Microkernel shape, cache blocks and tiles for `batches` products of
 * m x k by k x n, with enough tasks for the threads when the work is large.
 * full_m: tiles span all of M unless N alone cannot make enough tasks (when
 * B is the operand packed at run time and A is streamed: each tile packs its
 * B block once). */
void ld_plan_gemm(const cg_program *p, int64_t batches, int64_t m, int64_t n, int64_t k, bool full_m,
                  ld_gemm_plan *t);
/* Scratch bytes of a plan given which operands are packed at run time. */
uint64_t ld_gemm_scratch(const ld_gemm_plan *t, bool pack_a, bool pack_b);

/* Whether node n computes its products in bf16: --precision bf16 on a
 * 512-bit target, and n is not an output head (kept in fp32). */
bool ld_bf16(cg_program *p, const ir_node *n);
/* Why node n's product stays float32 (NULL: it runs in bf16). */
const char *ld_fp32_reason(cg_program *p, const ir_node *n);
/* Makes a plan bf16: K blocks of even length (bf16 panels hold pairs of k). */
void ld_plan_bf16(ld_gemm_plan *t, int64_t k);
/* Extra scratch bytes per thread of a bf16 plan (its bf16 panels), else 0. */
uint64_t ld_bf16_scratch(const ld_gemm_plan *t);

/* Packs `count` matrices (matrix c at src + c * mstride) as A panels (mr
 * rows interleaved per k) / B panels (16*nv columns per k) into a new
 * constant buffer; element (i, k) of A is src[i * rs + k * cs], (k, j) of B
 * src[k * rs + j * cs]. Returns the buffer or -1 (out of memory). */
int32_t ld_prepack_a(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t m, int64_t k, int32_t mr,
                     int64_t count, int64_t mstride);
int32_t ld_prepack_b(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t k, int64_t n, int32_t nv,
                     int64_t count, int64_t mstride);
/* The same into bf16 panels (k_dense.h), K padded to even. */
int32_t ld_prepack_a16(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t m, int64_t k, int32_t mr,
                       int64_t count, int64_t mstride);
int32_t ld_prepack_b16(cg_program *p, const float *src, int64_t rs, int64_t cs, int64_t k, int64_t n, int32_t nv,
                       int64_t count, int64_t mstride);
/* Elements of one packed fp32 matrix (of a bf16 one: pass k rounded up to even). */
int64_t ld_packed_a_size(int64_t m, int64_t k, int32_t mr);
int64_t ld_packed_b_size(int64_t k, int64_t n, int32_t nv);

/* A struct k_gemm for C = A B with the plan's tiles, unpacked row-major
 * operands (A [m, k] with lda, B [k, n] with ldb, C ldc) and no epilogue;
 * callers adjust the fields they need. */
void ld_gemm_init(struct k_gemm *g, const ld_gemm_plan *t, int64_t m, int64_t n, int64_t k);

/* The Winograd lowering of a 3x3 stride-1 convolution whose geometry kc
 * holds, when it is eligible and pays (or ONNXC_CONV_ALGO=winograd): fills
 * out and sets *used; otherwise leaves out alone. */
ir_status ld_conv_wino(cg_program *p, const ir_node *n, const struct k_conv *kc, cg_lowered *out, bool *used,
                       ir_diag *d);

#endif
