"""Synthetic detection data: solid shapes on textured backgrounds.

Each image is SIZE x SIZE RGB with 1..5 non-overlapping objects of CLASSES
(circle, square, triangle) in random colours on a random texture (value noise,
linear gradient, stripes or checkerboard). A target is (class index, box) with
the box as normalized (cx, cy, w, h), DETR's convention. Everything is drawn
from one numpy Generator, so a seed gives the same images on every run:
training draws fresh images forever, evaluation uses a different seed.

The model input is the image in [0, 1] normalized with the ImageNet mean/std
(to_input), laid out 1 x 3 x SIZE x SIZE (NCHW), like DETR's transforms.
"""

import numpy as np
from PIL import Image, ImageDraw

SIZE = 128
CLASSES = ("circle", "square", "triangle")
MAX_OBJECTS = 5
MIN_SIDE, MAX_SIDE = 14, 40
IMAGENET_MEAN = np.array((0.485, 0.456, 0.406), np.float32)
IMAGENET_STD = np.array((0.229, 0.224, 0.225), np.float32)


def _background(rng, size):
    """A float32 size x size x 3 texture in [0, 1]."""
    base = rng.uniform(0.15, 0.85, 3)
    other = np.clip(base + rng.uniform(-0.35, 0.35, 3), 0, 1)
    kind = rng.integers(4)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == 0:  # smooth value noise: a coarse random grid upsampled
        cells = int(rng.integers(3, 9))
        grid = rng.uniform(0, 1, (cells, cells)).astype(np.float32)
        t = np.asarray(Image.fromarray(grid).resize((size, size), Image.BILINEAR))
    elif kind == 1:  # linear gradient in a random direction
        a = rng.uniform(0, 2 * np.pi)
        t = np.cos(a) * xx + np.sin(a) * yy
        t = (t - t.min()) / (t.max() - t.min() + 1e-6)
    elif kind == 2:  # stripes of random period and angle
        a = rng.uniform(0, np.pi)
        period = rng.uniform(0.04, 0.25)
        t = 0.5 + 0.5 * np.sin(2 * np.pi * (np.cos(a) * xx + np.sin(a) * yy) / period)
    else:  # checkerboard
        n = int(rng.integers(3, 12))
        t = ((np.floor(xx * n) + np.floor(yy * n)) % 2).astype(np.float32)
    img = base[None, None, :] * (1 - t[..., None]) + other[None, None, :] * t[..., None]
    img = img + rng.normal(0, rng.uniform(0.0, 0.06), img.shape)
    return np.clip(img, 0, 1).astype(np.float32), (base + other) / 2


def _colour(rng, bg_mean):
    """A fill colour clearly away from the background's mean colour."""
    for _ in range(100):
        c = rng.uniform(0, 1, 3)
        if np.abs(c - bg_mean).sum() > 0.6:
            return c
    return 1.0 - bg_mean


def _overlaps(box, boxes, gap=2):
    x0, y0, x1, y1 = box
    return any(x0 < b[2] + gap and b[0] < x1 + gap and y0 < b[3] + gap and b[1] < y1 + gap
               for b in boxes)


def _draw(draw, cls, box, fill, rng):
    x0, y0, x1, y1 = box
    if CLASSES[cls] == "circle":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=fill)
    elif CLASSES[cls] == "square":
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=fill)
    else:  # triangle: apex on the top or bottom edge, base on the other one
        apex = x0 + rng.uniform(0.2, 0.8) * (x1 - x0)
        if rng.integers(2):
            pts = [(apex, y0), (x1 - 1, y1 - 1), (x0, y1 - 1)]
        else:
            pts = [(apex, y1 - 1), (x1 - 1, y0), (x0, y0)]
        draw.polygon(pts, fill=fill)


def make_image(rng, size=SIZE):
    """One image (uint8 H x W x 3) and its targets: labels (n,), boxes (n, 4) cxcywh in [0, 1]."""
    bg, bg_mean = _background(rng, size)
    img = Image.fromarray((bg * 255).round().astype(np.uint8))
    draw = ImageDraw.Draw(img)
    want = int(rng.integers(1, MAX_OBJECTS + 1))
    labels, boxes = [], []
    for _ in range(50 * want):
        if len(boxes) == want:
            break
        cls = int(rng.integers(len(CLASSES)))
        w = int(rng.integers(MIN_SIDE, MAX_SIDE + 1))
        # squares and circles are square; triangles may be a little stretched
        h = w if CLASSES[cls] != "triangle" else int(np.clip(w * rng.uniform(0.8, 1.2), MIN_SIDE, MAX_SIDE))
        x0 = int(rng.integers(0, size - w + 1))
        y0 = int(rng.integers(0, size - h + 1))
        box = (x0, y0, x0 + w, y0 + h)
        if _overlaps(box, boxes):
            continue
        fill = tuple(int(v) for v in (_colour(rng, bg_mean) * 255).round())
        _draw(draw, cls, box, fill, rng)
        labels.append(cls)
        boxes.append(box)
    xyxy = np.array(boxes, np.float32).reshape(-1, 4) / size
    cxcywh = np.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, (xyxy[:, 1] + xyxy[:, 3]) / 2,
                       xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]], 1)
    return np.asarray(img), np.array(labels, np.int64), cxcywh


def to_input(img_u8):
    """uint8 H x W x 3 RGB -> float32 3 x H x W, ImageNet-normalized (the model's input)."""
    x = img_u8.astype(np.float32) / 255.0
    x = (x - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def make_batch(rng, n, size=SIZE):
    """n images as a float32 n x 3 x size x size array plus per-image (labels, boxes)."""
    xs, targets = [], []
    for _ in range(n):
        img, labels, boxes = make_image(rng, size)
        xs.append(to_input(img))
        targets.append((labels, boxes))
    return np.stack(xs), targets
