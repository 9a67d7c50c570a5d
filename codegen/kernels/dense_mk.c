/* dense_mk.c - the GEMM microkernels: an mr x (16*nv) block of C kept in
 * mr*nv vector registers while kc rank-1 updates stream through them, then
 * the fused epilogue (scale, bias, residual, ReLU) before the one store.
 *
 * Accuracy: every DK_CHUNK rank-1 updates are summed from zero and only then
 * added to the partial sum kept in C, so no float32 chain is longer than
 * DK_CHUNK terms. One running chain over a 3x3 convolution of 512 channels
 * (K = 4,608) was 4.6x further from the float64 result than PyTorch's
 * (relative rms 8.4e-7 vs 1.8e-7) and pushed R101-DC5's logits past
 * tolerance; chains of 64 bring it to ~1.3e-7. The extra C traffic is one
 * load and store per accumulator every 64 steps, in L1.
 *
 * The rows are spelled out with macros instead of loops so the accumulators
 * are plain scalars of vector type from the start: nothing depends on the
 * unroller or on SROA to keep them out of memory. Three shapes suit 32
 * AVX-512 registers (14x2, 8x3, 6x4, each with room for the B vectors); the
 * lowering picks the one that wastes the least of M and N. 6x1 (16 columns
 * as two 8-lane halves) is the shape for 16 AVX2 registers. The bf16
 * kernels have the same shapes; per pair of k they load nv vectors of 16
 * column pairs of B and, per row, broadcast A's pair of the row into
 * vdpbf16ps (both products summed into the fp32 accumulator). They carry
 * their own target attribute, so the generic-x86 bitcode can hold them;
 * the lowering emits calls to them only for targets with AVX512_BF16. */
#include <immintrin.h>

#include "dense_mk.h"

/* A finished vector of C: epilogue for row i, vector q, then the store. */
DK_INLINE void mk_out(float *c, const dk_v16 *acc, const dk_epi *e, int64_t i, int64_t q)
{
    dk_v16 x = *acc;
    if (e) {
        if (e->alpha != 1.0f)
            x = x * e->alpha;
        if (e->bias) {
            const float *bp = e->bias + i * e->bias_rs;
            dk_v16 bv = e->bias_cs ? *(const dk_v16u *)(bp + 16 * q) : DK_SPLAT(*bp);
            x = e->beta != 1.0f ? x + e->beta * bv : x + bv;
        }
        if (e->res)
            x = x + *(const dk_v16u *)(e->res + i * e->ldr + 16 * q);
        if (e->relu)
            dk_relu(&x);
    }
    *(dk_v16u *)c = x;
}

#define V2(X, i) X(i, 0) X(i, 1)
#define V3(X, i) V2(X, i) X(i, 2)
#define V4(X, i) V3(X, i) X(i, 3)
#define R6(X, V) V(X, 0) V(X, 1) V(X, 2) V(X, 3) V(X, 4) V(X, 5)
#define R8(X, V) R6(X, V) V(X, 6) V(X, 7)
#define R14(X, V) R8(X, V) V(X, 8) V(X, 9) V(X, 10) V(X, 11) V(X, 12) V(X, 13)
#define B2(X) X(0) X(1)
#define B3(X) B2(X) X(2)
#define B4(X) B3(X) X(3)

#define ACC(i, q) c##i##_##q
#define DECL(i, q) dk_v16 ACC(i, q);
#define ZERO(i, q) ACC(i, q) = z;
#define ADDC(i, q) ACC(i, q) += *(const dk_v16u *)(c + (i) * ldc + 16 * (q));
#define SAVE(i, q) *(dk_v16u *)(c + (i) * ldc + 16 * (q)) = ACC(i, q);
#define BLOAD(q) dk_v16 bv##q = ((const dk_v16 *)b)[q];
#define FMA(i, q) ACC(i, q) += a[i] * bv##q;
#define STORE(i, q) mk_out(c + (i) * ldc + 16 * (q), &ACC(i, q), e, i, q);
/* The tile's lines of C and of the residual, asked for before the k loop
 * so that the loads and stores at its end find them in cache: a node's C
 * and residual are far larger than the caches and its tiles take them a
 * few lines per row at a time, in mr rows at once - more streams than the
 * hardware prefetcher follows (bench/mk_probe.c measures the difference). One prefetch per vector and one for the
 * row's last byte (a row of C need not start on a line). */
#define PREFETCH(i, q)                                                                                        \
    __builtin_prefetch(c + (i) * ldc + 16 * (q), 1, 3);                                                      \
    if (e && e->res)                                                                                          \
        __builtin_prefetch(e->res + (i) * e->ldr + 16 * (q), 0, 3);                                           \
    if ((q) == 0) {                                                                                           \
        __builtin_prefetch(c + (i) * ldc + 16 * mk_nv - 1, 1, 3);                                            \
        if (e && e->res)                                                                                      \
            __builtin_prefetch(e->res + (i) * e->ldr + 16 * mk_nv - 1, 0, 3);                                \
    }

/* T: the panels' element type, KSTEP: k per step (2: bf16 pairs), BLD and
 * OP: the B loads and the update of one accumulator. */
#define MICROKERNEL_OF(T, ATTR, KSTEP, BLD, OP, name, MR, NV, ROWS, VECS, BVECS)                               \
    ATTR static void name(int64_t kc, const T *a, const T *b, float *c, int64_t ldc, int32_t load,            \
                          const dk_epi *e)                                                                    \
    {                                                                                                         \
        const dk_v16 z = DK_SPLAT(0.0f);                                                                      \
        ROWS(DECL, VECS)                                                                                      \
        const int64_t mk_nv = NV;                                                                             \
        ROWS(PREFETCH, VECS)                                                                                  \
        for (int64_t k0 = 0;; k0 += DK_CHUNK) {                                                               \
            ROWS(ZERO, VECS)                                                                                  \
            for (int64_t k = 0, kn = dk_min(DK_CHUNK, kc - k0); k < kn; k += KSTEP) {                         \
                BVECS(BLD)                                                                                    \
                ROWS(OP, VECS)                                                                                \
                a += KSTEP * MR;                                                                              \
                b += 16 * KSTEP * NV;                                                                         \
            }                                                                                                 \
            if (load || k0) {                                                                                 \
                ROWS(ADDC, VECS)                                                                              \
            }                                                                                                 \
            if (k0 + DK_CHUNK >= kc)                                                                          \
                break;                                                                                        \
            ROWS(SAVE, VECS)                                                                                  \
        }                                                                                                     \
        ROWS(STORE, VECS)                                                                                     \
    }
#define MICROKERNEL(...) MICROKERNEL_OF(float, , 1, BLOAD, FMA, __VA_ARGS__)

MICROKERNEL(mk_14x2, 14, 2, R14, V2, B2)
MICROKERNEL(mk_8x3, 8, 3, R8, V3, B3)
MICROKERNEL(mk_6x4, 6, 4, R6, V4, B4)

/* 6 x 16 in 8-lane halves, for targets with 16 vector registers of 256
 * bits (AVX2): 12 accumulators, 2 B vectors, 1 broadcast. */
typedef float dk_v8 __attribute__((vector_size(32)));
typedef float dk_v8u __attribute__((vector_size(32), aligned(4)));
typedef int32_t dk_i8 __attribute__((vector_size(32)));

DK_INLINE void mk_out8(float *c, const dk_v8 *acc, const dk_epi *e, int64_t i, int64_t h)
{
    dk_v8 x = *acc;
    if (e) {
        if (e->alpha != 1.0f)
            x = x * e->alpha;
        if (e->bias) {
            const float *bp = e->bias + i * e->bias_rs;
            dk_v8 bv = e->bias_cs ? *(const dk_v8u *)(bp + 8 * h) : (dk_v8){bp[0], bp[0], bp[0], bp[0], bp[0], bp[0], bp[0], bp[0]};
            x = e->beta != 1.0f ? x + e->beta * bv : x + bv;
        }
        if (e->res)
            x = x + *(const dk_v8u *)(e->res + i * e->ldr + 8 * h);
        if (e->relu) {
            dk_i8 neg = x < 0;
            x = (dk_v8)((dk_i8)x & ~neg);
        }
    }
    *(dk_v8u *)c = x;
}

#define DECL8(i, q) dk_v8 ACC(i, q);
#define ADDC8(i, q) ACC(i, q) += *(const dk_v8u *)(c + (i) * ldc + 8 * (q));
#define SAVE8(i, q) *(dk_v8u *)(c + (i) * ldc + 8 * (q)) = ACC(i, q);
#define BLOAD8(q) dk_v8 bv##q = bb[q];
#define STORE8(i, q) mk_out8(c + (i) * ldc + 8 * (q), &ACC(i, q), e, i, q);

static void mk_6x1(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int32_t load, const dk_epi *e)
{
    const dk_v8 z = {0, 0, 0, 0, 0, 0, 0, 0};
    R6(DECL8, V2)
    for (int64_t k0 = 0;; k0 += DK_CHUNK) {
        R6(ZERO, V2)
        for (int64_t k = 0, kn = dk_min(DK_CHUNK, kc - k0); k < kn; k++) {
            const dk_v8 *bb = (const dk_v8 *)b;
            B2(BLOAD8)
            R6(FMA, V2)
            a += 6;
            b += 16;
        }
        if (load || k0) {
            R6(ADDC8, V2)
        }
        if (k0 + DK_CHUNK >= kc)
            break;
        R6(SAVE8, V2)
    }
    R6(STORE8, V2)
}

__attribute__((noinline)) void onnxc_dk_mk(int32_t mr, int32_t nv, int64_t kc, const float *a, const float *b,
                                           float *c, int64_t ldc, int32_t load, const dk_epi *e)
{
    if (mr == 14 && nv == 2)
        mk_14x2(kc, a, b, c, ldc, load, e);
    else if (mr == 8 && nv == 3)
        mk_8x3(kc, a, b, c, ldc, load, e);
    else if (mr == 6 && nv == 4)
        mk_6x4(kc, a, b, c, ldc, load, e);
    else
        mk_6x1(kc, a, b, c, ldc, load, e);
}

#define DK_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
typedef int32_t dk_pair __attribute__((may_alias, aligned(4)));

#define BLOAD16(q) __m512i bv##q = _mm512_loadu_si512(b + 32 * (q));
#define DP16(i, q)                                                                                            \
    ACC(i, q) = (dk_v16)_mm512_dpbf16_ps((__m512)ACC(i, q), (__m512bh)_mm512_set1_epi32(((const dk_pair *)a)[i]), \
                                         (__m512bh)bv##q);
#define MICROKERNEL16(...) MICROKERNEL_OF(uint16_t, DK_BF16, 2, BLOAD16, DP16, __VA_ARGS__)

MICROKERNEL16(mk16_14x2, 14, 2, R14, V2, B2)
MICROKERNEL16(mk16_8x3, 8, 3, R8, V3, B3)
MICROKERNEL16(mk16_6x4, 6, 4, R6, V4, B4)

DK_BF16 __attribute__((noinline)) void onnxc_dk_mk16(int32_t mr, int32_t nv, int64_t kc, const uint16_t *a,
                                                     const uint16_t *b, float *c, int64_t ldc, int32_t load,
                                                     const dk_epi *e)
{
    if (mr == 14 && nv == 2)
        mk16_14x2(kc, a, b, c, ldc, load, e);
    else if (mr == 8 && nv == 3)
        mk16_8x3(kc, a, b, c, ldc, load, e);
    else
        mk16_6x4(kc, a, b, c, ldc, load, e);
}

DK_BF16 __attribute__((noinline)) void onnxc_dk_pack_b16(uint16_t *restrict dst, const float *restrict b,
                                                         int64_t rs, int64_t cs, int64_t cols, int64_t kc,
                                                         int64_t nr)
{
    /* word 2i of the result takes word i of the low half, 2i+1 word i of the high half */
    const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                           6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    int64_t kc2 = dk_even(kc);
    if (cs == 1 && nr % 16 == 0) {
        /* rows of unit stride: pair by pair of rows, across all panels, so that
         * the source is read in long runs (a row's columns are contiguous) */
        int64_t full = cols / nr;
        for (int64_t k = 0; k + 1 < kc; k += 2) {
            const float *r0 = b + k * rs, *r1 = r0 + rs;
            for (int64_t q = 0; q < full; q++) {
                uint16_t *o = dst + q * kc2 * nr + k * nr;
                for (int64_t l = 0; l < nr; l += 16) {
                    const float *s0 = r0 + q * nr + l, *s1 = r1 + q * nr + l;
                    __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s1), _mm512_loadu_ps(s0));
                    _mm512_storeu_si512(o + 2 * l, _mm512_permutexvar_epi16(pairs, (__m512i)h));
                }
            }
        }
        if (full * nr == cols && kc % 2 == 0)
            return;
    }
    for (int64_t q = 0; q * nr < cols; q++) {
        uint16_t *d = dst + q * kc2 * nr;
        const float *src = b + q * nr * cs;
        int64_t w = dk_min(nr, cols - q * nr);
        for (int64_t k = 0; k < kc2; k += 2) {
            const float *r0 = src + k * rs, *r1 = r0 + rs;
            uint16_t *o = d + k * nr;
            if (w == nr && k + 1 < kc && cs == 1 && nr % 16 == 0)
                continue; /* done above */
            for (int64_t l = 0; l < nr; l++) {
                o[2 * l] = l < w ? k_bf16(r0[l * cs]) : 0;
                o[2 * l + 1] = l < w && k + 1 < kc ? k_bf16(r1[l * cs]) : 0;
            }
        }
    }
}

/* Through a full-size tile on the stack, then the valid part with a scalar
 * epilogue (bit-identical arithmetic to mk_out, one element at a time). */
__attribute__((noinline)) void onnxc_dk_mk_edge(int32_t mr, int32_t nv, int64_t kc, const void *a, const void *b,
                                                float *c, int64_t ldc, int64_t mv, int64_t nn, int32_t load,
                                                const dk_epi *e, int32_t bf16)
{
    float tmp[DK_TILE_MAX] __attribute__((aligned(64)));
    int64_t nr = 16 * (int64_t)nv;
    for (int64_t i = 0; i < mr * nr; i++)
        tmp[i] = 0.0f;
    for (int64_t i = 0; load && i < mv; i++)
        for (int64_t j = 0; j < nn; j++)
            tmp[i * nr + j] = c[i * ldc + j];
    if (bf16)
        onnxc_dk_mk16(mr, nv, kc, a, b, tmp, nr, load, 0);
    else
        onnxc_dk_mk(mr, nv, kc, a, b, tmp, nr, load, 0);
    for (int64_t i = 0; i < mv; i++)
        for (int64_t j = 0; j < nn; j++) {
            float x = tmp[i * nr + j];
            if (e) {
                if (e->alpha != 1.0f)
                    x = x * e->alpha;
                if (e->bias) {
                    float bv = e->bias[i * e->bias_rs + j * e->bias_cs];
                    x = e->beta != 1.0f ? x + e->beta * bv : x + bv;
                }
                if (e->res)
                    x = x + e->res[i * e->ldr + j];
                if (e->relu && x < 0)
                    x = 0.0f;
            }
            c[i * ldc + j] = x;
        }
}
