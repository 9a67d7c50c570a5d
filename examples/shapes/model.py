"""The shapes DETR: DETR's architecture at toy scale.

Backbone: a narrow ResNet-18-like trunk (ResNet stem, torchvision BasicBlocks, 32-64-128
channels, stride 16: a 128 x 128 image gives an 8 x 8 feature map). Transformer,
sine positional encoding, class head (num_classes + 1, no-object last) and
3-layer box MLP are tools/export_detr.py's DETR modules, so the exported graph
has the same structure as the full-size DETR the project compiles.

Training uses BatchNorm2d; for export the same state dict loads into
FrozenBatchNorm2d (the explicit multiply-add of the reference DETR).
"""

import os
import sys

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import export_detr as ed  # noqa: E402

CONFIG = dict(stem=16, widths=(32, 64, 128), blocks=(1, 1, 2), hidden_dim=64, nheads=4,
              enc_layers=2, dec_layers=3, dim_feedforward=128, num_queries=10)


class SmallResNet(nn.Module):
    """ResNet's stem at 1/4 resolution (conv1 3x3 stride 2, max pool stride 2), then
    layer1..layer3 of BasicBlocks; layer1 keeps the resolution, the others halve it."""

    def __init__(self, stem, widths, blocks, norm_layer):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 3, stride=2, padding=1, bias=False)
        self.bn1 = norm_layer(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        cin = stem
        for i, (w, n) in enumerate(zip(widths, blocks)):
            stride = 1 if i == 0 else 2
            layers = []
            for j in range(n):
                down = None
                if j == 0 and (stride != 1 or cin != w):
                    down = nn.Sequential(nn.Conv2d(cin, w, 1, stride=stride, bias=False), norm_layer(w))
                layers.append(BasicBlock(cin, w, stride if j == 0 else 1, down, norm_layer=norm_layer))
                cin = w
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*layers))
        self.num_channels = cin

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer3(self.layer2(self.layer1(x)))


class Backbone(nn.Module):
    """Same interface as export_detr.Backbone: [(C5 feature, its mask)]."""

    def __init__(self, stem, widths, blocks, norm_layer):
        super().__init__()
        self.body = SmallResNet(stem, widths, blocks, norm_layer)
        self.num_channels = self.body.num_channels

    def forward(self, tensors, mask):
        x = self.body(tensors)
        m = torch.nn.functional.interpolate(mask[None].float(), size=x.shape[-2:]).to(torch.bool)[0]
        return [(x, m)]


def build(num_classes, frozen_bn=False, dropout=0.0, cfg=CONFIG):
    norm = ed.FrozenBatchNorm2d if frozen_bn else nn.BatchNorm2d
    backbone = ed.Joiner(Backbone(cfg["stem"], cfg["widths"], cfg["blocks"], norm),
                         ed.PositionEmbeddingSine(cfg["hidden_dim"] // 2, normalize=True))
    transformer = ed.Transformer(d_model=cfg["hidden_dim"], nhead=cfg["nheads"],
                                 num_encoder_layers=cfg["enc_layers"],
                                 num_decoder_layers=cfg["dec_layers"],
                                 dim_feedforward=cfg["dim_feedforward"], dropout=dropout,
                                 normalize_before=False, return_intermediate_dec=True)
    return ed.DETR(backbone, transformer, num_classes, cfg["num_queries"], aux_outputs=True)
