/* onnx_save.c - writes an IR graph back out as an ONNX model.
 *
 * Used by `onnxc inspect --optimize --format=onnx` so an optimized graph can
 * be opened in Netron or checked by the onnx package: internal ops keep the
 * "onnxc" domain (imported at version 1) and their attributes describe them.
 * Every message is built in a scratch arena and packed straight into the
 * file through a ProtobufCBuffer, so a 170 MB model is not duplicated in
 * memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "frontend.h"
#include "onnx.pb-c.h"

typedef struct {
    ir_arena *a;
    bool oom;
} saver;

static void *alloc(saver *s, size_t n)
{
    void *p = ir_arena_alloc(s->a, n ? n : 1, 8);
    s->oom |= !p;
    return p;
}

static char *str(saver *s, const char *x)
{
    char *p = ir_arena_strdup(s->a, x ? x : "");
    s->oom |= !p;
    return p;
}

static Onnx__TensorProto *tensor_proto(saver *s, const char *name, const ir_tensor *t)
{
    Onnx__TensorProto *tp = alloc(s, sizeof *tp);
    if (!tp)
        return NULL;
    *tp = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    tp->name = str(s, name);
    tp->has_data_type = 1;
    tp->data_type = (int32_t)t->dtype;
    tp->n_dims = (size_t)t->shape.rank;
    tp->dims = alloc(s, sizeof(int64_t) * (size_t)(t->shape.rank + 1));
    if (tp->dims)
        memcpy(tp->dims, t->shape.dims, sizeof(int64_t) * (size_t)t->shape.rank);
    tp->has_raw_data = 1;
    tp->raw_data.len = (size_t)t->nbytes;
    tp->raw_data.data = t->data; /* packed directly from the graph's memory */
    return tp;
}

static Onnx__ValueInfoProto *value_info(saver *s, const ir_value *v)
{
    Onnx__ValueInfoProto *vi = alloc(s, sizeof *vi);
    Onnx__TypeProto *tp = alloc(s, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = alloc(s, sizeof *tt);
    if (!vi || !tp || !tt)
        return NULL;
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    *tp = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    vi->name = str(s, v->name);
    vi->type = tp;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = (int32_t)v->dtype;
    if (v->shape.rank < 0)
        return vi;
    Onnx__TensorShapeProto *sh = alloc(s, sizeof *sh);
    if (!sh)
        return vi;
    *sh = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    sh->n_dim = (size_t)v->shape.rank;
    sh->dim = alloc(s, sizeof *sh->dim * (size_t)(v->shape.rank + 1));
    for (int32_t i = 0; sh->dim && i < v->shape.rank; i++) {
        Onnx__TensorShapeProto__Dimension *dm = alloc(s, sizeof *dm);
        if (!dm)
            return vi;
        *dm = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        if (v->shape.dims[i] >= 0) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            dm->dim_value = v->shape.dims[i];
        } else if (v->shape.sym[i]) {
            dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            dm->dim_param = str(s, v->shape.sym[i]);
        }
        sh->dim[i] = dm;
    }
    tt->shape = sh;
    return vi;
}

static Onnx__AttributeProto *attr_proto(saver *s, const ir_attr *a)
{
    Onnx__AttributeProto *p = alloc(s, sizeof *p);
    if (!p)
        return NULL;
    *p = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    p->name = str(s, a->name);
    p->has_type = 1;
    p->type = (Onnx__AttributeProto__AttributeType)a->type;
    switch (a->type) {
    case IR_ATTR_FLOAT: p->has_f = 1, p->f = a->f; break;
    case IR_ATTR_INT: p->has_i = 1, p->i = a->i; break;
    case IR_ATTR_STRING:
        p->has_s = 1;
        p->s.data = (uint8_t *)(uintptr_t)a->s;
        p->s.len = a->s_len;
        break;
    case IR_ATTR_FLOATS: p->n_floats = a->n, p->floats = a->floats; break;
    case IR_ATTR_INTS: p->n_ints = a->n, p->ints = a->ints; break;
    case IR_ATTR_STRINGS:
        p->n_strings = a->n;
        p->strings = alloc(s, sizeof *p->strings * (a->n + 1));
        for (size_t i = 0; p->strings && i < a->n; i++) {
            p->strings[i].data = (uint8_t *)(uintptr_t)a->strings[i];
            p->strings[i].len = strlen(a->strings[i]);
        }
        break;
    case IR_ATTR_TENSOR: p->t = a->tensor ? tensor_proto(s, "", a->tensor) : NULL; break;
    default: break; /* other kinds never survive loading */
    }
    return p;
}

static char *value_name(saver *s, const ir_graph *g, int32_t v) { return str(s, v >= 0 ? g->values[v].name : ""); }

static Onnx__NodeProto *node_proto(saver *s, const ir_graph *g, const ir_node *n)
{
    Onnx__NodeProto *p = alloc(s, sizeof *p);
    if (!p)
        return NULL;
    *p = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    p->name = str(s, n->name);
    p->op_type = str(s, n->op_type);
    p->domain = str(s, n->domain);
    p->n_input = n->n_inputs;
    p->input = alloc(s, sizeof(char *) * (n->n_inputs + 1));
    for (uint32_t k = 0; p->input && k < n->n_inputs; k++)
        p->input[k] = value_name(s, g, n->inputs[k]);
    p->n_output = n->n_outputs;
    p->output = alloc(s, sizeof(char *) * (n->n_outputs + 1));
    for (uint32_t k = 0; p->output && k < n->n_outputs; k++)
        p->output[k] = value_name(s, g, n->outputs[k]);
    p->n_attribute = n->n_attrs;
    p->attribute = alloc(s, sizeof *p->attribute * (n->n_attrs + 1));
    for (uint32_t k = 0; p->attribute && k < n->n_attrs; k++)
        p->attribute[k] = attr_proto(s, &n->attrs[k]);
    return p;
}

static Onnx__GraphProto *graph_proto(saver *s, const ir_graph *g)
{
    Onnx__GraphProto *gp = alloc(s, sizeof *gp);
    if (!gp)
        return NULL;
    *gp = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    gp->name = str(s, *g->graph_name ? g->graph_name : "onnxc");
    gp->node = alloc(s, sizeof *gp->node * (g->n_nodes + 1));
    for (uint32_t i = 0; gp->node && i < g->n_nodes; i++)
        gp->node[gp->n_node++] = node_proto(s, g, &g->nodes[i]);
    gp->initializer = alloc(s, sizeof *gp->initializer * (g->n_values + 1));
    gp->value_info = alloc(s, sizeof *gp->value_info * (g->n_values + 1));
    for (uint32_t v = 0; gp->initializer && gp->value_info && v < g->n_values; v++) {
        const ir_value *val = &g->values[v];
        if ((val->flags & IR_VALUE_CONST) && val->data && !(val->flags & IR_VALUE_INPUT))
            gp->initializer[gp->n_initializer++] = tensor_proto(s, val->name, val->data);
        else if (val->producer >= 0 && val->dtype != IR_UNDEF && !(val->flags & IR_VALUE_OUTPUT))
            gp->value_info[gp->n_value_info++] = value_info(s, val);
    }
    gp->input = alloc(s, sizeof *gp->input * (g->n_inputs + 1));
    for (uint32_t i = 0; gp->input && i < g->n_inputs; i++)
        gp->input[gp->n_input++] = value_info(s, &g->values[g->inputs[i]]);
    gp->output = alloc(s, sizeof *gp->output * (g->n_outputs + 1));
    for (uint32_t i = 0; gp->output && i < g->n_outputs; i++)
        gp->output[gp->n_output++] = value_info(s, &g->values[g->outputs[i]]);
    return gp;
}

static Onnx__OperatorSetIdProto *opset(saver *s, const char *domain, int64_t version)
{
    Onnx__OperatorSetIdProto *o = alloc(s, sizeof *o);
    if (!o)
        return NULL;
    *o = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    o->domain = str(s, domain);
    o->has_version = 1;
    o->version = version;
    return o;
}

static Onnx__ModelProto *model_proto(saver *s, const ir_graph *g)
{
    Onnx__ModelProto *m = alloc(s, sizeof *m);
    if (!m)
        return NULL;
    *m = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    m->has_ir_version = 1;
    m->ir_version = g->ir_version ? g->ir_version : 8;
    m->producer_name = str(s, "onnxc");
    m->producer_version = str(s, IR_VERSION_STRING);
    bool internal = false, has_onnxc = false;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        internal |= !strcmp(g->nodes[i].domain, "onnxc");
    m->opset_import = alloc(s, sizeof *m->opset_import * (g->n_opsets + 2));
    for (uint32_t i = 0; m->opset_import && i < g->n_opsets; i++) {
        has_onnxc |= !strcmp(g->opsets[i].domain, "onnxc");
        m->opset_import[m->n_opset_import++] = opset(s, g->opsets[i].domain, g->opsets[i].version);
    }
    if (m->opset_import && internal && !has_onnxc)
        m->opset_import[m->n_opset_import++] = opset(s, "onnxc", 1);
    m->graph = graph_proto(s, g);
    return m;
}

typedef struct {
    ProtobufCBuffer base;
    FILE *f;
    bool failed;
} file_buffer;

static void file_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
    file_buffer *fb = (file_buffer *)b;
    if (!fb->failed && len && fwrite(data, 1, len, fb->f) != len)
        fb->failed = true;
}

ir_status onnx_save_file(const ir_graph *g, const char *path, ir_diag *d)
{
    saver s = {ir_arena_new(), false};
    if (!s.a)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    Onnx__ModelProto *m = model_proto(&s, g);
    if (!m || s.oom) {
        ir_arena_free(s.a);
        return ir_fail(d, IR_ERR_NOMEM, "out of memory building the ONNX model");
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    file_buffer fb = {{file_append}, fopen(tmp, "wb"), false};
    if (!fb.f) {
        int e = errno;
        ir_arena_free(s.a);
        return ir_fail(d, IR_ERR_IO, "%s: %s", ir_q(tmp), strerror(e));
    }
    protobuf_c_message_pack_to_buffer(&m->base, &fb.base);
    bool ok = !fb.failed && fflush(fb.f) == 0;
    ok = fclose(fb.f) == 0 && ok;
    ir_arena_free(s.a);
    if (!ok || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return ir_fail(d, IR_ERR_IO, "%s: cannot write: %s", ir_q(path), strerror(e));
    }
    return IR_OK;
}
