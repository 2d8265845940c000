"""The output says how it was made: its XMP holds the app's version, the model and every setting
(core/xmp_record.py), in every format that holds XMP, beside the photo's own XMP."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from lowlight_gui import __version__
from lowlight_gui.core.batch import BatchOptions, collect_jobs, run_batch
from lowlight_gui.core.engine import Engine
from lowlight_gui.core.imageio import read_photo, write_photo
from lowlight_gui.core.settings import SPECS, Settings
from lowlight_gui.core.xmp_record import NS, read_record, record_for, with_record
from tests.conftest import smooth_noisy

TITLED = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
    '    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3">\n'
    '   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour &amp; lights</rdf:li>'
    "</rdf:Alt></dc:title>\n"
    "  </rdf:Description>\n"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    '<?xpacket end="w"?>'
).encode()

LOOK = Settings(exposure=0.6, shadows=None, denoise=0.4, colour_noise=0.3, strength=0.85)


DC = "{http://purl.org/dc/elements/1.1/}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def title_of(packet: bytes) -> str | None:
    body = packet.decode("utf-8").split("?>", 1)[1].rsplit("<?xpacket", 1)[0]
    li = ET.fromstring(body).find(f".//{DC}title//*[@{LANG}]")
    return None if li is None else li.text


def expect_settings(record: dict[str, str], settings: Settings) -> None:
    for spec in SPECS:
        value = getattr(settings, spec.key)
        assert record[spec.key] == ("auto" if value is None else f"{value:.6g}"), spec.key


@pytest.fixture
def titled_photo(tmp_path):
    path = tmp_path / "in" / "harbour.jpg"
    path.parent.mkdir()
    data = np.round(smooth_noisy(48, 64, seed=3) * 255).astype(np.uint8)
    Image.fromarray(data).save(path, quality=95, xmp=TITLED)
    return path


@pytest.mark.parametrize("fmt", ["jpg", "png", "tif", "webp"])
def test_every_output_format_records_the_settings_beside_the_photos_own_xmp(
    titled_photo, base_model, tmp_path, fmt
):
    engine = Engine(base_model, "CPU", threads=1)
    options = BatchOptions(output_dir=tmp_path / "out", fmt=fmt, tile=0, settings=LOOK)
    [done] = run_batch(collect_jobs([titled_photo], options), engine, options).done
    packet = read_photo(done.output).xmp
    assert packet is not None
    record = read_record(packet)
    expect_settings(record, LOOK)
    assert record["appVersion"] == __version__
    assert record["model"] == engine.name
    assert record["modelSHA256"] == hashlib.sha256(base_model.read_bytes()).hexdigest()
    assert float(record["chosenExposure"]) == pytest.approx(done.decisions.exposure, abs=1e-5)
    assert float(record["shadowLift"]) == pytest.approx(done.decisions.shadows, abs=1e-5)
    assert title_of(packet) == "Harbour & lights"  # the photo's own XMP is kept
    assert b'xmp:Rating="3"' in packet


def test_each_photo_records_its_own_settings(tmp_path, base_model):
    a = tmp_path / "a.png"
    b = tmp_path / "b.png"
    for path, seed in ((a, 1), (b, 2)):
        Image.fromarray(np.round(smooth_noisy(30, 40, seed=seed) * 255).astype(np.uint8)).save(path)
    own = Settings(exposure=1.5, shadows=0.5)
    options = BatchOptions(output_dir=tmp_path / "out", edits={a.resolve(): own})
    result = run_batch(collect_jobs([a, b], options), Engine(base_model, "CPU", 1), options)
    records = [read_record(read_photo(d.output).xmp) for d in result.done]
    expect_settings(records[0], own)
    expect_settings(records[1], Settings())


def test_enhancing_an_output_again_replaces_its_record():
    first = with_record(TITLED, {"exposure": "1", "appVersion": "0.0.1"})
    again = with_record(first, {"exposure": "-1", "note": 'a "quoted" <odd> & value'})
    assert again.count(NS.encode()) == 1
    assert read_record(again) == {"exposure": "-1", "note": 'a "quoted" <odd> & value'}
    assert title_of(again) == "Harbour & lights"


@pytest.mark.parametrize(
    "packet", [None, b"", b"\0\0 ", b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", b"\xff\xfe not utf-8"]
)
def test_a_photo_without_usable_xmp_gets_a_packet_of_its_own(packet):
    out = with_record(packet, {"exposure": "0.5"})
    assert out.startswith(b"<?xpacket begin=") and out.rstrip().endswith(b'<?xpacket end="w"?>')
    assert read_record(out) == {"exposure": "0.5"}


def test_a_packet_with_another_rdf_prefix_is_extended_with_that_prefix():
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><r:RDF '
        b'xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><r:Description r:about="" '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5"/></r:RDF></x:xmpmeta>'
    )
    out = with_record(packet, {"strength": "1"})
    assert read_record(out) == {"strength": "1"} and b'xmp:Rating="5"' in out
    assert b"<r:Description r:about=" in out.split(b"xmp:Rating")[1]


def test_the_record_names_what_was_left_unchanged(tmp_path, base_model):
    from lowlight_gui.core.pipeline import plan

    data = np.round(smooth_noisy(30, 40, seed=1) * 255).astype(np.uint8)
    engine = Engine(base_model, "CPU", 1)
    decided = plan(data, engine, Settings(strength=0.0)).decisions
    record = record_for(Settings(strength=0.0), decided, engine)
    assert record["unchanged"] == "strength 0: left unchanged" and record["strength"] == "0"


def test_bmp_cannot_hold_the_record_and_says_so(tmp_path):
    photo = read_photo(_png(tmp_path))
    write_photo(photo, photo.pixels, tmp_path / "out.bmp", record={"exposure": "1"})
    assert any("BMP cannot store EXIF data, XMP" in n for n in photo.notes)


def _png(tmp_path):
    path = tmp_path / "p.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path)
    return path
