/* lower_dense_wino.c - the choice between the direct (im2col GEMM) and the
 * Winograd F(4x4, 3x3) convolution for a 3x3 stride-1 convolution, and the
 * lowering to the Winograd kernel of dense_wino.c. A dilated one (dilation
 * dl, as in DETR-DC5's last stage) is dl*dl undilated convolutions on the
 * phase images x[dl*i + py][dl*j + px], each giving the pixels of y's phase
 * (py, px), when its pads and planes divide by dl.
 *
 * The weights are transformed when the model is loaded (a prep task,
 * k_wino_prep), U[xi] = G g Gt in double precision for every filter and
 * input channel, and packed as 36 sets of A panels. The choice is a cost model in units of microkernel flops: the
 * direct convolution's GEMM (K = 9C) plus its im2col packing, against the
 * Winograd GEMMs (K = C, on tiles padded to whole B panels) plus the input
 * and output transforms; a short K costs extra (the microkernel's fixed
 * overhead per call). Small channel counts and tiny images stay direct.
 * ONNXC_CONV_ALGO=direct|winograd|auto (at compile time) forces the choice
 * for every eligible convolution, for tests and measurements.
 *
 * Error: F(4x4, 3x3) with the points 0, +-1, +-2, inf loses about 2-3
 * decimal digits against the direct sum in float32 (the transforms scale
 * values by up to 8 x 5 and cancel them again), i.e. a relative error of
 * about 1e-5 of the output's magnitude scale; see the tests. */
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"
#include "lower_dense.h"

#define V_BUDGET (1 << 20)  /* bytes of transformed input per task (L2) */
#define M_BUDGET (256 << 10) /* bytes of GEMM results per output-channel step */
#define IN_COST 600.0       /* input transform per channel and tile, in microkernel flops */
#define OUT_COST 600.0      /* output transform and epilogue per channel and tile */
#define PACK_COST 4.0       /* im2col per element, direct convolution */
#define K_OVERHEAD 32.0     /* a GEMM with depth K runs at K / (K + this) */
/* Below this many multiply-adds per image a convolution takes microseconds:
   Winograd's saving is negligible there, while its rounding error (about
   1e-5 of the output's magnitude, ten times the direct kernel's) is not. */
#define MIN_DIRECT_MACS 5e7

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t rup(int64_t a, int64_t b) { return cdiv(a, b) * b; }

/* Tiles per task and output-channel blocks: as many tiles as keep V in
 * L2, or all of them when that at most doubles V (deep layers on small
 * images, where the transformed weights dominate the traffic and each
 * block rereads them), then the split of M whose busiest thread has the
 * least work. */
static void wino_plan(const cg_program *p, struct k_wino *k)
{
    int64_t nr = 16 * (int64_t)k->nv, threads = cg_threads_hint(p);
    int64_t per = V_BUDGET / (36 * 4 * k->c * nr);
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
        double one = 72.0 * (double)mc * (double)k->c + IN_COST * (double)k->c;
        double cost = (double)cdiv(tasks * n, threads) * one;
        if (best_cost < 0 || cost < best_cost * 0.97) {
            best_cost = cost;
            best = n;
        }
    }
    k->mc = rup(cdiv(k->m, best), k->mr);
    k->m_blocks = cdiv(k->m, k->mc);
    int64_t msub = M_BUDGET / (36 * 4 * k->nbp) / k->mr * k->mr;
    msub = msub < k->mr ? k->mr : msub;
    k->msub = msub < k->mc ? msub : k->mc;
}

/* Estimated cost of the Winograd convolution over the direct one (per
 * image); a bf16 direct convolution's products cost half as much
 * (vdpbf16ps does two multiply-adds per lane), its packing the same. */
static double wino_ratio(const struct k_wino *k, bool bf16)
{
    double m = (double)k->m, c = (double)k->c, pix = (double)(k->oh * k->ow);
    double direct = (bf16 ? 1.0 : 2.0) * m * 9.0 * c * pix * (9.0 * c + K_OVERHEAD) / (9.0 * c) +
                    PACK_COST * 9.0 * c * pix;
    double tiles = (double)(k->t_blocks * k->nbp);
    double wino = 2.0 * m * c * 36.0 * tiles * (c + K_OVERHEAD) / c +
                  IN_COST * c * (double)k->tiles * (double)k->m_blocks + OUT_COST * m * (double)k->tiles;
    return wino / direct;
}

ir_status ld_conv_wino(cg_program *p, const ir_node *n, const struct k_conv *kc, cg_lowered *out, bool *used,
                       ir_diag *d)
{
    *used = false;
    const char *algo = getenv("ONNXC_CONV_ALGO");
    if (algo && *algo && strcmp(algo, "auto") && strcmp(algo, "direct") && strcmp(algo, "winograd"))
        return ld_fail(d, IR_ERR_USAGE, n, "ONNXC_CONV_ALGO is '%.40s'; expected auto, direct or winograd", algo);
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
    k->th = cdiv(k->oh, 4);
    k->tw = cdiv(k->ow, 4);
    k->tiles = k->th * k->tw;
    k->relu = kc->relu;
    ld_gemm_plan t;
    ld_plan_gemm(p, 1, k->m, k->tiles, k->c, true, &t);
    k->mr = t.mr;
    k->nv = t.nv;
    wino_plan(p, k);
    /* the entries of a multi-shape artifact share the first entry's choice,
       so that they share its packed weights */
    double macs = (double)k->m * 9.0 * (double)k->c * (double)(k->foh * k->fow), ratio = wino_ratio(k, kc->bf16);
    bool forced = algo && !strcmp(algo, "winograd");
    int32_t use = forced || (macs >= MIN_DIRECT_MACS && ratio < 0.85), pinned = use;
    cg_pin_choice(p, &use);
    if (pinned != use)
        cg_note(p, out, "%s: as the first entry chose", use ? "Winograd" : "direct");
    else if (forced)
        cg_note(p, out, "Winograd: ONNXC_CONV_ALGO=winograd");
    else if (macs < MIN_DIRECT_MACS)
        cg_note(p, out, "direct: %.2g multiply-adds, below Winograd's %.0e", macs, MIN_DIRECT_MACS);
    else
        cg_note(p, out, "Winograd estimated at %.2fx the%s direct convolution's cost (chosen below 0.85x)", ratio,
                kc->bf16 ? " bf16" : "");
    if (!use)
        return IR_OK;
    /* U is four times the size of the filters: the artifact stores the
       filters, and U is made from them when a context is created */
    k->upan = ld_packed_a_size(k->m, k->c, k->mr);
    struct k_wino_prep *wp = cg_alloc(p, sizeof *wp);
    if (!wp)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    memset(wp, 0, sizeof *wp);
    wp->w = cg_prep_source(p, n->inputs[1]);
    wp->mr = k->mr;
    wp->m = k->m;
    wp->c = k->c;
    wp->upan = k->upan;
    const int64_t key[4] = {k->m, k->c, k->mr, k->upan}; /* the derivation, buffer indices aside */
    wp->u = k->u = cg_prepared(p, 4 * (uint64_t)(36 * k->upan), wp->w, key, sizeof key);
    if (wp->w < 0 || k->u < 0)
        return ld_fail(d, IR_ERR_NOMEM, n, "out of memory");
    cg_lowered prep = {.kernel = "wino_prep", .desc = wp, .desc_size = sizeof *wp, .n_tasks = cdiv(k->m, k->mr),
                       .scratch_bytes = 4 * 36 * WINO_PREP_CB * (uint64_t)k->mr};
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
    /* V, M, the transforms' rows (6 x (4 nr + 32) floats, dense_wino.c) and the input rows */
    out->scratch_bytes = 4 * (uint64_t)(36 * k->c * k->nbp + 36 * k->msub * k->nbp + 12 * (4 * nr + 32)) + 64;
    out->flops = 2.0 * (double)k->batch * (double)k->m * (double)(k->foh * k->fow) * 9.0 * (double)k->c;
    if (dl > 1)
        cg_note(p, out, "dilation %lld: as %lld phase images of %lldx%lld", (long long)dl, (long long)(dl * dl),
                (long long)k->oh, (long long)k->ow);
    *used = true;
    return IR_OK;
}
