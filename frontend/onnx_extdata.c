/* onnx_extdata.c - tensors whose bytes live in files beside the model.
 *
 * A TensorProto with data_location EXTERNAL names a file (`location`) and a
 * byte range (`offset`, `length`). The name comes from an untrusted model, so
 * it resolves only beneath the model's directory: absolute paths and `..`
 * are refused outright, and the open itself refuses symlinks on every
 * component (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or a walk
 * with O_NOFOLLOW per component where openat2 is unavailable). The opened
 * file must be a regular file (opened non-blocking, so a FIFO cannot hang
 * us) with a single link (a hard link can alias a file outside the folder).
 * Ranges are checked without overflow. Each file is mapped once per graph;
 * tensors point into the mapping when aligned, and the graph unmaps it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2_H 1
#endif

#include "onnx_internal.h"

#define OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

typedef struct {
    const char *location;
    uint64_t offset, length;
    bool has_length;
} ext_ref;

/* Decimal digits only, below 2^64. */
static bool parse_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return true;
}

static ir_status ext_parse(const Onnx__TensorProto *tp, const char *label, ext_ref *r, ir_diag *d)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const char *k = tp->external_data[i]->key, *v = tp->external_data[i]->value;
        if (!k)
            continue;
        bool off = !strcmp(k, "offset"), len = !strcmp(k, "length");
        if (!strcmp(k, "location"))
            r->location = v;
        else if ((off || len) && !parse_u64(v, off ? &r->offset : &r->length))
            return ir_fail(d, IR_ERR_MODEL, "%s: external data %s '%s' is not a number below 2^64",
                           label, k, ir_q(v ? v : ""));
        r->has_length |= len;
    }
    if (!r->location || !*r->location)
        return ir_fail(d, IR_ERR_MODEL, "%s: external data has no location", label);
    return IR_OK;
}

/* Checks loc and writes it to canon without "." and empty components, so
 * "./w.bin" and "w.bin" are one file, mapped once. */
static ir_status ext_check_location(const char *loc, const char *label, char *canon, ir_diag *d)
{
    if (strlen(loc) >= PATH_MAX)
        return ir_fail(d, IR_ERR_MODEL, "%s: external data location is too long", label);
    if (loc[0] == '/')
        return ir_fail(d, IR_ERR_MODEL,
                       "%s: external data location '%s' is an absolute path; it must be relative to "
                       "the model's directory",
                       label, ir_q(loc));
    size_t o = 0;
    for (const char *p = loc; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return ir_fail(d, IR_ERR_MODEL,
                           "%s: external data location '%s' has a '..' component; it must stay "
                           "beneath the model's directory",
                           label, ir_q(loc));
        if (n && !(n == 1 && p[0] == '.')) {
            if (o)
                canon[o++] = '/';
            memcpy(canon + o, p, n);
            o += n;
        }
        p += n;
        p += *p == '/';
    }
    canon[o] = 0;
    if (!o)
        return ir_fail(d, IR_ERR_MODEL, "%s: external data location '%s' names no file", label, ir_q(loc));
    return IR_OK;
}

/* Opens loc beneath dirfd one component at a time, following no symlink. */
static int open_walk(int dirfd, const char *loc)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", loc);
    int cur = dirfd;
    char *save = NULL;
    char *comp = strtok_r(path, "/", &save);
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        int fd = next ? openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : openat(cur, comp, OPEN_FLAGS | O_NOFOLLOW);
        int err = errno;
        struct stat st;
        if (fd < 0 && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            err = ELOOP;
        if (cur != dirfd)
            close(cur);
        if (fd < 0) {
            errno = err;
            return -1;
        }
        cur = fd;
        comp = next;
    }
    if (cur == dirfd) { /* "." or "./": a directory */
        errno = EISDIR;
        return -1;
    }
    return cur;
}

static int open_beneath(int dirfd, const char *loc)
{
/* ONNXC_NO_OPENAT2 forces the portable walk (to test it). */
#if defined(HAVE_OPENAT2_H) && defined(SYS_openat2) && !defined(ONNXC_NO_OPENAT2)
    struct open_how how = {.flags = OPEN_FLAGS,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, dirfd, loc, &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG))
        return (int)fd;
#endif
    return open_walk(dirfd, loc);
}

static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "directory";
    if (S_ISFIFO(m))
        return "FIFO";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "device";
    if (S_ISSOCK(m))
        return "socket";
    return "special file";
}

static ir_status open_fail(int err, const char *loc, const char *label, ir_diag *d)
{
    const char *q = ir_q(loc);
    switch (err) {
    case ELOOP:
        return ir_fail(d, IR_ERR_MODEL, "%s: external data '%s' goes through a symbolic link, which is "
                       "not allowed", label, q);
    case EXDEV:
        return ir_fail(d, IR_ERR_MODEL, "%s: external data '%s' escapes the model's directory", label, q);
    case EISDIR:
        return ir_fail(d, IR_ERR_MODEL, "%s: external data '%s' is a directory, not a regular file",
                       label, q);
    case ENOENT:
        return ir_fail(d, IR_ERR_IO, "%s: external data file '%s' not found in the model's directory",
                       label, q);
    default:
        return ir_fail(d, IR_ERR_IO, "%s: cannot open external data '%s': %s", label, q, strerror(err));
    }
}

/* Opens, checks and maps one external file into f. */
static ir_status ext_map(onnx_ctx *c, const char *loc, const char *label, onnx_file *f)
{
    int fd = open_beneath(c->dirfd, loc);
    if (fd < 0)
        return open_fail(errno, loc, label, c->d);
    struct stat st;
    ir_status s = IR_OK;
    if (fstat(fd, &st) != 0)
        s = ir_fail(c->d, IR_ERR_IO, "%s: cannot stat '%s': %s", label, ir_q(loc), strerror(errno));
    else if (!S_ISREG(st.st_mode))
        s = ir_fail(c->d, IR_ERR_MODEL, "%s: external data '%s' is a %s, not a regular file", label,
                    ir_q(loc), file_kind(st.st_mode));
    else if (st.st_nlink > 1)
        s = ir_fail(c->d, IR_ERR_MODEL,
                    "%s: external data '%s' has %llu hard links; refused, since a hard link can alias "
                    "a file outside the model's directory",
                    label, ir_q(loc), (unsigned long long)st.st_nlink);
    else if ((uint64_t)st.st_size > SIZE_MAX / 2)
        s = ir_fail(c->d, IR_ERR_IO, "%s: external data '%s' is too large to map", label, ir_q(loc));
    memset(f, 0, sizeof *f);
    if (!s && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            s = ir_fail(c->d, IR_ERR_IO, "%s: cannot map '%s': %s", label, ir_q(loc), strerror(errno));
        else
            *f = (onnx_file){NULL, p, (size_t)st.st_size, 0};
    }
    close(fd);
    return s;
}

/* The mapping of loc, mapping it on first use. */
static ir_status ext_file(onnx_ctx *c, const char *loc, const char *label, onnx_file **out)
{
    for (uint32_t i = 0; i < c->n_files; i++)
        if (!strcmp(c->files[i].location, loc)) {
            *out = &c->files[i];
            return IR_OK;
        }
    if (c->n_files == c->cap_files) {
        uint32_t nc = c->cap_files ? c->cap_files * 2 : 8;
        onnx_file *nf = realloc(c->files, nc * sizeof *nf);
        if (!nf)
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", label);
        c->files = nf;
        c->cap_files = nc;
    }
    onnx_file f;
    ir_status st = ext_map(c, loc, label, &f);
    if (st)
        return st;
    if (!(f.location = strdup(loc))) {
        onnx_unmap(&f);
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", label);
    }
    c->files[c->n_files] = f;
    *out = &c->files[c->n_files++];
    return IR_OK;
}

ir_status onnx_extdata(onnx_ctx *c, const Onnx__TensorProto *tp, const char *label,
                       uint64_t nbytes, onnx_raw *raw)
{
    ext_ref r;
    onnx_file *f = NULL;
    char loc[PATH_MAX];
    ir_status st;
    if (c->dirfd < 0)
        return ir_fail(c->d, IR_ERR_USAGE,
                       "%s uses external data, but the model was loaded from memory without a base "
                       "directory",
                       label);
    if ((st = ext_parse(tp, label, &r, c->d)) || (st = ext_check_location(r.location, label, loc, c->d)))
        return st;
    if (r.has_length && r.length != nbytes)
        return ir_fail(c->d, IR_ERR_MODEL, "%s: external data length is %llu bytes, but its dims and type need %llu",
                       label, (unsigned long long)r.length, (unsigned long long)nbytes);
    if ((st = ext_file(c, loc, label, &f)))
        return st;
    if (r.offset > f->len || nbytes > f->len - r.offset)
        return ir_fail(c->d, IR_ERR_MODEL,
                       "%s: external data offset %llu + length %llu is past the end of '%s' (%zu bytes)",
                       label, (unsigned long long)r.offset, (unsigned long long)nbytes, ir_q(loc),
                       f->len);
    *raw = (onnx_raw){f->addr ? f->addr + r.offset : NULL, nbytes, f};
    return IR_OK;
}

ir_status onnx_files_finish(onnx_ctx *c, bool keep)
{
    ir_status st = IR_OK;
    for (uint32_t i = 0; i < c->n_files; i++) {
        onnx_file *f = &c->files[i];
        if (keep && !st && f->n_views && f->addr) {
            if (ir_graph_add_mapping(c->g, f->addr, f->len))
                f->addr = NULL; /* the graph unmaps it */
            else
                st = ir_fail(c->d, IR_ERR_NOMEM, "out of memory registering a file mapping");
        }
        onnx_unmap(f);
        free(f->location);
    }
    free(c->files);
    c->files = NULL;
    c->n_files = c->cap_files = 0;
    return st;
}
