/* k_dense.h - descriptors of the dense kernels (convolution, GEMM,
 * attention, normalization). See kabi.h for the conventions.
 *
 * GEMM-shaped kernels share one scheme (dense_mk.h): C is cut into tiles of
 * mc x nc (one task each, per batch), K into blocks of kc; per block the
 * operands come as panels (prepacked constants, or packed into scratch at
 * run time) and an mr x 16*nv microkernel sweeps the tile. Buffer fields
 * are indices into bufs, -1 for an absent optional operand. */
#ifndef ONNXC_K_DENSE_H
#define ONNXC_K_DENSE_H
#include <stdint.h>

#define K_GEMM_BATCH 6

/* bfloat16 (--precision bf16): a float's upper 16 bits, rounded to nearest
 * even; NaN stays a (quiet) NaN. The compile-time weight packer and the
 * kernels' run-time packing round the same way. A bf16 panel holds pairs of
 * consecutive k per lane ([k/2][width][2], k padded to even) for
 * vdpbf16ps, which multiplies the pairs and adds both products to one fp32
 * accumulator. */
static inline uint16_t k_bf16(float f)
{
    union {
        float f;
        uint32_t u;
    } v = {f};
    if ((v.u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((v.u >> 16) | 0x40u);
    return (uint16_t)((v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16);
}

/* C[b] = relu?(alpha * A[b] B[b] + beta * bias + res), A [m, k], B [k, n].
 * Unpacked A(i, p) = a[i * a_rs + p * a_cs] (B likewise); a prepacked A is
 * ceil(m/mr) panels [k][mr] per matrix, a prepacked B ceil(n/nr) panels
 * [k][nr]. Batch index b (row-major over bdim) offsets A by sum idx*a_bs
 * (elements of the buffer, packed or not; 0 = broadcast), B by b_bs, C by
 * b * m * ldc. bias(i, j) = bias[i * bias_rs + j * bias_cs], res like C.
 * Tasks: batches * m_tiles * n_tiles. */
struct k_gemm {
    int32_t a, b, c, bias, res;
    int32_t a_pre, b_pre;
    int32_t mr, nv, relu, nbd, bf16; /* bf16: A and B panels in bf16 (B prepacked) */
    int64_t m, n, k;
    int64_t a_rs, a_cs, b_rs, b_cs, ldc, ldr, bias_rs, bias_cs;
    int64_t mc, nc, kc, m_tiles, n_tiles, batches;
    int64_t bdim[K_GEMM_BATCH], a_bs[K_GEMM_BATCH], b_bs[K_GEMM_BATCH];
    float alpha, beta;
};

/* Up to three independent GEMMs in one node phase (attention's Q, K, V
 * projections): task t belongs to the first g with t < task_end[g]. */
struct k_gemm_multi {
    struct k_gemm g[3];
    int64_t n_g, task_end[3];
};

/* Convolution as GEMM per (image, group): Y [mg, npix] = W [mg, kdim] x
 * im2col(X) [kdim, npix], kdim = cg * kvol, in 3-D form (1-D and 2-D convs
 * have leading sizes 1). W prepacked as groups x ceil(mg/mr) panels
 * [kdim][mr] (w_pre), or read as rows of kdim at run time. pw: 1x1, stride
 * 1, no padding, so B's rows are X's channel planes. bias [M], res like Y.
 * Tasks: batch * groups * m_tiles * n_tiles. */
struct k_conv {
    int32_t x, w, bias, res, y;
    int32_t w_pre, mr, nv, relu, pw;
    int32_t bf16, pad_; /* bf16: W prepacked and im2col panels in bf16 */
    int64_t batch, groups, cg, mg;
    int64_t in[3], out[3], k[3], s[3], dil[3], pb[3];
    int64_t kdim, npix, inpix;
    int64_t mc, nc, kc, m_tiles, n_tiles;
};

/* Winograd F(tm x tm, 3x3) convolution, tm = 4 or 6 (3x3, stride 1, one
 * group) per image: tiles of tm x tm output pixels, th x tw of them (tiles
 * = th*tw), pads ph, pw at the start (per phase image when dilated: below).
 * u: PP = (tm+2)^2 matrices U[xi] [m, c], each packed as ceil(m/mr) A panels
 * [c][mr] (upan elements per matrix). A task owns nb tiles (nbp = nb
 * rounded up to 16*nv) and mc output channels, done msub at a time. bias
 * [m], res like y. Tasks: batch * t_blocks * m_blocks. */
#define WINO_PP(tm) (((tm) + 2) * ((tm) + 2)) /* transform points of F(tm x tm, 3x3) */
struct k_wino {
    int32_t x, u, bias, res, y;
    int32_t mr, nv, relu, tm;
    int64_t batch, c, m, ih, iw, oh, ow, ph, pw;
    /* dilation dl: the convolution is dl*dl stride-1 ones on the phase
       images x[dl*i + py][dl*j + px] (ih x iw of them, padded by ph, pw,
       giving oh x ow pixels of y's phase py, px); fih.. are the full planes'
       sizes. images = batch * dl * dl. dl = 1: one phase, the planes. */
    int64_t dl, images, fih, fiw, foh, fow;
    int64_t th, tw, tiles, nb, nbp, mc, msub, t_blocks, m_blocks, upan;
};

/* The Winograd weights of a k_wino, made when a context is created: w [m,
 * c, 3, 3] (the model's filters) into u: for each of the PP points xi,
 * U[xi] = G g Gt as A panels of mr rows (upan floats per point, rows past
 * m zero). Tasks: one per panel; scratch PP x WINO_PREP_CB x mr floats. */
#define WINO_PREP_CB 32 /* input channels per block of k_wino_prep's scratch */
struct k_wino_prep {
    int32_t w, u, mr, tm;
    int64_t m, c, upan;
};

/* The core of multi-head attention on projected q [L*N rows], k, v [S*N
 * rows] (row r = seq * N + batch, head h at columns *_off + h*hd, row
 * strides *_rs): ctx = softmax(q k^T * scale + mask) v per (batch, head),
 * qg queries per task, keys in chunks of sc with an online softmax; the
 * microkernel mr x 16*nv runs over (keys or head dims) x queries. Tasks:
 * N * H * q_groups. */
struct k_attn {
    int32_t q, k, v, mask, ctx;
    int32_t mr, nv, pad_;
    int64_t L, S, N, H, hd;
    int64_t q_rs, k_rs, v_rs, ctx_rs, q_off, k_off, v_off;
    int64_t mstr[3]; /* mask strides over [N*H, L, S] */
    int64_t qg, sc, q_groups;
    float scale;
};

/* y = (s - mean) / sqrt(var + eps) * scale + bias per row of `inner`, with
 * s = x + r (r optional) also stored to `sum` when present, and the row's
 * mean and 1/sqrt(var + eps) to `mean` / `invstd` when present. scale and bias
 * have `inner` elements (or 1 when *_bcast). Tasks: ceil(rows / per_task). */
struct k_layernorm {
    int32_t x, r, scale, bias, y, sum;
    int32_t mean, invstd; /* per-row statistics outputs, or -1 */
    int32_t scale_bcast, bias_bcast;
    int64_t rows, inner, per_task;
    float eps;
};

/* Softmax along an axis of length len with stride inner, over outer * inner
 * lines. Tasks: ceil(outer / per_task). */
struct k_softmax {
    int32_t x, y;
    int64_t outer, len, inner, per_task;
};

#endif
