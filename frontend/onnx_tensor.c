/* onnx_tensor.c - TensorProto to IR tensor, in each of its storage forms.
 *
 * ONNX stores tensor elements in raw_data (little-endian bytes), in one of
 * the typed fields (float_data; int32_data, which also carries the 8- and
 * 16-bit integers, bool and the 16-bit floats; int64_data; double_data;
 * uint64_data, which also carries uint32), or in an external file. Every
 * form is checked against dims and dtype before a byte is copied, so a size
 * lie is a message naming the tensor and both numbers, never an overrun.
 *
 * Raw data that sits in a mapping we own and is aligned to its element size
 * is not copied: the tensor points into the mapping. Otherwise it is copied
 * into 64-byte aligned arena memory and the source pages entirely inside it
 * are dropped, so a model's weights occupy memory about once while loading.
 * Also onnx_read_tensor_pb, the lone-tensor files of ONNX test data. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernels.h"
#include "onnx_internal.h"

typedef enum { SRC_NONE, SRC_RAW, SRC_FLOAT, SRC_INT32, SRC_STRING, SRC_INT64, SRC_DOUBLE, SRC_UINT64 } src_kind;

static const char *const src_names[] = {"no data",     "raw_data",   "float_data",
                                        "int32_data",  "string_data", "int64_data",
                                        "double_data", "uint64_data"};

/* Which dtypes each typed field may carry (ONNX's TensorProto comments). */
static bool src_allows(src_kind k, ir_dtype t)
{
    switch (k) {
    case SRC_FLOAT: return t == IR_F32;
    case SRC_INT32:
        return t == IR_I32 || t == IR_I16 || t == IR_I8 || t == IR_U16 || t == IR_U8 ||
               t == IR_BOOL || t == IR_F16 || t == IR_BF16;
    case SRC_INT64: return t == IR_I64;
    case SRC_DOUBLE: return t == IR_F64;
    case SRC_UINT64: return t == IR_U32 || t == IR_U64;
    case SRC_STRING: return t == IR_STRING;
    default: return true;
    }
}

static void dims_format(const int64_t *dims, size_t n, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "[");
    for (size_t i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "", (long long)dims[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

static ir_status check_dtype(int32_t dt, const char *label, ir_diag *d)
{
    if (dt == IR_STRING)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s is a string tensor; onnxc handles only numeric tensors",
                       label);
    if (dt == IR_UNDEF)
        return ir_fail(d, IR_ERR_MODEL, "%s has no data type", label);
    if (!ir_dtype_supported((ir_dtype)dt)) {
        const char *name = dt == 14 ? "complex64" : dt == 15 ? "complex128" : "an unknown type";
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s has data type %d (%s), which onnxc does not handle",
                       label, (int)dt, name);
    }
    return IR_OK;
}

ir_status onnx_tensor_header(const Onnx__TensorProto *tp, const char *label, ir_dtype *dtype,
                             ir_shape *shape, uint64_t *nbytes, ir_diag *d)
{
    ir_status st = check_dtype(tp->has_data_type ? tp->data_type : 0, label, d);
    if (st)
        return st;
    if (tp->segment)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s is a segment of a larger tensor, which onnxc does not handle",
                       label);
    if (tp->n_dims > IR_MAX_RANK)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s has %zu dims; onnxc supports at most %d", label,
                       tp->n_dims, IR_MAX_RANK);
    *dtype = (ir_dtype)tp->data_type;
    memset(shape, 0, sizeof *shape);
    shape->rank = (int32_t)tp->n_dims;
    uint64_t numel = 1;
    bool overflow = false;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return ir_fail(d, IR_ERR_MODEL, "%s: dim %zu is %lld, dims must not be negative", label, i,
                           (long long)tp->dims[i]);
        shape->dims[i] = tp->dims[i];
        overflow |= !ir_mul_overflow_u64(numel, (uint64_t)tp->dims[i], &numel);
    }
    if (overflow || numel > INT64_MAX || !ir_mul_overflow_u64(numel, ir_dtype_size(*dtype), nbytes)) {
        char dims[200];
        dims_format(tp->dims, tp->n_dims, dims, sizeof dims);
        return ir_fail(d, IR_ERR_MODEL, "%s: the byte size of dims %s of %s overflows 64 bits", label,
                       dims, ir_dtype_name(*dtype));
    }
    return IR_OK;
}

/* Element count of typed field k. */
static size_t src_count(const Onnx__TensorProto *tp, src_kind k)
{
    switch (k) {
    case SRC_FLOAT: return tp->n_float_data;
    case SRC_INT32: return tp->n_int32_data;
    case SRC_STRING: return tp->n_string_data;
    case SRC_INT64: return tp->n_int64_data;
    case SRC_DOUBLE: return tp->n_double_data;
    case SRC_UINT64: return tp->n_uint64_data;
    default: return 0;
    }
}

/* Finds the one field holding the data and checks its size. */
static ir_status pick_source(const Onnx__TensorProto *tp, const onnx_raw *raw, const char *label,
                             ir_dtype dt, uint64_t nbytes, src_kind *kind, ir_diag *d)
{
    char dims[200];
    dims_format(tp->dims, tp->n_dims, dims, sizeof dims);
    uint64_t numel = nbytes / ir_dtype_size(dt);
    *kind = raw ? SRC_RAW : SRC_NONE;
    for (src_kind k = SRC_FLOAT; k <= SRC_UINT64; k++) {
        if (!src_count(tp, k))
            continue;
        if (*kind != SRC_NONE)
            return ir_fail(d, IR_ERR_MODEL, "%s: data given in both %s and %s", label, src_names[*kind],
                           src_names[k]);
        *kind = k;
    }
    if (*kind == SRC_NONE) {
        if (numel == 0)
            return IR_OK;
        return ir_fail(d, IR_ERR_MODEL, "%s has no data, but dims %s need %llu elements", label, dims,
                       (unsigned long long)numel);
    }
    if (*kind == SRC_RAW) {
        if (raw->len != nbytes)
            return ir_fail(d, IR_ERR_MODEL, "%s: raw data has %llu bytes, but dims %s of %s need %llu",
                           label, (unsigned long long)raw->len, dims, ir_dtype_name(dt),
                           (unsigned long long)nbytes);
        return IR_OK;
    }
    if (!src_allows(*kind, dt))
        return ir_fail(d, IR_ERR_MODEL, "%s: %s cannot hold elements of type %s", label, src_names[*kind],
                       ir_dtype_name(dt));
    if (src_count(tp, *kind) != numel)
        return ir_fail(d, IR_ERR_MODEL, "%s: %s has %zu elements, but dims %s need %llu", label,
                       src_names[*kind], src_count(tp, *kind), dims, (unsigned long long)numel);
    return IR_OK;
}

/* Narrows int32_data into the tensor's element type. */
static void fill_int32(void *dst, const int32_t *src, size_t n, ir_dtype dt)
{
    for (size_t i = 0; i < n; i++) {
        int32_t v = src[i];
        switch (dt) {
        case IR_I8: ((int8_t *)dst)[i] = (int8_t)v; break;
        case IR_U8: ((uint8_t *)dst)[i] = (uint8_t)v; break;
        case IR_BOOL: ((uint8_t *)dst)[i] = v != 0; break;
        case IR_I16: ((int16_t *)dst)[i] = (int16_t)v; break;
        case IR_U16:
        case IR_F16:
        case IR_BF16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
        default: ((int32_t *)dst)[i] = v; break;
        }
    }
}

static void fill(void *dst, const Onnx__TensorProto *tp, const onnx_raw *raw, src_kind k,
                 ir_dtype dt, uint64_t nbytes)
{
    size_t n = (size_t)(nbytes / ir_dtype_size(dt));
    switch (k) {
    case SRC_RAW:
        if (nbytes)
            memcpy(dst, raw->p, (size_t)nbytes);
        break;
    case SRC_FLOAT: memcpy(dst, tp->float_data, n * sizeof(float)); break;
    case SRC_INT32: fill_int32(dst, tp->int32_data, n, dt); break;
    case SRC_INT64: memcpy(dst, tp->int64_data, n * sizeof(int64_t)); break;
    case SRC_DOUBLE: memcpy(dst, tp->double_data, n * sizeof(double)); break;
    case SRC_UINT64:
        if (dt == IR_U64)
            memcpy(dst, tp->uint64_data, n * sizeof(uint64_t));
        else
            for (size_t i = 0; i < n; i++)
                ((uint32_t *)dst)[i] = (uint32_t)tp->uint64_data[i];
        break;
    default: break;
    }
}

/* Drops the pages of a private file mapping lying entirely inside [p, p+n):
 * their bytes now live in the arena, and the file can reload them. */
static void release_pages(const uint8_t *p, uint64_t n)
{
    uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + ps - 1) & ~(ps - 1), hi = ((uintptr_t)p + (uintptr_t)n) & ~(ps - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Where the raw bytes are: given separately, in tp, or in an external file. */
static ir_status find_raw(onnx_ctx *c, const Onnx__TensorProto *tp, const onnx_raw *raw,
                          const char *label, uint64_t nbytes, onnx_raw *out, const onnx_raw **res)
{
    bool external = tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    *res = raw;
    if (!raw && tp->has_raw_data) {
        *out = (onnx_raw){tp->raw_data.data, tp->raw_data.len, NULL};
        *res = out;
    }
    if (!external)
        return IR_OK;
    if (*res)
        return ir_fail(c->d, IR_ERR_MODEL, "%s has both raw_data and external data", label);
    *res = out;
    return onnx_extdata(c, tp, label, nbytes, out);
}

ir_status onnx_tensor_to_ir(onnx_ctx *c, const Onnx__TensorProto *tp, const onnx_raw *raw,
                            const char *label, ir_tensor **out, bool *mapped)
{
    ir_dtype dt;
    ir_shape shape;
    uint64_t nbytes;
    onnx_raw local;
    const onnx_raw *r;
    src_kind k;
    ir_status st;
    *mapped = false;
    if ((st = onnx_tensor_header(tp, label, &dt, &shape, &nbytes, c->d)) ||
        (st = find_raw(c, tp, raw, label, nbytes, &local, &r)) ||
        (st = pick_source(tp, r, label, dt, nbytes, &k, c->d)))
        return st;
    ir_tensor *t;
    if (k == SRC_RAW && r->file && nbytes && (uintptr_t)r->p % ir_dtype_size(dt) == 0) {
        t = ir_arena_alloc(c->g->arena, sizeof *t, 8);
        if (!t)
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s", label);
        *t = (ir_tensor){dt, shape, (void *)r->p, nbytes};
        r->file->n_views++;
        *mapped = true;
    } else {
        if (nbytes > SIZE_MAX / 2 || !(t = ir_tensor_new(c->g, dt, &shape)))
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory loading %s (%llu bytes)", label,
                           (unsigned long long)nbytes);
        fill(t->data, tp, r, k, dt, nbytes);
        if (k == SRC_RAW && r->file)
            release_pages(r->p, nbytes);
    }
    *out = t;
    return IR_OK;
}

/* ---- lone tensor files (ONNX test data) --------------------------------- */

static const uint32_t tensor_weight_path[] = {9};

/* Copies tp (its raw data at raw, if any) into a malloc'd tensor. */
static ir_status tensor_copy(const Onnx__TensorProto *tp, const onnx_raw *raw, const char *path,
                             ir_tensor **out, char **name, ir_diag *d)
{
    char label[400];
    snprintf(label, sizeof label, "tensor '%s' in %s", ir_q(tp->name ? tp->name : ""), ir_q(path));
    ir_dtype dt;
    ir_shape shape;
    uint64_t nbytes;
    src_kind k;
    ir_status st = onnx_tensor_header(tp, label, &dt, &shape, &nbytes, d);
    if (st)
        return st;
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return ir_fail(d, IR_ERR_UNSUPPORTED, "%s uses external data, which lone tensor files cannot", label);
    if ((st = pick_source(tp, raw, label, dt, nbytes, &k, d)))
        return st;
    ir_tensor *t = ir_tensor_alloc(dt, &shape);
    char *nm = name ? strdup(tp->name ? tp->name : "") : NULL;
    if (!t || (name && !nm)) {
        ir_tensor_release(t);
        free(nm);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory reading %s (%llu bytes)", label, (unsigned long long)nbytes);
    }
    fill(t->data, tp, raw, k, dt, nbytes);
    *out = t;
    if (name)
        *name = nm;
    return IR_OK;
}

/* Unpacks the TensorProto in buf without its raw data, then copies it. */
static ir_status read_tensor(const uint8_t *buf, size_t len, const char *path, ir_tensor **out,
                             char **name, ir_diag *d)
{
    pb_scan_opts so = {&onnx__tensor_proto__descriptor, tensor_weight_path, 1, 0, 0};
    pb_buf kept = {0};
    pb_ranges raws = {0};
    pb_alloc a;
    uint64_t budget;
    ir_status st = pb_scan(buf, len, &so, &budget, d);
    if (st) {
        char why[sizeof d->msg];
        snprintf(why, sizeof why, "%s", d->msg);
        return ir_fail(d, st, "%s is not a readable TensorProto (sequences and optionals are not "
                       "tensors): %s", ir_q(path), why);
    }
    pb_alloc_init(&a, budget);
    Onnx__TensorProto *tp = NULL;
    if (!(st = pb_split(buf, (pb_range){0, len}, 9, &kept, &raws, d)) &&
        !(tp = (Onnx__TensorProto *)pb_unpack(&a, &onnx__tensor_proto__descriptor, kept.p, kept.len, 0, d)))
        st = d->status;
    if (!st) {
        onnx_raw raw = {0};
        if (raws.n) /* the last raw_data wins, as in protobuf */
            raw = (onnx_raw){buf + raws.r[raws.n - 1].off, raws.r[raws.n - 1].len, NULL};
        st = tensor_copy(tp, raws.n ? &raw : NULL, path, out, name, d);
    }
    pb_free(&a, tp);
    pb_buf_free(&kept);
    pb_ranges_free(&raws);
    return st;
}

ir_status onnx_read_tensor_pb(const char *path, ir_tensor **out, char **name, ir_diag *d)
{
    ir_diag local;
    if (!d)
        d = &local;
    if (!path || !out)
        return ir_fail(d, IR_ERR_USAGE, "onnx_read_tensor_pb: path and out are required");
    *out = NULL;
    if (name)
        *name = NULL;
    onnx_file f;
    ir_status st = onnx_map_path(path, &f, d);
    if (st)
        return st;
    st = read_tensor(f.addr, f.len, path, out, name, d);
    onnx_unmap(&f);
    return st;
}

ir_status onnx_read_tensor_pb_buffer(const void *buf, size_t len, const char *label, ir_tensor **out,
                                     char **name, ir_diag *d)
{
    ir_diag local;
    if (!d)
        d = &local;
    if ((!buf && len) || !out)
        return ir_fail(d, IR_ERR_USAGE, "onnx_read_tensor_pb_buffer: buf and out are required");
    *out = NULL;
    if (name)
        *name = NULL;
    return read_tensor(buf, len, label ? label : "<buffer>", out, name, d);
}
