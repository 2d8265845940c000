"""Networks: the shipped Lowlight U-Net and the prototype's architecture (as a baseline).

Both are fully convolutional with no statistic over the whole input, so tiles of one photo
produce the same pixels as the whole photo (up to the receptive field at tile borders).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn


def conv3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class ResBlock(nn.Module):
    """conv-act-conv with an identity skip, as in the prototype's residual U-Net."""

    def __init__(self, ch: int):
        super().__init__()
        self.body = nn.Sequential(conv3(ch, ch), nn.LeakyReLU(0.2, inplace=True), conv3(ch, ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class LowlightUNet(nn.Module):
    """Residual U-Net that works at half resolution behind a pixel-unshuffle stem.

    Inputs: ``x`` (N,3,H,W) in 0..1 and ``gain`` (N,1,1,1), the global brightening factor
    computed outside the network from the whole photo. The network sees the brightened
    photo (clipped) and the original (which keeps what clipping lost in the highlights), and
    predicts a residual on top of the brightened photo. Downsampling factor: 8.
    """

    factor = 8

    def __init__(self, width: int = 32, blocks: tuple[int, int, int] = (1, 1, 2)):
        super().__init__()
        w1, w2, w3 = width, width * 2, width * 4
        act = nn.LeakyReLU(0.2, inplace=True)
        self.stem = nn.Sequential(nn.PixelUnshuffle(2), conv3(6 * 4, w1), act)
        self.enc1 = nn.Sequential(*[ResBlock(w1) for _ in range(blocks[0])])
        self.down1 = nn.Sequential(conv3(w1, w2, 2), nn.LeakyReLU(0.2, inplace=True))
        self.enc2 = nn.Sequential(*[ResBlock(w2) for _ in range(blocks[1])])
        self.down2 = nn.Sequential(conv3(w2, w3, 2), nn.LeakyReLU(0.2, inplace=True))
        self.mid = nn.Sequential(*[ResBlock(w3) for _ in range(blocks[2])])
        self.up2 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.dec2 = nn.Sequential(*[ResBlock(w2) for _ in range(blocks[1])])
        self.up1 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.dec1 = nn.Sequential(*[ResBlock(w1) for _ in range(blocks[0])])
        self.head = nn.Sequential(conv3(w1, 3 * 4), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        return self.restore(torch.clamp(x * gain, 0.0, 1.0), x)

    def restore(self, xb: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The U-Net proper: a residual on the brightened photo ``xb``, seeing the original ``x``."""
        s = self.stem(torch.cat([xb, x], dim=1))
        e1 = self.enc1(s)
        e2 = self.enc2(self.down1(e1))
        m = self.mid(self.down2(e2))
        d2 = self.dec2(self.up2(m) + e2)
        d1 = self.dec1(self.up1(d2) + e1)
        return xb + self.head(d1)


def fold_pixel_unshuffle(stem: nn.Sequential) -> nn.Sequential:
    """``PixelUnshuffle(r)`` then a k x k convolution (padding (k - 1) / 2) as one convolution
    of kernel k r and stride r on the full-resolution input: the same sums over the same pixels
    with the same weights (equal to rounding, for sides that are multiples of r). For the export:
    ONNX Runtime runs the unshuffle as a 6-D transpose, about a tenth of a tile's time, and the
    folded convolution costs less than the transpose alone. The rest of ``stem`` is kept."""
    unshuffle, conv, *rest = stem
    r = int(unshuffle.downscale_factor)
    k = int(conv.kernel_size[0])
    if conv.stride != (1, 1) or conv.padding != ((k - 1) // 2,) * 2 or conv.groups != 1:
        raise ValueError("fold_pixel_unshuffle: expected a stride-1, same-padded convolution")
    cout, cin = conv.out_channels, conv.in_channels // (r * r)
    # unshuffled channel c * r * r + dy * r + dx holds input pixel (r i + dy, r j + dx) of
    # channel c; kernel tap (ky, kx) reads unshuffled pixel (i + ky - p, j + kx - p), i.e. input
    # row r i + r (ky - p) + dy: tap ky * r + dy of a k r kernel with padding p r
    w = conv.weight.detach().view(cout, cin, r, r, k, k).permute(0, 1, 4, 2, 5, 3)
    folded = nn.Conv2d(cin, cout, k * r, stride=r, padding=conv.padding[0] * r,
                       bias=conv.bias is not None)
    with torch.no_grad():
        folded.weight.copy_(w.reshape(cout, cin, k * r, k * r))
        if conv.bias is not None:
            folded.bias.copy_(conv.bias)
    return nn.Sequential(folded, *rest)


class ExposureHead(nn.Module):
    """Reads a thumbnail of the *whole* photo and predicts how to expose it.

    Output ``cond`` (N, 5): log gain, three log colour gains (zero mean: colour balance without
    a change of brightness) and a log gamma. The log gain starts from the fitted formula
    ``a * mean_luma ** b`` (a, b from the training split) and the network learns a correction;
    the last layer starts at zero, so an untrained head is exactly the v1 formula. ``exposure``
    (N,) in EV is added to the log gain *before* the U-Net, so a brighter choice is denoised
    accordingly rather than amplified after the fact.
    """

    thumb = 128  # the thumbnail is thumb x thumb (see lowlight_gui.core.brightness.thumbnail)

    def __init__(self, a: float = 0.45, b: float = -1.0, width: int = 16, max_gain: float = 64.0):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2, inplace=True)
        w = width
        self.features = nn.Sequential(
            conv3(4, w, 2), act(), conv3(w, 2 * w, 2), act(),
            conv3(2 * w, 3 * w, 2), act(), conv3(3 * w, 4 * w, 2), act(),
        )
        self.mlp = nn.Sequential(nn.Linear(8 * w + 1, 64), act(), nn.Linear(64, 5))
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)
        self.register_buffer("luma", torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1))
        self.register_buffer("ab", torch.tensor([math.log(a), b], dtype=torch.float32))
        self.max_log_gain = math.log(max_gain)

    def forward(self, thumb: torch.Tensor, exposure: torch.Tensor) -> torch.Tensor:
        return self._v2(self._raw(thumb), thumb, exposure)

    def _log_mean(self, thumb: torch.Tensor) -> torch.Tensor:
        luma = (thumb * self.luma).sum(1, keepdim=True)
        return torch.log(luma.mean((1, 2, 3)).clamp_min(1e-4))  # (N,)

    def _raw(self, thumb: torch.Tensor) -> torch.Tensor:
        """The MLP's raw outputs for a batch of thumbnails."""
        luma = (thumb * self.luma).sum(1, keepdim=True)
        # Log luma as a fourth channel: exposure is multiplicative, so the convs see it additively.
        f = self.features(torch.cat([thumb, torch.log(luma + 1e-3)], 1))
        pooled = torch.cat([f.mean((2, 3)), f.amax((2, 3)), self._log_mean(thumb)[:, None]], 1)
        return self.mlp(pooled)

    def _v2(self, d: torch.Tensor, thumb: torch.Tensor, exposure: torch.Tensor) -> torch.Tensor:
        """v2's five conditioning values from the raw outputs ``d``."""
        log_mean = self._log_mean(thumb)
        base = self.ab[0] + self.ab[1] * log_mean
        log_gain = (base + d[:, 0] + exposure * math.log(2.0)).clamp(0.0, self.max_log_gain)
        colour = 0.5 * torch.tanh(d[:, 1:4])
        colour = colour - colour.mean(1, keepdim=True)
        log_gamma = 0.5 * torch.tanh(d[:, 4])
        return torch.cat([log_gain[:, None], colour, log_gamma[:, None]], 1)


class ConditionedUNet(LowlightUNet):
    """The v1 U-Net fed by the head's ``cond`` instead of one scalar gain (same weights)."""

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.restore(self.base(x, cond), x)

    def base(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """The photo the U-Net starts from: brightened, colour-corrected and tone-mapped by the
        head's ``cond``, not yet denoised. Exported as the graph's ``base`` output, so the app
        can take the noise removal back alone (``--denoise``)."""
        n = x.shape[0]
        gain = torch.exp(cond[:, 0:1] + cond[:, 1:4]).view(n, 3, 1, 1)
        gamma = torch.exp(cond[:, 4]).view(n, 1, 1, 1)
        # The tone curve acts on the brightened photo (clamped away from 0 for the gradient).
        return torch.clamp(x * gain, 1e-4, 1.0) ** gamma


class LowlightV2(nn.Module):
    """Model v2: the exposure head (whole-photo thumbnail, once per photo) + the tiled U-Net.

    ``forward(x, thumb, exposure)``: x is a crop or tile (N,3,H,W); thumb (N,3,128,128) is the
    thumbnail of the photo it came from, so every tile of a photo gets the same conditioning.
    """

    factor = 8

    def __init__(self, width: int = 32, a: float = 0.45, b: float = -1.0, head_width: int = 16):
        super().__init__()
        self.exposure_head = ExposureHead(a, b, head_width)
        self.unet = ConditionedUNet(width)

    def forward(self, x: torch.Tensor, thumb: torch.Tensor, exposure: torch.Tensor) -> torch.Tensor:
        return self.unet(x, self.exposure_head(thumb, exposure))


class PrototypeUNet(nn.Module):
    """The student prototype's architecture: a 32-64-128-256 U-Net with residual blocks at full
    resolution and a sigmoid output. It takes the same (x, gain) inputs so that the same
    training script and engine run it, but ignores ``gain`` as the prototype had none.
    """

    factor = 8

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256)):
        super().__init__()
        act = lambda: nn.ReLU(inplace=True)
        self.inc = nn.Sequential(conv3(3, widths[0]), act(), ResBlock(widths[0]))
        self.downs = nn.ModuleList()
        for a, b in itertools.pairwise(widths):
            self.downs.append(nn.Sequential(nn.MaxPool2d(2), conv3(a, b), act(), ResBlock(b)))
        self.ups = nn.ModuleList()
        self.fuse = nn.ModuleList()
        for a, b in zip(widths[::-1][:-1], widths[::-1][1:], strict=False):
            self.ups.append(nn.ConvTranspose2d(a, b, 2, stride=2))
            self.fuse.append(nn.Sequential(conv3(2 * b, b), act(), ResBlock(b)))
        self.out = nn.Conv2d(widths[0], 3, 1)

    def forward(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        h = self.inc(x)
        skips = [h]
        for down in self.downs:
            h = down(h)
            skips.append(h)
        skips.pop()
        for up, fuse in zip(self.ups, self.fuse, strict=False):
            h = fuse(torch.cat([up(h), skips.pop()], dim=1))
        return torch.sigmoid(self.out(h)) + 0.0 * gain


class ExposureHeadV3(ExposureHead):
    """v2's head plus colour and highlights: ``cond`` (N, 15) = v2's five values, then a 3x3
    colour matrix's residual (rows summing to 0, so grey stays grey: saturation and hue, which
    the three gains cannot express) and a highlight shoulder ``h`` > -0.35 (h > 0: the tone
    curve rolls brightened highlights off towards 1 instead of clipping them, so lamps and skies
    keep their gradation). The new outputs start at zero, so v2's weights load as an identical v3.
    """

    n_cond = 15

    def __init__(self, a: float = 0.45, b: float = -1.0, width: int = 16, max_gain: float = 64.0):
        super().__init__(a, b, width, max_gain)
        self.mlp[-1] = nn.Linear(64, self.n_cond)
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, thumb: torch.Tensor, exposure: torch.Tensor) -> torch.Tensor:
        d = self._raw(thumb)
        v2 = self._v2(d, thumb, exposure)
        mat = 0.5 * torch.tanh(d[:, 5:14]).view(-1, 3, 3)
        mat = mat - mat.mean(2, keepdim=True)
        # h in (-0.35, inf), 0 at d = 0 (v2), alive on both sides: it can bend highlights down
        # (h > 0) or stretch them (h < 0); base() keeps 1 + h y > 0.
        shoulder = 0.5 * (nn.functional.softplus(d[:, 14]) - math.log(2.0))
        return torch.cat([v2, mat.flatten(1), shoulder[:, None]], 1)


def _value(y: torch.Tensor) -> torch.Tensor:
    """The largest of the three channels (N,1,H,W), clipped to 0..2: what ``colour_lift``
    bends."""
    return torch.clamp(y.amax(1, keepdim=True), 0.0, 2.0)


def shoulder_curve(y: torch.Tensor, h: torch.Tensor, colour: bool = False) -> torch.Tensor:
    """The shoulder y (1 + h) / (1 + h v) on y (N,3,H,W, clipped to 0..2 first) with h
    broadcastable to (N,1,1,1): ``v`` = y itself, channel by channel, or with ``colour`` the
    channels' maximum, so that all three are scaled alike (hue and saturation kept)."""
    y = torch.clamp(y, 0.0, 2.0)
    return y * (1.0 + h) / (1.0 + h * (_value(y) if colour else y))


class ConditionedUNetV3(LowlightUNet):
    """The U-Net fed by v3's ``cond``: gains, colour matrix, shoulder, gamma, then the U-Net.

    ``use_shoulder = False`` leaves the shoulder out of the graph: the export does so for a
    head whose shoulder output is identically 0 (its weights are zero), which saves four
    per-pixel operations on every tile.
    """

    use_shoulder = True
    # How the shoulder bends a colour: False applies the curve to each channel (v3 to v3.2),
    # which greys lifted colours (a concave curve raises the smaller channels more); True
    # scales all three channels by the curve of their maximum, keeping hue and saturation and
    # never pushing a channel past what the maximum reaches (a lifted navy sky stays navy).
    colour_lift = False
    # The export's case when the head's shoulder is identically 0 and only the app's lift (>= 0)
    # feeds it: the same curve in fewer passes over the pixels (``_lift``).
    shoulder_from_zero = False

    @staticmethod
    def _lift(x: torch.Tensor, y: torch.Tensor, mat: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """y (1 + h) / (1 + h y) for h >= 0 as y / max(a + b y, a), a = 1 / (1 + h), b = h a,
        with a + b y computed from ``x`` as a second 1x1 convolution: three passes instead of
        five. The max keeps slightly negative y (colour-matrix overshoot) negative, as the clip
        of the general form does; values above 1 still end at 1 under the final clamp."""
        a = 1.0 / (1.0 + h.view(1))
        d = nn.functional.conv2d(x, (mat * (h.view(1) * a)).view(3, 3, 1, 1), a.expand(3))
        return y / torch.maximum(d, a.view(1, 1, 1, 1))

    def base(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """The photo the U-Net starts from: brightened, colour-corrected and tone-mapped by the
        head's conditioning (the ``base`` output of the exported graph)."""
        n = x.shape[0]
        gain = torch.exp(cond[:, 0:1] + cond[:, 1:4]).view(n, 3, 1, 1)
        gamma = torch.exp(cond[:, 4]).view(n, 1, 1, 1)
        mat = torch.eye(3, dtype=x.dtype, device=x.device) + cond[:, 5:14].view(n, 3, 3)
        mat = mat * gain.view(n, 1, 3)  # the channel gains folded into the matrix: one pass
        h = cond[:, 14].view(n, 1, 1, 1)
        if n == 1:  # the app's case (one photo at a time): a 1x1 convolution, a GEMM in ONNX
            y = nn.functional.conv2d(x, mat.view(3, 3, 1, 1))
            if self.use_shoulder and self.shoulder_from_zero:
                if self.colour_lift:
                    # shoulder_curve without its 0..2 clip of y: the clamp below gives the same
                    # result (test_the_exports_lift_is_the_same_shoulder_in_fewer_passes), and
                    # a pass over the pixels is saved on every tile
                    lifted = y * (1.0 + h) / (1.0 + h * _value(y))
                else:
                    lifted = self._lift(x, y, mat, h)
                return torch.clamp(lifted, 1e-4, 1.0) ** gamma
        else:  # training: a matrix per sample
            y = torch.einsum("nij,njhw->nihw", mat, x)
        # shoulder (``shoulder_curve``): y (1 + h) / (1 + h v) keeps 0 -> 0 and 1 -> 1 and
        # compresses what is above (y is clipped to 0..2 first: with h > -0.35 the denominator
        # stays above 0.3)
        if self.use_shoulder:
            y = shoulder_curve(y, h, self.colour_lift)
        return torch.clamp(y, 1e-4, 1.0) ** gamma

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.restore(self.base(x, cond), x)


class LowlightV3(LowlightV2):
    """Model v3: v2's layout with the colour/highlight head (``ExposureHeadV3``);
    ``colour_lift``: the shoulder keeps colours (``ConditionedUNetV3.colour_lift``, v3.3)."""

    def __init__(
        self, width: int = 32, a: float = 0.45, b: float = -1.0, head_width: int = 16,
        colour_lift: bool = False,
    ):
        nn.Module.__init__(self)
        self.exposure_head = ExposureHeadV3(a, b, head_width)
        self.unet = ConditionedUNetV3(width)
        self.unet.colour_lift = colour_lift


class RepConv(nn.Module):
    """A re-parameterisable convolution (RepVGG, MobileIE's multi-branch convolution): in
    training a 3x3, a 1x1 and (same shape, stride 1) an identity branch, each with batch norm,
    summed; ``fuse`` folds them into one plain 3x3 convolution that computes the same (in eval
    mode: batch norm with its running statistics). More capacity to train, a plain
    convolution's cost to run."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.cin, self.cout, self.stride = cin, cout, stride
        self.conv3 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.conv1 = nn.Conv2d(cin, cout, 1, stride, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn_id = nn.BatchNorm2d(cout) if cin == cout and stride == 1 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn3(self.conv3(x)) + self.bn1(self.conv1(x))
        return y + self.bn_id(x) if self.bn_id is not None else y

    @staticmethod
    def _fold_bn(kernel: torch.Tensor, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
        """A bias-free convolution's kernel followed by ``bn`` as (kernel, bias)."""
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        return kernel * scale.view(-1, 1, 1, 1), bn.bias - bn.running_mean * scale

    @torch.no_grad()
    def fuse(self) -> nn.Conv2d:
        """The three branches as one 3x3 convolution (exact up to float rounding)."""
        k3, b3 = self._fold_bn(self.conv3.weight, self.bn3)
        k1, b1 = self._fold_bn(nn.functional.pad(self.conv1.weight, (1, 1, 1, 1)), self.bn1)
        kernel, bias = k3 + k1, b3 + b1
        if self.bn_id is not None:
            eye = torch.zeros(self.cout, self.cin, 3, 3, dtype=kernel.dtype)
            eye[torch.arange(self.cout), torch.arange(self.cin), 1, 1] = 1.0
            kid, bid = self._fold_bn(eye, self.bn_id)
            kernel, bias = kernel + kid, bias + bid
        conv = nn.Conv2d(self.cin, self.cout, 3, self.stride, 1)
        conv.weight.copy_(kernel)
        conv.bias.copy_(bias)
        return conv


class ExpandedConv(nn.Module):
    """A trained 3x3 convolution given parallel branches for training (RepVGG, DBB, ECBSR): a
    1x1, a 1x1 -> 3x3 through as many channels, and (same shape, stride 1) the identity, each
    followed by batch norm whose scale starts at zero, so the layer starts as exactly the
    convolution it wraps and training gets more parameters to move; ``fuse`` folds it back into
    one plain 3x3 convolution (in eval mode; exact up to float rounding). The 1x1 before the
    3x3 has no bias, so the zero padding of the 3x3 sees zeros either way."""

    def __init__(self, conv: nn.Conv2d):
        super().__init__()
        if conv.kernel_size != (3, 3) or conv.padding != (1, 1) or conv.groups != 1:
            raise ValueError("ExpandedConv: expected a 3x3 convolution with padding 1")
        cin, cout, stride = conv.in_channels, conv.out_channels, conv.stride[0]
        self.conv = conv
        self.one = nn.Conv2d(cin, cout, 1, stride, 0, bias=False)
        self.bn_one = nn.BatchNorm2d(cout)
        self.squeeze = nn.Conv2d(cin, cout, 1, bias=False)
        self.spread = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn_spread = nn.BatchNorm2d(cout)
        self.bn_id = nn.BatchNorm2d(cout) if cin == cout and stride == 1 else None
        for bn in (self.bn_one, self.bn_spread, self.bn_id):
            if bn is not None:
                nn.init.zeros_(bn.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x) + self.bn_one(self.one(x)) + self.bn_spread(self.spread(self.squeeze(x)))
        return y + self.bn_id(x) if self.bn_id is not None else y

    @torch.no_grad()
    def fuse(self) -> nn.Conv2d:
        """The four branches as one 3x3 convolution."""
        fold = RepConv._fold_bn
        kernel = self.conv.weight.clone()
        bias = self.conv.bias.clone() if self.conv.bias is not None else torch.zeros_like(kernel[:, 0, 0, 0])
        k1, b1 = fold(nn.functional.pad(self.one.weight, (1, 1, 1, 1)), self.bn_one)
        chain = torch.einsum("omyx,mi->oiyx", self.spread.weight, self.squeeze.weight[:, :, 0, 0])
        k2, b2 = fold(chain, self.bn_spread)
        kernel, bias = kernel + k1 + k2, bias + b1 + b2
        if self.bn_id is not None:
            eye = torch.zeros_like(kernel)
            eye[torch.arange(kernel.shape[0]), torch.arange(kernel.shape[1]), 1, 1] = 1.0
            kid, bid = fold(eye, self.bn_id)
            kernel, bias = kernel + kid, bias + bid
        conv = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, 3, self.conv.stride, 1)
        conv.weight.copy_(kernel)
        conv.bias.copy_(bias)
        return conv


def expand_convs(module: nn.Module) -> nn.Module:
    """Wrap every 3x3 convolution in ``module`` (in place) in an ``ExpandedConv`` (training's
    ``--expand``); ``reparameterize`` undoes it for the export."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d) and child.kernel_size == (3, 3) and child.groups == 1:
            setattr(module, name, ExpandedConv(child))
        else:
            expand_convs(child)
    return module


def reparameterize(module: nn.Module) -> nn.Module:
    """Replace every ``RepConv`` and ``ExpandedConv`` in ``module`` (in place) by its folded
    plain convolution, for the export: the graph then has convolutions only, no batch norm and
    no branches."""
    for name, child in module.named_children():
        if isinstance(child, (RepConv, ExpandedConv)):
            setattr(module, name, child.fuse())
        else:
            reparameterize(child)
    return module


def _rep_stage(cin: int, cout: int, n: int, stride: int = 1) -> nn.Sequential:
    """``n`` RepConv + LeakyReLU layers (the first with ``stride``, from ``cin`` channels)."""
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [RepConv(cin if i == 0 else cout, cout, stride if i == 0 else 1),
                   nn.LeakyReLU(0.2, inplace=True)]
    return nn.Sequential(*layers)


class ConditionedUNetV4(ConditionedUNetV3):
    """v4's U-Net: v3's conditioning (``base``: gains, matrix, shoulder with the app's lift,
    gamma), then a narrower U-Net of re-parameterisable layers and a local tone map.

    - Where v3.3 spends: at 1024 px per tile (ONNX Runtime's profiler, 1 thread) 44 % of the
      time at half resolution (32 channels: stem, enc1, dec1, head, up1), 21 % at a quarter
      (64), 18 % at an eighth (128), the rest per-pixel arithmetic. v4 has ``width`` (16)
      channels at half resolution, 3x at a quarter, 6x at an eighth, one layer per stage at
      half resolution and RepConv layers (folded at export) instead of residual blocks.
    - Upsampling: a 1x1 convolution at the low resolution, then bilinear x2 (the two commute),
      instead of v3's ConvTranspose2d of stride 2, whose four phases each have their own
      weights: a 2-pixel pattern wherever their sums differ (the checkerboard of
      transposed convolutions).
    - Local tone: the eighth-resolution features predict a smooth map of the shoulder's h
      (``tone``, zero at start: v3's global curve), upsampled bilinearly and applied through
      the colour-keeping shoulder y (1 + h) / (1 + h v) with each pixel's own largest channel
      v: a lamp or white (v = 1) is a fixed point of the curve whatever the map says (no
      glow), a dark sky can go down (h < 0) while the ground beside it comes up.
    """

    def __init__(self, width: int = 16, blocks: tuple[int, int, int] = (1, 2, 3)):
        nn.Module.__init__(self)
        w1, w2, w3 = width, 3 * width, 6 * width
        act = nn.LeakyReLU(0.2, inplace=True)
        self.stem = nn.Sequential(nn.PixelUnshuffle(2), RepConv(6 * 4, w1), act)
        self.enc1 = _rep_stage(w1, w1, blocks[0])
        self.down1 = _rep_stage(w1, w2, 1, stride=2)
        self.enc2 = _rep_stage(w2, w2, blocks[1])
        self.down2 = _rep_stage(w2, w3, 1, stride=2)
        self.mid = _rep_stage(w3, w3, blocks[2])
        self.up2 = nn.Conv2d(w3, w2, 1)
        self.dec2 = _rep_stage(w2, w2, blocks[1])
        self.up1 = nn.Conv2d(w2, w1, 1)
        self.dec1 = _rep_stage(w1, w1, blocks[0])
        self.head = nn.Sequential(conv3(w1, 3 * 4), nn.PixelShuffle(2))
        nn.init.zeros_(self.head[0].weight)  # starts as its base: v3.3's conditioning alone
        nn.init.zeros_(self.head[0].bias)
        self.tone = nn.Conv2d(w3, 1, 1)
        nn.init.zeros_(self.tone.weight)
        nn.init.zeros_(self.tone.bias)

    @staticmethod
    def _up(t: torch.Tensor, scale: int) -> torch.Tensor:
        return nn.functional.interpolate(t, scale_factor=scale, mode="bilinear",
                                         align_corners=False)

    def local_tone(self, m: torch.Tensor) -> torch.Tensor:
        """The shoulder's local h at full resolution from the eighth-resolution features d:
        0.5 (softplus(d) - log 2), in (-0.35, inf), 0 where d is 0, bilinearly upsampled."""
        # the curve's parameter at the low resolution, then upsampled: the same smooth map for
        # an eighth of the per-pixel work
        return self._up(0.5 * (nn.functional.softplus(self.tone(m)) - math.log(2.0)), 8)

    def restore(self, xb: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(torch.cat([xb, x], dim=1))
        e1 = self.enc1(s)
        e2 = self.enc2(self.down1(e1))
        m = self.mid(self.down2(e2))
        d2 = self.dec2(self._up(self.up2(m), 2) + e2)
        d1 = self.dec1(self._up(self.up1(d2), 2) + e1)
        h = self.local_tone(m)
        v = torch.clamp(xb.amax(1, keepdim=True), 0.0, 1.0)
        return xb * (1.0 + h) / (1.0 + h * v) + self.head(d1)


class LowlightV4(LowlightV3):
    """Model v4: v3.3's head (whole-photo thumbnail; its weights load as they are) and the
    cheaper U-Net with a local tone map (``ConditionedUNetV4``); the colour-keeping shoulder."""

    def __init__(
        self, width: int = 16, a: float = 0.45, b: float = -1.0, head_width: int = 16,
        colour_lift: bool = True,
    ):
        nn.Module.__init__(self)
        self.exposure_head = ExposureHeadV3(a, b, head_width)
        self.unet = ConditionedUNetV4(width)
        self.unet.colour_lift = colour_lift


V4S_BLOCKS = (0, 0, 1, 0, 1)  # v3's residual blocks v4s keeps: enc1, enc2, mid, dec2, dec1


def v4s_blocks(text: str | None) -> tuple[int, ...]:
    """``--blocks`` ("0,1,1,0,1") as v4s's ``blocks``; None (a checkpoint from before the option)
    is the default."""
    return V4S_BLOCKS if text is None else tuple(int(v) for v in text.split(","))


class ConditionedUNetV4S(ConditionedUNetV4):
    """v4s: v3.3's own U-Net cut where its time goes, so that it starts from v3.3's weights
    (``adopt_v3``) instead of learning noise removal again from nothing.

    Of v3.3's six residual blocks it keeps ``blocks`` (enc1, enc2, mid, dec2, dec1; default:
    one of the two at an eighth and the one at half resolution on the way up), replaces the
    two ConvTranspose2d by a 1x1 convolution and bilinear x2 (no 2-pixel phase pattern; their
    weights start as the mean of the four phases) and adds v4's local tone map (``tone``,
    zero at start). The U-Net alone at 1024 px: 0.51x v3.3's time (ONNX Runtime, 2 threads;
    ``blocks=(0, 1, 1, 0, 1)``: 0.62x)."""

    def __init__(self, width: int = 32, blocks: tuple[int, ...] = V4S_BLOCKS):
        nn.Module.__init__(self)
        w1, w2, w3 = width, 2 * width, 4 * width
        e1, e2, mid, d2, d1 = blocks

        def act() -> nn.Module:
            return nn.LeakyReLU(0.2, inplace=True)

        self.stem = nn.Sequential(nn.PixelUnshuffle(2), conv3(6 * 4, w1), act())
        self.enc1 = nn.Sequential(*[ResBlock(w1) for _ in range(e1)])
        self.down1 = nn.Sequential(conv3(w1, w2, 2), act())
        self.enc2 = nn.Sequential(*[ResBlock(w2) for _ in range(e2)])
        self.down2 = nn.Sequential(conv3(w2, w3, 2), act())
        self.mid = nn.Sequential(*[ResBlock(w3) for _ in range(mid)])
        self.up2 = nn.Conv2d(w3, w2, 1)
        self.dec2 = nn.Sequential(*[ResBlock(w2) for _ in range(d2)])
        self.up1 = nn.Conv2d(w2, w1, 1)
        self.dec1 = nn.Sequential(*[ResBlock(w1) for _ in range(d1)])
        self.head = nn.Sequential(conv3(w1, 3 * 4), nn.PixelShuffle(2))
        self.tone = nn.Conv2d(w3, 1, 1)
        nn.init.zeros_(self.tone.weight)
        nn.init.zeros_(self.tone.bias)

    def adopt_v3(self, unet_state: dict[str, torch.Tensor]) -> list[str]:
        """Take a v3 U-Net's weights (keys without ``unet.``): every layer kept has its own;
        a ConvTranspose2d(2, stride 2) becomes the 1x1 convolution of its four phases' mean.
        Returns the v3 keys left out (the blocks cut)."""
        own = self.state_dict()
        taken = {}
        for k, v in unet_state.items():
            if k in ("up1.weight", "up2.weight"):  # (cin, cout, 2, 2) -> (cout, cin, 1, 1)
                taken[k] = v.mean(dim=(2, 3)).t().contiguous()[:, :, None, None]
            elif k in own and own[k].shape == v.shape:
                taken[k] = v
        missing = [k for k in own if k not in taken and not k.startswith("tone.")]
        if missing:
            raise ValueError(f"not a v3 U-Net of this width: {missing[:4]} missing")
        self.load_state_dict({**own, **taken})
        return sorted(k for k in unet_state if k not in taken)


class LowlightV4S(LowlightV3):
    """Model v4s: v3.3's head and v3.3's U-Net cut where its time goes, with the local tone
    map (``ConditionedUNetV4S``); the colour-keeping shoulder."""

    def __init__(
        self, width: int = 32, a: float = 0.45, b: float = -1.0, head_width: int = 16,
        colour_lift: bool = True, blocks: tuple[int, ...] = V4S_BLOCKS,
    ):
        nn.Module.__init__(self)
        self.exposure_head = ExposureHeadV3(a, b, head_width)
        self.unet = ConditionedUNetV4S(width, tuple(blocks))
        self.unet.colour_lift = colour_lift


ARCHITECTURES = {
    "lowlight": LowlightUNet, "lowlight2": LowlightV2, "lowlight3": LowlightV3,
    "lowlight4": LowlightV4, "lowlight4s": LowlightV4S, "prototype": PrototypeUNet,
}


def build(arch: str, **kwargs) -> nn.Module:
    return ARCHITECTURES[arch](**kwargs)


def checkpoint_weights(ckpt: dict) -> dict[str, torch.Tensor]:
    """The weights a checkpoint's model runs with (a ``last.pt`` or slim weights): the EMA copy
    when the run kept one."""
    return ckpt.get("ema") or ckpt["model"]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
