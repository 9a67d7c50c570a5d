/* dense_wino.c - Winograd F(4x4, 3x3) convolution for 3x3 stride-1 2-D
 * convolutions on constant weights (lower_dense_wino.c decides when).
 *
 * Every 4x4 block of output pixels (a tile) is computed from the 6x6 input
 * patch around it: V = Bt d B per patch and input channel, then for each of
 * the 36 transform points xi a product M[xi] = U[xi] V[xi] over the input
 * channels (U = G g Gt per filter, transformed and packed into A panels at
 * compile time), then Y = At M A per tile and output channel. The products
 * do 36 multiply-adds per tile, channel pair where the direct convolution
 * does 144, so the transforms' cost is what decides whether it pays.
 *
 * A task owns a block of nb tiles of one image and a block of output
 * channels. It transforms its tiles' input patches for every input channel
 * straight into B panels (V: 36 x C x nbp floats, nbp = nb rounded up to the
 * microkernel's 16*nv columns), then walks its output channels msub at a
 * time: 36 GEMMs of msub x C x nbp on the register-blocked microkernel into
 * M (36 x msub x nbp, sized to stay in L2), and the output transform with
 * the fused epilogue (bias, residual, ReLU) on the way to Y. Tiles are taken
 * in runs that share a tile row and a B panel; the transforms loop over the
 * run's tiles innermost so LLVM vectorizes them across tiles (stride-4
 * loads on the input side, contiguous stores into the panels). */
#include "dense_mk.h"
#include "kabi.h"

/* y = Bt x for the 6 points of F(4, 3) (interpolation at 0, +-1, +-2, inf). */
#define WINO_BT(y0, y1, y2, y3, y4, y5, x0, x1, x2, x3, x4, x5)                                                 \
    do {                                                                                                          \
        float a_ = (x4) - 4.0f * (x2), b_ = (x3) - 4.0f * (x1), c_ = (x4) - (x2), e_ = 2.0f * ((x3) - (x1));    \
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
        float p_ = (x1) + (x2), m_ = (x1) - (x2), q_ = (x3) + (x4), n_ = (x3) - (x4);                           \
        y0 = (x0) + p_ + q_;                                                                                      \
        y1 = m_ + 2.0f * n_;                                                                                      \
        y2 = p_ + 4.0f * q_;                                                                                      \
        y3 = m_ + 8.0f * n_ + (x5);                                                                               \
    } while (0)

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

/* The 6 input rows of the run's patches, 4*len+2 columns each, zero
 * outside the image, into buf (row stride bs). */
DK_INLINE void wino_rows(const struct k_wino *d, float *restrict buf, int64_t bs, const float *restrict xc,
                         const wino_run *r)
{
    int64_t w = 4 * r->len + 2, c0 = 4 * r->tw - d->pw;
    for (int64_t i = 0; i < 6; i++) {
        int64_t h = 4 * r->th - d->ph + i;
        float *o = buf + i * bs;
        if (h < 0 || h >= d->ih) {
            for (int64_t t = 0; t < w; t++)
                o[t] = 0.0f;
            continue;
        }
        const float *xr = xc + h * d->iw;
        if (c0 >= 0 && c0 + w <= d->iw) {
            for (int64_t t = 0; t < w; t++)
                o[t] = xr[c0 + t];
            continue;
        }
        for (int64_t t = 0; t < w; t++)
            o[t] = c0 + t >= 0 && c0 + t < d->iw ? xr[c0 + t] : 0.0f;
    }
}

/* Input transform of one channel's run: V[xi][j] = (Bt d_j B)[xi] into the
 * panel columns at v (xi stride vs). tmp holds 36 x nr floats. */
DK_INLINE void wino_in(float *restrict v, int64_t vs, const float *restrict buf, int64_t bs, float *restrict tmp,
                       int64_t len, int64_t nr)
{
    for (int64_t i = 0; i < 6; i++) { /* rows: tmp[i][b][j] = (d_j B)[i][b] */
        const float *x = buf + i * bs;
        float *t0 = tmp + (i * 6) * nr;
        for (int64_t j = 0; j < len; j++) {
            const float *p = x + 4 * j;
            WINO_BT(t0[j], t0[nr + j], t0[2 * nr + j], t0[3 * nr + j], t0[4 * nr + j], t0[5 * nr + j], p[0], p[1],
                    p[2], p[3], p[4], p[5]);
        }
    }
    for (int64_t b = 0; b < 6; b++) { /* columns: v[a][b][j] = Bt tmp[.][b][j] */
        const float *s = tmp + b * nr;
        float *o = v + b * vs;
        for (int64_t j = 0; j < len; j++)
            WINO_BT(o[j], o[6 * vs + j], o[12 * vs + j], o[18 * vs + j], o[24 * vs + j], o[30 * vs + j], s[j],
                    s[6 * nr + j], s[12 * nr + j], s[18 * nr + j], s[24 * nr + j], s[30 * nr + j]);
    }
}

/* Output transform of output channel row `mrow` for one run, epilogue
 * included, into Y's channel plane yc. mp points at M[0][mrow][jl] (xi
 * stride ms); tmp holds 40 x nr floats. */
DK_INLINE void wino_out(const struct k_wino *d, float *yc, const float *rc, float bias,
                        const float *restrict mp, int64_t ms, float *restrict tmp, const wino_run *r, int64_t nr)
{
    int64_t len = r->len;
    float *s = tmp, *row = tmp + 24 * nr; /* s[a][b][j] = (At M_j)[a][b]; row: 4*nr outputs */
    for (int64_t b = 0; b < 6; b++) {
        const float *x = mp + b * ms;
        for (int64_t j = 0; j < len; j++)
            WINO_AT(s[b * nr + j], s[(6 + b) * nr + j], s[(12 + b) * nr + j], s[(18 + b) * nr + j], x[j],
                    x[6 * ms + j], x[12 * ms + j], x[18 * ms + j], x[24 * ms + j], x[30 * ms + j]);
    }
    int64_t ow0 = 4 * r->tw, cols = dk_min(4 * len, d->ow - ow0);
    for (int64_t a = 0; a < 4; a++) {
        int64_t oh = 4 * r->th + a;
        if (oh >= d->oh)
            break;
        const float *sa = s + a * 6 * nr;
        for (int64_t j = 0; j < len; j++)
            WINO_AT(row[4 * j], row[4 * j + 1], row[4 * j + 2], row[4 * j + 3], sa[j], sa[nr + j], sa[2 * nr + j],
                    sa[3 * nr + j], sa[4 * nr + j], sa[5 * nr + j]);
        float *yr = yc + oh * d->ow + ow0;
        const float *rr = rc ? rc + oh * d->ow + ow0 : 0;
        for (int64_t t = 0; t < cols; t++) {
            float y = row[t] + bias;
            if (rr)
                y += rr[t];
            yr[t] = d->relu && y < 0 ? 0.0f : y;
        }
    }
}

/* The input transform of the task's tiles [t0, t0 + nb) for every channel
 * into V (36 x C x nbp, B panels of nr columns per xi). */
DK_INLINE void wino_transform_in(const struct k_wino *d, float *restrict V, const float *restrict X, float *buf,
                                 float *tmp, int64_t t0, int64_t nb, int64_t nr)
{
    int64_t bs = 4 * nr + 8, vs = d->c * d->nbp;
    for (int64_t jl = 0; jl < nb;) {
        wino_run r = wino_run_at(d, t0 + jl, jl, nb - jl, nr);
        float *vp = V + (jl / nr) * d->c * nr + jl % nr;
        for (int64_t c = 0; c < d->c; c++) {
            wino_rows(d, buf, bs, X + c * d->ih * d->iw, &r);
            wino_in(vp + c * nr, vs, buf, bs, tmp, r.len, nr);
        }
        jl += r.len;
    }
    for (int64_t jl = nb; jl % nr; jl++) /* the last panel's unused columns */
        for (int64_t c = 0; c < 36 * d->c; c++)
            V[(c / d->c) * vs + (jl / nr) * d->c * nr + (c % d->c) * nr + jl % nr] = 0.0f;
}

KERNEL(wino)
{
    int64_t nr = 16 * (int64_t)d->nv, mr = d->mr;
    int64_t mb = task % d->m_blocks, tb = (task / d->m_blocks) % d->t_blocks, img = task / (d->m_blocks * d->t_blocks);
    int64_t t0 = tb * d->nb, nb = dk_min(d->nb, d->tiles - t0), m0 = mb * d->mc, m1 = dk_min(d->m, m0 + d->mc);
    if (nb <= 0 || m1 <= m0)
        return;
    const float *X = (const float *)bufs[d->x] + img * d->c * d->ih * d->iw, *U = (const float *)bufs[d->u];
    float *Y = (float *)bufs[d->y] + img * d->m * d->oh * d->ow;
    const float *R = d->res >= 0 ? (const float *)bufs[d->res] + img * d->m * d->oh * d->ow : 0;
    const float *B = d->bias >= 0 ? (const float *)bufs[d->bias] : 0;
    float *V = scratch, *M = V + 36 * d->c * d->nbp, *tmp = M + 36 * d->msub * d->nbp, *buf = tmp + 40 * nr;
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
        for (int64_t xi = 0; xi < 36; xi++) {
            t.ap = U + xi * d->upan + (ma / mr) * d->c * mr;
            t.bp = V + xi * d->c * d->nbp;
            t.c = M + xi * ms;
            dk_tiles(d->mr, d->nv, &t);
        }
        for (int64_t i = 0; i < t.mv; i++) {
            int64_t m = ma + i;
            float *yc = Y + m * d->oh * d->ow;
            const float *rc = R ? R + m * d->oh * d->ow : 0;
            for (int64_t jl = 0; jl < nb;) {
                wino_run r = wino_run_at(d, t0 + jl, jl, nb - jl, nr);
                wino_out(d, yc, rc, B ? B[m] : 0.0f, M + i * d->nbp + jl, ms, tmp, &r, nr);
                jl += r.len;
            }
        }
    }
}
