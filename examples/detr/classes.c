/* classes.c - class names for detr_detect: COCO's, as DETR numbers them
 * (91 ids, unused ones "N/A"), or one name a line from a file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strndup, getpid, unlink under -std=c11 */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

static const char *const coco91[91] = {
    "N/A", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "N/A", "backpack", "umbrella", "N/A",
    "N/A", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "N/A",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
    "N/A", "dining table", "N/A", "N/A", "toilet", "N/A", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "N/A", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
};

void class_names_free(class_names *cn)
{
    for (int i = 0; i < cn->n; i++)
        free(cn->names[i]);
    free(cn->names);
    cn->names = NULL;
    cn->n = 0;
}

static int add_name(class_names *cn, const char *s, size_t len)
{
    char **grown = realloc(cn->names, sizeof *grown * (size_t)(cn->n + 1));
    if (!grown)
        return -1;
    cn->names = grown;
    cn->names[cn->n] = strndup(s, len);
    return cn->names[cn->n] ? (cn->n++, 0) : -1;
}

/* One name a line (trailing spaces and CR dropped, empty lines kept as
 * "class N" so the numbering stays that of the file). */
static int read_names(class_names *cn, const char *path, int n_classes, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");
        if (line[len] == '\0' && !feof(f)) {
            snprintf(err, errlen, "%s: line %d is longer than %zu characters", path, cn->n + 1, sizeof line - 2);
            rc = -1;
            break;
        }
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
            len--;
        if (cn->n == n_classes) {
            snprintf(err, errlen, "%s: more than %d names, but the model has %d classes", path, n_classes, n_classes);
            rc = -1;
        } else if (len == 0) {
            snprintf(line, sizeof line, "class %d", cn->n);
            rc = add_name(cn, line, strlen(line));
        } else {
            rc = add_name(cn, line, len);
        }
    }
    fclose(f);
    return rc;
}

int class_names_load(class_names *cn, const char *path, int n_classes, char *err, size_t errlen)
{
    *cn = (class_names){0};
    if (errlen)
        err[0] = '\0';
    int rc = 0;
    if (path)
        rc = read_names(cn, path, n_classes, err, errlen);
    else if (n_classes == 91)
        for (int i = 0; i < 91 && rc == 0; i++)
            rc = add_name(cn, coco91[i], strlen(coco91[i]));
    char buf[32];
    while (rc == 0 && cn->n < n_classes) {
        snprintf(buf, sizeof buf, "class %d", cn->n);
        rc = add_name(cn, buf, strlen(buf));
    }
    if (rc && !*err)
        snprintf(err, errlen, "out of memory reading class names");
    if (rc)
        class_names_free(cn);
    return rc;
}
