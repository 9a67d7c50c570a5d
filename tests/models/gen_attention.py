#!/usr/bin/python3
"""Small attention and LayerNorm models for the fusion tests, exported from
PyTorch the way DETR's transformer is (nn.MultiheadAttention, sequence-first,
positions added to queries and keys), plus deliberately broken variants that
the fusion must decline with the right reason:

  mha_self_op12     self-attention, q = k = x + pos, v = x, key padding mask
  mha_cross_op12    cross-attention: q = tgt + qpos, k = mem + pos, v = mem
  mha_self_op17_b2  batch 2, opset 17 (LayerNormalization op)
  mha_prenorm_op13  pre-norm block: LayerNorm's input sum also feeds a residual
  broken_axis       softmax over the query axis instead of the key axis
  broken_scale      scores scaled by a tensor that varies per key
Each MODEL.onnx comes with MODEL.inputs/*.npy (seeded inputs)."""
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

E, H, L, S = 16, 4, 5, 7


class Block(nn.Module):
    """attention + residual + LayerNorm, post-norm or pre-norm (DETR layers)."""

    def __init__(self, pre_norm=False, mask=True):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, H)
        self.norm = nn.LayerNorm(E)
        self.pre_norm = pre_norm
        self.mask = mask

    def forward(self, x, pos, mem):
        kpm = torch.zeros(x.shape[1], mem.shape[0], dtype=torch.bool) if self.mask else None
        if self.pre_norm:
            h = self.norm(x)
            q = h + pos
            y = x + self.attn(q, mem + 0.5, mem, key_padding_mask=kpm)[0]
            return y + self.norm(y)
        q = x + pos
        y = self.attn(q, mem + pos[:1].expand_as(mem) if mem.shape == x.shape else mem + 0.5, mem,
                      key_padding_mask=kpm)[0]
        return self.norm(x + y)


class SelfBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, H)
        self.norm = nn.LayerNorm(E)

    def forward(self, x, pos, mem):
        q = k = x + pos
        kpm = torch.zeros(x.shape[1], x.shape[0], dtype=torch.bool)
        return self.norm(x + self.attn(q, k, x, key_padding_mask=kpm)[0] + 0 * mem)


class Broken(nn.Module):
    """Hand-written multi-head attention with one deliberate defect."""

    def __init__(self, defect):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(E, E) for _ in range(4))
        self.defect = defect
        self.register_buffer("ramp", torch.linspace(0.1, 0.3, S))

    def heads(self, t):  # [seq, N, E] -> [N*H, seq, hd]
        return t.reshape(t.shape[0], t.shape[1] * H, E // H).transpose(0, 1)

    def forward(self, x, pos, mem):
        q = self.heads(self.q(x + pos)) / (E // H) ** 0.5
        k = self.heads(self.k(mem))
        v = self.heads(self.v(mem))
        s = torch.bmm(q, k.transpose(1, 2))
        if self.defect == "scale":
            s = s * self.ramp
        a = F.softmax(s, dim=1 if self.defect == "axis" else -1)
        o = torch.bmm(a, v).transpose(0, 1).reshape(x.shape[0] * x.shape[1], E)
        return self.o(o).reshape(x.shape[0], x.shape[1], E)


def export(model, name, out, opset, batch, x_len=L):
    path = os.path.join(out, name + ".onnx")
    if os.path.exists(path):
        return
    g = torch.Generator().manual_seed(len(name))
    for p in model.parameters():
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    model.eval()
    x = torch.randn(x_len, batch, E, generator=g)
    pos = torch.randn(x_len, batch, E, generator=g)
    mem = torch.randn(S if name.startswith(("mha_cross", "broken", "mha_prenorm")) else x_len, batch, E,
                      generator=g)
    with torch.no_grad():
        torch.onnx.export(model, (x, pos, mem), path + ".tmp", opset_version=opset,
                          input_names=["x", "pos", "mem"], output_names=["y"], do_constant_folding=True)
        y = model(x, pos, mem)
    d = os.path.join(out, name + ".inputs")
    os.makedirs(d, exist_ok=True)
    for n, t in (("x", x), ("pos", pos), ("mem", mem), ("y", y)):
        np.save(os.path.join(d, n + ".npy"), t.numpy().astype(np.float32))
    os.rename(path + ".tmp", path)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    export(SelfBlock(), "mha_self_op12", out, 12, 1)
    export(Block(), "mha_cross_op12", out, 12, 1)
    export(SelfBlock(), "mha_self_op17_b2", out, 17, 2)
    export(Block(pre_norm=True), "mha_prenorm_op13", out, 13, 1)
    export(Broken("axis"), "broken_axis", out, 12, 1)
    export(Broken("scale"), "broken_scale", out, 12, 1)


if __name__ == "__main__":
    main()
