/* onnx_internal.h - what the ONNX loader's files share; private to frontend/
 * (the public header is frontend.h, and protobuf types never leave here).
 *
 *     pb_scan_opts so = {&onnx__model_proto__descriptor, weight_path, 3, 0, 100};
 *     uint64_t budget;
 *     if (pb_scan(buf, len, &so, &budget, d) != IR_OK) return d->status;
 *     pb_alloc_init(&c->alloc, budget);     // every unpack draws from it
 *
 * One section per file, as in frontend.h: pb_scan.c checks and splits the
 * wire format, onnx_tensor.c turns TensorProtos into IR tensors,
 * onnx_extdata.c resolves external data, onnx_graph.c builds the graph and
 * onnx_load.c drives the whole. */
#ifndef ONNXC_ONNX_INTERNAL_H
#define ONNXC_ONNX_INTERNAL_H

#include "frontend.h"
#include "onnx.pb-c.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "ONNX raw_data is little-endian and is used in place: host must be too");

/* ---- pb_scan.c: wire-format scanner, budgeted allocator, splitter ------ */

typedef struct {
    size_t off, len;
} pb_range;

typedef struct {
    uint8_t *p;
    size_t len, cap;
} pb_buf;

typedef struct {
    pb_range *r;
    size_t n, cap;
} pb_ranges;

typedef struct {
    const ProtobufCMessageDescriptor *root;
    /* Field numbers from the root to a bytes field the caller never hands
     * to protobuf-c (initializer raw_data): not counted in the estimate,
     * and its payloads are the "weight bytes" of the default budget. */
    const uint32_t *weight_path;
    uint32_t weight_depth;
    size_t budget; /* 0: 256 MiB + 16 x non-weight bytes */
    int max_depth; /* 0: ONNX_MAX_DEPTH */
} pb_scan_opts;

/* Validates buf as a serialized o->root message and estimates what
 * protobuf-c will allocate to unpack it. Fails naming the byte offset; on
 * success *budget is the allocation budget that applies. */
ir_status pb_scan(const uint8_t *buf, size_t len, const pb_scan_opts *o, uint64_t *budget,
                  ir_diag *d);

/* A ProtobufCAllocator that refuses to hand out more than `budget` bytes in
 * total (counted cumulatively, so protobuf-c's quadratic merges are bounded
 * too). */
typedef struct {
    ProtobufCAllocator pc;
    uint64_t budget, used;
    bool over_budget, oom;
} pb_alloc;

void pb_alloc_init(pb_alloc *a, uint64_t budget);
/* protobuf-c unpack of [data, data+len) through a; NULL with a message
 * naming `what` and the byte range (file offset `off`) on failure. */
ProtobufCMessage *pb_unpack(pb_alloc *a, const ProtobufCMessageDescriptor *desc,
                            const uint8_t *data, size_t len, size_t off, ir_diag *d);
void pb_free(pb_alloc *a, void *msg);

/* Appends every top-level field of the message at buf[msg] to *kept except
 * those numbered `skip`, whose payload ranges go to *skipped. The message
 * must have passed pb_scan. */
ir_status pb_split(const uint8_t *buf, pb_range msg, uint32_t skip, pb_buf *kept,
                   pb_ranges *skipped, ir_diag *d);
void pb_buf_free(pb_buf *b);
void pb_ranges_free(pb_ranges *r);

/* ---- the loader's state ----------------------------------------------- */

/* A file whose pages tensor data may point into. */
typedef struct {
    char *location;     /* external data: the location string; NULL: the model */
    uint8_t *addr;      /* NULL for an empty file */
    size_t len;
    uint32_t n_views;   /* tensors pointing into it: the graph must keep it */
} onnx_file;

typedef struct {
    ir_graph *g;
    ir_diag *d;
    const onnx_load_opts *opts;
    onnx_file model;    /* the model's bytes */
    bool own_map;       /* model.addr is our private mapping (views allowed) */
    int dirfd;          /* directory external data resolves beneath; -1: none */
    onnx_file *files;   /* external data files, each mapped once */
    uint32_t n_files, cap_files;
    pb_alloc alloc;
} onnx_ctx;

/* ---- onnx_load.c ------------------------------------------------------ */

/* Maps a regular file read-only and private (f->addr NULL when empty). */
ir_status onnx_map_path(const char *path, onnx_file *f, ir_diag *d);
void onnx_unmap(onnx_file *f);

/* ---- onnx_tensor.c ---------------------------------------------------- */

/* Where a tensor's raw bytes are, when not in the unpacked TensorProto. */
typedef struct {
    const uint8_t *p;
    uint64_t len;
    onnx_file *file; /* the mapping p points into (views allowed), or NULL */
} onnx_raw;

/* Converts tp into an IR tensor in c->g's arena, or a view into a mapping
 * when raw data is suitably aligned (*mapped set). raw (may be NULL) gives
 * raw_data held outside tp. label names the tensor in messages, such as
 * "initializer 'w'". */
ir_status onnx_tensor_to_ir(onnx_ctx *c, const Onnx__TensorProto *tp, const onnx_raw *raw,
                            const char *label, ir_tensor **out, bool *mapped);

/* Dtype and static shape of tp with every size check applied. */
ir_status onnx_tensor_header(const Onnx__TensorProto *tp, const char *label, ir_dtype *dtype,
                             ir_shape *shape, uint64_t *nbytes, ir_diag *d);

/* ---- onnx_extdata.c --------------------------------------------------- */

/* Resolves tp's external data beneath c->dirfd and checks it holds exactly
 * nbytes; *raw points into the file's mapping (mapped once per graph). */
ir_status onnx_extdata(onnx_ctx *c, const Onnx__TensorProto *tp, const char *label,
                       uint64_t nbytes, onnx_raw *raw);
/* Unmaps what no tensor uses; with keep, hands the rest to c->g. */
ir_status onnx_files_finish(onnx_ctx *c, bool keep);

/* ---- onnx_graph.c ----------------------------------------------------- */

/* Builds c->g from the unpacked graph (initializers excluded) and the
 * initializers' byte ranges in c->model. */
ir_status onnx_graph_build(onnx_ctx *c, const Onnx__GraphProto *gp, const pb_ranges *inits);

/* "node 'conv1' (Conv)" or "node #12 (Conv)" for unnamed nodes. */
const char *onnx_node_label(const Onnx__NodeProto *np, size_t index, char *buf, size_t n);

#endif
