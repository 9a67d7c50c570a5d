/* dense_wino.c - Winograd F(4x4, 3x3) and F(6x6, 3x3) convolution for 3x3
 * stride-1 2-D convolutions on constant weights (lower_dense_wino.c decides
 * when, and which); a dilated one runs as one per phase image (k_wino: dl),
 * read and written with stride dl.
 *
 * Every tm x tm block of output pixels (a tile; tm = 4 or 6) is computed
 * from the P x P input patch around it (P = tm + 2): V = Bt d B per patch
 * and input channel, then for each of the P*P transform points xi a product
 * M[xi] = U[xi] V[xi] over the input channels (U = G g Gt per filter, made
 * and packed into A panels when the model is loaded), then Y = At M A per
 * tile and output channel. The products do 36 (64) multiply-adds per tile
 * and channel pair where the direct convolution does 144 (324), so the
 * transforms' cost is what decides whether it pays.
 *
 * A task owns a block of nb tiles of one image and a block of output
 * channels. It transforms its tiles' input patches for every input channel
 * straight into B panels (V: PP x C x nbp floats, nbp = nb rounded up to
 * the microkernel's 16*nv columns), then walks its output channels msub at
 * a time: PP GEMMs of msub x C x nbp on the register-blocked microkernel
 * into M (PP x msub x nbp, sized to stay in L2), and the output transform
 * with the fused epilogue (bias, residual, ReLU) on the way to Y. Tiles are
 * taken in runs that share a tile row and a B panel; the transforms loop
 * over the run's tiles innermost, 16 per vector, so LLVM vectorizes them
 * across tiles (columns dealt out by shuffles on the input side, contiguous
 * stores into the panels). The descriptor is a constant of each node's
 * wrapper, so the branches on tm fold away. */
#include "dense_mk.h"
#include "kabi.h"

/* y = Bt x for the 6 points of F(4, 3) (interpolation at 0, +-1, +-2, inf);
 * on floats or on vectors of them (one tile per lane). */
#define WINO_BT(y0, y1, y2, y3, y4, y5, x0, x1, x2, x3, x4, x5)                                                 \
    do {                                                                                                          \
        __auto_type a_ = (x4) - 4.0f * (x2);                                                                      \
        __auto_type b_ = (x3) - 4.0f * (x1);                                                                      \
        __auto_type c_ = (x4) - (x2);                                                                             \
        __auto_type e_ = 2.0f * ((x3) - (x1));                                                                    \
        y0 = 4.0f * (x0) - 5.0f * (x2) + (x4);                                                                    \
        y1 = a_ + b_;                                                                                             \
        y2 = a_ - b_;                                                                                             \
        y3 = c_ + e_;                                                                                             \
        y4 = c_ - e_;                                                                                             \
        y5 = 4.0f * (x1) - 5.0f * (x3) + (x5);                                                                    \
    } while (0)

/* y = At x: the 4 outputs from the 6 points. */
#define WINO_AT(y0, y1, y2, y3, x0, x1, x2, x3, x4, x5)                                                          \
    do {                                                                                                          \
        __auto_type p_ = (x1) + (x2);                                                                             \
        __auto_type m_ = (x1) - (x2);                                                                             \
        __auto_type q_ = (x3) + (x4);                                                                             \
        __auto_type n_ = (x3) - (x4);                                                                             \
        y0 = (x0) + p_ + q_;                                                                                      \
        y1 = m_ + 2.0f * n_;                                                                                      \
        y2 = p_ + 4.0f * q_;                                                                                      \
        y3 = m_ + 8.0f * n_ + (x5);                                                                               \
    } while (0)

/* F(6, 3): y = Bt x for its 8 points (0, +-1, +-2, +-1/2, inf). */
#define WINO_BT8(y, x)                                                                                          \
    do {                                                                                                          \
        __auto_type t1_ = (x)[2] + (x)[6] - 4.25f * (x)[4];                                                       \
        __auto_type t2_ = (x)[1] + (x)[5] - 4.25f * (x)[3];                                                       \
        __auto_type t3_ = 0.25f * (x)[2] + (x)[6] - 1.25f * (x)[4];                                               \
        __auto_type t4_ = 0.5f * (x)[1] - 2.5f * (x)[3] + 2.0f * (x)[5];                                          \
        __auto_type t5_ = 4.0f * (x)[2] + (x)[6] - 5.0f * (x)[4];                                                 \
        __auto_type t6_ = 2.0f * (x)[1] - 2.5f * (x)[3] + 0.5f * (x)[5];                                          \
        (y)[0] = (x)[0] - (x)[6] + 5.25f * ((x)[4] - (x)[2]);                                                     \
        (y)[1] = t1_ + t2_;                                                                                       \
        (y)[2] = t1_ - t2_;                                                                                       \
        (y)[3] = t3_ + t4_;                                                                                       \
        (y)[4] = t3_ - t4_;                                                                                       \
        (y)[5] = t5_ + t6_;                                                                                       \
        (y)[6] = t5_ - t6_;                                                                                       \
        (y)[7] = (x)[7] - (x)[1] + 5.25f * ((x)[3] - (x)[5]);                                                     \
    } while (0)

/* F(6, 3): y = At x, the 6 outputs from the 8 points. */
#define WINO_AT8(y, x)                                                                                          \
    do {                                                                                                          \
        __auto_type a_ = (x)[1] + (x)[2];                                                                         \
        __auto_type b_ = (x)[1] - (x)[2];                                                                         \
        __auto_type c_ = (x)[3] + (x)[4];                                                                         \
        __auto_type d_ = (x)[3] - (x)[4];                                                                         \
        __auto_type e_ = (x)[5] + (x)[6];                                                                         \
        __auto_type f_ = (x)[5] - (x)[6];                                                                         \
        (y)[0] = (x)[0] + a_ + c_ + e_;                                                                           \
        (y)[1] = b_ + 2.0f * d_ + 0.5f * f_;                                                                      \
        (y)[2] = a_ + 4.0f * c_ + 0.25f * e_;                                                                     \
        (y)[3] = b_ + 8.0f * d_ + 0.125f * f_;                                                                    \
        (y)[4] = a_ + 16.0f * c_ + 0.0625f * e_;                                                                  \
        (y)[5] = b_ + 32.0f * d_ + 0.03125f * f_ + (x)[7];                                                        \
    } while (0)

/* The horizontal halves of the transforms work on 16 tiles at once: tile j
 * of a group reads columns 4j .. 4j+5 of a row and writes columns 4j ..
 * 4j+3, so a group's columns are dealt out to six vectors (x[k] lane j =
 * r[4j + k]) and its four results woven back, by shuffles. */
typedef float wino_v8 __attribute__((vector_size(32)));
#define WINO_E8(a, b, k) __builtin_shufflevector(a, b, k, k + 4, k + 8, k + 12, k + 16, k + 20, k + 24, k + 28)
#define WINO_CAT(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define WINO_EVERY4(k) WINO_CAT((wino_v8)WINO_E8(l0, l1, k), (wino_v8)WINO_E8(l2, l3, k))

/* x[k] lane j = r[4j + k] for k < 6, j < 16 (reads r[0 .. 79]). */
DK_INLINE void wino_deal(const float *r, dk_v16 *x)
{
    dk_v16 l0 = *(const dk_v16u *)r, l1 = *(const dk_v16u *)(r + 16), l2 = *(const dk_v16u *)(r + 32);
    dk_v16 l3 = *(const dk_v16u *)(r + 48), l4 = *(const dk_v16u *)(r + 64);
    x[0] = WINO_EVERY4(0);
    x[1] = WINO_EVERY4(1);
    x[2] = WINO_EVERY4(2);
    x[3] = WINO_EVERY4(3);
    x[4] = __builtin_shufflevector(x[0], l4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    x[5] = __builtin_shufflevector(x[1], l4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
}

/* o[4j + k] = y[k] lane j for k < 4, j < 16 (writes o[0 .. 63]). */
DK_INLINE void wino_weave(float *o, const dk_v16 *y)
{
    dk_v16 lo01 = __builtin_shufflevector(y[0], y[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    dk_v16 lo23 = __builtin_shufflevector(y[2], y[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    dk_v16 hi01 = __builtin_shufflevector(y[0], y[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    dk_v16 hi23 = __builtin_shufflevector(y[2], y[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    *(dk_v16u *)o = __builtin_shufflevector(lo01, lo23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    *(dk_v16u *)(o + 16) =
        __builtin_shufflevector(lo01, lo23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    *(dk_v16u *)(o + 32) = __builtin_shufflevector(hi01, hi23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    *(dk_v16u *)(o + 48) =
        __builtin_shufflevector(hi01, hi23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/* F(6, 3): x[k] lane j = r[6j + k] for k < 8, j < 16 (reads r[0 .. 105]).
 * Lanes 0-4, 5-9 and 10-14 are picked from three 32-float windows (at 0,
 * 30 and 60) and lane 15 from a fourth (at 90), three more shuffles merge
 * them: six two-source shuffles per k. */
#define WINO_D6(k)                                                                                              \
    do {                                                                                                          \
        dk_v16 p_ = __builtin_shufflevector(w0a, w0b, k, 6 + k, 12 + k, 18 + k, 24 + k, -1, -1, -1, -1, -1, -1,   \
                                            -1, -1, -1, -1, -1);                                                  \
        dk_v16 q_ = __builtin_shufflevector(w1a, w1b, -1, -1, -1, -1, -1, k, 6 + k, 12 + k, 18 + k, 24 + k, -1,   \
                                            -1, -1, -1, -1, -1);                                                  \
        dk_v16 r_ = __builtin_shufflevector(w2a, w2b, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, k, 6 + k, 12 + k,   \
                                            18 + k, 24 + k, -1);                                                  \
        dk_v16 pq_ = __builtin_shufflevector(p_, q_, 0, 1, 2, 3, 4, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1, -1); \
        dk_v16 rs_ = __builtin_shufflevector(r_, w3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 10, 11, 12, 13, 14,  \
                                             16 + k);                                                             \
        x[k] = __builtin_shufflevector(pq_, rs_, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 26, 27, 28, 29, 30, 31);          \
    } while (0)

DK_INLINE void wino_deal6(const float *r, dk_v16 *x)
{
    dk_v16 w0a = *(const dk_v16u *)r, w0b = *(const dk_v16u *)(r + 16);
    dk_v16 w1a = *(const dk_v16u *)(r + 30), w1b = *(const dk_v16u *)(r + 46);
    dk_v16 w2a = *(const dk_v16u *)(r + 60), w2b = *(const dk_v16u *)(r + 76);
    dk_v16 w3 = *(const dk_v16u *)(r + 90);
    WINO_D6(0);
    WINO_D6(1);
    WINO_D6(2);
    WINO_D6(3);
    WINO_D6(4);
    WINO_D6(5);
    WINO_D6(6);
    WINO_D6(7);
}

/* F(6, 3): o[6j + b] = y[b] lane j for b < 6, j < 16 (writes o[0 .. 95]).
 * Output vector q holds the elements 16q .. 16q + 15, element e from y[e %
 * 6] lane e / 6: picked from the pairs (y0, y1), (y2, y3), (y4, y5), then
 * merged. */
#define WINO_E(q, t) (16 * (q) + (t))
#define WINO_PICK(q, t, b0)                                                                                     \
    (WINO_E(q, t) % 6 == (b0) ? WINO_E(q, t) / 6 : WINO_E(q, t) % 6 == (b0) + 1 ? 16 + WINO_E(q, t) / 6 : -1)
#define WINO_AB(q, t) (WINO_E(q, t) % 6 < 2 ? (t) : WINO_E(q, t) % 6 < 4 ? 16 + (t) : -1)
#define WINO_ABC(q, t) (WINO_E(q, t) % 6 < 4 ? (t) : 16 + (t))
#define WINO_16(M, ...)                                                                                         \
    M(__VA_ARGS__, 0), M(__VA_ARGS__, 1), M(__VA_ARGS__, 2), M(__VA_ARGS__, 3), M(__VA_ARGS__, 4),               \
        M(__VA_ARGS__, 5), M(__VA_ARGS__, 6), M(__VA_ARGS__, 7), M(__VA_ARGS__, 8), M(__VA_ARGS__, 9),           \
        M(__VA_ARGS__, 10), M(__VA_ARGS__, 11), M(__VA_ARGS__, 12), M(__VA_ARGS__, 13), M(__VA_ARGS__, 14),      \
        M(__VA_ARGS__, 15)
#define WINO_PK01(q, t) WINO_PICK(q, t, 0)
#define WINO_PK23(q, t) WINO_PICK(q, t, 2)
#define WINO_PK45(q, t) WINO_PICK(q, t, 4)
#define WINO_W6(q)                                                                                              \
    do {                                                                                                          \
        dk_v16 a_ = __builtin_shufflevector(y[0], y[1], WINO_16(WINO_PK01, q));                                   \
        dk_v16 b_ = __builtin_shufflevector(y[2], y[3], WINO_16(WINO_PK23, q));                                   \
        dk_v16 c_ = __builtin_shufflevector(y[4], y[5], WINO_16(WINO_PK45, q));                                   \
        dk_v16 ab_ = __builtin_shufflevector(a_, b_, WINO_16(WINO_AB, q));                                       \
        *(dk_v16u *)(o + 16 * (q)) = __builtin_shufflevector(ab_, c_, WINO_16(WINO_ABC, q));                      \
    } while (0)

DK_INLINE void wino_weave6(float *o, const dk_v16 *y)
{
    WINO_W6(0);
    WINO_W6(1);
    WINO_W6(2);
    WINO_W6(3);
    WINO_W6(4);
    WINO_W6(5);
}

/* The first n (<= 16) lanes of y to o. */
DK_INLINE void wino_put(float *o, const dk_v16 *y, int64_t n)
{
    if (n == 16) {
        *(dk_v16u *)o = *y;
        return;
    }
    for (int64_t t = 0; t < n; t++)
        o[t] = (*y)[t];
}

/* Row stride of the input rows and of their vertical transforms: a run of
 * up to nr tiles in groups of 16 reads 16 tm columns per group plus 16
 * (wino_deal6 reads 106 from a group's start). */
#define WINO_BS(tm, nr) ((tm) * (nr) + 32)

/* A run of tiles of one tile row inside one B panel: first tile's column
 * in the task's block (jl), count, tile row and tile column. */
typedef struct {
    int64_t jl, len, th, tw;
} wino_run;

/* The run starting at tile index t (of the image) of at most `left` tiles
 * that stays in the panel of block column jl. */
DK_INLINE wino_run wino_run_at(const struct k_wino *d, int64_t t, int64_t jl, int64_t left, int64_t nr)
{
    wino_run r;
    r.jl = jl;
    r.th = t / d->tw;
    r.tw = t % d->tw;
    r.len = dk_min(dk_min(d->tw - r.tw, left), nr - jl % nr);
    return r;
}

/* The P input rows of the run's patches, tm*len+2 columns each, zero
 * outside the image, into buf (row stride bs). */
DK_INLINE void wino_rows(const struct k_wino *d, float *restrict buf, int64_t bs, const float *restrict xc,
                         const wino_run *r)
{
    int64_t tm = d->tm, w = tm * r->len + 2, c0 = tm * r->tw - d->pw, wv = 16 * tm * ((r->len + 15) / 16) + 16;
    for (int64_t i = 0; i < tm + 2; i++) {
        int64_t h = tm * r->th - d->ph + i;
        float *o = buf + i * bs;
        if (h < 0 || h >= d->ih) {
            for (int64_t t = 0; t < wv; t++)
                o[t] = 0.0f;
            continue;
        }
        const float *xr = xc + h * d->dl * d->fiw;
        if (c0 >= 0 && c0 + w <= d->iw) {
            for (int64_t t = 0; t < w; t++)
                o[t] = xr[(c0 + t) * d->dl];
        } else {
            for (int64_t t = 0; t < w; t++)
                o[t] = c0 + t >= 0 && c0 + t < d->iw ? xr[(c0 + t) * d->dl] : 0.0f;
        }
        for (int64_t t = w; t < wv; t++) /* what the vector passes read past the run */
            o[t] = 0.0f;
    }
}

/* Input transform of one channel's run: V[xi][j] = (Bt d_j B)[xi] into the
 * panel columns at v (xi stride vs): down the columns first (contiguous
 * vectors of the P input rows into u, P rows of stride bs), then along
 * the rows, 16 tiles per vector. A group of fewer than 16 tiles is still
 * stored whole when the panel row has room (`room` columns from v on): the
 * lanes past the run land on columns that a later run of the task, or the
 * zeroing of the last panel's unused columns, writes afterwards. */
DK_INLINE void wino_in(const struct k_wino *d, float *restrict v, int64_t vs, const float *restrict buf, int64_t bs,
                       float *restrict u, int64_t len, int64_t room)
{
    int64_t tm = d->tm, np = tm + 2, groups = (len + 15) / 16, cols = 16 * tm * groups + 16;
    for (int64_t col = 0; col < cols; col += 16) {
        dk_v16 x[8], y[8];
        for (int i = 0; i < np; i++)
            x[i] = *(const dk_v16u *)(buf + i * bs + col);
        if (tm == 6)
            WINO_BT8(y, x);
        else
            WINO_BT(y[0], y[1], y[2], y[3], y[4], y[5], x[0], x[1], x[2], x[3], x[4], x[5]);
        for (int a = 0; a < np; a++)
            *(dk_v16u *)(u + a * bs + col) = y[a];
    }
    for (int64_t a = 0; a < np; a++)
        for (int64_t g = 0; g < groups; g++) {
            dk_v16 x[8], y[8];
            if (tm == 6) {
                wino_deal6(u + a * bs + 96 * g, x);
                WINO_BT8(y, x);
            } else {
                wino_deal(u + a * bs + 64 * g, x);
                WINO_BT(y[0], y[1], y[2], y[3], y[4], y[5], x[0], x[1], x[2], x[3], x[4], x[5]);
            }
            int64_t n = room - 16 * g >= 16 ? 16 : dk_min(16, len - 16 * g);
            for (int b = 0; b < np; b++)
                wino_put(v + (a * np + b) * vs + 16 * g, &y[b], n);
        }
}

/* Output transform of output channel row `mrow` for one run, epilogue
 * included, into Y's channel plane yc. mp points at M[0][mrow][jl] (xi
 * stride ms; lanes past the run are read and ignored); rows holds tm x
 * WINO_BS(tm, nr) floats. */
DK_INLINE void wino_out(const struct k_wino *d, float *yc, const float *rc, float bias,
                        const float *restrict mp, int64_t ms, float *restrict rows, const wino_run *r, int64_t nr)
{
    int64_t tm = d->tm, np = tm + 2, groups = (r->len + 15) / 16, rs = WINO_BS(tm, nr);
    int64_t ow0 = tm * r->tw, cols = dk_min(tm * r->len, d->ow - ow0), nrow = dk_min(tm, d->oh - tm * r->th);
    for (int64_t g = 0; g < groups; g++) {
        dk_v16 s[6][8]; /* s[a][b] = (At M)[a][b], down the columns */
        for (int b = 0; b < np; b++) {
            dk_v16 x[8], y[6];
            for (int a = 0; a < np; a++)
                x[a] = *(const dk_v16u *)(mp + (a * np + b) * ms + 16 * g);
            if (tm == 6)
                WINO_AT8(y, x);
            else
                WINO_AT(y[0], y[1], y[2], y[3], x[0], x[1], x[2], x[3], x[4], x[5]);
            for (int a = 0; a < tm; a++)
                s[a][b] = y[a];
        }
        for (int64_t a = 0; a < nrow; a++) {
            dk_v16 y[6];
            if (tm == 6) {
                WINO_AT8(y, s[a]);
                wino_weave6(rows + a * rs + 96 * g, y);
            } else {
                WINO_AT(y[0], y[1], y[2], y[3], s[a][0], s[a][1], s[a][2], s[a][3], s[a][4], s[a][5]);
                wino_weave(rows + a * rs + 64 * g, y);
            }
        }
    }
    for (int64_t a = 0; a < nrow; a++) {
        int64_t oh = tm * r->th + a;
        const float *row = rows + a * rs;
        int64_t at = (oh * d->fow + ow0) * d->dl; /* in y's phase plane */
        float *yr = yc + at;
        const float *rr = rc ? rc + at : 0;
        for (int64_t t = 0; t < cols; t++) {
            float y = row[t] + bias;
            if (rr)
                y += rr[t * d->dl];
            yr[t * d->dl] = d->relu && y < 0 ? 0.0f : y;
        }
    }
}

/* The input transform of the task's tiles [t0, t0 + nb) for every channel
 * into V (PP x C x nbp, B panels of nr columns per xi). */
DK_INLINE void wino_transform_in(const struct k_wino *d, float *restrict V, const float *restrict X, float *buf,
                                 float *tmp, int64_t t0, int64_t nb, int64_t nr)
{
    int64_t bs = WINO_BS(d->tm, nr), vs = d->c * d->nbp, pp = WINO_PP(d->tm);
    for (int64_t jl = 0; jl < nb;) {
        wino_run r = wino_run_at(d, t0 + jl, jl, nb - jl, nr);
        float *vp = V + (jl / nr) * d->c * nr + jl % nr;
        for (int64_t c = 0; c < d->c; c++) {
            wino_rows(d, buf, bs, X + c * d->fih * d->fiw, &r);
            wino_in(d, vp + c * nr, vs, buf, bs, tmp, r.len, nr - jl % nr);
        }
        jl += r.len;
    }
    if (nb % nr) /* the last panel's unused columns */
        for (int64_t xi = 0; xi < pp; xi++)
            for (int64_t c = 0; c < d->c; c++) {
                float *row = V + xi * vs + (nb / nr) * d->c * nr + c * nr;
                for (int64_t j = nb % nr; j < nr; j++)
                    row[j] = 0.0f;
            }
}

KERNEL(wino)
{
    int64_t nr = 16 * (int64_t)d->nv, mr = d->mr, np = d->tm + 2, pp = WINO_PP(d->tm);
    int64_t mb = task % d->m_blocks, tb = (task / d->m_blocks) % d->t_blocks, img = task / (d->m_blocks * d->t_blocks);
    int64_t t0 = tb * d->nb, nb = dk_min(d->nb, d->tiles - t0), m0 = mb * d->mc, m1 = dk_min(d->m, m0 + d->mc);
    if (nb <= 0 || m1 <= m0)
        return;
    /* image img: phase (py, px) of batch item b; X, Y, R at the phase's first pixel */
    int64_t b = img / (d->dl * d->dl), py = img % (d->dl * d->dl) / d->dl, px = img % d->dl;
    const float *X = (const float *)bufs[d->x] + b * d->c * d->fih * d->fiw + py * d->fiw + px;
    const float *U = (const float *)bufs[d->u];
    int64_t yo = b * d->m * d->foh * d->fow + py * d->fow + px;
    float *Y = (float *)bufs[d->y] + yo;
    const float *R = d->res >= 0 ? (const float *)bufs[d->res] + yo : 0;
    const float *B = d->bias >= 0 ? (const float *)bufs[d->bias] : 0;
    float *V = scratch, *M = V + pp * d->c * d->nbp, *tmp = M + pp * d->msub * d->nbp;
    float *buf = tmp + np * WINO_BS(d->tm, nr);
    wino_transform_in(d, V, X, buf, tmp, t0, nb, nr);
    int64_t ms = d->msub * d->nbp;
    for (int64_t ma = m0; ma < m1; ma += d->msub) {
        dk_tile t = {0}; /* no epilogue: t.e stays zero */
        t.a_ps = d->c * mr;
        t.b_ps = d->c * nr;
        t.ldc = d->nbp;
        t.mv = dk_min(d->msub, m1 - ma);
        t.nn = d->nbp;
        t.kc = d->c;
        t.load = 0;
        t.last = 0;
        for (int64_t xi = 0; xi < pp; xi++) {
            t.ap = U + xi * d->upan + (ma / mr) * d->c * mr;
            t.bp = V + xi * d->c * d->nbp;
            t.c = M + xi * ms;
            dk_tiles(d->mr, d->nv, &t);
        }
        for (int64_t i = 0; i < t.mv; i++) {
            int64_t m = ma + i;
            float *yc = Y + m * d->foh * d->fow;
            const float *rc = R ? R + m * d->foh * d->fow : 0;
            for (int64_t jl = 0; jl < nb;) {
                wino_run r = wino_run_at(d, t0 + jl, jl, nb - jl, nr);
                wino_out(d, yc, rc, B ? B[m] : 0.0f, M + i * d->nbp + jl, ms, tmp, &r, nr);
                jl += r.len;
            }
        }
    }
}


/* y = G x for the 3 filter taps x (double): F(4, 3). */
#define WINO_G(y0, y1, y2, y3, y4, y5, x0, x1, x2)                                                               \
    do {                                                                                                          \
        double s_ = (x0) + (x2), h_ = (x0) / 24.0 + (x2) / 6.0;                                                   \
        y0 = (x0) / 4.0;                                                                                          \
        y1 = -(s_ + (x1)) / 6.0;                                                                                  \
        y2 = -(s_ - (x1)) / 6.0;                                                                                  \
        y3 = h_ + (x1) / 12.0;                                                                                    \
        y4 = h_ - (x1) / 12.0;                                                                                    \
        y5 = (x2);                                                                                                \
    } while (0)

/* y = G x for F(6, 3) (8 points, double). */
DK_INLINE void wino_g8(double *y, double x0, double x1, double x2)
{
    y[0] = x0;
    y[1] = -2.0 / 9.0 * (x0 + x1 + x2);
    y[2] = -2.0 / 9.0 * (x0 - x1 + x2);
    y[3] = x0 / 90.0 + x1 / 45.0 + 2.0 * x2 / 45.0;
    y[4] = x0 / 90.0 - x1 / 45.0 + 2.0 * x2 / 45.0;
    y[5] = 32.0 / 45.0 * x0 + 16.0 / 45.0 * x1 + 8.0 / 45.0 * x2;
    y[6] = 32.0 / 45.0 * x0 - 16.0 / 45.0 * x1 + 8.0 / 45.0 * x2;
    y[7] = x2;
}

DK_INLINE void wino_g(int64_t tm, double *y, double x0, double x1, double x2)
{
    if (tm == 6)
        wino_g8(y, x0, x1, x2);
    else
        WINO_G(y[0], y[1], y[2], y[3], y[4], y[5], x0, x1, x2);
}

/* One A panel of U = G g Gt for the rows [task * mr, task * mr + mr), in
 * double precision (as exact as the float32 result can be). Blocks of
 * WINO_PREP_CB channels go through scratch (PP x WINO_PREP_CB x mr floats)
 * and out as PP runs of consecutive floats: the PP points of one filter lie
 * upan floats apart, often a multiple of the cache's set stride. */
KERNEL(wino_prep)
{
    const float *w = (const float *)bufs[d->w];
    float *u = (float *)bufs[d->u] + task * d->mr * d->c, *v = scratch;
    int64_t mr = d->mr, cb = WINO_PREP_CB, np = d->tm + 2, pp = WINO_PP(d->tm);
    for (int64_t c0 = 0; c0 < d->c; c0 += cb) {
        int64_t nc = dk_min(cb, d->c - c0);
        for (int64_t c = 0; c < nc; c++)
            for (int64_t r = 0; r < mr; r++) {
                int64_t i = task * mr + r, at = c * mr + r;
                if (i >= d->m) {
                    for (int64_t xi = 0; xi < pp; xi++)
                        v[xi * cb * mr + at] = 0.0f;
                    continue;
                }
                const float *g = w + (i * d->c + c0 + c) * 9;
                double t[8][3], col[8], y[8];
                for (int j = 0; j < 3; j++) { /* down the filter's columns */
                    wino_g(d->tm, col, (double)g[j], (double)g[3 + j], (double)g[6 + j]);
                    for (int a = 0; a < np; a++)
                        t[a][j] = col[a];
                }
                for (int a = 0; a < np; a++) { /* along the rows */
                    wino_g(d->tm, y, t[a][0], t[a][1], t[a][2]);
                    for (int b = 0; b < np; b++)
                        v[(a * np + b) * cb * mr + at] = (float)y[b];
                }
            }
        for (int64_t xi = 0; xi < pp; xi++)
            for (int64_t k = 0; k < nc * mr; k++)
                u[xi * d->upan + c0 * mr + k] = v[xi * cb * mr + k];
    }
}
