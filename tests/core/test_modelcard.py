"""The model card in brief: one summary for `lowlight info` and the About dialog."""

from __future__ import annotations

from lowlight_gui.core.modelcard import read_model_card, summarize_model_card

CARD = """
# Lowlight U-Net (x.onnx)

<!-- generated -->
A small U-Net trained on
paired photos.

## Training
lots of detail

## Evaluation results
| set | PSNR |
|---|---|
| LOL | 21.3 dB |

## Speed
0.4 s per megapixel
"""


def test_summary_for_info_and_about():
    card = summarize_model_card(CARD)
    assert card.title == "Lowlight U-Net (x.onnx)"
    assert card.text() == "A small U-Net trained on paired photos."  # `lowlight info`
    assert [h for h, _ in card.figures] == ["Evaluation results", "Speed"]
    md = card.markdown()  # the About dialog
    assert md.startswith("#### Lowlight U-Net (x.onnx)\nA small U-Net trained on\npaired photos.")
    assert "##### Evaluation results\n| set | PSNR |" in md and "| LOL | 21.3 dB |" in md
    assert md.endswith("##### Speed\n0.4 s per megapixel")
    assert "lots of detail" not in md and "generated" not in md


def test_a_card_without_title_or_prose(tmp_path):
    assert summarize_model_card("- only\n- a list\n").text() == ""
    assert summarize_model_card("Just prose.\n").markdown() == "Just prose."
    assert read_model_card(tmp_path / "missing.md") is None
