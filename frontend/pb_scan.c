/* pb_scan.c - checks protobuf wire format before protobuf-c sees it.
 *
 * protobuf-c 1.4.1 recurses once per nested message without a limit,
 * truncates repeated-field counts to 32 bits, and reports every failure as a
 * bare NULL. So each buffer is first walked here, driven by the very
 * descriptors protobuf-c uses: tags, wire types, varints, length prefixes
 * and nesting depth are checked, and what protobuf-c will allocate is
 * estimated and held to a budget. A hostile file then fails with a message
 * naming the byte offset, not with a blown stack or memory. The walk is
 * iterative and reads only tags and lengths, never the pages of large bytes
 * fields such as raw tensor data.
 *
 * Also here: the budgeted allocator every unpack draws from (the second line
 * of defence should the estimate be wrong), and the splitter that lets the
 * loader unpack a message without its bulky fields, since concatenated
 * field encodings are themselves a valid message. */
#include <stdlib.h>
#include <string.h>

#include "onnx_internal.h"

#define SCAN_MAX_FIELDS 64        /* per message type; ONNX's largest has 18 */
#define SCAN_DEPTH_CLAMP 1000     /* protobuf-c's recursion must fit the stack */
#define COST_SCAN 64              /* protobuf-c's scan slabs, per field */
#define COST_ALLOC 16             /* malloc bookkeeping, per allocation */
#define LEN_LIMIT 0x7fffffffu     /* protobuf's 2 GiB; protobuf-c uses 32 bits */
#define COUNT_LIMIT 0x7fffffffu   /* repeated elements in one message */
#define DEFAULT_BUDGET_BASE (256ull << 20)
#define DEFAULT_BUDGET_FACTOR 16u

enum { WT_VARINT = 0, WT_64BIT = 1, WT_LEN = 2, WT_32BIT = 5 };

typedef struct {
    const ProtobufCMessageDescriptor *desc;
    size_t end;
    uint32_t via; /* field number in the parent; 0 for the root */
    uint32_t counts[SCAN_MAX_FIELDS];
} scan_frame;

typedef struct {
    const uint8_t *buf;
    size_t len;
    const pb_scan_opts *o;
    int max_depth;
    ir_diag *d;
    scan_frame *st;
    int depth, cap;
    uint64_t estimate, weight;
} scanner;

/* One field as read from the wire. */
typedef struct {
    size_t at;           /* offset of the tag */
    uint32_t num, wt;
    size_t payload, plen; /* the value's bytes (after any length prefix) */
    const ProtobufCFieldDescriptor *fd;
} scan_field;

/* Reads a varint of at most max bytes from p[0..avail). Returns its length,
 * 0 when longer than max, -1 when it runs past avail. */
static int read_varint(const uint8_t *p, size_t avail, int max, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < max; i++) {
        if ((size_t)i >= avail)
            return -1;
        if (i < 10)
            x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

/* "ModelProto > GraphProto > NodeProto", eliding the middle of deep paths. */
static const char *scan_path(const scanner *s, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < s->depth && o < n; i++) {
        bool elide = s->depth > 10 && i == 5;
        if (elide)
            i = s->depth - 4;
        o += (size_t)snprintf(buf + o, n - o, "%s%s", elide ? " > ... > " : i ? " > " : "",
                              s->st[i].desc->short_name);
    }
    return buf;
}

static ir_status scan_fail(scanner *s, ir_status st, size_t at, const char *what)
{
    char path[512];
    return ir_fail(s->d, st, "byte %zu: %s (in %s)", at, what, scan_path(s, path, sizeof path));
}

static uint64_t scan_budget(const scanner *s)
{
    if (s->o->budget)
        return s->o->budget;
    uint64_t nonweight = s->len - s->weight, b;
    if (!ir_mul_overflow_u64(nonweight, DEFAULT_BUDGET_FACTOR, &b) || b > UINT64_MAX - DEFAULT_BUDGET_BASE)
        return UINT64_MAX;
    return DEFAULT_BUDGET_BASE + b;
}

static ir_status scan_charge(scanner *s, size_t at, uint64_t bytes)
{
    s->estimate = bytes > UINT64_MAX - s->estimate ? UINT64_MAX : s->estimate + bytes;
    /* The final budget can only be lower than the running one (weight bytes
     * only grow), so passing the running one is already conclusive. */
    uint64_t b = scan_budget(s);
    if (s->estimate <= b)
        return IR_OK;
    char what[200];
    snprintf(what, sizeof what,
             "unpacking would allocate more than %llu bytes, the budget for this model "
             "(too many or too large protobuf fields)",
             (unsigned long long)b);
    return scan_fail(s, IR_ERR_NOMEM, at, what);
}

static ir_status scan_push(scanner *s, const ProtobufCMessageDescriptor *desc, size_t at,
                           size_t end, uint32_t via)
{
    if (s->depth >= s->max_depth) {
        char what[64];
        snprintf(what, sizeof what, "message nesting deeper than %d", s->max_depth);
        return scan_fail(s, IR_ERR_MODEL, at, what);
    }
    if (desc->n_fields > SCAN_MAX_FIELDS)
        return ir_fail(s->d, IR_ERR_INTERNAL, "message type %s has %u fields", desc->name,
                       desc->n_fields);
    if (s->depth == s->cap) {
        int nc = s->cap ? s->cap * 2 : 16;
        scan_frame *ns = realloc(s->st, (size_t)nc * sizeof *ns);
        if (!ns)
            return ir_fail(s->d, IR_ERR_NOMEM, "out of memory scanning the model");
        s->st = ns;
        s->cap = nc;
    }
    scan_frame *f = &s->st[s->depth++];
    f->desc = desc;
    f->end = end;
    f->via = via;
    memset(f->counts, 0, sizeof f->counts);
    return scan_charge(s, at, desc->sizeof_message + COST_ALLOC);
}

/* Reads the tag and the extent of the value at *pos within the innermost
 * message. */
static ir_status scan_read(scanner *s, size_t pos, scan_field *f)
{
    size_t end = s->st[s->depth - 1].end;
    uint64_t tag, v;
    f->at = pos;
    int n = read_varint(s->buf + pos, end - pos, 5, &tag);
    if (n <= 0 || tag > UINT32_MAX)
        return scan_fail(s, IR_ERR_MODEL, pos, n < 0 ? "truncated field tag" : "field tag longer than 32 bits");
    f->num = (uint32_t)(tag >> 3);
    f->wt = (uint32_t)(tag & 7);
    if (f->num == 0)
        return scan_fail(s, IR_ERR_MODEL, pos, "field number 0");
    pos += (size_t)n;
    f->payload = pos;
    switch (f->wt) {
    case WT_VARINT:
        n = read_varint(s->buf + pos, end - pos, 10, &v);
        if (n <= 0)
            return scan_fail(s, IR_ERR_MODEL, pos, n < 0 ? "truncated varint" : "varint longer than 10 bytes");
        f->plen = (size_t)n;
        return IR_OK;
    case WT_64BIT:
    case WT_32BIT:
        f->plen = f->wt == WT_64BIT ? 8 : 4;
        if (f->plen > end - pos)
            return scan_fail(s, IR_ERR_MODEL, pos, "truncated fixed-size value");
        return IR_OK;
    case WT_LEN:
        n = read_varint(s->buf + pos, end - pos, 5, &v);
        if (n <= 0 || v > LEN_LIMIT) {
            const char *why = n < 0 ? "truncated length prefix"
                                    : "length prefix above protobuf's 2 GiB limit";
            return scan_fail(s, IR_ERR_MODEL, pos, why);
        }
        f->payload = pos + (size_t)n;
        f->plen = (size_t)v;
        if (f->plen > end - f->payload) {
            char what[160];
            snprintf(what, sizeof what, "length %zu runs past the end of the enclosing message (%zu bytes left)",
                     f->plen, end - f->payload);
            return scan_fail(s, IR_ERR_MODEL, pos, what);
        }
        return IR_OK;
    default: {
        char what[80];
        snprintf(what, sizeof what, "unsupported wire type %u in field %u", f->wt, f->num);
        return scan_fail(s, IR_ERR_MODEL, f->at, what);
    }
    }
}

static uint32_t wire_of(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT: return WT_32BIT;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return WT_64BIT;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return WT_LEN;
    default: return WT_VARINT;
    }
}

/* protobuf-c's element size in repeated-field arrays. */
static size_t elt_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_UINT64: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    default: return 4;
    }
}

/* Counts the elements of a packed repeated field, validating each. */
static ir_status scan_packed(scanner *s, const scan_field *f, uint64_t *count)
{
    const uint8_t *p = s->buf + f->payload;
    ProtobufCType t = f->fd->type;
    uint32_t w = wire_of(t);
    if (w == WT_32BIT || w == WT_64BIT) {
        size_t e = w == WT_32BIT ? 4 : 8;
        if (f->plen % e)
            return scan_fail(s, IR_ERR_MODEL, f->at, "packed fixed-size field length is not a multiple of its element size");
        *count = f->plen / e;
        return IR_OK;
    }
    *count = 0;
    for (size_t i = 0; i < f->plen;) {
        uint64_t v;
        int n = read_varint(p + i, f->plen - i, 10, &v);
        if (n <= 0)
            return scan_fail(s, IR_ERR_MODEL, f->payload + i, "bad varint in packed field");
        if (t == PROTOBUF_C_TYPE_BOOL && (n != 1 || v > 1))
            return scan_fail(s, IR_ERR_MODEL, f->payload + i, "bad boolean in packed field");
        i += (size_t)n;
        (*count)++;
    }
    return IR_OK;
}

static bool on_weight_path(const scanner *s, uint32_t num)
{
    const pb_scan_opts *o = s->o;
    if (!o->weight_depth || (uint32_t)s->depth != o->weight_depth ||
        num != o->weight_path[o->weight_depth - 1])
        return false;
    for (int i = 1; i < s->depth; i++)
        if (s->st[i].via != o->weight_path[i - 1])
            return false;
    return true;
}

static ir_status scan_field_msg(scanner *s, ir_status st, const char *prefix, const scan_field *f,
                                const char *tail)
{
    char what[256];
    snprintf(what, sizeof what, "%s%s.%s (field %u)%s", prefix, s->st[s->depth - 1].desc->short_name,
             f->fd->name, f->num, tail);
    return scan_fail(s, st, f->at, what);
}

/* Checks a known field's wire type and counts what unpacking it costs. */
static ir_status scan_known(scanner *s, const scan_field *f, uint64_t *cost)
{
    scan_frame *fr = &s->st[s->depth - 1];
    const ProtobufCFieldDescriptor *fd = f->fd;
    uint32_t idx = (uint32_t)(fd - fr->desc->fields);
    bool repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
    bool packed = repeated && f->wt == WT_LEN && wire_of(fd->type) != WT_LEN;
    uint64_t n = 1;
    if (!packed && f->wt != wire_of(fd->type))
        return scan_field_msg(s, IR_ERR_MODEL, "wrong wire type for ", f, "");
    if (packed) {
        ir_status st = scan_packed(s, f, &n);
        if (st)
            return st;
    }
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE && !repeated && fr->counts[idx])
        return scan_field_msg(s, IR_ERR_UNSUPPORTED, "message field ", f,
                              " appears twice (merging repeated messages is not supported)");
    fr->counts[idx] = (uint32_t)(n > COUNT_LIMIT - fr->counts[idx] ? COUNT_LIMIT : fr->counts[idx] + n);
    if (fr->counts[idx] >= COUNT_LIMIT)
        return scan_field_msg(s, IR_ERR_MODEL, "too many elements in ", f, "");
    *cost = COST_SCAN + (repeated ? n * elt_size(fd->type) + COST_ALLOC : 0);
    if (fd->type == PROTOBUF_C_TYPE_STRING)
        *cost += f->plen + 1 + COST_ALLOC;
    else if (fd->type == PROTOBUF_C_TYPE_BYTES)
        *cost += f->plen + COST_ALLOC;
    return IR_OK;
}

/* Reads one field of the innermost message and advances *pos past it, or
 * into it when it is a nested message. */
static ir_status scan_one(scanner *s, size_t *pos)
{
    scan_field f;
    ir_status st = scan_read(s, *pos, &f);
    if (st)
        return st;
    f.fd = protobuf_c_message_descriptor_get_field(s->st[s->depth - 1].desc, f.num);
    *pos = f.payload + f.plen;
    if (!f.fd) /* kept by protobuf-c as an unknown field, copied */
        return scan_charge(s, f.at, COST_SCAN + sizeof(ProtobufCMessageUnknownField) +
                                        (f.payload + f.plen - f.at) + 2 * COST_ALLOC);
    if (f.fd->type == PROTOBUF_C_TYPE_BYTES && f.wt == WT_LEN && on_weight_path(s, f.num)) {
        s->weight += f.plen;
        return IR_OK;
    }
    uint64_t cost = 0;
    if ((st = scan_known(s, &f, &cost)) || (st = scan_charge(s, f.at, cost)))
        return st;
    if (f.fd->type == PROTOBUF_C_TYPE_MESSAGE && f.wt == WT_LEN) {
        *pos = f.payload;
        return scan_push(s, f.fd->descriptor, f.at, f.payload + f.plen, f.num);
    }
    return IR_OK;
}

ir_status pb_scan(const uint8_t *buf, size_t len, const pb_scan_opts *o, uint64_t *budget,
                  ir_diag *d)
{
    scanner s = {.buf = buf, .len = len, .o = o, .d = d};
    s.max_depth = o->max_depth > 0 ? o->max_depth : ONNX_MAX_DEPTH;
    if (s.max_depth > SCAN_DEPTH_CLAMP)
        s.max_depth = SCAN_DEPTH_CLAMP;
    size_t pos = 0;
    ir_status st = scan_push(&s, o->root, 0, len, 0);
    while (!st && s.depth > 0) {
        if (pos == s.st[s.depth - 1].end)
            s.depth--;
        else
            st = scan_one(&s, &pos);
    }
    if (!st && s.estimate > scan_budget(&s))
        st = ir_fail(d, IR_ERR_NOMEM,
                     "unpacking the model would allocate %llu bytes, more than its budget of %llu "
                     "(256 MiB + 16 x %llu non-weight bytes)",
                     (unsigned long long)s.estimate, (unsigned long long)scan_budget(&s),
                     (unsigned long long)(len - s.weight));
    if (!st)
        *budget = scan_budget(&s);
    free(s.st);
    return st;
}

/* ---- budgeted allocator ------------------------------------------------ */

static void *budget_alloc(void *data, size_t size)
{
    pb_alloc *a = data;
    uint64_t charge = (uint64_t)size + COST_ALLOC;
    if (charge > a->budget - a->used) {
        a->over_budget = true;
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (!p) {
        a->oom = true;
        return NULL;
    }
    a->used += charge;
    return p;
}

static void budget_free(void *data, void *p)
{
    (void)data;
    free(p);
}

void pb_alloc_init(pb_alloc *a, uint64_t budget)
{
    memset(a, 0, sizeof *a);
    a->pc.alloc = budget_alloc;
    a->pc.free = budget_free;
    a->pc.allocator_data = a;
    a->budget = budget;
}

ProtobufCMessage *pb_unpack(pb_alloc *a, const ProtobufCMessageDescriptor *desc,
                            const uint8_t *data, size_t len, size_t off, ir_diag *d)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &a->pc, len, data);
    if (m)
        return m;
    if (a->over_budget)
        ir_fail(d, IR_ERR_NOMEM,
                "unpacking %s at byte %zu exceeded the allocation budget of %llu bytes",
                desc->short_name, off, (unsigned long long)a->budget);
    else if (a->oom)
        ir_fail(d, IR_ERR_NOMEM, "out of memory unpacking %s at byte %zu", desc->short_name, off);
    else
        ir_fail(d, IR_ERR_MODEL, "protobuf-c could not decode %s at bytes %zu..%zu",
                desc->short_name, off, off + len);
    return NULL;
}

void pb_free(pb_alloc *a, void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, &a->pc);
}

/* ---- splitting a message into kept and skipped fields ------------------ */

static bool buf_append(pb_buf *b, const uint8_t *p, size_t n)
{
    if (n > b->cap - b->len) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc - b->len < n) {
            if (nc > SIZE_MAX / 2)
                return false;
            nc *= 2;
        }
        uint8_t *np = realloc(b->p, nc);
        if (!np)
            return false;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

static bool ranges_push(pb_ranges *r, pb_range x)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        pb_range *nr = realloc(r->r, nc * sizeof *nr);
        if (!nr)
            return false;
        r->r = nr;
        r->cap = nc;
    }
    r->r[r->n++] = x;
    return true;
}

/* Extent of the field at p[0..avail): total bytes and payload offset. */
static bool field_extent(const uint8_t *p, size_t avail, uint32_t *num, size_t *total, size_t *poff)
{
    uint64_t tag, v;
    int n = read_varint(p, avail, 5, &tag);
    if (n <= 0)
        return false;
    size_t o = (size_t)n;
    *num = (uint32_t)(tag >> 3);
    switch (tag & 7) {
    case WT_VARINT:
        n = read_varint(p + o, avail - o, 10, &v);
        *poff = o;
        *total = n > 0 ? o + (size_t)n : 0;
        return n > 0;
    case WT_64BIT:
    case WT_32BIT:
        *poff = o;
        *total = o + ((tag & 7) == WT_64BIT ? 8 : 4);
        return *total <= avail;
    case WT_LEN:
        n = read_varint(p + o, avail - o, 5, &v);
        if (n <= 0 || v > avail - o - (size_t)n)
            return false;
        *poff = o + (size_t)n;
        *total = *poff + (size_t)v;
        return true;
    default: return false;
    }
}

ir_status pb_split(const uint8_t *buf, pb_range msg, uint32_t skip, pb_buf *kept,
                   pb_ranges *skipped, ir_diag *d)
{
    size_t pos = msg.off, end = msg.off + msg.len;
    while (pos < end) {
        uint32_t num;
        size_t total, poff;
        if (!field_extent(buf + pos, end - pos, &num, &total, &poff))
            return ir_fail(d, IR_ERR_INTERNAL, "byte %zu: malformed field after scanning", pos);
        bool ok = num == skip ? ranges_push(skipped, (pb_range){pos + poff, total - poff})
                              : buf_append(kept, buf + pos, total);
        if (!ok)
            return ir_fail(d, IR_ERR_NOMEM, "out of memory splitting the model at byte %zu", pos);
        pos += total;
    }
    return IR_OK;
}

void pb_buf_free(pb_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void pb_ranges_free(pb_ranges *r)
{
    free(r->r);
    memset(r, 0, sizeof *r);
}
