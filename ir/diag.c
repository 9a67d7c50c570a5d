/* diag.c - error reporting for the whole compiler.
 *
 * Every failure caused by a model or by user input becomes an ir_status plus
 * one message that names the node, tensor or byte offset involved. Model
 * strings are untrusted: they are only ever printed through ir_q(), which
 * bounds their length and escapes bytes that would corrupt a terminal. */
#include <stdio.h>
#include <string.h>

#include "ir.h"

ir_status ir_fail(ir_diag *d, ir_status status, const char *fmt, ...)
{
    if (d) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
        d->status = status;
    }
    return status;
}

ir_status ir_fail_node(ir_diag *d, ir_status status, const ir_node *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ir_fail(d, status, "node '%s' (%s): %s", ir_q(n->name), ir_op_name(n->op), msg);
}

const char *ir_q(const char *s)
{
    static _Thread_local char bufs[8][96 * 4 + 8];
    static _Thread_local unsigned next;
    char *b = bufs[next++ % 8];
    if (!s)
        return "(null)";
    size_t o = 0, shown = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, shown++) {
        if (shown == 96) {
            memcpy(b + o, "...", 4);
            return b;
        }
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
            b[o++] = (char)*p;
        } else {
            o += (size_t)snprintf(b + o, 5, "\\x%02x", *p);
        }
    }
    b[o] = 0;
    return b;
}

const char *ir_status_name(ir_status s)
{
    switch (s) {
    case IR_OK: return "ok";
    case IR_ERR_MODEL: return "invalid model";
    case IR_ERR_UNSUPPORTED: return "unsupported";
    case IR_ERR_IO: return "i/o error";
    case IR_ERR_NOMEM: return "out of memory";
    case IR_ERR_USAGE: return "bad usage";
    case IR_ERR_INTERNAL: return "internal error";
    }
    return "?";
}
