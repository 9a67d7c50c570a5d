/* lower_dense_wino.c - the choice between the direct (im2col GEMM) and the
 * Winograd F(4x4, 3x3) or F(6x6, 3x3) convolution for a 3x3 stride-1
 * convolution, and the lowering to the Winograd kernel of dense_wino.c. A
 * dilated one (dilation dl, as in DETR-DC5's last stage) is dl*dl
 * undilated convolutions on the phase images x[dl*i + py][dl*j + px], each
 * giving the pixels of y's phase (py, px), when its pads and planes divide
 * by dl.
 *
 * The weights are transformed when the model is loaded (a prep task,
 * k_wino_prep), U[xi] = G g Gt in double precision for every filter and
 * input channel, and packed as PP = (tm + 2)^2 sets of A panels. The choice
 * is a cost model in units of microkernel flops: the direct convolution's
 * GEMM (K = 9C) plus its im2col packing, against the Winograd GEMMs (K = C,
 * on tiles padded to whole B panels) plus the input and output transforms;
 * a short K costs extra (the microkernel's fixed overhead per call). Small
 * channel counts and tiny images stay direct. F(6x6, 3x3) (8 x 8 points per
 * 6 x 6 tile: 1.78 products per output pixel and channel pair against
 * F(4x4)'s 2.25) is taken where its estimate is below F6_MARGIN of
 * F(4x4)'s (its transforms cost about 2.9 times as much per tile) and its
 * transformed weights fit in L2 (U_CACHE).
 * ONNXC_CONV_ALGO=direct|winograd|auto (at compile time) forces the choice
 * for every eligible convolution, ONNXC_WINO_TILE=4|6|auto the tile, for
 * tests and measurements.
 *
 * Error: F(4x4, 3x3) with the points 0, +-1, +-2, inf loses about 2-3
 * decimal digits against the direct sum in float32 (the transforms scale
 * values by up to 8 x 5 and cancel them again), i.e. a relative error of
 * about 1e-5 of the output's magnitude scale; F(6x6, 3x3) (points 0, +-1,
 * +-2, +-1/2, inf; coefficients up to 32 x 5.25) about 1.8 times that (a
 * float32 simulation of 256-channel sums: rms 5.3e-6 against 3.0e-6 of the
 * output's rms, the direct sum 3e-7); see the tests. */
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "lower_dense.h"

#define V_BUDGET (1 << 20)  /* bytes of transformed input per task (L2) */
#define M_BUDGET (256 << 10) /* bytes of GEMM results per output-channel step */
/* input transform per channel and tile, output transform and epilogue per
   output channel and tile, in microkernel flops: F(4x4); F(6x6) costs
   F6_TRANSFORM times as much (vector operations counted per group of 16
   tiles: 908 against 312 on the input side, 684 against 244 on the output) */
#define IN_COST 600.0
#define OUT_COST 600.0
#define F6_TRANSFORM 2.9
#define F6_MARGIN 0.95 /* F(6x6) when its estimate is below this share of F(4x4)'s */
/* F(6x6) only where its U (64/36 of F(4x4)'s) fits in L2: measured on
   DETR-R50 (1 thread), F(6x6) took its layer1 convolutions (64 channels,
   U 1 MB) from 16.5 to 14.8 ms each, left layer2 (4 MB) and layer3 (17 MB)
   unchanged within noise and made layer4 (67 MB, 30 tiles) 9% slower, while
   U is made and kept at load */
#define U_CACHE (1 << 20)
#define PACK_COST 4.0       /* im2col per element, direct convolution */
#define K_OVERHEAD 32.0     /* a GEMM with depth K runs at K / (K + this) */
/* Below this many multiply-adds per image a convolution takes microseconds:
   Winograd's saving is negligible there, while its rounding error (about
   1e-5 of the output's magnitude, ten times the direct kernel's) is not. */
#define MIN_DIRECT_MACS 5e7

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t rup(int64_t a, int64_t b) { return cdiv(a, b) * b; }

/* The transforms' cost per tile relative to F(4x4)'s. */
static double transform_factor(const struct k_wino *k) { return k->tm == 6 ? F6_TRANSFORM : 1.0; }

/* Tiles per task and output-channel blocks: as many tiles as keep V in
 * L2, or all of them when that at most doubles V (deep layers on small
 * images, where the transformed weights dominate the traffic and each
 * block rereads them), then the split of M whose busiest thread has the
 * least work. */
static void wino_plan(const cg_program *p, struct k_wino *k)
{
    int64_t nr = 16 * (int64_t)k->nv, threads = cg_threads_hint(p), pp = WINO_PP(k->tm);
    double in_cost = IN_COST * transform_factor(k);
    int64_t per = V_BUDGET / (pp * 4 * k->c * nr);
    per = per < 1 ? 1 : per;
    if (cdiv(k->tiles, nr) <= 2 * per) /* all tiles in one block: U (large here) is read once */
        per = cdiv(k->tiles, nr);
    k->nb = per * nr < k->tiles ? per * nr : k->tiles;
    k->nbp = rup(k->nb, nr);
    k->t_blocks = cdiv(k->tiles, k->nb);
    int64_t tasks = k->images * k->t_blocks, best = 1, panels = cdiv(k->m, k->mr);
    double best_cost = -1;
    for (int64_t mb = 1; mb <= 8 && mb <= panels; mb++) {
        int64_t mc = rup(cdiv(k->m, mb), k->mr), n = cdiv(k->m, mc);
        double one = 2.0 * (double)pp * (double)mc * (double)k->c + in_cost * (double)k->c;
        double cost = (double)cdiv(tasks * n, threads) * one;
        if (best_cost < 0 || cost < best_cost * 0.97) {
            best_cost = cost;
            best = n;
        }
    }
    k->mc = rup(cdiv(k->m, best), k->mr);
    k->m_blocks = cdiv(k->m, k->mc);
    int64_t msub = M_BUDGET / (pp * 4 * k->nbp) / k->mr * k->mr;
    msub = msub < k->mr ? k->mr : msub;
    k->msub = msub < k->mc ? msub : k->mc;
}

/* The direct convolution's cost per image; in bf16 its products cost half
 * as much (vdpbf16ps does two multiply-adds per lane), its packing the same. */
static double direct_cost(const struct k_wino *k, bool bf16)
{
    double m = (double)k->m, c = (double)k->c, pix = (double)(k->oh * k->ow);
    return (bf16 ? 1.0 : 2.0) * m * 9.0 * c * pix * (9.0 * c + K_OVERHEAD) / (9.0 * c) + PACK_COST * 9.0 * c * pix;
}

/* Estimated cost of the Winograd convolution over the direct one (per image). */
static double wino_ratio(const struct k_wino *k, bool bf16)
{
    double m = (double)k->m, c = (double)k->c, direct = direct_cost(k, bf16);
    double tiles = (double)(k->t_blocks * k->nbp), pp = (double)WINO_PP(k->tm), f = transform_factor(k);
    double wino = 2.0 * m * c * pp * tiles * (c + K_OVERHEAD) / c +
                  f * (IN_COST * c * (double)k->tiles * (double)k->m_blocks + OUT_COST * m * (double)k->tiles);
    return wino / direct;
}

/* Tiles, microkernel shape and task blocks of k for tm x tm output tiles. */
static void wino_shape(cg_program *p, struct k_wino *k, int32_t tm)
{
    k->tm = tm;
    k->th = cdiv(k->oh, tm);
    k->tw = cdiv(k->ow, tm);
    k->tiles = k->th * k->tw;
    ld_gemm_plan t;
    ld_plan_gemm(p, 1, k->m, k->tiles, k->c, true, &t);
    k->mr = t.mr;
    k->nv = t.nv;
    wino_plan(p, k);
}

ir_status ld_conv_wino(cg_program *p, const ir_node *n, const struct k_conv *kc, cg_lowered *out, bool *used,
                       ir_diag *d)
{
    *used = false;
    const char *algo = getenv("ONNXC_CONV_ALGO"), *tile = getenv("ONNXC_WINO_TILE");
    if (algo && *algo && strcmp(algo, "auto") && strcmp(algo, "direct") && strcmp(algo, "winograd"))
        return ld_fail(d, IR_ERR_USAGE, n, "ONNXC_CONV_ALGO is '%.40s'; expected auto, direct or winograd", algo);
    if (tile && *tile && strcmp(tile, "auto") && strcmp(tile, "4") && strcmp(tile, "6"))
        return ld_fail(d, IR_ERR_USAGE, n, "ONNXC_WINO_TILE is '%.40s'; expected auto, 4 or 6", tile);
    /* a dilated convolution (dilation dl in both axes) is dl*dl undilated
       ones on the phase images when the pads and the planes divide by dl */
    const float *w = ld_const(p, n, 1);
    int64_t dl = kc->dil[1];
    bool eligible = w && kc->groups == 1 && kc->in[0] == 1 && kc->out[0] == 1 && kc->k[0] == 1 &&
                    kc->k[1] == 3 && kc->k[2] == 3 && kc->s[1] == 1 && kc->s[2] == 1 && dl >= 1 && dl <= 8 &&
                    kc->dil[2] == dl && kc->pb[1] % dl == 0 && kc->pb[2] % dl == 0 && kc->in[1] % dl == 0 &&
                    kc->in[2] % dl == 0 && kc->out[1] % dl == 0 && kc->out[2] % dl == 0 && kc->batch > 0 &&
                    kc->npix > 0 && kc->cg > 0 && kc->mg > 0;
    if (eligible && algo && !strcmp(algo, "direct"))
        cg_note(p, out, "direct: ONNXC_CONV_ALGO=direct");
    if (!eligible || (algo && !strcmp(algo, "direct")))
        return IR_OK;
    struct k_wino *k = cg_alloc(p, sizeof *k);
    if (!k)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(k, 0, sizeof *k);
    k->batch = kc->batch;
    k->c = kc->cg;
    k->m = kc->mg;
    k->dl = dl;
    k->images = kc->batch * dl * dl;
    k->fih = kc->in[1];
    k->fiw = kc->in[2];
    k->foh = kc->out[1];
    k->fow = kc->out[2];
    k->ih = kc->in[1] / dl;
    k->iw = kc->in[2] / dl;
    k->oh = kc->out[1] / dl;
    k->ow = kc->out[2] / dl;
    k->ph = kc->pb[1] / dl;
    k->pw = kc->pb[2] / dl;
    k->relu = kc->relu;
    struct k_wino k6 = *k;
    wino_shape(p, k, 4);
    wino_shape(p, &k6, 6);
    double r4 = wino_ratio(k, kc->bf16), r6 = wino_ratio(&k6, kc->bf16);
    bool tile_set = tile && (!strcmp(tile, "4") || !strcmp(tile, "6"));
    bool u6_fits = 4.0 * 64.0 * (double)k->m * (double)k->c <= U_CACHE;
    int32_t tm = tile_set ? tile[0] - '0' : u6_fits && r6 < F6_MARGIN * r4 ? 6 : 4;
    /* the entries of a multi-shape artifact share the first entry's choice
       (direct, F(4x4) or F(6x6)), so that they share its weights */
    double macs = (double)k->m * 9.0 * (double)k->c * (double)(k->foh * k->fow), ratio = tm == 6 ? r6 : r4;
    bool forced = algo && !strcmp(algo, "winograd");
    int32_t use = forced || (macs >= MIN_DIRECT_MACS && ratio < 0.85), pinned = use ? tm : 0, pick = pinned;
    cg_pin_choice(p, &pick);
    use = pick != 0;
    if (pick == 6)
        *k = k6;
    if (pinned != pick)
        cg_note(p, out, "%s: as the first entry chose", use ? "Winograd" : "direct");
    else if (forced)
        cg_note(p, out, "Winograd: ONNXC_CONV_ALGO=winograd");
    else if (macs < MIN_DIRECT_MACS)
        cg_note(p, out, "direct: %.2g multiply-adds, below Winograd's %.0e", macs, MIN_DIRECT_MACS);
    else
        cg_note(p, out, "Winograd estimated at %.2fx the%s direct convolution's cost (chosen below 0.85x)", ratio,
                kc->bf16 ? " bf16" : "");
    if (use && tile_set)
        cg_note(p, out, "F(%dx%d,3x3): ONNXC_WINO_TILE=%s", k->tm, k->tm, tile);
    else if (use && pinned == pick)
        cg_note(p, out, "F(%dx%d,3x3): F(4x4) %.2fx, F(6x6) %.2fx%s", k->tm, k->tm, r4, r6,
                u6_fits ? "" : "; F(6x6)'s weights would not fit in L2");
    if (!use)
        return IR_OK;
    /* U is four times the size of the filters: the artifact stores the
       filters, and U is made from them when a context is created */
    k->upan = ld_packed_a_size(k->m, k->c, k->mr);
    int64_t pp = WINO_PP(k->tm);
    struct k_wino_prep *wp = cg_alloc(p, sizeof *wp);
    if (!wp)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(wp, 0, sizeof *wp);
    wp->w = cg_prep_source(p, n->inputs[1]);
    wp->mr = k->mr;
    wp->m = k->m;
    wp->c = k->c;
    wp->upan = k->upan;
    wp->tm = k->tm;
    const int64_t key[5] = {k->m, k->c, k->mr, k->upan, k->tm}; /* the derivation, buffer indices aside */
    wp->u = k->u = cg_prepared(p, 4 * (uint64_t)(pp * k->upan), wp->w, key, sizeof key);
    if (wp->w < 0 || k->u < 0)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    cg_lowered prep = {.kernel = "wino_prep", .desc = wp, .desc_size = sizeof *wp, .n_tasks = cdiv(k->m, k->mr),
                       .scratch_bytes = 4 * (uint64_t)pp * WINO_PREP_CB * (uint64_t)k->mr};
    ir_status st = cg_set_prep(p, k->u, &prep, n->name, d);
    if (st)
        return st;
    k->x = kc->x;
    k->y = kc->y;
    k->bias = kc->bias;
    k->res = kc->res;
    if (k->u < 0 || k->x < 0 || k->y < 0)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    int64_t nr = 16 * (int64_t)k->nv;
    out->kernel = "wino";
    out->desc = k;
    out->desc_size = sizeof *k;
    out->n_tasks = k->images * k->t_blocks * k->m_blocks;
    /* V, M, the transforms' rows ((tm + 2) x (tm nr + 32) floats, dense_wino.c) and the input rows */
    out->scratch_bytes =
        4 * (uint64_t)(pp * k->c * k->nbp + pp * k->msub * k->nbp + 2 * (k->tm + 2) * (k->tm * nr + 32)) + 64;
    out->flops = 2.0 * (double)k->batch * (double)k->m * (double)(k->foh * k->fow) * 9.0 * (double)k->c;
    if (dl > 1)
        cg_note(p, out, "dilation %lld: as %lld phase images of %lldx%lld", (long long)dl, (long long)(dl * dl),
                (long long)k->oh, (long long)k->ow);
    *used = true;
    return IR_OK;
}
