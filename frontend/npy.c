/* npy.c - numpy .npy tensor files, the exchange format of `onnxc run`, the
 * compiled executables and the PyTorch reference outputs.
 *
 * The reader accepts format versions 1.0-3.0, little-endian or
 * byte-order-free dtypes and C order; the header is parsed strictly (it is
 * untrusted input: fuzzed) and the data size must match the shape exactly.
 * The writer emits version 1.0 with a 64-byte aligned header and replaces
 * the destination atomically (temporary file + rename). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend.h"
#include "kernels.h"

static const struct {
    const char *descr;
    ir_dtype t;
} npy_types[] = {
    {"f4", IR_F32}, {"f8", IR_F64}, {"f2", IR_F16}, {"i1", IR_I8}, {"i2", IR_I16},
    {"i4", IR_I32}, {"i8", IR_I64}, {"u1", IR_U8},  {"u2", IR_U16}, {"u4", IR_U32},
    {"u8", IR_U64}, {"b1", IR_BOOL},
};

/* Finds 'key': in the header dict and returns a pointer past the colon. */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static ir_status parse_descr(const char *h, ir_dtype *t, ir_diag *d)
{
    const char *p = dict_value(h, "descr");
    if (!p || *p != '\'')
        return ir_fail(d, IR_ERR_MODEL, "npy header has no 'descr'");
    p++;
    char order = *p;
    if (order != '<' && order != '|' && order != '=')
        return ir_fail(d, IR_ERR_UNSUPPORTED, "npy data is not little-endian (descr '%.8s')", p);
    p++;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
        size_t l = strlen(npy_types[i].descr);
        if (!strncmp(p, npy_types[i].descr, l) && p[l] == '\'') {
            *t = npy_types[i].t;
            return IR_OK;
        }
    }
    return ir_fail(d, IR_ERR_UNSUPPORTED, "npy dtype '%.8s' is not supported", p);
}

static ir_status parse_shape(const char *h, ir_shape *s, ir_diag *d)
{
    const char *p = dict_value(h, "shape");
    if (!p || *p != '(')
        return ir_fail(d, IR_ERR_MODEL, "npy header has no 'shape' tuple");
    p++;
    s->rank = 0;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            return IR_OK;
        if (*p < '0' || *p > '9')
            return ir_fail(d, IR_ERR_MODEL, "npy shape is malformed");
        if (s->rank == IR_MAX_RANK)
            return ir_fail(d, IR_ERR_UNSUPPORTED, "npy array has more than %d dimensions", IR_MAX_RANK);
        errno = 0;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (errno || v < 0 || v > ((long long)1 << 40))
            return ir_fail(d, IR_ERR_MODEL, "npy shape has an absurd dimension");
        s->dims[s->rank++] = v;
        p = end;
    }
}

static ir_status parse_header(const unsigned char *buf, size_t len, ir_dtype *t, ir_shape *s,
                              size_t *data_off, ir_diag *d)
{
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
        return ir_fail(d, IR_ERR_MODEL, "not an npy file (bad magic)");
    unsigned major = buf[6];
    size_t hlen, hoff;
    if (major == 1) {
        hlen = buf[8] | (size_t)buf[9] << 8;
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return ir_fail(d, IR_ERR_MODEL, "npy file truncated in its header");
        hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        hoff = 12;
    } else {
        return ir_fail(d, IR_ERR_UNSUPPORTED, "npy format version %u is not supported", major);
    }
    if (hlen > len - hoff || hlen > 65536)
        return ir_fail(d, IR_ERR_MODEL, "npy header length %zu exceeds the file", hlen);
    char *h = malloc(hlen + 1);
    if (!h)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    memcpy(h, buf + hoff, hlen);
    h[hlen] = 0;
    ir_status st = parse_descr(h, t, d);
    if (!st) {
        const char *fo = dict_value(h, "fortran_order");
        if (!fo || strncmp(fo, "False", 5))
            st = ir_fail(d, IR_ERR_UNSUPPORTED, "npy array is not in C order (fortran_order)");
    }
    if (!st)
        st = parse_shape(h, s, d);
    free(h);
    *data_off = hoff + hlen;
    return st;
}

ir_status npy_read_buffer(const void *buf, size_t len, ir_tensor **out, ir_diag *d)
{
    ir_dtype t = IR_UNDEF;
    ir_shape s = {0};
    size_t off = 0;
    *out = NULL;
    ir_status st = parse_header(buf, len, &t, &s, &off, d);
    if (st)
        return st;
    int64_t n = ir_shape_numel(&s);
    uint64_t bytes;
    if (n < 0 || !ir_mul_overflow_u64((uint64_t)n, ir_dtype_size(t), &bytes))
        return ir_fail(d, IR_ERR_MODEL, "npy shape overflows");
    if (bytes != len - off)
        return ir_fail(d, IR_ERR_MODEL, "npy data is %zu bytes, the shape needs %llu", len - off,
                       (unsigned long long)bytes);
    *out = ir_tensor_alloc(t, &s);
    if (!*out)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory for a %llu-byte tensor", (unsigned long long)bytes);
    memcpy((*out)->data, (const unsigned char *)buf + off, (size_t)bytes);
    return IR_OK;
}

ir_status npy_read(const char *path, ir_tensor **out, ir_diag *d)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return ir_fail(d, IR_ERR_IO, "%s: %s", ir_q(path), strerror(errno));
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return ir_fail(d, IR_ERR_IO, "%s: not a regular file", ir_q(path));
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != len) {
        free(buf);
        return ir_fail(d, IR_ERR_IO, "%s: cannot read", ir_q(path));
    }
    ir_status s = npy_read_buffer(buf, len, out, d);
    free(buf);
    if (s) {
        char msg[sizeof d->msg];
        snprintf(msg, sizeof msg, "%s", d->msg);
        ir_fail(d, s, "%s: %.900s", ir_q(path), msg);
    }
    return s;
}

static const char *npy_descr(ir_dtype t)
{
    switch (t) {
    case IR_F32: return "<f4";
    case IR_F64: return "<f8";
    case IR_F16: return "<f2";
    case IR_I8: return "|i1";
    case IR_I16: return "<i2";
    case IR_I32: return "<i4";
    case IR_I64: return "<i8";
    case IR_U8: return "|u1";
    case IR_U16: return "<u2";
    case IR_U32: return "<u4";
    case IR_U64: return "<u8";
    case IR_BOOL: return "|b1";
    default: return NULL;
    }
}

ir_status npy_write(const char *path, const ir_tensor *t, ir_diag *d)
{
    const char *descr = npy_descr(t->dtype);
    if (!descr)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s: dtype %s cannot be written as npy", ir_q(path),
                       ir_dtype_name(t->dtype));
    char hdr[512], dims[400] = "";
    size_t o = 0;
    for (int32_t i = 0; i < t->shape.rank; i++)
        o += (size_t)snprintf(dims + o, sizeof dims - o, "%lld,%s", (long long)t->shape.dims[i],
                              t->shape.rank > 1 && i < t->shape.rank - 1 ? " " : "");
    if (t->shape.rank > 1)
        dims[o - 1] = 0; /* numpy writes (1, 2) but (3,) */
    int hl = snprintf(hdr + 10, sizeof hdr - 10, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                      descr, dims);
    size_t total = (size_t)(10 + hl + 1 + 63) / 64 * 64;
    memset(hdr + 10 + hl, ' ', total - 10 - (size_t)hl - 1);
    hdr[total - 1] = '\n';
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)((total - 10) & 0xff);
    hdr[9] = (char)((total - 10) >> 8);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ir_fail(d, IR_ERR_IO, "%s: %s", ir_q(tmp), strerror(errno));
    bool ok = fwrite(hdr, 1, total, f) == total &&
              (t->nbytes == 0 || fwrite(t->data, 1, (size_t)t->nbytes, f) == t->nbytes);
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return ir_fail(d, IR_ERR_IO, "%s: cannot write: %s", ir_q(path), strerror(e));
    }
    return IR_OK;
}
