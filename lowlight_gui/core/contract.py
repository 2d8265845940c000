"""The ONNX model contract: the graph's input/output names and the metadata keys, in one place.

``training/export.py`` writes them, ``core/engine.py`` reads them, ``core/evaluate.py`` and the
CLI show them; docs/ARCHITECTURE.md describes what each means.
"""

from __future__ import annotations

# -- graph inputs and outputs --------------------------------------------------------------------
INPUT = "input"  # float32 (N, 3, H, W), sRGB 0..1; H, W multiples of the factor
GAIN = "gain"  # v1: float32 (N, 1, 1, 1), the photo's global gain
THUMB = "thumb"  # v2: float32 (1, 3, S, S), the whole photo's thumbnail for the exposure head
EXPOSURE = "exposure"  # v2: float32 (1,), EV offset of the head's estimate
# v3 (optional): float32 (1,), the shadow lift h >= 0 added to the head's highlight shoulder: the
# U-Net starts from y (1 + h) / (1 + h v), which raises shadows and mid-tones up to (1 + h) times
# and keeps white at white, so a photo whose lamps or sky set its exposure gets its dark parts up
# before they are denoised (the app chooses h: core/enhance.auto_lift). v = y channel by channel
# (v3 to v3.2), or the pixel's largest channel (v3.3: its three channels scaled alike, colours kept)
LIFT = "lift"
OUTPUT = "output"  # float32 (N, 3, H, W), 0..1
# v2: float32 (1, 5), the exposure head's conditioning (log gain, 3 log colour gains, log
# gamma); v3: (1, 15), the same five, then a 3x3 colour matrix's residual and a highlight
# shoulder. The app reads only the first value (the log gain).
COND = "cond"
# v2 and later (optional): float32 like OUTPUT, 0..1: the photo the U-Net starts from (brightened,
# tone-mapped and colour-corrected by the head, not denoised), brought to OUTPUT's brightness and
# colour in the graph or, with META_BASE "raw", by the app;
# the app mixes it with OUTPUT for its noise-reduction amount. Models without it always remove
# noise in full.
BASE = "base"

# Inputs that condition the image input (v1: one scalar gain; v2: thumbnail and EV offset; v3:
# and the shadow lift).
CONDITION_INPUTS = frozenset({GAIN, THUMB, EXPOSURE, LIFT})
EXPOSURE_HEAD_INPUTS = frozenset({THUMB, EXPOSURE})

# -- metadata_props ------------------------------------------------------------------------------
META_NAME = "lowlight.name"
META_VERSION = "lowlight.version"
META_ARCH = "lowlight.arch"
META_FACTOR = "lowlight.factor"  # downsampling factor: tile sides are multiples of it
META_OVERLAP = "lowlight.overlap"  # pixels of context a tile needs on each side
# ... when only OUTPUT is asked for (optional; [META_OVERLAP]): base's low-pass reaches further
META_OVERLAP_OUTPUT = "lowlight.overlap_output"
# "raw": BASE is the U-Net's starting photo as it is, and the app gives it OUTPUT's low
# frequencies (engine.match_base) only when it mixes the two; absent: BASE is matched in the graph
META_BASE = "lowlight.base"
META_GAIN = "lowlight.gain"  # JSON of brightness.GainModel
META_STEPS = "lowlight.steps"  # training steps
META_HISTORY = "lowlight.history"  # JSON list of {step, train_psnr, val_psnr, ...}
META_EXPOSURE_HEAD = "lowlight.exposure_head"  # "1" for a v2 model with an exposure head
