#!/usr/bin/python3
"""Train the shapes DETR on freshly generated images (dataset.py) with DETR's loss.

    /usr/bin/python3 examples/shapes/train.py --minutes 40 --out /tmp/shapes_run

Every step draws a new batch, so there is no epoch and no overfitting to a fixed
set. AdamW (lr 2e-4, backbone 1e-4, weight decay 1e-4), gradient norm clipped at
0.1, the learning rate divided by 10 for the last fifth of the steps: DETR's recipe
at toy scale. The run length is --steps, or --minutes of wall time converted to
steps after timing the first steps. Progress goes to stdout (one line per
--log-every steps) and OUT/checkpoint.pth is written every --save-every steps and
at the end; --resume continues from it.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import detr_loss  # noqa: E402
import model as shapes_model  # noqa: E402


def to_targets(targets):
    return [(torch.as_tensor(l), torch.as_tensor(b)) for l, b in targets]


@torch.no_grad()
def quick_eval(net, images, targets, thresh=0.5):
    """Precision/recall at IoU 0.5 on a fixed batch (same rule as evaluate.py, in torch)."""
    net.eval()
    logits, boxes = net(torch.as_tensor(images))[:2]
    net.train()
    prob = logits.softmax(-1)[..., :-1]
    scores, labels = prob.max(-1)
    tp = npred = ngt = 0
    for b, (tl, tb) in enumerate(targets):
        keep = scores[b] > thresh
        pb = detr_loss.box_cxcywh_to_xyxy(boxes[b][keep])
        pl = labels[b][keep]
        gb = detr_loss.box_cxcywh_to_xyxy(torch.as_tensor(tb))
        npred += len(pl)
        ngt += len(tl)
        used = set()
        for i in torch.argsort(scores[b][keep], descending=True).tolist():
            best, bj = 0.5, -1
            for j in range(len(tl)):
                if j in used or int(tl[j]) != int(pl[i]):
                    continue
                lt = torch.max(pb[i, :2], gb[j, :2])
                rb = torch.min(pb[i, 2:], gb[j, 2:])
                inter = (rb - lt).clamp(min=0).prod()
                union = (pb[i, 2:] - pb[i, :2]).prod() + (gb[j, 2:] - gb[j, :2]).prod() - inter
                if inter / union >= best:
                    best, bj = float(inter / union), j
            if bj >= 0:
                used.add(bj)
                tp += 1
    return tp / max(npred, 1), tp / max(ngt, 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for checkpoint.pth")
    p.add_argument("--steps", type=int, help="number of steps (default: from --minutes)")
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--lr-backbone", type=float, default=1e-4)
    p.add_argument("--clip", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (2 threads on a busy 2-core machine run 5x slower than 1)")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--save-every", type=int, default=100)
    p.add_argument("--backbone-init", help="backbone weights from pretrain_backbone.py")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--total-steps", type=int, help="with --resume: change the run's length")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "checkpoint.pth")
    nc = len(dataset.CLASSES)

    net = shapes_model.build(nc)
    if a.backbone_init:
        net.backbone.load_state_dict(torch.load(a.backbone_init), strict=True)
    net.per_image_mask = False  # all-False mask computed on the whole batch: same values, faster
    params = [{"params": [p for n, p in net.named_parameters() if not n.startswith("backbone.")], "lr": a.lr},
              {"params": [p for n, p in net.named_parameters() if n.startswith("backbone.")], "lr": a.lr_backbone}]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
    step, total_steps, elapsed0 = 0, a.steps, 0.0
    rng = np.random.default_rng(a.seed)
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, total_steps, elapsed0 = ck["step"], ck["total_steps"], ck["elapsed"]
        rng = np.random.default_rng([a.seed, step])
        if a.total_steps:
            total_steps = a.total_steps
        print("resumed at step %d of %s" % (step, total_steps), flush=True)
    val_x, val_t = dataset.make_batch(np.random.default_rng(12345), 64)

    def save():
        torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "step": step,
                    "total_steps": total_steps, "elapsed": elapsed0 + time.time() - t0,
                    "config": shapes_model.CONFIG, "classes": dataset.CLASSES}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    net.train()
    t0 = time.time()
    run = {"loss": 0.0, "ce": 0.0, "bbox": 0.0, "giou": 0.0, "n": 0}
    while total_steps is None or step < total_steps:
        if total_steps is None and step == 20:
            per_step = (time.time() - t0) / 20
            total_steps = max(40, int(a.minutes * 60 / per_step))
            print("%.2f s/step -> %d steps for %.0f min" % (per_step, total_steps, a.minutes), flush=True)
        drop = total_steps is not None and step >= int(0.8 * total_steps)
        for g, base in zip(opt.param_groups, (a.lr, a.lr_backbone)):
            g["lr"] = base * (0.1 if drop else 1.0)
        x, targets = dataset.make_batch(rng, a.batch)
        outputs = net(torch.as_tensor(x))
        loss, final = detr_loss.set_criterion(outputs, to_targets(targets), nc)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
        opt.step()
        step += 1
        run["loss"] += float(loss)
        for k in final:
            run[k] += float(final[k])
        run["n"] += 1
        if step % a.log_every == 0:
            n = run["n"]
            print("step %5d/%s  loss %.3f  (final layer: ce %.3f bbox %.3f giou %.3f)  lr %.1e  %.0f s"
                  % (step, total_steps, run["loss"] / n, run["ce"] / n, run["bbox"] / n, run["giou"] / n,
                     opt.param_groups[0]["lr"], elapsed0 + time.time() - t0), flush=True)
            run = dict.fromkeys(run, 0.0)
            run["n"] = 0
        if step % a.save_every == 0:
            prec, rec = quick_eval(net, val_x, val_t)
            print("step %5d  val(64 images, score>0.5, IoU 0.5): precision %.3f recall %.3f"
                  % (step, prec, rec), flush=True)
            save()
    save()
    prec, rec = quick_eval(net, val_x, val_t)
    print("done: %d steps, %.0f s; val precision %.3f recall %.3f"
          % (step, elapsed0 + time.time() - t0, prec, rec), flush=True)


if __name__ == "__main__":
    main()
