"""DETR's set-prediction loss (Carion et al. 2020, section 3.1 and appendix A.2).

For each image the N predictions are matched one-to-one to the ground-truth
objects by the Hungarian algorithm on the cost
    1 * (-p(class)) + 5 * L1(box) + 2 * (-GIoU(box)),
boxes as normalized (cx, cy, w, h). The loss is then
    1 * CE(logits, matched class or no-object; no-object weighted 0.1)
  + 5 * L1(matched boxes) + 2 * (1 - GIoU(matched boxes)),
box terms summed and divided by the number of objects in the batch, the
cross-entropy a weighted mean over all predictions. The same loss, with its own
matching, is added for the output of every decoder layer (auxiliary losses).

The assignment is solved by hungarian() below (scipy is not available to the
project's python); test_hungarian() checks it against brute force.
"""

import itertools

import numpy as np
import torch
import torch.nn.functional as F

COST_CLASS, COST_BBOX, COST_GIOU = 1.0, 5.0, 2.0
LOSS_CE, LOSS_BBOX, LOSS_GIOU = 1.0, 5.0, 2.0
EOS_COEF = 0.1


def hungarian(cost):
    """Minimum-cost assignment of every row to a distinct column (rows <= columns).

    The shortest-augmenting-path form of the Hungarian method with row and column
    potentials u, v (reduced cost c[i][j] - u[i] - v[j] >= 0): rows are added one
    at a time, each by a Dijkstra-like search over reduced costs for the cheapest
    path to a free column, then the path is flipped. O(rows^2 * columns).
    Returns (rows, cols) index arrays, sorted by row, like scipy's
    linear_sum_assignment. A matrix with more rows than columns is transposed."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.shape[0] > cost.shape[1]:
        c, r = hungarian(cost.T)
        order = np.argsort(r)
        return r[order], c[order]
    n, m = cost.shape
    inf = float("inf")
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, dtype=np.int64)  # owner[j]: row (1-based) holding column j; column 0 is the root
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv = np.full(m + 1, inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = owner[j0]
            free = ~used[1:]
            red = cost[i0 - 1] - u[i0] - v[1:]
            better = free & (red < minv[1:])
            minv[1:][better] = red[better]
            way[1:][better] = j0
            cand = np.where(free, minv[1:], inf)
            j1 = int(np.argmin(cand)) + 1
            delta = cand[j1 - 1]
            # shift potentials: visited rows/columns by delta, the others' slack shrinks
            u[owner[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:  # flip the augmenting path
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    rows, cols = [], []
    for j in range(1, m + 1):
        if owner[j]:
            rows.append(owner[j] - 1)
            cols.append(j - 1)
    rows = np.array(rows, dtype=np.int64)
    cols = np.array(cols, dtype=np.int64)
    order = np.argsort(rows)
    return rows[order], cols[order]


def test_hungarian(trials=300, seed=0):
    """hungarian() reaches the brute-force optimum on random small matrices (ties included)."""
    rng = np.random.default_rng(seed)
    for t in range(trials):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        cost = rng.normal(size=(n, m))
        if t % 3 == 0:
            cost = rng.integers(0, 3, size=(n, m)).astype(float)  # many ties
        r, c = hungarian(cost)
        assert len(r) == min(n, m) and len(set(r)) == len(r) and len(set(c)) == len(c)
        got = cost[r, c].sum()
        if n <= m:
            best = min(sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(m), n))
        else:
            best = min(sum(cost[p[j], j] for j in range(m)) for p in itertools.permutations(range(n), m))
        assert abs(got - best) < 1e-9, (cost, got, best)


def box_cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)


def generalized_box_iou(a, b):
    """Pairwise GIoU (Rezatofighi et al. 2019) of xyxy boxes a (N, 4) and b (M, 4): (N, M)."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.max(a[:, None, :2], b[None, :, :2])
    rb = torch.min(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    iou = inter / union
    lt_c = torch.min(a[:, None, :2], b[None, :, :2])
    rb_c = torch.max(a[:, None, 2:], b[None, :, 2:])
    wh_c = (rb_c - lt_c).clamp(min=0)
    enclose = wh_c[..., 0] * wh_c[..., 1]
    return iou - (enclose - union) / enclose


@torch.no_grad()
def match(logits, boxes, targets):
    """Per image (query indices, target indices) minimizing the matching cost."""
    prob = logits.softmax(-1)
    out = []
    for b, (labels, tboxes) in enumerate(targets):
        if len(labels) == 0:
            out.append((np.zeros(0, np.int64), np.zeros(0, np.int64)))
            continue
        cost_class = -prob[b][:, labels]
        cost_bbox = torch.cdist(boxes[b], tboxes, p=1)
        cost_giou = -generalized_box_iou(box_cxcywh_to_xyxy(boxes[b]), box_cxcywh_to_xyxy(tboxes))
        c = COST_BBOX * cost_bbox + COST_CLASS * cost_class + COST_GIOU * cost_giou
        out.append(hungarian(c.numpy()))
    return out


def layer_loss(logits, boxes, targets, num_classes, num_boxes):
    """The loss of one decoder layer's predictions: dict of the three weighted terms."""
    idx = match(logits, boxes, targets)
    bidx = torch.cat([torch.full((len(q),), b, dtype=torch.int64) for b, (q, _) in enumerate(idx)])
    qidx = torch.cat([torch.as_tensor(q, dtype=torch.int64) for q, _ in idx])
    tgt_cls = torch.full(logits.shape[:2], num_classes, dtype=torch.int64)
    tgt_cls[bidx, qidx] = torch.cat([t[0][torch.as_tensor(j, dtype=torch.int64)]
                                     for t, (_, j) in zip(targets, idx)])
    weight = torch.ones(num_classes + 1)
    weight[-1] = EOS_COEF
    loss_ce = F.cross_entropy(logits.transpose(1, 2), tgt_cls, weight)
    src = boxes[bidx, qidx]
    tgt = torch.cat([t[1][torch.as_tensor(j, dtype=torch.int64)] for t, (_, j) in zip(targets, idx)])
    loss_bbox = F.l1_loss(src, tgt, reduction="none").sum() / num_boxes
    giou = torch.diag(generalized_box_iou(box_cxcywh_to_xyxy(src), box_cxcywh_to_xyxy(tgt)))
    loss_giou = (1 - giou).sum() / num_boxes
    return {"ce": LOSS_CE * loss_ce, "bbox": LOSS_BBOX * loss_bbox, "giou": LOSS_GIOU * loss_giou}


def set_criterion(outputs, targets, num_classes):
    """Total loss over the final and the auxiliary decoder layers.

    outputs: (pred_logits, pred_boxes, aux_logits_0, aux_boxes_0, ...) as DETR returns them;
    targets: per image (labels int64 tensor (n,), boxes float tensor (n, 4) cxcywh).
    Returns (total, dict of the final layer's terms)."""
    num_boxes = max(1.0, float(sum(len(t[0]) for t in targets)))
    total = 0.0
    final = None
    for k in range(0, len(outputs), 2):
        terms = layer_loss(outputs[k], outputs[k + 1], targets, num_classes, num_boxes)
        total = total + sum(terms.values())
        if k == 0:
            final = terms
    return total, final


if __name__ == "__main__":
    test_hungarian()
    print("hungarian: ok")
