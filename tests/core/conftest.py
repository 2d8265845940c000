"""Generic fixtures for tests that need image files (built in tmp_path, nothing committed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def rgb8(rng: np.random.Generator) -> np.ndarray:
    """A small, odd-sized random RGB uint8 image (H=37, W=53)."""
    return rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)


@pytest.fixture
def srgb_icc() -> bytes:
    """A real sRGB ICC profile, as a camera or editor would embed it."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def png_file(tmp_path: Path, rgb8: np.ndarray) -> Path:
    """An 8-bit RGB PNG of ``rgb8``."""
    path = tmp_path / "photo.png"
    Image.fromarray(rgb8).save(path)
    return path


@pytest.fixture
def jpeg_file(tmp_path: Path, rgb8: np.ndarray) -> Path:
    """A high-quality JPEG of ``rgb8``."""
    path = tmp_path / "photo.jpg"
    Image.fromarray(rgb8).save(path, quality=95)
    return path
