"""Start-up checks: can this machine enhance photos at all? (model present, a provider works)."""

from __future__ import annotations

from pathlib import Path


def check_enhancement(model_path: Path | None) -> tuple[list[str], str | None]:
    """(available providers, problem) where problem is a message for a person, or None if fine.

    Loads the model once on the CPU provider: that catches a missing, empty or corrupt file and
    a broken ONNX Runtime install before the user queues a hundred photos.
    """
    try:
        from lowlight_gui.core.engine import Engine, available_providers
        from lowlight_gui.core.errors import LowlightError
    except Exception as exc:  # noqa: BLE001 - e.g. onnxruntime missing or broken
        return [], f"ONNX Runtime could not be loaded ({exc}). Reinstall Lowlight."
    try:
        providers = available_providers()
    except Exception as exc:  # noqa: BLE001 - a broken install, said plainly
        return [], f"ONNX Runtime could not list its execution providers ({exc})."
    if not providers:
        return [], "ONNX Runtime reports no execution provider on this machine."
    if model_path is None:
        from lowlight_gui.resources import default_model_path

        model_path = default_model_path()
    if not Path(model_path).is_file():
        return providers, (
            f"The enhancement model was not found at:\n{model_path}\n\n"
            "Reinstall Lowlight, or set LOWLIGHT_MODEL to the path of lowlight_unet.onnx. "
            "You can still browse photos; enhancing is turned off."
        )
    try:
        Engine(model_path, provider="CPU", threads=1)
    except LowlightError as exc:
        return (
            providers,
            f"The enhancement model cannot be used: {exc}.\n\nEnhancing is turned off.",
        )
    except Exception as exc:  # noqa: BLE001 - any provider failure disables enhancing
        return (
            providers,
            f"No execution provider could run the model ({exc}).\n\nEnhancing is turned off.",
        )
    return providers, None
