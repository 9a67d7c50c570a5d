/* print.c - the text form of the IR.
 *
 * One line per graph input, constant, node and output, readable and stable
 * enough to diff between passes and to use as expected output in tests:
 *
 *   opset ai.onnx 12
 *   input  %inputs : f32[1,3,800,1066]
 *   const  %conv1.weight : f32[64,3,7,7]
 *   %x : f32[1,64,400,533] = Conv(%inputs, %conv1.weight) {group=1, strides=[2,2]}  # Conv_0
 *   output %pred_logits : f32[1,100,92]
 *
 * Names that are not plain identifiers are printed quoted with escapes. */
#include <string.h>

#include "ir.h"

static bool plain_name(const char *s)
{
    if (!*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_.:/-", *p)))
            return false;
    return true;
}

static void print_name(const char *s, FILE *f)
{
    if (plain_name(s)) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void print_type(const ir_value *v, FILE *f)
{
    char buf[512];
    ir_shape_format(&v->shape, buf, sizeof buf);
    fprintf(f, "%s%s", ir_dtype_short(v->dtype), v->shape.rank < 0 ? "[?]" : buf);
}

static void print_value_ref(const ir_graph *g, int32_t v, FILE *f)
{
    if (v < 0) {
        fputs("_", f);
        return;
    }
    fputc('%', f);
    print_name(g->values[v].name, f);
}

/* A float that reads back as a float: always with '.', 'e', "inf" or "nan". */
static void print_float(double v, FILE *f)
{
    char b[64];
    snprintf(b, sizeof b, "%.9g", v);
    fputs(b, f);
    if (!strpbrk(b, ".eEin"))
        fputs(".0", f);
}

static void print_tensor_data(const ir_tensor *t, FILE *f)
{
    int64_t n = ir_shape_numel(&t->shape);
    if (n < 0 || n > 16 || !t->data)
        return;
    fputs(" = [", f);
    for (int64_t i = 0; i < n; i++) {
        const void *p = t->data;
        if (i)
            fputs(", ", f);
        switch (t->dtype) {
        case IR_F32: print_float((double)((const float *)p)[i], f); break;
        case IR_F64: print_float(((const double *)p)[i], f); break;
        case IR_I64: fprintf(f, "%lld", (long long)((const int64_t *)p)[i]); break;
        case IR_I32: fprintf(f, "%d", ((const int32_t *)p)[i]); break;
        case IR_BOOL: fprintf(f, "%s", ((const uint8_t *)p)[i] ? "true" : "false"); break;
        case IR_U8: fprintf(f, "%u", ((const uint8_t *)p)[i]); break;
        case IR_I8: fprintf(f, "%d", ((const int8_t *)p)[i]); break;
        default: fputs("?", f);
        }
    }
    fputs("]", f);
}

static void print_attr(const ir_graph *g, const ir_attr *a, FILE *f)
{
    print_name(a->name, f);
    fputc('=', f);
    switch (a->type) {
    case IR_ATTR_INT: fprintf(f, "%lld", (long long)a->i); break;
    case IR_ATTR_FLOAT: print_float((double)a->f, f); break;
    case IR_ATTR_STRING: print_name(a->s ? a->s : "", f); break;
    case IR_ATTR_INTS:
        fputc('[', f);
        for (size_t i = 0; i < a->n; i++)
            fprintf(f, "%s%lld", i ? "," : "", (long long)a->ints[i]);
        fputc(']', f);
        break;
    case IR_ATTR_FLOATS:
        fputc('[', f);
        for (size_t i = 0; i < a->n; i++) {
            fputs(i ? "," : "", f);
            print_float((double)a->floats[i], f);
        }
        fputc(']', f);
        break;
    case IR_ATTR_STRINGS:
        fputc('[', f);
        for (size_t i = 0; i < a->n; i++) {
            if (i)
                fputc(',', f);
            print_name(a->strings[i], f);
        }
        fputc(']', f);
        break;
    case IR_ATTR_TENSOR:
        if (a->tensor) {
            ir_value tmp = {.dtype = a->tensor->dtype, .shape = a->tensor->shape};
            fputs("tensor ", f);
            print_type(&tmp, f);
            print_tensor_data(a->tensor, f);
        }
        break;
    default: fprintf(f, "<attribute type %d>", (int)a->type);
    }
    (void)g;
}

void ir_print_node(const ir_graph *g, const ir_node *n, FILE *f)
{
    for (uint32_t k = 0; k < n->n_outputs; k++) {
        if (k)
            fputs(", ", f);
        print_value_ref(g, n->outputs[k], f);
        if (n->outputs[k] >= 0) {
            fputs(" : ", f);
            print_type(&g->values[n->outputs[k]], f);
        }
    }
    fputs(" = ", f);
    if (*n->domain)
        fprintf(f, "%s.", ir_q(n->domain));
    fputs(n->op_type, f);
    fputc('(', f);
    for (uint32_t k = 0; k < n->n_inputs; k++) {
        if (k)
            fputs(", ", f);
        print_value_ref(g, n->inputs[k], f);
    }
    fputc(')', f);
    if (n->n_attrs) {
        fputs(" {", f);
        for (uint32_t k = 0; k < n->n_attrs; k++) {
            if (k)
                fputs(", ", f);
            print_attr(g, &n->attrs[k], f);
        }
        fputc('}', f);
    }
    if (n->name && *n->name) {
        fputs("  # ", f);
        print_name(n->name, f);
    }
    fputc('\n', f);
}

void ir_print(const ir_graph *g, FILE *f, uint32_t flags)
{
    for (uint32_t i = 0; i < g->n_opsets; i++)
        fprintf(f, "opset %s %lld\n", *g->opsets[i].domain ? ir_q(g->opsets[i].domain) : "ai.onnx",
                (long long)g->opsets[i].version);
    for (uint32_t i = 0; i < g->n_inputs; i++) {
        fputs("input  ", f);
        print_value_ref(g, g->inputs[i], f);
        fputs(" : ", f);
        print_type(&g->values[g->inputs[i]], f);
        fputc('\n', f);
    }
    for (uint32_t v = 0; v < g->n_values; v++) {
        const ir_value *val = &g->values[v];
        if (!(val->flags & IR_VALUE_CONST) || val->producer >= 0)
            continue;
        fputs("const  ", f);
        print_value_ref(g, (int32_t)v, f);
        fputs(" : ", f);
        print_type(val, f);
        if ((flags & IR_PRINT_CONST_DATA) && val->data)
            print_tensor_data(val->data, f);
        fputc('\n', f);
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        ir_print_node(g, &g->nodes[i], f);
    for (uint32_t i = 0; i < g->n_outputs; i++) {
        fputs("output ", f);
        print_value_ref(g, g->outputs[i], f);
        fputs(" : ", f);
        print_type(&g->values[g->outputs[i]], f);
        fputc('\n', f);
    }
}
