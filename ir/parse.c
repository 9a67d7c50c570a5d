/* parse.c - reads the text form of the IR back into a graph.
 *
 * The inverse of print.c, so pass tests can be written as text in, text
 * out (QBE's .ssa tests): a test states a small graph, runs a pass and
 * compares the printed result. Constants may carry their elements
 * ("= [1.0, 2.0]", one element fills the tensor), "= random" (deterministic
 * values in [-1, 1) from the name), or nothing (zeros). Every error names
 * the line. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

typedef struct {
    const char *p;
    int line;
    ir_graph *g;
    ir_diag *d;
    char tok[4096];
} parser;

static ir_status perr(parser *ps, const char *what)
{
    return ir_fail(ps->d, IR_ERR_MODEL, "line %d: %s", ps->line, what);
}

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
        ps->p++;
}

static bool accept(parser *ps, char c)
{
    skip_ws(ps);
    if (*ps->p != c)
        return false;
    ps->p++;
    return true;
}

/* A plain word ([A-Za-z0-9_.:/+-]) or a "quoted string" into ps->tok. */
static bool word(parser *ps)
{
    skip_ws(ps);
    size_t n = 0;
    if (*ps->p == '"') {
        for (ps->p++; *ps->p && *ps->p != '"' && *ps->p != '\n' && n + 1 < sizeof ps->tok; ps->p++) {
            char c = *ps->p;
            if (c == '\\' && ps->p[1] == 'x' && isxdigit((unsigned char)ps->p[2]) && isxdigit((unsigned char)ps->p[3])) {
                char hex[3] = {ps->p[2], ps->p[3], 0};
                c = (char)strtol(hex, NULL, 16);
                ps->p += 3;
            } else if (c == '\\' && ps->p[1]) {
                c = *++ps->p;
            }
            ps->tok[n++] = c;
        }
        ps->tok[n] = 0;
        return accept(ps, '"');
    }
    while ((isalnum((unsigned char)*ps->p) || strchr("_.:/+-", *ps->p)) && *ps->p && n + 1 < sizeof ps->tok)
        ps->tok[n++] = *ps->p++;
    ps->tok[n] = 0;
    return n > 0;
}

static int32_t value_ref(parser *ps)
{
    if (accept(ps, '_'))
        return -1;
    if (!accept(ps, '%') || !word(ps))
        return perr(ps, "expected %name"), -2;
    int32_t v = ir_graph_find_value(ps->g, ps->tok);
    if (v < 0)
        v = ir_graph_add_value(ps->g, ps->tok, IR_UNDEF, NULL);
    return v < 0 ? (perr(ps, "out of memory"), -2) : v;
}

/* dtype[dims] */
static ir_status type(parser *ps, ir_dtype *dt, ir_shape *s)
{
    skip_ws(ps);
    size_t n = 0;
    while (isalnum((unsigned char)*ps->p) && n + 1 < 16)
        ps->tok[n++] = *ps->p++;
    ps->tok[n] = 0;
    *dt = ir_dtype_from_short(ps->tok);
    if (*dt == IR_UNDEF && strcmp(ps->tok, "?"))
        return perr(ps, "unknown dtype");
    *s = (ir_shape){0};
    if (!accept(ps, '['))
        return perr(ps, "expected [ after the dtype");
    if (accept(ps, '?')) {
        s->rank = -1;
        return accept(ps, ']') ? IR_OK : perr(ps, "expected ]");
    }
    while (!accept(ps, ']')) {
        if (s->rank == IR_MAX_RANK || (s->rank && !accept(ps, ',')))
            return perr(ps, "bad shape");
        skip_ws(ps);
        if (accept(ps, '?'))
            s->dims[s->rank++] = -1;
        else if (isdigit((unsigned char)*ps->p))
            s->dims[s->rank++] = strtoll(ps->p, (char **)&ps->p, 10);
        else if (word(ps)) {
            s->sym[s->rank] = ir_arena_strdup(ps->g->arena, ps->tok);
            s->dims[s->rank++] = -1;
        } else
            return perr(ps, "bad dimension");
    }
    return IR_OK;
}

static double num(parser *ps, bool *ok)
{
    skip_ws(ps);
    char *end;
    double v = strtod(ps->p, &end);
    if (!strncmp(ps->p, "true", 4))
        v = 1, end = (char *)ps->p + 4;
    else if (!strncmp(ps->p, "false", 5))
        v = 0, end = (char *)ps->p + 5;
    *ok = end != ps->p;
    ps->p = end;
    return v;
}

/* "= [v, ...]" or "= random" into t (one value fills all). */
static ir_status tensor_data(parser *ps, ir_tensor *t, const char *name)
{
    int64_t n = ir_tensor_numel(t), i = 0;
    skip_ws(ps);
    if (!strncmp(ps->p, "random", 6)) {
        ps->p += 6;
        uint64_t h = 1469598103934665603ULL;
        for (const char *c = name; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        for (int64_t k = 0; k < n; k++) {
            h = h * 6364136223846793005ULL + 1442695040888963407ULL;
            ir_tensor_set_f64(t, k, (double)(h >> 40) / (double)(1ULL << 23) - 1.0);
        }
        return IR_OK;
    }
    if (!accept(ps, '['))
        return perr(ps, "expected [values] or random");
    double first = 0;
    while (!accept(ps, ']')) {
        bool ok;
        if (i && !accept(ps, ','))
            return perr(ps, "expected , between values");
        double v = num(ps, &ok);
        if (!ok || i >= n)
            return perr(ps, !ok ? "bad number" : "more values than the shape holds");
        ir_tensor_set_f64(t, i++, v);
        first = i == 1 ? v : first;
    }
    if (i == 1)
        for (int64_t k = 1; k < n; k++)
            ir_tensor_set_f64(t, k, first);
    else if (i != n)
        return perr(ps, "fewer values than the shape holds");
    return IR_OK;
}

static bool is_float_text(const char *s, const char *e)
{
    for (; s < e; s++)
        if (strchr(".eEin", *s))
            return true;
    return false;
}

static ir_status attr_list(parser *ps, ir_attr *a)
{
    double vals[1024];
    const char *strs[1024];
    size_t n = 0;
    bool fl = false, str = false;
    while (!accept(ps, ']')) {
        if ((n && !accept(ps, ',')) || n == 1024)
            return perr(ps, "bad attribute list");
        skip_ws(ps);
        const char *start = ps->p;
        bool ok;
        double v = num(ps, &ok);
        if (ok) {
            fl |= is_float_text(start, ps->p);
            vals[n++] = v;
        } else if (word(ps)) {
            str = true;
            strs[n++] = ir_arena_strdup(ps->g->arena, ps->tok);
        } else {
            return perr(ps, "bad attribute list element");
        }
    }
    a->n = n;
    a->type = str ? IR_ATTR_STRINGS : fl ? IR_ATTR_FLOATS : IR_ATTR_INTS;
    if (str) {
        a->strings = ir_arena_alloc(ps->g->arena, (n + 1) * sizeof *a->strings, 8);
        if (a->strings)
            memcpy(a->strings, strs, n * sizeof *strs);
        return a->strings ? IR_OK : perr(ps, "out of memory");
    }
    a->ints = ir_arena_alloc(ps->g->arena, (n + 1) * sizeof *a->ints, 8);
    a->floats = ir_arena_alloc(ps->g->arena, (n + 1) * sizeof *a->floats, 8);
    if (!a->ints || !a->floats)
        return perr(ps, "out of memory");
    for (size_t i = 0; i < n; i++) {
        a->ints[i] = (int64_t)vals[i];
        a->floats[i] = (float)vals[i];
    }
    return IR_OK;
}

static ir_status attr_value(parser *ps, ir_attr *a)
{
    skip_ws(ps);
    if (accept(ps, '['))
        return attr_list(ps, a);
    if (!strncmp(ps->p, "tensor ", 7)) {
        ps->p += 7;
        ir_dtype dt;
        ir_shape s;
        ir_status st = type(ps, &dt, &s);
        if (st)
            return st;
        a->type = IR_ATTR_TENSOR;
        a->tensor = ir_tensor_new(ps->g, dt, &s);
        if (!a->tensor)
            return perr(ps, "bad tensor attribute");
        return accept(ps, '=') ? tensor_data(ps, a->tensor, a->name) : IR_OK;
    }
    const char *start = ps->p;
    bool ok;
    double v = num(ps, &ok);
    if (ok && (*ps->p == ',' || *ps->p == '}' || *ps->p == ' ')) {
        bool fl = is_float_text(start, ps->p);
        a->type = fl ? IR_ATTR_FLOAT : IR_ATTR_INT;
        a->f = (float)v;
        a->i = (int64_t)v;
        return IR_OK;
    }
    ps->p = start;
    if (!word(ps))
        return perr(ps, "bad attribute value");
    a->type = IR_ATTR_STRING;
    a->s = ir_arena_strdup(ps->g->arena, ps->tok);
    a->s_len = strlen(ps->tok);
    return IR_OK;
}

static ir_status attrs(parser *ps, ir_node *n)
{
    if (!accept(ps, '{'))
        return IR_OK;
    while (!accept(ps, '}')) {
        if (n->n_attrs && !accept(ps, ','))
            return perr(ps, "expected , between attributes");
        if (!word(ps) || !accept(ps, '='))
            return perr(ps, "expected name=value");
        ir_attr *a = ir_node_add_attr(ps->g, n, ps->tok, IR_ATTR_UNDEF);
        if (!a)
            return perr(ps, "out of memory");
        ir_status st = attr_value(ps, a);
        if (st)
            return st;
    }
    return IR_OK;
}

/* "%a : T, %b : T = Op(%x, _) {attrs}  # name" */
static ir_status node_line(parser *ps)
{
    int32_t outs[64], ins[256];
    uint32_t no = 0, ni = 0;
    do {
        int32_t v = value_ref(ps);
        if (v < -1 || no == 64)
            return IR_ERR_MODEL;
        if (v >= 0 && accept(ps, ':')) {
            ir_status st = type(ps, &ps->g->values[v].dtype, &ps->g->values[v].shape);
            if (st)
                return st;
        }
        outs[no++] = v;
    } while (accept(ps, ','));
    if (!accept(ps, '=') || !word(ps))
        return perr(ps, "expected = Op(...)");
    char op[256], dom[256] = "";
    const char *dot = strrchr(ps->tok, '.');
    snprintf(op, sizeof op, "%.255s", dot ? dot + 1 : ps->tok);
    if (dot)
        snprintf(dom, sizeof dom, "%.*s", (int)(dot - ps->tok), ps->tok);
    if (!accept(ps, '('))
        return perr(ps, "expected ( after the op");
    while (!accept(ps, ')')) {
        if ((ni && !accept(ps, ',')) || ni == 256)
            return perr(ps, "expected , between inputs");
        int32_t v = value_ref(ps);
        if (v < -1)
            return IR_ERR_MODEL;
        ins[ni++] = v;
    }
    ir_op o = ir_op_lookup(dom, op);
    int32_t idx = ir_graph_add_node(ps->g, o, "", ins, ni, outs, no);
    if (idx < 0)
        return perr(ps, "out of memory");
    ir_node *n = &ps->g->nodes[idx];
    n->op_type = ir_arena_strdup(ps->g->arena, op);
    n->domain = ir_arena_strdup(ps->g->arena, dom);
    ir_status st = attrs(ps, n);
    if (!st && accept(ps, '#') && word(ps))
        n->name = ir_arena_strdup(ps->g->arena, ps->tok);
    return st;
}

static ir_status decl_line(parser *ps, const char *kw)
{
    int32_t v = value_ref(ps);
    if (v < 0)
        return v == -1 ? perr(ps, "expected %name") : IR_ERR_MODEL;
    ir_value *val = &ps->g->values[v];
    if (accept(ps, ':')) {
        ir_status st = type(ps, &val->dtype, &val->shape);
        if (st)
            return st;
    }
    if (!strcmp(kw, "input"))
        return ir_graph_add_input(ps->g, v) ? IR_OK : perr(ps, "out of memory");
    if (!strcmp(kw, "output"))
        return ir_graph_add_output(ps->g, v) ? IR_OK : perr(ps, "out of memory");
    ir_tensor *t = ir_tensor_new(ps->g, val->dtype, &val->shape);
    if (!t)
        return perr(ps, "a constant needs a static shape");
    ir_value_set_const(ps->g, v, t);
    return accept(ps, '=') ? tensor_data(ps, t, val->name) : IR_OK;
}

static ir_status opset_line(parser *ps)
{
    if (!word(ps))
        return perr(ps, "expected a domain");
    char dom[256];
    snprintf(dom, sizeof dom, "%.255s", strcmp(ps->tok, "ai.onnx") ? ps->tok : "");
    bool ok;
    int64_t v = (int64_t)num(ps, &ok);
    if (!ok)
        return perr(ps, "expected a version");
    ir_graph *g = ps->g;
    ir_opset *o = ir_arena_alloc(g->arena, (g->n_opsets + 1) * sizeof *o, 8);
    if (!o)
        return perr(ps, "out of memory");
    if (g->n_opsets)
        memcpy(o, g->opsets, g->n_opsets * sizeof *o);
    o[g->n_opsets++] = (ir_opset){ir_arena_strdup(g->arena, dom), v};
    g->opsets = o;
    if (!*dom)
        g->opset = v;
    return IR_OK;
}

static ir_status parse_line(parser *ps)
{
    skip_ws(ps);
    const char *start = ps->p;
    if (*ps->p == '\n' || !*ps->p || *ps->p == '#')
        return IR_OK;
    if (word(ps)) {
        if (!strcmp(ps->tok, "opset"))
            return opset_line(ps);
        if (!strcmp(ps->tok, "input") || !strcmp(ps->tok, "output") || !strcmp(ps->tok, "const")) {
            char kw[8];
            snprintf(kw, sizeof kw, "%.7s", ps->tok);
            return decl_line(ps, kw);
        }
    }
    ps->p = start;
    return node_line(ps);
}

ir_status ir_parse(const char *text, ir_graph **out, ir_diag *d)
{
    parser ps = {text, 1, ir_graph_new(), d, ""};
    *out = NULL;
    if (!ps.g)
        return ir_fail(d, IR_ERR_NOMEM, "out of memory");
    ps.g->ir_version = 8;
    while (*ps.p) {
        ir_status st = parse_line(&ps);
        if (st) {
            ir_graph_free(ps.g);
            return st;
        }
        skip_ws(&ps);
        if (*ps.p == '#')
            while (*ps.p && *ps.p != '\n')
                ps.p++;
        if (*ps.p && *ps.p != '\n') {
            ir_graph_free(ps.g);
            return perr(&ps, "unexpected text at the end of the line");
        }
        if (*ps.p)
            ps.p++, ps.line++;
    }
    for (uint32_t i = 0; i < ps.g->n_nodes; i++)
        if (ps.g->nodes[i].op == IR_OP_UNKNOWN)
            ps.g->nodes[i].op = ir_op_lookup(ps.g->nodes[i].domain, ps.g->nodes[i].op_type);
    *out = ps.g;
    return IR_OK;
}
