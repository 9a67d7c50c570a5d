#!/usr/bin/python3
"""Renders examples/detr/images/street.jpg, the demo's bundled picture: a
synthetic, photo-like street scene (sky gradient, sun, hills, road, a house,
two cars, a tree, a person, grain and a slight blur), drawn from a fixed seed
with PIL so it is reproducible and free of any licence. Run with
/usr/bin/python3; writes the file given (default: beside this script)."""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W, H = 640, 480


def gradient(top, bottom, h):
    t = np.linspace(0.0, 1.0, h)[:, None, None]
    return (np.array(top)[None, None] * (1 - t) + np.array(bottom)[None, None] * t)


def car(d, x, y, body, scale=1.0):
    s = scale
    d.rounded_rectangle([x, y + 22 * s, x + 150 * s, y + 60 * s], radius=int(10 * s), fill=body)
    d.polygon([(x + 30 * s, y + 22 * s), (x + 50 * s, y), (x + 105 * s, y), (x + 125 * s, y + 22 * s)], fill=body)
    d.polygon([(x + 40 * s, y + 22 * s), (x + 55 * s, y + 6 * s), (x + 76 * s, y + 6 * s), (x + 76 * s, y + 22 * s)],
              fill=(170, 200, 220))
    d.polygon([(x + 82 * s, y + 22 * s), (x + 82 * s, y + 6 * s), (x + 100 * s, y + 6 * s), (x + 115 * s, y + 22 * s)],
              fill=(170, 200, 220))
    for cx in (x + 32 * s, x + 118 * s):
        d.ellipse([cx - 16 * s, y + 44 * s, cx + 16 * s, y + 76 * s], fill=(25, 25, 25))
        d.ellipse([cx - 7 * s, y + 53 * s, cx + 7 * s, y + 67 * s], fill=(150, 150, 150))


def person(d, x, y):
    d.ellipse([x - 9, y, x + 9, y + 20], fill=(224, 172, 140))
    d.rounded_rectangle([x - 14, y + 22, x + 14, y + 70], radius=6, fill=(40, 70, 150))
    d.rectangle([x - 12, y + 70, x - 3, y + 115], fill=(50, 50, 60))
    d.rectangle([x + 3, y + 70, x + 12, y + 115], fill=(50, 50, 60))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "images", "street.jpg")
    rng = np.random.default_rng(7)
    sky = gradient((90, 140, 210), (200, 220, 235), 300)
    img = np.zeros((H, W, 3))
    img[:300] = sky
    img[300:] = gradient((120, 150, 90), (80, 110, 60), H - 300)
    im = Image.fromarray(img.astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.ellipse([520, 40, 580, 100], fill=(255, 240, 190))
    d.polygon([(0, 300), (120, 220), (260, 290), (400, 210), (640, 300)], fill=(100, 130, 95))
    d.polygon([(0, 480), (250, 330), (390, 330), (640, 480)], fill=(85, 85, 90))
    d.line([(320, 340), (320, 480)], fill=(230, 230, 200), width=4)
    d.rectangle([40, 190, 200, 320], fill=(200, 170, 130))
    d.polygon([(30, 195), (120, 130), (210, 195)], fill=(150, 60, 50))
    d.rectangle([100, 250, 140, 320], fill=(110, 70, 40))
    d.rectangle([55, 215, 90, 245], fill=(170, 200, 220))
    d.rectangle([150, 215, 185, 245], fill=(170, 200, 220))
    d.rectangle([470, 200, 486, 330], fill=(95, 65, 40))
    d.ellipse([425, 120, 535, 240], fill=(50, 120, 50))
    car(d, 250, 350, (200, 30, 30), 1.2)
    car(d, 420, 300, (30, 80, 170), 0.8)
    person(d, 225, 265)
    im = im.filter(ImageFilter.GaussianBlur(1.0))
    a = np.asarray(im).astype(np.float64) + rng.normal(0.0, 4.0, (H, W, 3))
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(out, quality=88)
    print(out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
