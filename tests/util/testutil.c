/* testutil.c - running CUnit suites and child processes for the tests. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether name contains one of the comma-separated substrings of filter. */
static bool tu_selected(const char *name, const char *filter)
{
    for (const char *f = filter;; f++) {
        const char *end = strchr(f, ',');
        size_t n = end ? (size_t)(end - f) : strlen(f);
        for (const char *p = name; n && strlen(p) >= n; p++)
            if (!strncmp(p, f, n))
                return true;
        if (!end)
            return false;
        f = end;
    }
}

int tu_run(const char *suite, const tu_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    const char *filter = getenv("TU_FILTER");
    for (const tu_case *c = cases; c->name; c++)
        if (!filter || tu_selected(c->name, filter))
            CU_add_test(s, c->name, c->fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed || run == 0 ? 1 : 0;
}

int tu_exec(char *const argv[], char **out)
{
    char tmpl[] = "/tmp/onnxc-test-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    unlink(tmpl);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd);
        return -1;
    }
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (out) {
        off_t len = lseek(fd, 0, SEEK_END);
        *out = malloc((size_t)len + 1);
        if (*out) {
            ssize_t r = pread(fd, *out, (size_t)len, 0);
            (*out)[r > 0 ? r : 0] = 0;
        }
    }
    close(fd);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

const char *tu_path(const char *fmt, ...)
{
    static char bufs[4][4096];
    static unsigned next;
    char *b = bufs[next++ % 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (b) {
        size_t r = fread(b, 1, (size_t)n, f);
        b[r] = 0;
        if (len)
            *len = r;
    }
    fclose(f);
    return b;
}

bool tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}
