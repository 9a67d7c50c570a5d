/* onnx_load.c - reads an ONNX model file into the IR.
 *
 * The file is mapped read-only and private, and the whole buffer is checked
 * by pb_scan before protobuf-c unpacks any of it. Weights are not run through
 * protobuf-c, which would copy them: the loader unpacks ModelProto without
 * its `graph` field, the GraphProto without its initializers, and each
 * initializer without its raw_data, whose place in the mapping it keeps
 * (concatenated field encodings are a valid message, so this is just byte
 * ranges). Tensors then point into the mapping or are copied once, and a
 * 170 MB model loads in well under a second with little more than its size
 * in memory. The version checks come first, so a newer model is refused for
 * what it is rather than for a symptom; then the graph is built, sorted,
 * checked for unknown ops and verified. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx_internal.h"

/* ModelProto.graph (7) > GraphProto.initializer (5) > TensorProto.raw_data (9) */
static const uint32_t model_weight_path[] = {7, 5, 9};

ir_status onnx_map_path(const char *path, onnx_file *f, ir_diag *d)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ir_fail(d, IR_ERR_IO, "cannot open '%s': %s", ir_q(path), strerror(errno));
    struct stat st;
    ir_status s = IR_OK;
    if (fstat(fd, &st) != 0)
        s = ir_fail(d, IR_ERR_IO, "cannot stat '%s': %s", ir_q(path), strerror(errno));
    else if (!S_ISREG(st.st_mode))
        s = ir_fail(d, IR_ERR_IO, "'%s' is not a regular file", ir_q(path));
    else if ((uint64_t)st.st_size > SIZE_MAX / 2)
        s = ir_fail(d, IR_ERR_IO, "'%s' is too large to map", ir_q(path));
    else if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            s = ir_fail(d, IR_ERR_IO, "cannot map '%s': %s", ir_q(path), strerror(errno));
        else
            *f = (onnx_file){NULL, p, (size_t)st.st_size, 0};
    }
    close(fd);
    return s;
}

void onnx_unmap(onnx_file *f)
{
    if (f->addr)
        munmap(f->addr, f->len);
    f->addr = NULL;
}

static bool is_onnx_domain(const char *d) { return !d || !*d || !strcmp(d, "ai.onnx"); }

static ir_status read_opsets(onnx_ctx *c, const Onnx__ModelProto *m)
{
    ir_graph *g = c->g;
    g->opsets = ir_arena_alloc(g->arena, (m->n_opset_import ? m->n_opset_import : 1) * sizeof(ir_opset), 8);
    if (!g->opsets)
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory reading opset imports");
    bool have = false;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        ir_opset *os = &g->opsets[g->n_opsets++];
        os->domain = ir_arena_strdup(g->arena, o->domain ? o->domain : "");
        os->version = o->has_version ? o->version : 0;
        if (!os->domain)
            return ir_fail(c->d, IR_ERR_NOMEM, "out of memory reading opset imports");
        if (!is_onnx_domain(o->domain))
            continue;
        if (have && os->version != g->opset)
            return ir_fail(c->d, IR_ERR_MODEL, "the model imports the ai.onnx opset twice (versions %lld and %lld)",
                           (long long)g->opset, (long long)os->version);
        if (os->version > ONNX_OPSET_MAX || os->version < ONNX_OPSET_MIN)
            return ir_fail(c->d, IR_ERR_UNSUPPORTED,
                           "the model imports ai.onnx opset %lld, %s than onnxc supports (opsets %d to %d)",
                           (long long)os->version, os->version > ONNX_OPSET_MAX ? "newer" : "older",
                           ONNX_OPSET_MIN, ONNX_OPSET_MAX);
        g->opset = os->version;
        have = true;
    }
    return IR_OK;
}

static ir_status read_model_header(onnx_ctx *c, const Onnx__ModelProto *m)
{
    ir_graph *g = c->g;
    if (!m->has_ir_version)
        return ir_fail(c->d, IR_ERR_MODEL, "not an ONNX model: ir_version is missing");
    if (m->ir_version < ONNX_IR_VERSION_MIN || m->ir_version > ONNX_IR_VERSION_MAX)
        return ir_fail(c->d, IR_ERR_UNSUPPORTED, "ir_version %lld is not supported (onnxc supports %d to %d)",
                       (long long)m->ir_version, ONNX_IR_VERSION_MIN, ONNX_IR_VERSION_MAX);
    g->ir_version = m->ir_version;
    g->producer_name = ir_arena_strdup(g->arena, m->producer_name ? m->producer_name : "");
    g->producer_version = ir_arena_strdup(g->arena, m->producer_version ? m->producer_version : "");
    g->doc_string = ir_arena_strdup(g->arena, m->doc_string ? m->doc_string : "");
    if (!g->producer_name || !g->producer_version || !g->doc_string)
        return ir_fail(c->d, IR_ERR_NOMEM, "out of memory reading the model");
    return read_opsets(c, m);
}

/* Nodes of the default domain need its opset to be imported. */
static ir_status check_default_domain(onnx_ctx *c, const Onnx__GraphProto *gp)
{
    bool imported = false;
    for (uint32_t i = 0; i < c->g->n_opsets; i++)
        imported |= is_onnx_domain(c->g->opsets[i].domain);
    for (size_t i = 0; i < gp->n_node && !imported; i++)
        if (is_onnx_domain(gp->node[i]->domain)) {
            char nl[256];
            return ir_fail(c->d, IR_ERR_MODEL, "%s uses the ai.onnx domain, but the model imports no ai.onnx opset",
                           onnx_node_label(gp->node[i], i, nl, sizeof nl));
        }
    return IR_OK;
}

/* Unpacks the graph without its initializers and builds the IR from it. */
static ir_status load_graph(onnx_ctx *c, pb_range gr)
{
    pb_buf kept = {0};
    pb_ranges inits = {0};
    Onnx__GraphProto *gp = NULL;
    ir_status st = pb_split(c->model.addr, gr, 5, &kept, &inits, c->d);
    if (!st && !(gp = (Onnx__GraphProto *)pb_unpack(&c->alloc, &onnx__graph_proto__descriptor, kept.p,
                                                    kept.len, gr.off, c->d)))
        st = c->d->status;
    pb_buf_free(&kept);
    if (!st && !(st = check_default_domain(c, gp)))
        st = onnx_graph_build(c, gp, &inits);
    pb_free(&c->alloc, gp);
    pb_ranges_free(&inits);
    if (st)
        return st;
    /* (A graph without nodes has nothing to sort; ir_toposort's memcpy of an
     * empty node array trips UBSan.) */
    if (c->g->n_nodes && (st = ir_toposort(c->g, c->d)))
        return st;
    if (!(c->opts && c->opts->allow_unknown_ops) && (st = ir_check_supported(c->g, c->d)))
        return st;
    return ir_verify(c->g, c->d);
}

static ir_status load_model(onnx_ctx *c)
{
    pb_scan_opts so = {&onnx__model_proto__descriptor, model_weight_path, 3,
                       c->opts ? c->opts->alloc_budget : 0, c->opts ? c->opts->max_depth : 0};
    uint64_t budget;
    pb_buf kept = {0};
    pb_ranges graphs = {0};
    Onnx__ModelProto *m = NULL;
    ir_status st = pb_scan(c->model.addr, c->model.len, &so, &budget, c->d);
    if (st)
        return st;
    pb_alloc_init(&c->alloc, budget);
    if ((st = pb_split(c->model.addr, (pb_range){0, c->model.len}, 7, &kept, &graphs, c->d)))
        goto out;
    m = (Onnx__ModelProto *)pb_unpack(&c->alloc, &onnx__model_proto__descriptor, kept.p, kept.len, 0, c->d);
    if (!m)
        st = c->d->status;
    else if (!(st = read_model_header(c, m)))
        st = graphs.n ? load_graph(c, graphs.r[0]) : ir_fail(c->d, IR_ERR_MODEL, "the model has no graph");
out:
    pb_free(&c->alloc, m);
    pb_buf_free(&kept);
    pb_ranges_free(&graphs);
    return st;
}

/* Runs the load and settles who owns which mapping. */
static ir_status load(onnx_ctx *c, ir_graph **out)
{
    ir_status st = (c->g = ir_graph_new()) ? load_model(c)
                                           : ir_fail(c->d, IR_ERR_NOMEM, "out of memory creating a graph");
    ir_status fst = onnx_files_finish(c, st == IR_OK);
    if (!st)
        st = fst;
    if (!st && c->own_map && c->model.n_views && c->model.addr) {
        if (ir_graph_add_mapping(c->g, c->model.addr, c->model.len))
            c->model.addr = NULL; /* the graph unmaps it */
        else
            st = ir_fail(c->d, IR_ERR_NOMEM, "out of memory registering the model's mapping");
    }
    if (c->own_map)
        onnx_unmap(&c->model);
    if (c->dirfd >= 0)
        close(c->dirfd);
    if (st) {
        ir_graph_free(c->g);
        c->g = NULL;
    }
    *out = c->g;
    return st;
}

/* The directory holding path, as an O_PATH descriptor. */
static int open_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = strndup(path, n);
    if (!dir)
        return -1;
    int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    return fd;
}

ir_status onnx_load_file(const char *path, const onnx_load_opts *opts, ir_graph **out, ir_diag *d)
{
    ir_diag local;
    if (!d)
        d = &local;
    if (!path || !out)
        return ir_fail(d, IR_ERR_USAGE, "onnx_load_file: path and out are required");
    *out = NULL;
    onnx_ctx c = {.d = d, .opts = opts, .own_map = true, .dirfd = -1};
    ir_status st = onnx_map_path(path, &c.model, d);
    if (st)
        return st;
    if ((c.dirfd = open_parent(path)) < 0) {
        onnx_unmap(&c.model);
        return ir_fail(d, IR_ERR_IO, "cannot open the directory of '%s': %s", ir_q(path), strerror(errno));
    }
    return load(&c, out);
}

ir_status onnx_load_buffer(const void *buf, size_t len, const char *base_dir,
                           const onnx_load_opts *opts, ir_graph **out, ir_diag *d)
{
    ir_diag local;
    if (!d)
        d = &local;
    if ((!buf && len) || !out)
        return ir_fail(d, IR_ERR_USAGE, "onnx_load_buffer: buf and out are required");
    *out = NULL;
    onnx_ctx c = {.d = d, .opts = opts, .dirfd = -1};
    c.model = (onnx_file){NULL, (uint8_t *)buf, len, 0};
    if (base_dir && (c.dirfd = open(base_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return ir_fail(d, IR_ERR_IO, "cannot open directory '%s': %s", ir_q(base_dir), strerror(errno));
    return load(&c, out);
}
