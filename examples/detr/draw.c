/* draw.c - rectangles and text labels on an RGB image, for the annotated
 * output of detr_detect.
 *
 * Text uses a built-in 5x7 pixel font (upper-case letters, digits and the
 * punctuation class names and scores need), drawn at 2x for images of
 * ordinary size, so the program needs no font files. Everything clips to
 * the image: boxes from a model may lie partly outside it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strndup, getpid, unlink under -std=c11 */
#endif
#include <ctype.h>
#include <string.h>

#include "image.h"

enum { GLYPH_W = 5, GLYPH_H = 7 };

/* Each glyph: 7 rows of 5 columns, '#' inked. */
static const struct {
    char c;
    const char *rows[GLYPH_H];
} font[] = {
    {'A', {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'B', {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "}},
    {'C', {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "}},
    {'D', {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "}},
    {'E', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"}},
    {'F', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "}},
    {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
    {'H', {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
    {'I', {" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'J', {"  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "}},
    {'K', {"#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"}},
    {'L', {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"}},
    {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
    {'N', {"#   #", "##  #", "# # #", "#  ##", "#   #", "#   #", "#   #"}},
    {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'P', {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "}},
    {'Q', {" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"}},
    {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
    {'S', {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'V', {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "}},
    {'W', {"#   #", "#   #", "#   #", "# # #", "# # #", "## ##", "#   #"}},
    {'X', {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"}},
    {'Y', {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'Z', {"#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"}},
    {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
    {'3', {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "}},
    {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
    {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
    {'6', {"  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "}},
    {'7', {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}},
    {'8', {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}},
    {'9', {" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "}},
    {' ', {"     ", "     ", "     ", "     ", "     ", "     ", "     "}},
    {'.', {"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}},
    {',', {"     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "}},
    {':', {"     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "}},
    {'%', {"##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"}},
    {'-', {"     ", "     ", "     ", "#####", "     ", "     ", "     "}},
    {'_', {"     ", "     ", "     ", "     ", "     ", "     ", "#####"}},
    {'/', {"     ", "    #", "   # ", "  #  ", " #   ", "#    ", "     "}},
    {'(', {"   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "}},
    {')', {" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "}},
    {'#', {" # # ", " # # ", "#####", " # # ", "#####", " # # ", " # # "}},
    {'+', {"     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "}},
    {'?', {" ### ", "#   #", "    #", "   # ", "  #  ", "     ", "  #  "}},
};

static const char *const *glyph(char c)
{
    c = (char)toupper((unsigned char)c);
    size_t n = sizeof font / sizeof font[0];
    for (size_t i = 0; i < n; i++)
        if (font[i].c == c)
            return font[i].rows;
    return font[n - 1].rows; /* '?' */
}

static void put(image *im, int x, int y, rgb c)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h)
        return;
    uint8_t *p = im->px + ((size_t)y * im->w + x) * 3;
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void fill(image *im, int x0, int y0, int x1, int y1, rgb c)
{
    x0 = clampi(x0, 0, im->w - 1);
    x1 = clampi(x1, 0, im->w - 1);
    y0 = clampi(y0, 0, im->h - 1);
    y1 = clampi(y1, 0, im->h - 1);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            put(im, x, y, c);
}

void image_draw_box(image *im, int x0, int y0, int x1, int y1, rgb color, int thickness)
{
    if (x1 < x0 || y1 < y0 || x1 < 0 || y1 < 0 || x0 >= im->w || y0 >= im->h)
        return;
    for (int t = 0; t < thickness; t++) {
        fill(im, x0 + t, y0 + t, x1 - t, y0 + t, color);
        fill(im, x0 + t, y1 - t, x1 - t, y1 - t, color);
        fill(im, x0 + t, y0 + t, x0 + t, y1 - t, color);
        fill(im, x1 - t, y0 + t, x1 - t, y1 - t, color);
    }
}

void image_draw_label(image *im, int x, int y, const char *text, rgb color)
{
    int scale = im->w >= 400 && im->h >= 300 ? 2 : 1;
    int pad = scale, n = (int)strlen(text);
    int w = n * (GLYPH_W + 1) * scale + 2 * pad - scale, h = GLYPH_H * scale + 2 * pad;
    x = clampi(x, 0, im->w > w ? im->w - w : 0);
    y = clampi(y, h - 1, im->h - 1);
    int top = y - h + 1;
    fill(im, x, top, x + w - 1, y, color);
    rgb ink = {255, 255, 255};
    for (int i = 0; i < n; i++) {
        const char *const *g = glyph(text[i]);
        int gx = x + pad + i * (GLYPH_W + 1) * scale;
        for (int r = 0; r < GLYPH_H; r++)
            for (int col = 0; col < GLYPH_W; col++)
                if (g[r][col] == '#')
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                            put(im, gx + col * scale + dx, top + pad + r * scale + dy, ink);
    }
}
