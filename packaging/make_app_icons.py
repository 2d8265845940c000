"""Write the platform icons the packaged app needs from the PNGs in resources/icons/:
``lowlight.ico`` (Windows executable) and ``lowlight.icns`` (macOS bundle).

    python packaging/make_app_icons.py

build.spec runs this when the files are missing. Pillow writes both formats.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def make_icons(folder: Path = ICONS) -> tuple[Path, Path]:
    big = next(
        (folder / f"lowlight-{s}.png" for s in (1024, 512, 256) if (folder / f"lowlight-{s}.png").is_file()),
        None,
    )
    if big is None:
        raise FileNotFoundError(f"no lowlight-512.png or lowlight-256.png in {folder}")
    img = Image.open(big).convert("RGBA")
    ico, icns = folder / "lowlight.ico", folder / "lowlight.icns"
    img.save(ico, sizes=ICO_SIZES)  # Pillow resizes the large PNG for each entry
    img.save(icns)  # sizes up to the source size (512 -> 16..512)
    return ico, icns


if __name__ == "__main__":
    for path in make_icons():
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
