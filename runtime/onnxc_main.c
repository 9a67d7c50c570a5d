/* onnxc_main.c - main() of the standalone executables `onnxc compile` makes.
 *
 *     cc -c onnxc_main.c -DONNXC_MAIN_MODEL=detr_model
 *     cc onnxc_main.o detr.o libonnxc_rt.a -lpthread -lm -o detr
 *     ./detr --input inputs=image.npy --output-dir out [--repeat 20]
 *
 * The program follows `onnxc run`'s conventions: inputs bound by name (a
 * single-input model takes FILE alone), one summary line per output, outputs
 * written as DIR/NAME.npy. A model compiled for several input shapes runs
 * the entry the input files' shapes select (exit 1, listing the compiled
 * shapes, if none matches). It depends on the runtime only, so it carries its
 * own small .npy reader and writer. Input files are untrusted: the header is
 * parsed strictly (a Python dict literal with exactly descr, fortran_order
 * and shape), the data size must match the header exactly, and nothing is
 * allocated before the file is known to hold that many bytes. Outputs are
 * written to a temporary file and then linked (or, with --force, renamed)
 * into place, so a reader never sees half a file and an existing file is
 * never replaced unless asked. Exit status: 0 ok, 1 bad input or output,
 * 2 bad usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POSIX and GNU declarations without the build system's -D */
#endif
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onnxc_rt.h"

#ifndef ONNXC_MAIN_MODEL
#error "compile with -DONNXC_MAIN_MODEL=<name>_model"
#endif
extern const onnxc_model ONNXC_MAIN_MODEL;
/* The only use of the macro: its name cannot clash with anything below. */
static const onnxc_model *const main_model = &ONNXC_MAIN_MODEL;
/* Names and dtypes are the same in every entry; shapes are the selected entry's. */
static const onnxc_entry *entry0(void)
{
    return &main_model->entries[0];
}

enum { EXIT_BAD = 1, EXIT_USAGE = 2, MAX_INPUTS = 256 };

typedef struct {
    const char *inputs[MAX_INPUTS];
    int n_inputs;
    const char *out_dir;
    long repeat;
    int threads;
    bool force;
} main_opts;

typedef struct {
    int32_t dtype, rank;
    int64_t dims[ONNXC_MAX_RANK];
    uint64_t bytes;
    void *data;
} tensor;

static const char *prog = "onnxc-model";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* A string from a model or the command line, safe to print (bounded,
 * control bytes escaped); rotating static buffers. */
static const char *q(const char *s)
{
    static char bufs[6][120 * 4 + 8];
    static unsigned next;
    char *b = bufs[next++ % 6];
    size_t o = 0, shown = 0;
    if (!s)
        return "(null)";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, shown++) {
        if (shown == 120) {
            memcpy(b + o, "...", 4);
            return b;
        }
        if (*p >= 0x20 && *p < 0x7f && *p != '\\')
            b[o++] = (char)*p;
        else
            o += (size_t)snprintf(b + o, 5, "\\x%02x", *p);
    }
    b[o] = 0;
    return b;
}

static void shape_str(int32_t rank, const int64_t *dims, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "[");
    for (int32_t i = 0; i < rank && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? "," : "", (long long)dims[i]);
    if (o < n)
        snprintf(buf + o, n - o, "]");
}

/* ---- .npy ----------------------------------------------------------------- */

static const struct {
    int32_t dtype;
    char kind, size;
} npy_types[] = {
    {1, 'f', '4'}, {11, 'f', '8'}, {10, 'f', '2'}, {3, 'i', '1'}, {2, 'u', '1'},  {5, 'i', '2'},
    {4, 'u', '2'}, {6, 'i', '4'},  {12, 'u', '4'}, {7, 'i', '8'}, {13, 'u', '8'}, {9, 'b', '1'},
};

typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool eat_word(cursor *c, const char *w)
{
    size_t n = strlen(w);
    skip_ws(c);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
        return false;
    c->p += n;
    return true;
}

/* A Python string literal without escapes. */
static bool read_str(cursor *c, char *out, size_t n)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    char quote = *c->p++;
    size_t o = 0;
    for (; c->p < c->end && *c->p != quote; c->p++) {
        if (*c->p == '\\' || o + 1 >= n)
            return false;
        out[o++] = *c->p;
    }
    out[o] = 0;
    return c->p++ < c->end;
}

static bool read_dim(cursor *c, int64_t *v)
{
    skip_ws(c);
    const char *start = c->p;
    int64_t x = 0;
    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        if (x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (*c->p - '0');
    }
    *v = x;
    return c->p > start;
}

/* A tuple of non-negative integers: (), (5,), (2, 3) or (2, 3,). */
static const char *read_shape(cursor *c, tensor *t)
{
    t->rank = 0;
    if (!eat(c, '('))
        return "malformed shape";
    if (eat(c, ')'))
        return NULL;
    for (;;) {
        if (t->rank == ONNXC_MAX_RANK)
            return "rank above 8";
        if (!read_dim(c, &t->dims[t->rank++]))
            return "malformed shape";
        bool comma = eat(c, ',');
        if (eat(c, ')'))
            return comma || t->rank > 1 ? NULL : "malformed shape";
        if (!comma)
            return "malformed shape";
    }
}

static const char *parse_descr(const char *d, tensor *t)
{
    if (strlen(d) != 3)
        return "unsupported dtype";
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
        if (npy_types[i].kind != d[1] || npy_types[i].size != d[2])
            continue;
        bool one = d[2] == '1';
        if (d[0] == '>' && !one)
            return "big-endian data is not supported";
        if (d[0] != '<' && d[0] != '=' && !(one && (d[0] == '|' || d[0] == '>')))
            return "unsupported dtype";
        t->dtype = npy_types[i].dtype;
        return NULL;
    }
    return "unsupported dtype";
}

/* The header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
static const char *parse_header(const char *h, size_t n, tensor *t)
{
    cursor c = {h, h + n};
    char key[32], descr[16];
    bool has_descr = false, has_order = false, has_shape = false;
    if (!eat(&c, '{'))
        return "malformed header";
    while (!eat(&c, '}')) {
        if (!read_str(&c, key, sizeof key) || !eat(&c, ':'))
            return "malformed header";
        const char *err = NULL;
        if (!strcmp(key, "descr") && !has_descr) {
            has_descr = read_str(&c, descr, sizeof descr);
            err = has_descr ? NULL : "malformed descr";
        } else if (!strcmp(key, "fortran_order") && !has_order) {
            has_order = eat_word(&c, "False");
            err = has_order              ? NULL
                  : eat_word(&c, "True") ? "Fortran-order data is not supported"
                                         : "malformed fortran_order";
        } else if (!strcmp(key, "shape") && !has_shape) {
            err = read_shape(&c, t);
            has_shape = true;
        } else {
            err = "malformed header (unknown or repeated key)";
        }
        if (err)
            return err;
        if (!eat(&c, ',')) {
            if (!eat(&c, '}'))
                return "malformed header";
            break;
        }
    }
    skip_ws(&c);
    if (c.p != c.end)
        return "malformed header (text after the dictionary)";
    if (!has_descr || !has_order || !has_shape)
        return "header lacks descr, fortran_order or shape";
    return parse_descr(descr, t);
}

static int npy_read_file(FILE *f, const char *path, tensor *t)
{
    unsigned char pre[12];
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
        return fail(EXIT_BAD, "%s: not a regular file", q(path));
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6))
        return fail(EXIT_BAD, "%s: not a .npy file", q(path));
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
        return fail(EXIT_BAD, "%s: unsupported .npy version %d.%d", q(path), pre[6], pre[7]);
    uint64_t off = pre[6] == 1 ? 10 : 12, hlen = pre[8] | (uint64_t)pre[9] << 8;
    if (pre[6] > 1) {
        if (fread(pre + 10, 1, 2, f) != 2)
            return fail(EXIT_BAD, "%s: truncated header", q(path));
        hlen |= (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
    }
    if (hlen > (1u << 20) || off + hlen > (uint64_t)st.st_size)
        return fail(EXIT_BAD, "%s: truncated or oversized header", q(path));
    char *h = malloc(hlen + 1);
    if (!h || fread(h, 1, hlen, f) != hlen) {
        free(h);
        return fail(EXIT_BAD, "%s: cannot read the header", q(path));
    }
    const char *err = memchr(h, 0, hlen) ? "malformed header" : parse_header(h, hlen, t);
    free(h);
    if (err)
        return fail(EXIT_BAD, "%s: %s", q(path), err);
    onnxc_tensor_desc d = {"", t->dtype, t->rank, {0}};
    memcpy(d.dims, t->dims, sizeof d.dims);
    bool empty = false;
    for (int32_t i = 0; i < t->rank; i++)
        empty |= !t->dims[i];
    t->bytes = onnxc_tensor_bytes(&d);
    if (!t->bytes && !empty)
        return fail(EXIT_BAD, "%s: the header's shape is too large", q(path));
    uint64_t have = (uint64_t)st.st_size - off - hlen;
    if (have != t->bytes)
        return fail(EXIT_BAD, "%s: holds %llu bytes of data, its header describes %llu", q(path),
                    (unsigned long long)have, (unsigned long long)t->bytes);
    if (t->bytes > SIZE_MAX - 64 ||
        !(t->data = aligned_alloc(64, (size_t)(t->bytes + 64) / 64 * 64)))
        return fail(EXIT_BAD, "%s: out of memory", q(path));
    if (fread(t->data, 1, (size_t)t->bytes, f) != t->bytes)
        return fail(EXIT_BAD, "%s: cannot read the data", q(path));
    return 0;
}

static int npy_read(const char *path, tensor *t)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(EXIT_BAD, "cannot open %s: %s", q(path), strerror(errno));
    int rc = npy_read_file(f, path, t);
    fclose(f);
    return rc;
}

/* Header of version 1.0, padded with spaces to a multiple of 64 bytes. */
static size_t npy_header(const onnxc_tensor_desc *d, char *h, size_t n)
{
    char descr[4] = {0}, shape[ONNXC_MAX_RANK * 22 + 4];
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].dtype == d->dtype)
            snprintf(descr, sizeof descr, "%c%c%c", npy_types[i].size == '1' ? '|' : '<',
                     npy_types[i].kind, npy_types[i].size);
    if (!descr[0])
        return 0;
    size_t o = (size_t)snprintf(shape, sizeof shape, "(");
    for (int32_t i = 0; i < d->rank; i++)
        o += (size_t)snprintf(shape + o, sizeof shape - o, "%lld%s", (long long)d->dims[i],
                              d->rank == 1      ? ","
                              : i + 1 < d->rank ? ", "
                                                : "");
    snprintf(shape + o, sizeof shape - o, ")");
    int len = snprintf(h + 10, n - 10, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                       descr, shape);
    size_t total = (10 + (size_t)len + 1 + 63) / 64 * 64;
    memset(h + 10 + len, ' ', total - 10 - (size_t)len);
    h[total - 1] = '\n';
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)((total - 10) & 0xff);
    h[9] = (char)((total - 10) >> 8);
    return total;
}

/* ---- outputs ---------------------------------------------------------------- */

/* An output name as a safe file name (as `onnxc run` does). */
static void file_name(const char *name, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < n && o < 150; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        out[o++] = ok ? c : '_';
    }
    out[o] = 0;
    if (!strcmp(out, "") || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, n, "output");
}

static void out_path(const main_opts *o, uint32_t k, char *buf, size_t n)
{
    char fn[160];
    file_name(entry0()->outputs[k].name, fn, sizeof fn);
    snprintf(buf, n, "%s/%s.npy", o->out_dir, fn);
}

/* Moves the finished temporary file into place; without --force an
 * existing file is kept (link fails on it atomically). */
static int publish(const char *tmp, const char *path, bool force)
{
    if (!force) {
        if (!link(tmp, path)) {
            unlink(tmp);
            return 0;
        }
        int e = errno;
        struct stat st;
        if (e == EEXIST || !lstat(path, &st)) {
            unlink(tmp);
            return fail(EXIT_BAD, "%s exists (use --force to overwrite it)", q(path));
        }
    }
    if (rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return fail(EXIT_BAD, "cannot write %s: %s", q(path), strerror(e));
    }
    return 0;
}

static int npy_write(const char *path, const onnxc_tensor_desc *d, const void *data, bool force)
{
    char h[1024], tmp[4400];
    size_t hl = npy_header(d, h, sizeof h);
    if (!hl)
        return fail(EXIT_BAD, "output '%s': %s cannot be written as .npy", q(d->name),
                    onnxc_dtype_name(d->dtype));
    const char *slash = strrchr(path, '/');
    int dl = slash ? (int)(slash - path + 1) : 0;
    snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", dl, path, path + dl);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return fail(EXIT_BAD, "cannot create a file next to %s: %s", q(path), strerror(errno));
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "wb");
    uint64_t bytes = onnxc_tensor_bytes(d);
    bool ok = f && fwrite(h, 1, hl, f) == hl && fwrite(data, 1, (size_t)bytes, f) == bytes;
    if (f ? fclose(f) != 0 : close(fd) != 0)
        ok = false;
    if (!ok) {
        int e = errno;
        unlink(tmp);
        return fail(EXIT_BAD, "cannot write %s: %s", q(path), strerror(e));
    }
    return publish(tmp, path, force);
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return h & 0x8000 ? -v : v;
}

static double element(int32_t dtype, const void *p, uint64_t i)
{
    switch (dtype) {
    case 1: return ((const float *)p)[i];
    case 2: return ((const uint8_t *)p)[i];
    case 3: return ((const int8_t *)p)[i];
    case 4: return ((const uint16_t *)p)[i];
    case 5: return ((const int16_t *)p)[i];
    case 6: return ((const int32_t *)p)[i];
    case 7: return (double)((const int64_t *)p)[i];
    case 9: return ((const uint8_t *)p)[i] != 0;
    case 10: return half_to_double(((const uint16_t *)p)[i]);
    case 11: return ((const double *)p)[i];
    case 12: return ((const uint32_t *)p)[i];
    case 13: return (double)((const uint64_t *)p)[i];
    case 16: {
        uint32_t bits = (uint32_t)((const uint16_t *)p)[i] << 16;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    }
    return NAN;
}

/* One line per output, as `onnxc run` prints it. */
static void print_summary(const onnxc_tensor_desc *d, const void *data)
{
    char shape[256];
    shape_str(d->rank, d->dims, shape, sizeof shape);
    size_t es = onnxc_dtype_size(d->dtype);
    uint64_t n = es ? onnxc_tensor_bytes(d) / es : 0;
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        double v = element(d->dtype, data, i);
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
    }
    if (n)
        printf("%-20s %s%s min %.6g max %.6g mean %.6g\n", q(d->name), onnxc_dtype_name(d->dtype),
               shape, mn, mx, sum / (double)n);
    else
        printf("%-20s %s%s (empty)\n", q(d->name), onnxc_dtype_name(d->dtype), shape);
}

static int make_dir(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return fail(EXIT_BAD, "output directory name too long");
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c == '/' || !c) {
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST)
                return fail(EXIT_BAD, "cannot create directory %s: %s", q(buf), strerror(errno));
            *p = c;
        }
        if (!c)
            return 0;
    }
}

/* Before running: the directory exists and no output would be replaced. */
static int check_outputs(const main_opts *o)
{
    if (!o->out_dir)
        return 0;
    int rc = make_dir(o->out_dir);
    for (uint32_t k = 0; !rc && !o->force && k < main_model->n_outputs; k++) {
        char path[4400];
        struct stat st;
        out_path(o, k, path, sizeof path);
        if (!lstat(path, &st))
            rc = fail(EXIT_BAD, "%s exists (use --force to overwrite it)", q(path));
    }
    return rc;
}

/* ---- inputs --------------------------------------------------------------- */

static int find_input(const char *spec, int32_t *slot, const char **file)
{
    const onnxc_model *m = main_model;
    const char *eq = strchr(spec, '=');
    if (!eq) {
        *slot = 0;
        *file = spec;
        return 0;
    }
    *file = eq + 1;
    for (uint32_t k = 0; k < m->n_inputs; k++)
        if (strlen(entry0()->inputs[k].name) == (size_t)(eq - spec) &&
            !strncmp(entry0()->inputs[k].name, spec, (size_t)(eq - spec))) {
            *slot = (int32_t)k;
            return 0;
        }
    char names[1024];
    size_t n = 0;
    names[0] = 0;
    for (uint32_t k = 0; k < m->n_inputs && n < sizeof names; k++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s'%s'", k ? ", " : "",
                              q(entry0()->inputs[k].name));
    return fail(EXIT_BAD, "--input '%s': the model has no input of that name (its inputs: %s)",
                q(spec), names);
}

/* The entry compiled for the inputs' shapes. */
static int select_entry(onnxc_ctx *c, const tensor *in)
{
    uint32_t n = main_model->n_inputs;
    int32_t *ranks = calloc(n + 1, sizeof *ranks);
    const int64_t **dims = calloc(n + 1, sizeof *dims);
    int rc = ranks && dims ? 0 : fail(EXIT_BAD, "out of memory");
    for (uint32_t k = 0; !rc && k < n; k++) {
        ranks[k] = in[k].rank;
        dims[k] = in[k].dims;
    }
    if (!rc && onnxc_select(c, ranks, dims))
        rc = fail(EXIT_BAD, "%s", onnxc_error(c));
    free(ranks);
    free(dims);
    return rc;
}

static int read_inputs(onnxc_ctx *c, const main_opts *o, tensor *in)
{
    const onnxc_model *m = main_model;
    for (int i = 0; i < o->n_inputs; i++) {
        int32_t slot = -1;
        const char *file;
        if (!strchr(o->inputs[i], '=') && (m->n_inputs != 1 || o->n_inputs != 1))
            return fail(EXIT_USAGE, "--input '%s': expected NAME=FILE", q(o->inputs[i]));
        int rc = find_input(o->inputs[i], &slot, &file);
        if (rc)
            return rc;
        if (in[slot].data)
            return fail(EXIT_USAGE, "input '%s' is given twice", q(entry0()->inputs[slot].name));
        if ((rc = npy_read(file, &in[slot])))
            return rc;
        if (onnxc_check_input(c, (uint32_t)slot, in[slot].dtype, in[slot].rank, in[slot].dims))
            return fail(EXIT_BAD, "%s: %s", q(file), onnxc_error(c));
    }
    for (uint32_t k = 0; k < m->n_inputs; k++)
        if (!in[k].data)
            return fail(EXIT_USAGE, "input '%s' is not given (--input %s=FILE.npy)",
                        q(entry0()->inputs[k].name), q(entry0()->inputs[k].name));
    return select_entry(c, in);
}

/* ---- running ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run(onnxc_ctx *c, const main_opts *o, const void *const *in, void *const *out)
{
    double *ms = calloc((size_t)o->repeat + 1, sizeof *ms);
    if (!ms)
        return fail(EXIT_BAD, "out of memory");
    int rc = 0;
    for (long r = 0; r <= o->repeat && !rc; r++) {
        uint64_t t0 = 0, t1 = 0;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        if (onnxc_run(c, in, out))
            rc = fail(EXIT_BAD, "%s", onnxc_error(c));
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t1 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        ms[r] = (double)(t1 - t0) / 1e6;
        if (r == 0 && o->repeat)
            onnxc_profile_reset(c); /* the profile covers the timed runs */
    }
    if (!rc && !o->repeat)
        fprintf(stderr, "%s: ran model '%s' (%u nodes, %d threads) in %.3f ms\n", prog,
                q(main_model->name), onnxc_selected(c)->n_nodes, onnxc_threads(c), ms[0]);
    if (!rc && o->repeat) {
        size_t n = (size_t)o->repeat;
        qsort(ms + 1, n, sizeof *ms, cmp_double);
        double med = n % 2 ? ms[1 + n / 2] : (ms[n / 2] + ms[1 + n / 2]) / 2;
        printf("median %.3f ms (min %.3f ms, max %.3f ms)\n", med, ms[1], ms[n]);
    }
    free(ms);
    return rc;
}

static int write_outputs(const main_opts *o, const onnxc_entry *e, void *const *out)
{
    int rc = 0;
    for (uint32_t k = 0; k < main_model->n_outputs; k++) {
        print_summary(&e->outputs[k], out[k]);
        char path[4400];
        if (o->out_dir) {
            out_path(o, k, path, sizeof path);
            int r = npy_write(path, &e->outputs[k], out[k], o->force);
            rc = rc ? rc : r;
        }
    }
    return rc;
}

/* ---- command line ------------------------------------------------------------- */

/* Tensor k (inputs, then outputs) of entry e. */
static const onnxc_tensor_desc *tensor_of(uint32_t e, uint32_t k)
{
    const onnxc_entry *en = &main_model->entries[e];
    return k < main_model->n_inputs ? &en->inputs[k] : &en->outputs[k - main_model->n_inputs];
}

static void help(void)
{
    const onnxc_model *m = main_model;
    printf("usage: %s --input NAME=FILE.npy [...] [--output-dir DIR] [options]\n\n"
           "Runs model '%s', compiled by onnxc",
           prog, q(m->name));
    printf(m->n_entries > 1 ? " for %u sets of input shapes (any of them runs).\n" : ".\n",
           m->n_entries);
    for (uint32_t k = 0; k < m->n_inputs + m->n_outputs; k++) {
        const onnxc_tensor_desc *t = tensor_of(0, k);
        printf("  %-6s %-24s %s", k < m->n_inputs ? "input" : "output", q(t->name),
               onnxc_dtype_name(t->dtype));
        for (uint32_t e = 0; e < m->n_entries; e++) {
            uint32_t seen = 0;
            while (seen < e && memcmp(tensor_of(seen, k)->dims, tensor_of(e, k)->dims,
                                      sizeof t->dims))
                seen++;
            char shape[256];
            shape_str(tensor_of(e, k)->rank, tensor_of(e, k)->dims, shape, sizeof shape);
            if (seen == e)
                printf("%s%s", e ? " | " : "", shape);
        }
        putchar('\n');
    }
    puts("\n"
         "  -i, --input NAME=FILE    bind an input to a .npy file (FILE alone if the model has one "
         "input)\n"
         "  -o, --output-dir DIR     write each output as DIR/NAME.npy (created if needed)\n"
         "      --force              replace existing output files\n"
         "      --repeat N           after a warm-up run, run N times and print the median time\n"
         "      --threads N          threads (default: $ONNXC_NUM_THREADS, else all CPUs)\n"
         "  -h, --help               show this help\n"
         "\n"
         "ONNXC_PROFILE=1 prints per-node times to stderr.\n"
         "Exit status: 0 success, 1 bad input or output file, 2 bad usage.");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see %s --help)\n", prog);
    va_end(ap);
    return EXIT_USAGE;
}

static bool parse_count(const char *s, long max, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return *s && !*end && !errno && *v >= 1 && *v <= max;
}

static int parse_opts(int argc, char **argv, main_opts *o)
{
    static const struct option opts[] = {{"input", required_argument, 0, 'i'},
                                         {"output-dir", required_argument, 0, 'o'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"threads", required_argument, 0, 't'},
                                         {"force", no_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    long v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hi:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (o->n_inputs == MAX_INPUTS)
                return usage_error("too many --input options");
            o->inputs[o->n_inputs++] = optarg;
            break;
        case 'o': o->out_dir = optarg; break;
        case 'f': o->force = true; break;
        case 'r':
            if (!parse_count(optarg, 1000000, &o->repeat))
                return usage_error("--repeat expects a count from 1 to 1000000, not '%s'",
                                   q(optarg));
            break;
        case 't':
            if (!parse_count(optarg, 1024, &v))
                return usage_error("--threads expects a count from 1 to 1024, not '%s'", q(optarg));
            o->threads = (int)v;
            break;
        case 'h': help(); return -1;
        default: return usage_error("unknown or incomplete option '%s'", q(argv[optind - 1]));
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", q(argv[optind]));
    return 0;
}

int main(int argc, char **argv)
{
    const onnxc_model *m = main_model;
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    prog = slash ? slash + 1 : argc > 0 ? argv[0] : prog;
    main_opts o = {0};
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    onnxc_status st;
    onnxc_ctx *c = onnxc_create(m, o.threads, &st);
    if (!c)
        return fail(EXIT_BAD, "cannot set up the model: %s", onnxc_status_name(st));
    tensor *in = calloc(m->n_inputs + 1, sizeof *in);
    const void **in_ptrs = calloc(m->n_inputs + 1, sizeof *in_ptrs);
    void **out = calloc(m->n_outputs + 1, sizeof *out);
    rc = in && in_ptrs && out ? 0 : fail(EXIT_BAD, "out of memory");
    if (!rc)
        rc = read_inputs(c, &o, in);
    if (!rc)
        rc = check_outputs(&o);
    for (uint32_t k = 0; !rc && k < m->n_inputs; k++)
        in_ptrs[k] = in[k].data;
    for (uint32_t k = 0; !rc && k < m->n_outputs; k++) {
        const onnxc_tensor_desc *t = &onnxc_selected(c)->outputs[k];
        uint64_t bytes = (onnxc_tensor_bytes(t) + 64) / 64 * 64;
        if (!(out[k] = aligned_alloc(64, (size_t)bytes)))
            rc = fail(EXIT_BAD, "out of memory for output '%s'", q(t->name));
        else
            memset(out[k], 0, (size_t)bytes);
    }
    if (!rc)
        rc = run(c, &o, in_ptrs, out);
    if (!rc)
        rc = write_outputs(&o, onnxc_selected(c), out);
    if (onnxc_profile_enabled(c))
        onnxc_profile_print(c, stderr);
    for (uint32_t k = 0; in && k < m->n_inputs; k++)
        free(in[k].data);
    for (uint32_t k = 0; out && k < m->n_outputs; k++)
        free(out[k]);
    free(in);
    free(in_ptrs);
    free(out);
    onnxc_destroy(c);
    return rc;
}
