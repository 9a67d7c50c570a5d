/* testutil.h - shared helpers for the CUnit test programs.
 *
 *     static void test_x(void) { CU_ASSERT_EQUAL(1 + 1, 2); }
 *     static const tu_case cases[] = {{"x", test_x}, {NULL, NULL}};
 *     int main(void) { return tu_run("suite", cases); }
 */
#ifndef ONNXC_TESTUTIL_H
#define ONNXC_TESTUTIL_H

#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} tu_case;

/* Runs the cases as one suite; exit status 0 only if all passed. A test
 * name filter may be given in $TU_FILTER (substrings, comma-separated). */
int tu_run(const char *suite, const tu_case *cases);

/* Runs argv (NULL-terminated) with output captured into *out (malloc'd,
 * NUL-terminated, stdout and stderr interleaved). Returns the exit status,
 * 128+signal when killed by a signal, -1 if it could not start. */
int tu_exec(char *const argv[], char **out);
/* Formats a path into a static rotating buffer (4 slots). */
const char *tu_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool tu_exists(const char *path);
/* Reads a whole file (malloc'd, NUL-terminated); NULL on failure. */
char *tu_read_file(const char *path, size_t *len);
bool tu_write_file(const char *path, const void *data, size_t len);
/* Substring check with a readable failure. */
#define TU_ASSERT_CONTAINS(hay, needle)                                          \
    do {                                                                       \
        const char *h_ = (hay);                                                \
        bool ok_ = h_ && strstr(h_, (needle)) != NULL;                         \
        if (!ok_)                                                              \
            fprintf(stderr, "\n  expected \"%s\" in: %.2000s\n", (needle),     \
                    h_ ? h_ : "(null)");                                       \
        CU_ASSERT(ok_);                                                        \
    } while (0)

#endif
