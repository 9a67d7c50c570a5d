/* arena.c - the bump allocator behind every graph.
 *
 * IR objects (names, attributes, small arrays, folded constants) are many and
 * share one lifetime, so they come from chunks that are freed together. A
 * budget bounds what a hostile model can make us allocate. Large requests get
 * a chunk of their own so little memory is wasted. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

#define CHUNK_SIZE (256u * 1024u)

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    /* payload follows, 64-byte aligned */
} chunk;

struct ir_arena {
    chunk *head;
    size_t total, budget;
};

#define HDR (((sizeof(chunk) + 63) / 64) * 64)

ir_arena *ir_arena_new(void) { return calloc(1, sizeof(ir_arena)); }

void ir_arena_free(ir_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static chunk *chunk_new(ir_arena *a, size_t payload)
{
    if (payload > SIZE_MAX - HDR - 4096)
        return NULL;
    if (a->budget && (a->total + payload > a->budget || a->total + payload < a->total))
        return NULL;
    chunk *c = aligned_alloc(64, ((HDR + payload + 63) / 64) * 64);
    if (!c)
        return NULL;
    c->size = payload;
    c->used = 0;
    a->total += payload;
    return c;
}

void *ir_arena_alloc(ir_arena *a, size_t size, size_t align)
{
    if (align == 0 || align > 4096 || (align & (align - 1)))
        return NULL;
    if (align < 8)
        align = 8;
    if (size == 0)
        size = 1;
    chunk *c = a->head;
    if (c) {
        uintptr_t base = (uintptr_t)c + HDR;
        size_t off = (size_t)(((base + c->used + align - 1) & ~(uintptr_t)(align - 1)) - base);
        if (off <= c->size && size <= c->size - off) {
            c->used = off + size;
            void *p = (char *)base + off;
            memset(p, 0, size);
            return p;
        }
    }
    /* payload starts 64-byte aligned; bigger alignments need slack */
    size_t slack = align > 64 ? align : 0;
    if (size > SIZE_MAX - slack)
        return NULL;
    if (size + slack > CHUNK_SIZE / 4) {
        chunk *big = chunk_new(a, size + slack);
        if (!big)
            return NULL;
        /* keep the current chunk at the head: it still has room */
        if (c) {
            big->next = c->next;
            c->next = big;
        } else {
            big->next = NULL;
            a->head = big;
        }
        uintptr_t base = (uintptr_t)big + HDR;
        uintptr_t p = (base + align - 1) & ~(uintptr_t)(align - 1);
        big->used = big->size;
        memset((void *)p, 0, size);
        return (void *)p;
    }
    chunk *n = chunk_new(a, CHUNK_SIZE);
    if (!n)
        return NULL;
    n->next = a->head;
    a->head = n;
    return ir_arena_alloc(a, size, align);
}

char *ir_arena_strndup(ir_arena *a, const char *s, size_t n)
{
    char *p = ir_arena_alloc(a, n + 1, 1);
    if (p && n)
        memcpy(p, s, n);
    return p;
}

char *ir_arena_strdup(ir_arena *a, const char *s)
{
    return ir_arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

size_t ir_arena_used(const ir_arena *a) { return a->total; }

void ir_arena_set_budget(ir_arena *a, size_t bytes) { a->budget = bytes; }

bool ir_grow(void *items, uint32_t *cap, uint32_t n, size_t elem, uint32_t first)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? 2 * *cap : first;
    if (nc <= *cap || (size_t)nc > SIZE_MAX / elem)
        return false;
    void *old, *grown;
    memcpy(&old, items, sizeof old);
    if (!(grown = realloc(old, (size_t)nc * elem)))
        return false;
    memcpy(items, &grown, sizeof grown);
    *cap = nc;
    return true;
}
