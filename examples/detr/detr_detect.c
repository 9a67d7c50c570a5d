/* detr_detect.c - object detection with a DETR model compiled by onnxc.
 *
 *     detr_detect MODEL --image in.jpg [--json out.json] [--png out.png]
 *                 [--threshold 0.7] [--classes names.txt] ...
 *
 * MODEL is `builtin` (the model object this executable was linked with, see
 * examples/detr/build.sh) or a shared library from `onnxc compile --emit
 * lib`, opened at run time. Either way the model is described by its
 * onnxc_model record: the input canvas (1x3xHxW float32), the padding mask
 * if the export takes one (1xHxW bool), pred_logits (1xQx(C+1)) and
 * pred_boxes (1xQx4) are found there, so one executable serves any DETR
 * export. Of a model compiled for several canvases, the smallest holding
 * the resized image is used. The image is decoded, resized, normalized and
 * padded (detect.c), the model runs, and the detections are printed,
 * written as JSON and drawn on a PNG. Exit status: 0 ok, 1 bad input
 * (image, model, file), 2 bad usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "onnxc_rt.h"

/* Defined (weakly) by every model onnxc compiles; absent unless this
 * executable was linked with one. */
extern const onnxc_model onnxc_entry_model __attribute__((weak));

enum { EXIT_BAD = 1, EXIT_USAGE = 2 };

typedef struct {
    const char *model, *image, *json, *png, *classes, *dump_input, *symbol;
    float threshold;
    int min_size, max_size, threads, repeat, top;
} options;

typedef struct {
    const onnxc_model *m;
    void *dl;
    canvas_size *canvases; /* one per entry; 0x0: not usable (another batch size, ...) */
    int image, mask;   /* input indices; mask -1: the model has no mask input */
    int logits, boxes; /* output indices */
    int n_queries, n_logits;
    int entry;         /* the entry chosen for the image at hand */
} model;

static int die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("detr_detect: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static const char usage[] =
    "usage: detr_detect MODEL --image FILE [options]\n"
    "  MODEL                  'builtin' (the model linked in) or a library from onnxc compile --emit lib\n"
    "  --image FILE           JPEG or PNG to detect objects in\n"
    "  --json FILE            write the detections as JSON\n"
    "  --png FILE             write the image with the detections drawn\n"
    "  --threshold X          lowest score kept (default 0.7)\n"
    "  --top N                keep at most the N best detections (default: all)\n"
    "  --classes FILE         class names, one a line (default: COCO for 91 classes, else 'class N')\n"
    "  --min-size N           DETR resize: shorter side (default 800; 0: fit the canvas)\n"
    "  --max-size N           DETR resize: longest side at most (default 1333)\n"
    "  --threads N            runtime threads (default: $ONNXC_NUM_THREADS or all cores)\n"
    "  --repeat N             run the model N times, report the median latency (default 1)\n"
    "  --dump-input FILE      write the preprocessed input tensor as .npy\n"
    "  --symbol NAME          model symbol in the library (default onnxc_entry_model)\n";

/* A number in [lo, hi] (an integer if integral); 0, or a usage error. */
static int parse_num(const char *opt, const char *s, double lo, double hi, bool integral, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (*s && !*end && !errno && *v >= lo && *v <= hi && (!integral || *v == (long)*v))
        return 0;
    return die(EXIT_USAGE, "--%s takes %s in [%g, %g], not '%.40s'", opt, integral ? "an integer" : "a number", lo,
               hi, s);
}

static int parse_option(int c, const char *arg, options *o)
{
    double v = 0;
    int rc = 0;
    switch (c) {
    case 'i': o->image = arg; break;
    case 'j': o->json = arg; break;
    case 'p': o->png = arg; break;
    case 'c': o->classes = arg; break;
    case 'd': o->dump_input = arg; break;
    case 's': o->symbol = arg; break;
    case 't': rc = parse_num("threshold", arg, 0, 1, false, &v), o->threshold = (float)v; break;
    case 'm': rc = parse_num("min-size", arg, 0, IMAGE_MAX_SIDE, true, &v), o->min_size = (int)v; break;
    case 'M': rc = parse_num("max-size", arg, 1, IMAGE_MAX_SIDE, true, &v), o->max_size = (int)v; break;
    case 'T': rc = parse_num("threads", arg, 0, 1024, true, &v), o->threads = (int)v; break;
    case 'r': rc = parse_num("repeat", arg, 1, 100000, true, &v), o->repeat = (int)v; break;
    case 'k': rc = parse_num("top", arg, 1, 1e9, true, &v), o->top = (int)v; break;
    case 'h': fputs(usage, stdout); exit(0);
    default: rc = die(EXIT_USAGE, "bad option (see --help)");
    }
    return rc;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"image", 1, 0, 'i'},   {"json", 1, 0, 'j'},       {"png", 1, 0, 'p'},      {"threshold", 1, 0, 't'},
        {"classes", 1, 0, 'c'}, {"min-size", 1, 0, 'm'},   {"max-size", 1, 0, 'M'}, {"threads", 1, 0, 'T'},
        {"repeat", 1, 0, 'r'},  {"dump-input", 1, 0, 'd'}, {"symbol", 1, 0, 's'},   {"help", 0, 0, 'h'},
        {"top", 1, 0, 'k'},     {0, 0, 0, 0}};
    *o = (options){.threshold = 0.7f, .min_size = 800, .max_size = 1333, .repeat = 1};
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1)
        if ((rc = parse_option(c, optarg, o)))
            return rc;
    if (optind != argc - 1)
        return die(EXIT_USAGE, optind == argc ? "MODEL missing (see --help)" : "one MODEL expected, got '%.80s' too",
                   argv[optind + 1 < argc ? optind + 1 : optind]);
    o->model = argv[optind];
    if (!o->image)
        return die(EXIT_USAGE, "--image FILE is required");
    return 0;
}

static int find_output(const onnxc_model *m, const onnxc_entry *e, const char *name, int fallback)
{
    for (uint32_t i = 0; i < m->n_outputs; i++)
        if (e->outputs[i].name && !strcmp(e->outputs[i].name, name))
            return (int)i;
    return fallback < (int)m->n_outputs ? fallback : -1;
}

/* Which input is the image and which (if any) the padding mask: the mask
 * is the input named "mask", else the bool one. */
static int find_inputs(model *md)
{
    const onnxc_model *m = md->m;
    const onnxc_tensor_desc *in = m->entries[0].inputs;
    md->mask = -1;
    if (m->n_inputs == 2)
        md->mask = (in[1].name && !strcmp(in[1].name, "mask")) || (in[1].dtype == 9 && in[0].dtype != 9) ? 1 : 0;
    else if (m->n_inputs != 1)
        return die(EXIT_BAD, "model '%.80s': expected one input (the image) or two (the image and its padding "
                             "mask), found %u", m->name, m->n_inputs);
    md->image = md->mask == 0 ? 1 : 0;
    return 0;
}

/* One entry's canvas, if the entry takes a float32 [1,3,H,W] image (and a
 * bool [1,H,W] mask of the same size when the model has a mask input); else
 * a message naming what it expected. */
static int entry_canvas(const model *md, uint32_t k, canvas_size *cv, char *err, size_t errlen)
{
    const onnxc_model *m = md->m;
    const onnxc_entry *e = &m->entries[k];
    const onnxc_tensor_desc *in = &e->inputs[md->image];
    *cv = (canvas_size){0};
    if (in->dtype != 1 || in->rank != 4 || in->dims[0] != 1 || in->dims[1] != 3)
        return snprintf(err, errlen, "model '%.80s': input '%.80s' is %s of rank %d, expected float32 [1,3,H,W]",
                        m->name, in->name, onnxc_dtype_name(in->dtype), in->rank);
    if (in->dims[2] < 1 || in->dims[3] < 1 || in->dims[2] > IMAGE_MAX_SIDE || in->dims[3] > IMAGE_MAX_SIDE)
        return snprintf(err, errlen, "model '%.80s': input canvas %lldx%lld is outside 1..%d", m->name,
                        (long long)in->dims[3], (long long)in->dims[2], IMAGE_MAX_SIDE);
    if (md->mask >= 0) {
        const onnxc_tensor_desc *mk = &e->inputs[md->mask];
        if (mk->dtype != 9 || mk->rank != 3 || mk->dims[0] != 1 || mk->dims[1] != in->dims[2] ||
            mk->dims[2] != in->dims[3])
            return snprintf(err, errlen, "model '%.80s': input '%.80s' is %s of rank %d, expected the padding mask "
                            "bool [1,%lld,%lld]", m->name, mk->name, onnxc_dtype_name(mk->dtype), mk->rank,
                            (long long)in->dims[2], (long long)in->dims[3]);
    }
    const onnxc_tensor_desc *l = md->logits >= 0 ? &e->outputs[md->logits] : NULL;
    const onnxc_tensor_desc *b = md->boxes >= 0 ? &e->outputs[md->boxes] : NULL;
    if (!l || !b || l->dtype != 1 || b->dtype != 1 || l->rank != 3 || b->rank != 3 || l->dims[0] != 1 ||
        b->dims[0] != 1 || l->dims[1] != b->dims[1] || b->dims[2] != 4 || l->dims[2] < 2 || l->dims[1] < 1 ||
        l->dims[1] > 1000000 || l->dims[2] > 1000000 ||
        (md->n_queries && (l->dims[1] != md->n_queries || l->dims[2] != md->n_logits)))
        return snprintf(err, errlen, "model '%.80s': expected outputs pred_logits float32 [1,Q,C+1] and pred_boxes "
                        "float32 [1,Q,4]%s", m->name, md->n_queries ? " with the same Q and C in every entry" : "");
    *cv = (canvas_size){.w = (int)in->dims[3], .h = (int)in->dims[2]};
    return 0;
}

/* The model must look like a DETR export: a float32 [1,3,H,W] input (and
 * perhaps a bool [1,H,W] padding mask), logits [1,Q,C+1] (C >= 1) and
 * boxes [1,Q,4]. Entries that do not (another batch size, ...) are not
 * used; at least one must. */
static int model_check(model *md)
{
    const onnxc_model *m = md->m;
    int rc = find_inputs(md);
    if (rc)
        return rc;
    md->logits = find_output(m, &m->entries[0], "pred_logits", 0);
    md->boxes = find_output(m, &m->entries[0], "pred_boxes", 1);
    if (!(md->canvases = calloc(m->n_entries ? m->n_entries : 1, sizeof *md->canvases)))
        return die(EXIT_BAD, "out of memory");
    char err[600] = "", other[600];
    int usable = 0;
    for (uint32_t k = 0; k < m->n_entries; k++) {
        if (entry_canvas(md, k, &md->canvases[k], *err ? other : err, sizeof err))
            continue;
        if (!usable++) {
            md->n_queries = (int)md->m->entries[k].outputs[md->logits].dims[1];
            md->n_logits = (int)md->m->entries[k].outputs[md->logits].dims[2];
        }
    }
    return usable ? 0 : die(EXIT_BAD, "%s", err);
}

static int model_open(const options *o, model *md)
{
    *md = (model){0};
    if (!strcmp(o->model, "builtin")) {
        if (!&onnxc_entry_model)
            return die(EXIT_BAD, "this executable has no built-in model: give a library from onnxc compile --emit lib "
                                 "(or link one in with examples/detr/build.sh)");
        md->m = &onnxc_entry_model;
    } else {
        /* dlopen searches the library path for a bare name: a path with no
         * slash means a file here */
        char path[4096];
        snprintf(path, sizeof path, "%s%s", strchr(o->model, '/') ? "" : "./", o->model);
        md->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!md->dl)
            return die(EXIT_BAD, "cannot load model library: %s", dlerror());
        const char *sym = o->symbol ? o->symbol : "onnxc_entry_model";
        md->m = dlsym(md->dl, sym);
        if (!md->m)
            return die(EXIT_BAD, "%.200s: no symbol '%.100s' (is it a model from onnxc compile --emit lib?)",
                       o->model, sym);
    }
    if (md->m->abi != ONNXC_MODEL_ABI)
        return die(EXIT_BAD, "%.200s: model ABI %u, this program's runtime has %u: recompile one of them", o->model,
                   md->m->abi, ONNXC_MODEL_ABI);
    return model_check(md);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs the model `repeat` times; *ms gets the median wall time. */
static int model_run(const model *md, const options *o, const float *input, const unsigned char *mask, void **outs,
                     double *ms)
{
    onnxc_status st;
    onnxc_ctx *c = onnxc_create(md->m, o->threads, &st);
    if (!c)
        return die(EXIT_BAD, "cannot create the model's context: %s", onnxc_status_name(st));
    if (onnxc_select_entry(c, (uint32_t)md->entry) != ONNXC_OK) {
        int rc = die(EXIT_BAD, "cannot select the model's entry %d: %s", md->entry, onnxc_error(c));
        onnxc_destroy(c);
        return rc;
    }
    double *t = calloc((size_t)o->repeat, sizeof *t);
    const void *in[2] = {0};
    in[md->image] = input;
    if (md->mask >= 0)
        in[md->mask] = mask;
    int rc = t ? 0 : die(EXIT_BAD, "out of memory");
    for (int i = 0; rc == 0 && i < o->repeat; i++) {
        double t0 = now_ms();
        if (onnxc_run(c, in, outs) != ONNXC_OK)
            rc = die(EXIT_BAD, "run failed: %s", onnxc_error(c));
        t[i] = now_ms() - t0;
    }
    double first = t ? t[0] : 0;
    if (rc == 0) {
        qsort(t, (size_t)o->repeat, sizeof *t, cmp_double);
        *ms = t[o->repeat / 2];
        int n = onnxc_threads(c);
        if (o->repeat > 1)
            printf("inference: %.1f ms (median of %d runs, first %.1f ms; %d thread%s)\n", *ms, o->repeat, first, n,
                   n > 1 ? "s" : "");
        else
            printf("inference: %.1f ms (%d thread%s)\n", *ms, n, n > 1 ? "s" : "");
    }
    free(t);
    onnxc_destroy(c);
    return rc;
}

/* ---- outputs: .npy, JSON, PNG ---- */

static int write_npy(const char *path, const float *data, int c, int h, int w)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return die(EXIT_BAD, "%s: cannot create: %s", path, strerror(errno));
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, %d, %d, %d), }", c, h, w);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64;
    uint16_t hlen = (uint16_t)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hlen & 0xff, f);
    fputc(hlen >> 8, f);
    fprintf(f, "%s%*s\n", hdr, pad, "");
    fwrite(data, sizeof *data, (size_t)c * h * w, f);
    if (fclose(f) != 0)
        return die(EXIT_BAD, "%s: write failed", path);
    return 0;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* A score (7 significant digits) or a pixel coordinate (3 decimals); JSON
 * has no NaN or infinity: null stands for them. */
static void json_number(FILE *f, double v, bool pixels)
{
    if (!isfinite(v))
        fputs("null", f);
    else if (pixels)
        fprintf(f, "%.3f", v);
    else
        fprintf(f, "%.7g", v);
}

static int write_json(const char *path, const options *o, const model *md, const resize_plan *rp, double ms,
                      const detection *d, int n, const class_names *cn)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return die(EXIT_BAD, "%s: cannot create: %s", tmp, strerror(errno));
    fputs("{\n  \"image\": ", f);
    json_string(f, o->image);
    fputs(",\n  \"model\": ", f);
    json_string(f, md->m->name ? md->m->name : "");
    fprintf(f, ",\n  \"image_size\": [%d, %d],\n  \"resized\": [%d, %d],\n  \"canvas\": [%d, %d],\n", rp->src_w,
            rp->src_h, rp->w, rp->h, rp->canvas_w, rp->canvas_h);
    fprintf(f, "  \"entry\": %d,\n  \"entries\": %u,\n  \"mask\": %s,\n", md->entry, md->m->n_entries,
            rp->masked ? "true" : "false");
    fprintf(f, "  \"threshold\": %.9g,\n  \"latency_ms\": %.3f,\n  \"detections\": [", o->threshold, ms);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s\n    {\"query\": %d, \"label\": %d, \"name\": ", i ? "," : "", d[i].query, d[i].label);
        json_string(f, cn->names[d[i].label]);
        fputs(", \"score\": ", f);
        json_number(f, d[i].score, false);
        for (int k = 0; k < 4; k++) {
            fputs(k ? ", " : ", \"box\": [", f);
            json_number(f, d[i].box[k], true);
        }
        fputs("]}", f);
    }
    fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return die(EXIT_BAD, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

/* A box coordinate as a pixel index for drawing: far-off or NaN values
 * (from a broken model) become just outside the image. */
static int to_px(float v, int size)
{
    return v >= 0 ? (v < size ? (int)v : size) : -1;
}

static int write_png(const char *path, image *im, const detection *d, int n, const class_names *cn)
{
    static const rgb palette[] = {{230, 25, 75}, {60, 180, 75}, {0, 130, 200}, {245, 130, 48},
                                  {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {128, 128, 0}};
    int thick = im->w >= 400 && im->h >= 300 ? 3 : 1;
    for (int i = n - 1; i >= 0; i--) { /* best last: drawn on top */
        rgb c = palette[d[i].label % (int)(sizeof palette / sizeof palette[0])];
        int x0 = to_px(d[i].box[0], im->w), y0 = to_px(d[i].box[1], im->h);
        int x1 = to_px(d[i].box[2], im->w), y1 = to_px(d[i].box[3], im->h);
        image_draw_box(im, x0, y0, x1, y1, c, thick);
        char label[80];
        snprintf(label, sizeof label, "%.60s %.2f", cn->names[d[i].label], d[i].score);
        image_draw_label(im, x0 < 0 ? 0 : x0, y0 < 0 ? 0 : y0, label, c);
    }
    char err[4400];
    if (image_save_png(im, path, err, sizeof err))
        return die(EXIT_BAD, "%s", err);
    return 0;
}

static void print_detections(const detection *d, int n, const class_names *cn, const options *o)
{
    printf("%d detection%s with score >= %.3g", n, n == 1 ? "" : "s", o->threshold);
    printf(o->top ? " (the %d best at most):\n" : ":\n", o->top);
    for (int i = 0; i < n; i++)
        printf("  %-16.60s %.3f  [%7.1f, %7.1f, %7.1f, %7.1f]  (query %d)\n", cn->names[d[i].label], d[i].score,
               d[i].box[0], d[i].box[1], d[i].box[2], d[i].box[3], d[i].query);
}

/* ---- main ---- */

typedef struct {
    image im;
    float *input;
    unsigned char *mask;
    void **outs;
    uint32_t n_outs;
    detection *dets;
    class_names cn;
} state;

static void state_free(state *s)
{
    image_free(&s->im);
    free(s->input);
    free(s->mask);
    for (uint32_t i = 0; s->outs && i < s->n_outs; i++)
        free(s->outs[i]);
    free(s->outs);
    free(s->dets);
    class_names_free(&s->cn);
}

/* The buffers of the chosen entry. */
static int alloc_buffers(state *s, const model *md, const resize_plan *rp)
{
    const onnxc_model *m = md->m;
    const onnxc_entry *e = &m->entries[md->entry];
    size_t plane = (size_t)rp->canvas_h * rp->canvas_w;
    s->input = aligned_alloc(64, (3 * plane * sizeof(float) + 63) / 64 * 64);
    s->mask = aligned_alloc(64, (plane + 63) / 64 * 64);
    s->outs = calloc(m->n_outputs, sizeof *s->outs);
    s->n_outs = m->n_outputs;
    s->dets = calloc((size_t)md->n_queries, sizeof *s->dets);
    if (!s->input || !s->mask || !s->outs || !s->dets)
        return die(EXIT_BAD, "out of memory");
    for (uint32_t i = 0; i < m->n_outputs; i++)
        if (!(s->outs[i] = aligned_alloc(64, (onnxc_tensor_bytes(&e->outputs[i]) + 63) / 64 * 64)))
            return die(EXIT_BAD, "out of memory");
    return 0;
}

static int detect(const options *o, model *md, state *s)
{
    char err[4400];
    if (image_load(o->image, &s->im, err, sizeof err))
        return die(EXIT_BAD, "%s", err);
    if (class_names_load(&s->cn, o->classes, md->n_logits - 1, err, sizeof err))
        return die(EXIT_BAD, "%s", err);
    md->entry = pick_canvas(s->im.w, s->im.h, o->min_size, o->max_size, md->canvases, (int)md->m->n_entries);
    const canvas_size *cv = &md->canvases[md->entry];
    resize_plan rp;
    plan_resize(s->im.w, s->im.h, o->min_size, o->max_size, cv->h, cv->w, &rp);
    rp.masked = md->mask >= 0;
    int rc = alloc_buffers(s, md, &rp);
    if (rc)
        return rc;
    printf("image %s: %dx%d, resized to %dx%d in the model's %dx%d canvas (entry %d of %u%s)\n", o->image, rp.src_w,
           rp.src_h, rp.w, rp.h, rp.canvas_w, rp.canvas_h, md->entry, md->m->n_entries,
           rp.masked ? ", padding masked" : "");
    if (preprocess(&s->im, &rp, s->input, err, sizeof err))
        return die(EXIT_BAD, "%s", err);
    padding_mask(&rp, s->mask);
    if (o->dump_input && (rc = write_npy(o->dump_input, s->input, 3, rp.canvas_h, rp.canvas_w)))
        return rc;
    double ms = 0;
    if ((rc = model_run(md, o, s->input, s->mask, s->outs, &ms)))
        return rc;
    int n = postprocess(s->outs[md->logits], s->outs[md->boxes], md->n_queries, md->n_logits, &rp, o->threshold,
                        s->dets);
    if (o->top && n > o->top)
        n = o->top;
    print_detections(s->dets, n, &s->cn, o);
    if (o->json && (rc = write_json(o->json, o, md, &rp, ms, s->dets, n, &s->cn)))
        return rc;
    if (o->png && (rc = write_png(o->png, &s->im, s->dets, n, &s->cn)))
        return rc;
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    model md;
    if ((rc = model_open(&o, &md)) == 0) {
        state s = {0};
        rc = detect(&o, &md, &s);
        state_free(&s);
    }
    free(md.canvases);
    if (md.dl)
        dlclose(md.dl);
    return rc;
}
