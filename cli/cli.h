/* cli.h - the `onnxc` command: one file per subcommand.
 *
 *     onnxc inspect MODEL [--json] [--ir] [-O] [--memory] [--format=dot|svg -o FILE]
 *     onnxc run MODEL --input NAME=FILE ... --output-dir DIR [--compare DIR]
 *     onnxc compile MODEL -o OUT [--emit exe|lib|obj|llvm|asm]
 *
 * Exit status: 0 success, 1 a bad model or input or a failed comparison,
 * 2 bad usage. Messages go to stderr as "onnxc: ..." */
#ifndef ONNXC_CLI_H
#define ONNXC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "frontend.h"
#include "ir.h"
#include "passes.h"

enum { EXIT_OK = 0, EXIT_BAD = 1, EXIT_USAGE = 2 };

int cmd_inspect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);

/* Prints "onnxc: <msg>" to stderr; returns EXIT_BAD (or EXIT_USAGE for
 * IR_ERR_USAGE). */
int cli_fail(const ir_diag *d);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --precision: "fp32" -> 0, "bf16" -> 1 (cg_precision); false if neither. */
bool cli_parse_precision(const char *s, int *precision);
/* --keep-fp32 LIST after option parsing: 0 if absent or well formed and
 * with --precision bf16, else the usage error (EXIT_USAGE) for cmd. */
int cli_check_keep_fp32(const char *cmd, const char *list, int precision);

/* Loads a model, printing the error on failure (returns NULL). */
ir_graph *cli_load(const char *path, ir_diag *d);

/* Parses "NAME:1x3x800x1066" and binds that shape to the graph input NAME
 * (its unknown dims take the given sizes; known dims must agree). */
ir_status cli_bind_shape(ir_graph *g, const char *spec, ir_diag *d);

/* Writes s as a JSON string literal (quoted, escaped; invalid UTF-8 bytes
 * as \u00XX of the byte). */
void json_string(FILE *f, const char *s);
/* Length of the valid UTF-8 sequence starting at p (0 if invalid). */
int cli_utf8_len(const unsigned char *p);

/* dot.c: the graph as Graphviz, nodes clustered by the first `depth`
 * components of their names (0: no clusters). */
ir_status dot_write(const ir_graph *g, int depth, FILE *f, ir_diag *d);

/* svg.c: the memory plan as an SVG picture (title: e.g. the model's path). */
void svg_memory_write(const ir_graph *g, const mem_plan *p, const char *title, FILE *f);

#endif
