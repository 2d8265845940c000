"""Draw the app icon (a dim moon and a bright sun split by a compare handle on a dark square)
and write lowlight.svg plus PNGs of the usual sizes. Re-run after changing the shapes:

    QT_QPA_PLATFORM=offscreen python resources/icons/make_icons.py

Shapes are built with QPainterPath boolean operations and written to SVG as plain paths, so the
SVG needs no clipPath (which some renderers, QtSvg included, handle poorly).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPainterPath
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
C, R = 128.0, 58.0  # centre and radius of the disc


def circle(cx: float, cy: float, r: float) -> QPainterPath:
    p = QPainterPath()
    p.addEllipse(QPointF(cx, cy), r, r)
    return p


def rect(x: float, y: float, w: float, h: float) -> QPainterPath:
    p = QPainterPath()
    p.addRect(QRectF(x, y, w, h))
    return p


def svg_d(path: QPainterPath) -> str:
    """QPainterPath -> SVG path data (moveTo / lineTo / cubic curveTo)."""
    out: list[str] = []
    i, n = 0, path.elementCount()
    while i < n:
        e = path.elementAt(i)
        if e.isMoveTo():
            out.append(f"M{e.x:.2f},{e.y:.2f}")
            i += 1
        elif e.isLineTo():
            out.append(f"L{e.x:.2f},{e.y:.2f}")
            i += 1
        else:  # curveTo followed by two CurveToData elements
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            out.append(f"C{e.x:.2f},{e.y:.2f} {c2.x:.2f},{c2.y:.2f} {end.x:.2f},{end.y:.2f}")
            i += 3
    return " ".join(out) + " Z"


def shapes() -> dict[str, QPainterPath]:
    left, right = rect(0, 0, C, 256), rect(C, 0, 128, 256)
    disc = circle(C, C, R)
    moon = disc.intersected(left).subtracted(circle(C + 16, C - 14, R - 2))
    sun = disc.intersected(right)
    rays = QPainterPath()
    for k in range(-2, 3):  # five rays fanning out on the right
        a = math.radians(k * 40)
        x0, y0 = C + (R + 14) * math.cos(a), C + (R + 14) * math.sin(a)
        x1, y1 = C + (R + 34) * math.cos(a), C + (R + 34) * math.sin(a)
        ray = QPainterPath()
        ray.moveTo(x0, y0)
        ray.lineTo(x1, y1)
        rays.addPath(ray)
    return {"moon": moon, "sun": sun, "rays": rays}


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#222b4d"/>
      <stop offset="1" stop-color="#0b0d18"/>
    </linearGradient>
    <radialGradient id="sun" cx="128" cy="128" r="58" gradientUnits="userSpaceOnUse">
      <stop offset="0" stop-color="#fff4c8"/>
      <stop offset="0.55" stop-color="#ffcb52"/>
      <stop offset="1" stop-color="#ff9830"/>
    </radialGradient>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="52" fill="url(#bg)"/>
  <path d="{rays}" stroke="#ffc13d" stroke-width="11" stroke-linecap="round" fill="none"/>
  <path d="{sun}" fill="url(#sun)"/>
  <path d="{moon}" fill="#9aa8d0"/>
  <line x1="128" y1="50" x2="128" y2="206" stroke="#ffffff" stroke-width="7" stroke-linecap="round"/>
</svg>
"""


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 (Qt needs one)
    s = shapes()
    rays = " ".join(
        f"M{s['rays'].elementAt(i).x:.2f},{s['rays'].elementAt(i).y:.2f}"
        f" L{s['rays'].elementAt(i + 1).x:.2f},{s['rays'].elementAt(i + 1).y:.2f}"
        for i in range(0, s["rays"].elementCount(), 2)
    )
    svg = SVG.format(rays=rays, sun=svg_d(s["sun"]), moon=svg_d(s["moon"]))
    (HERE / "lowlight.svg").write_text(svg, encoding="utf-8")
    renderer = QSvgRenderer(str(HERE / "lowlight.svg"))
    if not renderer.isValid():
        print("lowlight.svg is not valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(HERE / f"lowlight-{size}.png"))
    print(f"wrote lowlight.svg and {len(SIZES)} PNGs to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
