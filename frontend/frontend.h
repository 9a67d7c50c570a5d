/* frontend.h - reading ONNX files into the IR; one public header for
 * frontend/. Protobuf types never leave this folder.
 *
 *     ir_graph *g; ir_diag d;
 *     if (onnx_load_file("detr.onnx", NULL, &g, &d) != IR_OK) {
 *         fprintf(stderr, "onnxc: %s\n", d.msg);   // names tensor/node/offset
 *         return 1;
 *     }
 *     ...
 *     ir_graph_free(g);   // also unmaps external-data files
 *
 * Loading is safe on hostile input: nesting depth and sizes are scanned
 * before protobuf-c unpacks anything, what protobuf-c allocates is budgeted,
 * external data resolves only beneath the model's directory, and every
 * failure is a message, never a crash. Large weights are not copied: raw
 * data stays in the mapped file when it is suitably aligned. */
#ifndef ONNXC_FRONTEND_H
#define ONNXC_FRONTEND_H

#include "ir.h"

#define ONNX_MAX_DEPTH 100
#define ONNX_IR_VERSION_MIN 3
#define ONNX_IR_VERSION_MAX 10
#define ONNX_OPSET_MIN 1
#define ONNX_OPSET_MAX 21

typedef struct {
    /* Maximum bytes protobuf-c may allocate while unpacking (0 = default:
     * 256 MiB + 16 x the model's non-weight bytes). */
    size_t alloc_budget;
    /* Maximum message nesting depth (0 = ONNX_MAX_DEPTH). */
    int max_depth;
    /* Skip the unsupported-op check (inspect lists unknown ops instead). */
    bool allow_unknown_ops;
} onnx_load_opts;

/* Loads MODEL into a new graph (topologically sorted and verified).
 * Returns IR_ERR_IO (file), IR_ERR_MODEL (malformed), IR_ERR_UNSUPPORTED
 * (unknown ops listed all at once, newer opset/ir_version with the supported
 * range) or IR_ERR_NOMEM (budget). */
ir_status onnx_load_file(const char *path, const onnx_load_opts *opts, ir_graph **out,
                         ir_diag *d);
/* Same from memory; external data resolves beneath base_dir (NULL: refused). */
ir_status onnx_load_buffer(const void *buf, size_t len, const char *base_dir,
                           const onnx_load_opts *opts, ir_graph **out, ir_diag *d);

/* Reads a serialized TensorProto (the .pb files of ONNX test data) into a
 * malloc'd tensor (free with ir_tensor_release). *name gets the tensor's
 * name in malloc'd memory (may be NULL if not wanted). */
ir_status onnx_read_tensor_pb(const char *path, ir_tensor **out, char **name, ir_diag *d);
/* Same from memory; label names the bytes in messages (NULL: "<buffer>"). */
ir_status onnx_read_tensor_pb_buffer(const void *buf, size_t len, const char *label, ir_tensor **out,
                                     char **name, ir_diag *d);

/* Writes g as an ONNX model (weights inline as raw_data, fused ops in the
 * "onnxc" domain with their attributes, value_info for every typed value),
 * atomically: temporary file + rename. */
ir_status onnx_save_file(const ir_graph *g, const char *path, ir_diag *d);

/* numpy .npy files (format 1.0-3.0, little-endian, C order): read into a
 * malloc'd tensor; write atomically (temporary file + rename). */
ir_status npy_read(const char *path, ir_tensor **out, ir_diag *d);
ir_status npy_read_buffer(const void *buf, size_t len, ir_tensor **out, ir_diag *d);
ir_status npy_write(const char *path, const ir_tensor *t, ir_diag *d);

#endif
