#!/usr/bin/python3
"""Pretrain the shapes DETR's backbone on a dense labelling task (its "ImageNet").

    /usr/bin/python3 examples/shapes/pretrain_backbone.py --steps 500 --out /tmp/shapes_bb.pth

DETR starts from an ImageNet-pretrained ResNet; there is none for this toy
backbone, and learning its features only through the set loss is slow (the
transformer sits on a plateau for thousands of steps). So, like the paper's
setup, the backbone is first trained alone on a supervised task on the same
kind of images: a 1x1 convolution on its stride-16 feature map predicts, for
every cell, the class of the object whose box contains the cell's centre, or
background. Only the backbone's weights are kept (train.py --backbone-init);
the DETR stage then trains everything with DETR's loss alone.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import model as shapes_model  # noqa: E402


def cell_labels(targets, cells):
    """Per image a cells x cells map: class index of the box containing each cell centre, else -> background."""
    nc = len(dataset.CLASSES)
    out = np.full((len(targets), cells, cells), nc, np.int64)
    centre = (np.arange(cells) + 0.5) / cells
    for i, (labels, boxes) in enumerate(targets):
        for c, (cx, cy, w, h) in zip(labels, boxes):
            ys = (centre >= cy - h / 2) & (centre <= cy + h / 2)
            xs = (centre >= cx - w / 2) & (centre <= cx + w / 2)
            out[i][np.ix_(ys, xs)] = c
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    net = shapes_model.build(len(dataset.CLASSES))
    body = net.backbone[0].body
    head = nn.Conv2d(body.num_channels, len(dataset.CLASSES) + 1, 1)
    opt = torch.optim.AdamW(list(body.parameters()) + list(head.parameters()), lr=a.lr, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    acc_n = acc_d = loss_s = 0.0
    for step in range(1, a.steps + 1):
        x, targets = dataset.make_batch(rng, a.batch)
        logits = head(body(torch.as_tensor(x)))
        y = torch.as_tensor(cell_labels(targets, logits.shape[-1]))
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_s += float(loss)
        fg = y < len(dataset.CLASSES)
        acc_n += float((logits.argmax(1)[fg] == y[fg]).sum())
        acc_d += float(fg.sum())
        if step % 20 == 0:
            print("step %4d/%d  loss %.3f  object-cell accuracy %.3f  %.0f s"
                  % (step, a.steps, loss_s / 20, acc_n / max(acc_d, 1), time.time() - t0), flush=True)
            acc_n = acc_d = loss_s = 0.0
    torch.save({k: v for k, v in net.backbone.state_dict().items()}, a.out)
    print("saved %s (%.0f s)" % (a.out, time.time() - t0), flush=True)


if __name__ == "__main__":
    main()
