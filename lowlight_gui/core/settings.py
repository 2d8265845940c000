"""A photo's edit settings, declared once: range, default, unit, label, help and CLI flag.

``Settings`` is an immutable value: every adjustable setting of a photo's development is one
field of it, and each field's declaration (a ``Spec`` in the field's metadata) is the only place
that says its range, default, unit, label, help text, CLI flag and queue-row label. The CLI's
options, the window's controls, saved settings, presets, queue rows and the XMP record of an
output are made from ``SPECS``; the pipeline (``core/pipeline.py``) takes a ``Settings``.
Adding a control is one ``setting(...)`` line here (plus a widget binding if it needs a special
widget).

Keys are the field names (``colour_noise``); the CLI flag is the key with dashes
(``--colour-noise``); presets and the XMP record use the keys.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .errors import LowlightError

Kind = Literal["percent", "ev", "stops"]


class Needs(NamedTuple):
    """What a model must have for a setting to apply (an ``Engine`` attribute), and what a
    person is told when it has not (the CLI's warning, the control's tooltip)."""

    capability: str  # "has_base": the engine's flag for the model part the setting drives
    why: str  # one sentence, from "this model ...", without the final full stop


@dataclass(frozen=True)
class Spec:
    """One setting's declaration (what ``setting`` stores in a field's metadata)."""

    key: str  # the field name; filled in by ``_specs``
    label: str  # the window's label: "Noise reduction"
    lo: float
    hi: float
    default: float | None  # None: chosen per photo ("Auto"); only where ``auto`` is True
    kind: Kind  # how a value is shown and stepped: 0..1 as percent, EV, or stops
    help: str  # one or two sentences: the CLI's --help and the control's tooltip
    short: str  # the queue row's label when not the default: "NR" -> "NR 50 %" ("": the value)
    auto: bool = False  # None is allowed and means "chosen per photo" (the CLI's "auto")
    cli_only_help: str = ""  # extra words for --help that the tooltip does not need
    needs: Needs | None = None  # a setting only some models can apply

    @property
    def flag(self) -> str:
        """The CLI's long option: ``--colour-noise``."""
        return "--" + self.key.replace("_", "-")

    @property
    def unit(self) -> str:
        return {"percent": "%", "ev": "EV", "stops": "stops"}[self.kind]

    @property
    def name(self) -> str:
        """How messages name the setting: its label, with the key when the two differ
        ("noise reduction (denoise)", "exposure")."""
        label = self.label.lower()
        return label if label == self.key else f"{label} ({self.key})"

    def check(self, value: Any) -> float | None:
        """``value`` as this setting's type within its range, or a ``LowlightError`` naming the
        setting (NaN, infinities and non-numbers are refused; None only for an Auto setting)."""
        if value is None:
            if self.auto:
                return None
            raise LowlightError(f"{self.name} needs a number")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LowlightError(
                f"{self.name} must be a number"
                f"{' or auto' if self.auto else ''}, got {value!r}"
            )
        v = float(value)
        if not (math.isfinite(v) and self.lo <= v <= self.hi):
            raise LowlightError(
                f"{self.name} must be between {self.bounds()}, got {v:g}"
            )
        return v

    def bounds(self) -> str:
        """'0 and 1', '-2 and +2 EV', '0 and 2 stops, or auto'."""
        if self.kind == "ev":
            text = f"{self.lo:+g} and {self.hi:+g} EV"
        elif self.kind == "stops":
            text = f"{self.lo:g} and {self.hi:g} stops"
        else:
            text = f"{self.lo:g} and {self.hi:g}"
        return text + (", or auto" if self.auto else "")

    def parse(self, text: str) -> float | None:
        """A value typed by a person (the CLI, a preset's string): ``auto`` for an Auto
        setting, else a number; a ``LowlightError`` that says what is wrong."""
        t = str(text).strip()
        if self.auto and t.lower() == "auto":
            return None
        try:
            value = float(t)
        except ValueError:
            raise LowlightError(
                f"{self.flag}: not a number{' or auto' if self.auto else ''}: {text!r}"
            ) from None
        return self.check(value)

    def format(self, value: float | None) -> str:
        """The value as a person reads it: '50 %', '+1.0 EV', '0.5 stops', 'Auto'."""
        if value is None:
            return "Auto"
        if self.kind == "percent":
            return f"{round(value * 100)} %"
        if self.kind == "ev":
            return f"{value:+.1f} EV".replace("-", "\u2212")
        return f"{round(value, 2):g} stops"

    def row_label(self, value: float | None) -> str | None:
        """The queue row's words for ``value`` ("NR 50 %"), or None at the default."""
        if value == self.default:
            return None
        return f"{self.short} {self.format(value)}".strip()


def setting(
    *,
    label: str,
    within: tuple[float, float],
    default: float | None,
    kind: Kind,
    help: str,
    short: str,
    cli_only_help: str = "",
    needs: Needs | None = None,
) -> Any:
    """A ``Settings`` field with its declaration (the key is filled in from the field name).
    ``within``: the lowest and highest value. A default of None makes it an Auto setting (None
    allowed: "chosen per photo")."""
    lo, hi = within
    spec = Spec(
        "", label, lo, hi, default, kind, help, short, default is None, cli_only_help, needs
    )
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True)
class Settings:
    """How one photo is developed. Immutable: ``replace`` gives a changed copy. Every value is
    checked against its declaration on construction."""

    exposure: float = setting(
        label="Exposure", within=(-2.0, 2.0), default=0.0, kind="ev", short="",
        help="Brighter (+) or darker (-) than the model's own estimate. Applied before the "
        "network, so a brighter choice is denoised rather than amplified.",
    )
    shadows: float | None = setting(
        label="Shadows", within=(0.0, 2.0), default=None, kind="stops", short="Shadows",
        help="Lift shadows and mid-tones by up to this many stops, white kept white, before "
        "the noise removal. Auto: lifted where lamps or a sky hold the exposure down and the "
        "photo stays dark, or its shadows stay black.",
        needs=Needs(
            "has_lift",
            "this model has no shadow lift (its file was made before Lowlight had this "
            "control), so shadows are brightened only with the rest of the photo; the shadows "
            "setting is ignored",
        ),
    )
    night_sky: float = setting(
        label="Night sky", within=(0.0, 1.0), default=1.0, kind="percent", short="Sky",
        help="How much a night sky above the scene keeps its own brightness while the ground "
        "comes up: 100 % keeps it as dark as photographed (denoised, in its colour), 0 "
        "brightens it with the rest. Photos without a night sky are not changed by it.",
        needs=Needs(
            "has_lift",
            "this model has no shadow lift (its file was made before Lowlight had this "
            "control), so the night sky is brightened with the rest; the night sky setting "
            "is ignored",
        ),
    )
    denoise: float = setting(
        label="Noise reduction", within=(0.0, 1.0), default=1.0, kind="percent", short="NR",
        help="How much of the model's noise removal to keep: 0 keeps the photo's grain and "
        "fine detail (brightened and colour-corrected all the same), 100 % is the model's "
        "full result.",
        needs=Needs(
            "has_base",
            "this model has no separate noise reduction (its file was made before Lowlight had "
            "this control), so it always removes noise in full; the noise reduction amount is "
            "ignored",
        ),
    )
    colour_noise: float = setting(
        label="Colour noise", within=(0.0, 1.0), default=0.0, kind="percent", short="Colour NR",
        help="Removes the colour blotches (tens of pixels wide) that very high-ISO photos keep "
        "after the noise removal; edges, real colours and luma are kept. 0 is off.",
        cli_only_help="about 0.6 s more for 24 MP",
    )
    strength: float = setting(
        label="Strength", within=(0.0, 1.0), default=1.0, kind="percent", short="Strength",
        help="Blends the original (0 %) with the full enhancement (100 %).",
    )

    def __post_init__(self) -> None:
        for spec in SPECS_BY_KEY.values() if _READY else _specs():
            object.__setattr__(self, spec.key, spec.check(getattr(self, spec.key)))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (keys as in ``SPECS``); unknown keys are refused."""
        unknown = sorted(set(changes) - set(SPECS_BY_KEY))
        if unknown:
            raise LowlightError(f"unknown setting: {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, float | None]:
        """Every setting by key (for presets, the settings store and the XMP record)."""
        return {spec.key: getattr(self, spec.key) for spec in SPECS}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, base: Settings | None = None) -> Settings:
        """``base`` (the defaults when None) with ``values`` applied; an unknown key or a bad
        value is refused with a ``LowlightError`` that names it. Strings are parsed as the CLI
        parses them (``"auto"``)."""
        unknown = sorted(set(values) - set(SPECS_BY_KEY))
        if unknown:
            raise LowlightError(
                f"unknown setting '{unknown[0]}' (known: {', '.join(SPECS_BY_KEY)})"
            )
        parsed = {
            k: SPECS_BY_KEY[k].parse(v) if isinstance(v, str) else SPECS_BY_KEY[k].check(v)
            for k, v in values.items()
        }
        return dataclasses.replace(base or cls(), **parsed)  # type: ignore[arg-type]

    def changed(self, other: Settings | None = None) -> tuple[str, ...]:
        """The keys whose value differs from ``other`` (the defaults when None)."""
        ref = other or DEFAULTS
        return tuple(s.key for s in SPECS if getattr(self, s.key) != getattr(ref, s.key))

    @property
    def is_default(self) -> bool:
        return not self.changed()

    def row_labels(self) -> tuple[str, ...]:
        """The queue row's words for what differs from the defaults: ("EV +1.0", "NR 50 %")."""
        labels = (spec.row_label(getattr(self, spec.key)) for spec in SPECS)
        return tuple(label for label in labels if label)


def unsupported(engine: Any) -> dict[str, str]:
    """The settings ``engine``'s model cannot apply at any value, each with why (``Spec.needs``)."""
    return {
        spec.key: spec.needs.why
        for spec in SPECS
        if spec.needs and not getattr(engine, spec.needs.capability, False)
    }


def _specs() -> tuple[Spec, ...]:
    return tuple(
        dataclasses.replace(f.metadata["spec"], key=f.name) for f in dataclasses.fields(Settings)
    )


_READY = False
SPECS: tuple[Spec, ...] = _specs()
SPECS_BY_KEY: dict[str, Spec] = {spec.key: spec for spec in SPECS}
_READY = True
DEFAULTS = Settings()
