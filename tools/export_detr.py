#!/usr/bin/python3
"""Export DETR (Carion et al., "End-to-End Object Detection with Transformers") to ONNX.

The model is defined here from the paper's description and mirrors the structure
and state-dict names of the reference implementation, so an original checkpoint
(e.g. detr-r50-e632da11.pth) loads with strict=True:

    backbone.0.body.*          ResNet up to layer4 with frozen batch norm
    input_proj.*               1x1 Conv2d, backbone channels -> hidden
    transformer.encoder.*      post-norm (or --pre-norm) encoder layers
    transformer.decoder.*      decoder layers + final LayerNorm
    query_embed.weight         learned object queries
    class_embed.*              Linear(hidden, num_classes + 1)
    bbox_embed.layers.{0,1,2}  3-layer MLP, sigmoid on the output

The exported graph takes one input `inputs` (B x 3 x H x W float32) and builds the
all-False padding mask internally, like tracing the reference model on a batch of
same-size images: the mask and the sine positional encoding depend only on the
input's shape. Outputs: pred_logits, pred_boxes, aux_logits_i, aux_boxes_i.
A static export (default R50, opset 12, 800x1066) reproduces the reference export's
graph: 2,583 nodes, 424 initializers. With --dynamic the mask is built on the whole
batch instead of per image (the per-image form fixes the batch size in the graph).

With --mask-input the graph takes the reference model's padded-batch form instead:
`inputs` (B x 3 x H x W, images already zero-padded into one canvas) and `mask`
(B x H x W bool, True on padding). The mask is resized to the feature map, drives the
sine positional encoding and is the key-padding mask of the encoder's self-attention
and the decoder's cross-attention; the reference batch holds images of different
sizes (padded_image_sizes), and MODEL.ref/ also holds mask.npy.

Next to the model it writes <stem>.inputs.npy and <stem>.ref/{inputs,<output>}.npy:
the input used and PyTorch's outputs for it, the reference later tests compare to.

Run with /usr/bin/python3 (Debian's python3-torch / python3-torchvision / python3-onnx).
"""

import argparse
import copy
import math
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
import torchvision
from torchvision.models._utils import IntermediateLayerGetter

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


# --------------------------------------------------------------------------- backbone

class FrozenBatchNorm2d(nn.Module):
    """Batch norm with fixed statistics and affine parameters, all buffers.

    Written as an explicit multiply-add so it appears in ONNX as Mul/Add after
    each Conv (scale and shift fold to constants at export)."""

    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(n))
        self.register_buffer("bias", torch.zeros(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        # Checkpoints saved from a regular BatchNorm2d carry a step counter we do not use.
        state_dict.pop(prefix + "num_batches_tracked", None)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

    def forward(self, x):
        w = self.weight.reshape(1, -1, 1, 1)
        b = self.bias.reshape(1, -1, 1, 1)
        rv = self.running_var.reshape(1, -1, 1, 1)
        rm = self.running_mean.reshape(1, -1, 1, 1)
        scale = w * (rv + self.eps).rsqrt()
        shift = b - rm * scale
        return x * scale + shift


class Backbone(nn.Module):
    """ResNet trunk (conv1 .. layer4) returning the C5 feature and its downsampled mask."""

    def __init__(self, name, dilation):
        super().__init__()
        if name in ("resnet18", "resnet34") and dilation:
            raise SystemExit("error: --dilation needs a bottleneck ResNet (resnet50/resnet101)")
        ctor = getattr(torchvision.models, name)
        resnet = ctor(weights=None,
                      replace_stride_with_dilation=[False, False, dilation],
                      norm_layer=FrozenBatchNorm2d)
        self.body = IntermediateLayerGetter(resnet, return_layers={"layer4": "0"})
        self.num_channels = 512 if name in ("resnet18", "resnet34") else 2048

    def forward(self, tensors, mask):
        feats = self.body(tensors)
        out = []
        for x in feats.values():
            # Nearest-neighbour resize of the padding mask to the feature's spatial size.
            m = F.interpolate(mask[None].float(), size=x.shape[-2:]).to(torch.bool)[0]
            out.append((x, m))
        return out


class PositionEmbeddingSine(nn.Module):
    """Sine/cosine encoding of normalized (y, x) pixel positions, computed from the mask."""

    def __init__(self, num_pos_feats=128, temperature=10000, normalize=True, scale=2 * math.pi):
        super().__init__()
        self.num_pos_feats = num_pos_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = scale

    def forward(self, x, mask):
        not_mask = ~mask
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            eps = 1e-6
            y_embed = y_embed / (y_embed[:, -1:, :] + eps) * self.scale
            x_embed = x_embed / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32, device=x.device)
        dim_t = self.temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / self.num_pos_feats)
        px = x_embed[:, :, :, None] / dim_t
        py = y_embed[:, :, :, None] / dim_t
        # Even feature indices take sin, odd take cos, interleaved back in order.
        px = torch.stack((px[:, :, :, 0::2].sin(), px[:, :, :, 1::2].cos()), dim=4).flatten(3)
        py = torch.stack((py[:, :, :, 0::2].sin(), py[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((py, px), dim=3).permute(0, 3, 1, 2)


class Joiner(nn.Sequential):
    """backbone.0 = trunk, backbone.1 = positional encoding (no parameters)."""

    def forward(self, tensors, mask):
        feats = self[0](tensors, mask)
        out, pos = [], []
        for x, m in feats:
            out.append((x, m))
            pos.append(self[1](x, m).to(x.dtype))
        return out, pos


# --------------------------------------------------------------------------- transformer

def _activation(name):
    if name == "relu":
        return F.relu
    if name == "gelu":
        return F.gelu
    raise ValueError(name)


def _add_pos(t, pos):
    return t if pos is None else t + pos


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward, dropout, normalize_before):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = _activation("relu")
        self.normalize_before = normalize_before

    def _ffn(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def forward(self, src, key_padding_mask, pos):
        if self.normalize_before:
            s = self.norm1(src)
            q = k = _add_pos(s, pos)
            src = src + self.dropout1(self.self_attn(q, k, value=s, key_padding_mask=key_padding_mask)[0])
            src = src + self.dropout2(self._ffn(self.norm2(src)))
            return src
        q = k = _add_pos(src, pos)
        src = src + self.dropout1(self.self_attn(q, k, value=src, key_padding_mask=key_padding_mask)[0])
        src = self.norm1(src)
        src = src + self.dropout2(self._ffn(src))
        return self.norm2(src)


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward, dropout, normalize_before):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self.activation = _activation("relu")
        self.normalize_before = normalize_before

    def _ffn(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def forward(self, tgt, memory, memory_key_padding_mask, pos, query_pos):
        if self.normalize_before:
            t = self.norm1(tgt)
            q = k = _add_pos(t, query_pos)
            tgt = tgt + self.dropout1(self.self_attn(q, k, value=t)[0])
            t = self.norm2(tgt)
            tgt = tgt + self.dropout2(self.multihead_attn(
                query=_add_pos(t, query_pos), key=_add_pos(memory, pos), value=memory,
                key_padding_mask=memory_key_padding_mask)[0])
            tgt = tgt + self.dropout3(self._ffn(self.norm3(tgt)))
            return tgt
        q = k = _add_pos(tgt, query_pos)
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(q, k, value=tgt)[0]))
        tgt = self.norm2(tgt + self.dropout2(self.multihead_attn(
            query=_add_pos(tgt, query_pos), key=_add_pos(memory, pos), value=memory,
            key_padding_mask=memory_key_padding_mask)[0]))
        return self.norm3(tgt + self.dropout3(self._ffn(tgt)))


class TransformerEncoder(nn.Module):
    def __init__(self, layer, num_layers, norm=None):
        super().__init__()
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, src_key_padding_mask, pos):
        out = src
        for layer in self.layers:
            out = layer(out, src_key_padding_mask, pos)
        if self.norm is not None:
            out = self.norm(out)
        return out


class TransformerDecoder(nn.Module):
    def __init__(self, layer, num_layers, norm, return_intermediate):
        super().__init__()
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.return_intermediate = return_intermediate

    def forward(self, tgt, memory, memory_key_padding_mask, pos, query_pos):
        out = tgt
        per_layer = []
        for i, layer in enumerate(self.layers):
            out = layer(out, memory, memory_key_padding_mask, pos, query_pos)
            if self.return_intermediate and i < self.num_layers - 1:
                per_layer.append(self.norm(out))
        out = self.norm(out)
        if self.return_intermediate:
            per_layer.append(out)
            return torch.stack(per_layer)
        return out.unsqueeze(0)


class Transformer(nn.Module):
    def __init__(self, d_model=256, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, normalize_before=False,
                 return_intermediate_dec=True):
        super().__init__()
        enc_layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, normalize_before)
        self.encoder = TransformerEncoder(enc_layer, num_encoder_layers,
                                          nn.LayerNorm(d_model) if normalize_before else None)
        dec_layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, normalize_before)
        self.decoder = TransformerDecoder(dec_layer, num_decoder_layers, nn.LayerNorm(d_model),
                                          return_intermediate_dec)
        self.d_model = d_model
        self.nhead = nhead
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src, mask, query_embed, pos_embed):
        bs, c, h, w = src.shape
        # (B, C, H, W) -> (HW, B, C): sequence-first, as nn.MultiheadAttention expects.
        src = src.flatten(2).permute(2, 0, 1)
        pos_embed = pos_embed.flatten(2).permute(2, 0, 1)
        query_embed = query_embed.unsqueeze(1).repeat(1, bs, 1)
        mask = mask.flatten(1)
        tgt = torch.zeros_like(query_embed)
        memory = self.encoder(src, src_key_padding_mask=mask, pos=pos_embed)
        hs = self.decoder(tgt, memory, memory_key_padding_mask=mask, pos=pos_embed,
                          query_pos=query_embed)
        return hs.transpose(1, 2), memory.permute(1, 2, 0).view(bs, c, h, w)


# --------------------------------------------------------------------------- DETR

class MLP(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, num_layers):
        super().__init__()
        dims_in = [in_dim] + [hidden_dim] * (num_layers - 1)
        dims_out = [hidden_dim] * (num_layers - 1) + [out_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims_in, dims_out))
        self.num_layers = num_layers

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < self.num_layers - 1:
                x = F.relu(x)
        return x


def _dim(t, d):
    """Size of dimension d as a tensor (a traced value while exporting)."""
    s = t.shape[d]
    return s if isinstance(s, torch.Tensor) else torch.tensor(s)


def pad_batch_with_mask(images, per_image=True):
    """Pad a B x C x H x W batch to its largest image and return (batch, mask).

    The reference model, traced on a batch, treats it as a list of images: it takes
    the common size as a max over the images' shapes, zero-pads every image to it,
    marks the padding True in a per-image mask and stacks both again. All images of
    a tensor have one size, so the pads are zero and the mask is all False, but the
    computation is expressed on the shape, so the exported graph carries that
    shape-only subgraph. per_image=True follows the reference (the traced graph
    unbinds the batch, so its batch size is fixed); per_image=False does the same
    on the whole 4-D batch, which keeps a dynamic batch axis valid."""
    tracing = torch.jit.is_tracing()
    if per_image:
        imgs = [img for img in images]  # unbind: one C x H x W tensor per image
        dims = (0, 1, 2)
    else:
        imgs = [images]
        dims = (1, 2, 3)
    common = []
    for d in dims:
        sizes = torch.stack([_dim(img, d) for img in imgs])
        common.append(torch.max(sizes.to(torch.float32)).to(torch.int64))
    padded, masks = [], []
    for img in imgs:
        pc, ph, pw = [c - _dim(img, d) for c, d in zip(common, dims)]
        if not tracing:
            pc, ph, pw = int(pc), int(ph), int(pw)
        padded.append(F.pad(img, (0, pw, 0, ph, 0, pc)))
        plane = img[0] if per_image else img[:, 0]
        valid = torch.zeros_like(plane, dtype=torch.int32)
        masks.append(F.pad(valid, (0, pw, 0, ph), "constant", 1).to(torch.bool))
    if per_image:
        return torch.stack(padded), torch.stack(masks)
    return padded[0], masks[0]


class DETR(nn.Module):
    def __init__(self, backbone, transformer, num_classes, num_queries, aux_outputs=True):
        super().__init__()
        hidden = transformer.d_model
        self.num_queries = num_queries
        self.transformer = transformer
        self.class_embed = nn.Linear(hidden, num_classes + 1)
        self.bbox_embed = MLP(hidden, hidden, 4, 3)
        self.query_embed = nn.Embedding(num_queries, hidden)
        self.input_proj = nn.Conv2d(backbone[0].num_channels, hidden, kernel_size=1)
        self.backbone = backbone
        self.aux_outputs = aux_outputs
        self.per_image_mask = True  # False for exports with a dynamic batch axis

    def output_names(self):
        names = ["pred_logits", "pred_boxes"]
        if self.aux_outputs:
            for i in range(self.transformer.decoder.num_layers - 1):
                names += ["aux_logits_%d" % i, "aux_boxes_%d" % i]
        return names

    def forward(self, inputs, mask=None):
        if mask is None:
            tensors, mask = pad_batch_with_mask(inputs, self.per_image_mask)
        else:
            tensors = inputs  # already padded by the caller; mask True on padding
        feats, pos = self.backbone(tensors, mask)
        src, mask = feats[-1]
        hs = self.transformer(self.input_proj(src), mask, self.query_embed.weight, pos[-1])[0]
        logits = self.class_embed(hs)
        boxes = self.bbox_embed(hs).sigmoid()
        out = [logits[-1], boxes[-1]]
        if self.aux_outputs:
            # Iterating the per-layer slices (as the reference does) traces as unbind.
            for lg, bx in zip(logits[:-1], boxes[:-1]):
                out += [lg, bx]
        return tuple(out)


def build_model(a):
    backbone = Joiner(Backbone(a.backbone, a.dilation),
                      PositionEmbeddingSine(a.hidden_dim // 2, normalize=True))
    transformer = Transformer(d_model=a.hidden_dim, nhead=a.nheads,
                              num_encoder_layers=a.enc_layers, num_decoder_layers=a.dec_layers,
                              dim_feedforward=a.dim_feedforward, dropout=0.1,
                              normalize_before=a.pre_norm, return_intermediate_dec=True)
    return DETR(backbone, transformer, a.num_classes, a.num_queries, aux_outputs=not a.no_aux)


# --------------------------------------------------------------------------- weights

def make_input(batch, height, width, seed):
    """A seeded synthetic image batch, normalized with the ImageNet statistics.

    Pixel noise alone gives ResNet features with almost no spatial structure, so each
    image is a smooth colour field with a few solid rectangles ("objects") on it plus
    a little noise, which keeps the attention maps and per-query outputs distinct."""
    g = torch.Generator().manual_seed(seed * 7919 + 17)
    imgs = []
    for _ in range(batch):
        field = torch.rand(1, 3, 4, 5, generator=g)
        img = F.interpolate(field, size=(height, width), mode="bilinear", align_corners=False)[0]
        for _ in range(8):
            h = max(1, int(height * (0.1 + 0.4 * torch.rand(1, generator=g).item())))
            w = max(1, int(width * (0.1 + 0.4 * torch.rand(1, generator=g).item())))
            y = int((height - h) * torch.rand(1, generator=g).item())
            x = int((width - w) * torch.rand(1, generator=g).item())
            img[:, y:y + h, x:x + w] = torch.rand(3, 1, 1, generator=g)
        img = img + 0.03 * torch.randn(3, height, width, generator=g)
        imgs.append(img.clamp(0.0, 1.0))
    img = torch.stack(imgs)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((img - mean) / std).contiguous()


def padded_image_sizes(batch, height, width):
    """(h, w) of each image inside a height x width canvas: even images keep the
    full height and 5/8 of the width, odd ones the full width and 3/4 of the
    height (512x640 canvas: 512x400 and 384x640), so both the x and the y
    positional encodings and the key-padding masks differ between images."""
    return [(height, -(-width * 5 // 8)) if i % 2 == 0 else (-(-height * 3 // 4), width)
            for i in range(batch)]


def make_padded_input(batch, height, width, seed):
    """A batch of images of different sizes, zero-padded (after normalization, as
    the reference's nested tensors are) into one canvas, and its padding mask
    (B x H x W bool, True on padding): the input of a --mask-input export."""
    x = torch.zeros(batch, 3, height, width)
    mask = torch.ones(batch, height, width, dtype=torch.bool)
    for i, (h, w) in enumerate(padded_image_sizes(batch, height, width)):
        x[i, :, :h, :w] = make_input(1, h, w, seed * 31 + i)[0]
        mask[i, :h, :w] = False
    return x.contiguous(), mask


@torch.no_grad()
def init_random_weights(model, seed, qk_gain=(2.0, 4.0)):
    """Deterministic, non-trivial weights that keep activations in a sane range.

    Backbone: Kaiming-normal convs, then one calibration forward pass on a fixed seeded
    224x224 input rescales each conv's output channels to unit standard deviation and
    sets the following frozen BN's running_mean near that channel's mean (what trained
    statistics would look like, so ReLUs keep spatial structure), with random
    running_var in [0.5, 2], weight around 1 and small bias. The BN closing each
    residual branch is damped by 0.5 so the residual stream grows slowly.
    Transformer: Xavier-uniform matrices (as the reference), query/key projections
    scaled up (self, cross attention) so attention is not uniform, small random
    biases and LayerNorm affine parameters so no path is trivially zero; the class
    and box heads are scaled so logits span a few units and boxes spread out."""
    torch.manual_seed(seed)
    body = model.backbone[0].body
    for m in body.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    bn_after = {}
    for name, m in body.named_modules():
        if isinstance(m, FrozenBatchNorm2d):
            n = m.weight.numel()
            gain = 0.5 if _is_last_bn(body, name) else 1.0
            m.weight.copy_(gain * (1.0 + 0.1 * torch.randn(n)))
            m.bias.copy_(0.1 * torch.randn(n))
            m.running_mean.copy_(0.1 * torch.randn(n))
            m.running_var.copy_(torch.empty(n).uniform_(0.5, 2.0))
            conv = name.replace("bn", "conv") if "downsample" not in name \
                else name[:-1] + "0"
            bn_after[conv] = m

    def calibrate(name):
        def hook(mod, inp, out):
            mean = out.mean(dim=(0, 2, 3))
            std = out.std(dim=(0, 2, 3)).clamp_min(1e-6)
            mod.weight.div_(std.view(-1, 1, 1, 1))
            bn = bn_after.get(name)
            if bn is not None:
                bn.running_mean.add_(mean / std)
            return out / std.view(1, -1, 1, 1)
        return hook

    hooks = [m.register_forward_hook(calibrate(n))
             for n, m in body.named_modules() if isinstance(m, nn.Conv2d)]
    try:
        body(make_input(1, 224, 224, seed + 1))
    finally:
        for h in hooks:
            h.remove()

    # input_proj keeps PyTorch's default Conv2d init (Kaiming-uniform, random bias).
    for name, m in list(model.transformer.named_modules()) + \
            [("class_embed", model.class_embed), ("bbox_embed", model.bbox_embed)]:
        if isinstance(m, nn.MultiheadAttention):
            d = m.embed_dim
            m.in_proj_weight[:2 * d].mul_(qk_gain[1] if name.endswith("multihead_attn") else qk_gain[0])
            m.in_proj_bias.copy_(0.02 * torch.randn_like(m.in_proj_bias))
            m.out_proj.bias.copy_(0.02 * torch.randn_like(m.out_proj.bias))
        elif isinstance(m, nn.LayerNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn_like(m.weight))
            m.bias.copy_(0.05 * torch.randn_like(m.bias))
        elif isinstance(m, nn.Linear) and \
                not isinstance(m, nn.modules.linear.NonDynamicallyQuantizableLinear):
            m.bias.copy_(0.02 * torch.randn_like(m.bias))
    # Spread the heads' outputs: logits of a few units, boxes not all at 0.5.
    model.class_embed.weight.mul_(3.0)
    model.bbox_embed.layers[-1].weight.mul_(8.0)


def _is_last_bn(body, name):
    """True for the BN closing a residual branch (bn2 of BasicBlock, bn3 of Bottleneck)."""
    block = body.get_submodule(name.rsplit(".", 1)[0])
    if isinstance(block, torchvision.models.resnet.Bottleneck):
        return name.endswith("bn3")
    if isinstance(block, torchvision.models.resnet.BasicBlock):
        return name.endswith("bn2")
    return False


def load_checkpoint(path, args, quiet):
    """Read an original DETR checkpoint and fit the architecture options to its shapes."""
    ckpt = torch.load(path, map_location="cpu")
    sd = ckpt["model"] if isinstance(ckpt, dict) and "model" in ckpt else ckpt
    sd = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    inferred = {}
    if "class_embed.weight" in sd:
        inferred["num_classes"] = sd["class_embed.weight"].shape[0] - 1
    if "query_embed.weight" in sd:
        inferred["num_queries"], inferred["hidden_dim"] = sd["query_embed.weight"].shape
    enc = {k.split(".")[3] for k in sd if k.startswith("transformer.encoder.layers.")}
    dec = {k.split(".")[3] for k in sd if k.startswith("transformer.decoder.layers.")}
    if enc:
        inferred["enc_layers"] = len(enc)
    if dec:
        inferred["dec_layers"] = len(dec)
    if "transformer.encoder.layers.0.linear1.weight" in sd:
        inferred["dim_feedforward"] = sd["transformer.encoder.layers.0.linear1.weight"].shape[0]
    inferred["pre_norm"] = "transformer.encoder.norm.weight" in sd
    l3 = {k.split(".")[4] for k in sd if k.startswith("backbone.0.body.layer3.")}
    bottleneck = "backbone.0.body.layer1.0.conv3.weight" in sd
    arch = {(2, False): "resnet18", (6, False): "resnet34", (6, True): "resnet50",
            (23, True): "resnet101"}.get((len(l3), bottleneck))
    if arch:
        inferred["backbone"] = arch
    for k, v in inferred.items():
        if getattr(args, k) != v:
            if not quiet:
                print("note: checkpoint has %s=%s (option said %s); using the checkpoint's"
                      % (k, v, getattr(args, k)), file=sys.stderr)
            setattr(args, k, v)
    return sd


# --------------------------------------------------------------------------- main

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("-o", "--output", default="detr.onnx", help="model .onnx path")
    p.add_argument("--backbone", default="resnet50",
                   choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    p.add_argument("--dilation", action="store_true", help="dilated C5 stage (DC5)")
    p.add_argument("--hidden-dim", type=int, default=256)
    p.add_argument("--nheads", type=int, default=8)
    p.add_argument("--enc-layers", type=int, default=6)
    p.add_argument("--dec-layers", type=int, default=6)
    p.add_argument("--dim-feedforward", type=int, default=2048)
    p.add_argument("--num-queries", type=int, default=100)
    p.add_argument("--num-classes", type=int, default=91)
    p.add_argument("--height", type=int, default=800)
    p.add_argument("--width", type=int, default=1066)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--opset", type=int, default=12, choices=range(11, 18), metavar="{11..17}")
    p.add_argument("--pre-norm", action="store_true", help="pre-norm transformer layers")
    p.add_argument("--dynamic", action="store_true",
                   help="dynamic batch/height/width axes on the input (batch on outputs)")
    p.add_argument("--no-aux", action="store_true", help="omit the auxiliary decoder outputs")
    p.add_argument("--seed", type=int, default=0, help="seed for random weights and the input")
    p.add_argument("--checkpoint", help="original DETR checkpoint (.pth with a 'model' state dict)")
    p.add_argument("--ref-batch", type=int, help="reference input batch (default: --batch)")
    p.add_argument("--ref-height", type=int, help="reference input height (default: --height)")
    p.add_argument("--ref-width", type=int, help="reference input width (default: --width)")
    p.add_argument("--no-reference", action="store_true", help="do not write reference outputs")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--mask-input", action="store_true",
                   help="take (inputs, mask): a zero-padded batch and its B x H x W bool padding mask "
                        "(True on padding); the reference batch holds images of different sizes")
    p.add_argument("--ref64", action="store_true",
                   help="also write MODEL.ref64/: the outputs computed in float64 (numerical truth)")
    a = p.parse_args(argv)
    if a.hidden_dim % a.nheads or a.hidden_dim % 2:
        p.error("--hidden-dim must be even and divisible by --nheads")
    if min(a.enc_layers, a.dec_layers, a.num_queries, a.num_classes, a.batch,
           a.height, a.width, a.dim_feedforward) < 1:
        p.error("sizes and layer counts must be positive")
    ref = (a.ref_batch, a.ref_height, a.ref_width)
    if not a.dynamic and any(v is not None for v in ref) and \
            (a.ref_batch or a.batch, a.ref_height or a.height, a.ref_width or a.width) != \
            (a.batch, a.height, a.width):
        p.error("--ref-* shapes other than the export shape need --dynamic")
    a.ref_batch = a.ref_batch or a.batch
    a.ref_height = a.ref_height or a.height
    a.ref_width = a.ref_width or a.width
    return a


def main(argv=None):
    a = parse_args(argv)
    torch.set_grad_enabled(False)
    state = load_checkpoint(a.checkpoint, a, a.quiet) if a.checkpoint else None

    torch.manual_seed(a.seed)
    model = build_model(a)
    if state is not None:
        model.load_state_dict(state, strict=True)
    else:
        init_random_weights(model, a.seed)
    model.eval()
    model.per_image_mask = not a.dynamic
    names = model.output_names()

    out_path = a.output
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(out_path))[0]

    def sample(batch, height, width):
        if a.mask_input:
            return make_padded_input(batch, height, width, a.seed)
        return (make_input(batch, height, width, a.seed),)

    x_export = sample(a.batch, a.height, a.width)
    input_names = ["inputs", "mask"] if a.mask_input else ["inputs"]
    dynamic_axes = None
    if a.dynamic:
        dynamic_axes = {"inputs": {0: "batch", 2: "height", 3: "width"},
                        "mask": {0: "batch", 1: "height", 2: "width"}}
        dynamic_axes = {k: v for k, v in dynamic_axes.items() if k in input_names}
        for n in names:
            dynamic_axes[n] = {0: "batch"}

    t0 = time.time()
    with warnings.catch_warnings():
        if a.quiet:
            warnings.simplefilter("ignore")
        torch.onnx.export(model, x_export, out_path,
                          export_params=True, opset_version=a.opset,
                          do_constant_folding=True,
                          input_names=input_names, output_names=names,
                          dynamic_axes=dynamic_axes,
                          verbose=False)
    t_export = time.time() - t0
    size = os.path.getsize(out_path)

    t_ref = 0.0
    summary = "%s: %.1f MB, opset %d, export %.1f s" % (out_path, size / 1e6, a.opset, t_export)
    if not a.no_reference:
        if (a.ref_batch, a.ref_height, a.ref_width) == (a.batch, a.height, a.width):
            x_ref = x_export
        else:
            x_ref = sample(a.ref_batch, a.ref_height, a.ref_width)
        t0 = time.time()
        outs = model(*x_ref)
        t_ref = time.time() - t0
        ref_dir = os.path.join(out_dir, stem + ".ref")
        os.makedirs(ref_dir, exist_ok=True)
        for n, t in zip(input_names, x_ref):
            xin = t.numpy()
            np.save(os.path.join(out_dir, stem + "." + n + ".npy"), xin)
            np.save(os.path.join(ref_dir, n + ".npy"), xin)
        for n, t in zip(names, outs):
            np.save(os.path.join(ref_dir, n + ".npy"), t.numpy())
        logits = outs[0]
        if not torch.isfinite(logits).all() or not all(torch.isfinite(t).all() for t in outs):
            raise SystemExit("error: non-finite reference outputs")
        big = logits.abs().max().item()
        if big >= 100 and not a.quiet:
            print("warning: |pred_logits| reaches %.3g" % big, file=sys.stderr)
        summary += ", reference %s %.1f s -> %s" % ("x".join(map(str, x_ref[0].shape)), t_ref, ref_dir)
        if a.ref64:
            # the same model and input in float64: the truth both float32
            # engines (PyTorch and onnxc) are measured against
            with torch.no_grad():
                outs64 = model.double()(x_ref[0].double(), *x_ref[1:])
            ref64 = os.path.join(out_dir, stem + ".ref64")
            os.makedirs(ref64, exist_ok=True)
            for n, t in zip(names, outs64):
                np.save(os.path.join(ref64, n + ".npy"), t.numpy())
            model.float()
            summary += ", float64 reference -> %s" % ref64
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
