"""The record an output carries of how it was made, in its XMP packet: the app's version, the
model (name, version, SHA-256 of its file), each setting (keys of ``SPECS``) and what the
pipeline decided (the exposure the network got, the shadow lift), in a namespace of our own.

The photo's own XMP (ratings, keywords, titles) is kept: the record is a second
``rdf:Description`` in the same packet (XMP allows several), and a record an earlier run left
(an output enhanced again) is replaced, not repeated. ``imageio.write_photo`` embeds the packet
in every format that holds XMP (JPEG APP1, PNG iTXt ``XML:com.adobe.xmp``, TIFF tag 700, WebP).

It looks like this (one attribute per item)::

    <rdf:Description rdf:about="" xmlns:lowlight="https://lowlight.app/ns/1.0/"
      lowlight:appVersion="0.9.0" lowlight:model="lowlight-unet" lowlight:modelVersion="3.3"
      lowlight:modelSHA256="..." lowlight:exposure="0.7" lowlight:shadows="auto" ...
      lowlight:chosenExposure="0.45" lowlight:shadowLift="0.8"/>
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from .. import __version__
from .settings import SPECS, Settings

if TYPE_CHECKING:
    from .pipeline import Decisions

log = logging.getLogger(__name__)

NS = "https://lowlight.app/ns/1.0/"
PREFIX = "lowlight"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_EMPTY_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    f' <rdf:RDF xmlns:rdf="{RDF}">\n'
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)
# the closing tag of the packet's rdf:RDF (any prefix), and a record written before
_RDF_END = re.compile(r"</(?:([A-Za-z_][\w.-]*):)?RDF\s*>")
_OLD_RECORD = re.compile(
    r"\s*<(?:[A-Za-z_][\w.-]*:)?Description\b[^>]*xmlns:"
    + PREFIX
    + r'="'
    + re.escape(NS)
    + r'"[^>]*/>'
)


def _number(value: float) -> str:
    return f"{value:.6g}"


def record_for(settings: Settings, decisions: Decisions | None, engine: Any) -> dict[str, str]:
    """The record of a development: {attribute name (without prefix): value}."""
    record = {"appVersion": __version__, **model_identity(engine)}
    for spec in SPECS:
        value = getattr(settings, spec.key)
        record[spec.key] = "auto" if value is None else _number(value)
    if decisions is not None:
        record["chosenExposure"] = _number(decisions.exposure)
        record["shadowLift"] = _number(decisions.shadows)
        record["nightSkyKept"] = _number(decisions.night_sky)
        if decisions.unchanged:
            record["unchanged"] = decisions.unchanged
    return record


_HASHES: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def model_identity(engine: Any) -> dict[str, str]:
    """The model's name, version (its ``lowlight.version`` metadata) and the SHA-256 of its
    file (computed once per file and modification)."""
    found: dict[str, str] = {}
    name = getattr(engine, "name", "")
    where = getattr(engine, "model_path", None)
    path = Path(where) if where is not None else None
    if name or path is not None:
        found["model"] = str(name) if name or path is None else path.stem
    version = getattr(engine, "version", "")
    if version:
        found["modelVersion"] = str(version)
    if path is not None:
        digest = _sha256(path)
        if digest:
            found["modelSHA256"] = digest
    return found


def _sha256(path: Path) -> str | None:
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        with _HASH_LOCK:
            if key not in _HASHES:
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                _HASHES[key] = h.hexdigest()
            return _HASHES[key]
    except OSError as exc:  # the record is told what is known; the photo is still written
        log.warning("cannot hash the model '%s': %s", path, exc)
        return None


def with_record(packet: bytes | None, record: Mapping[str, str]) -> bytes:
    """``packet`` (the photo's XMP, or None) with ``record`` added as a ``rdf:Description`` of
    our namespace, replacing one an earlier run added. A packet that cannot be extended (no
    ``rdf:RDF``, or not UTF-8) is replaced by one holding the record alone (logged)."""
    text = None
    if packet:
        try:
            text = packet.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("the photo's XMP is not UTF-8: the output's holds the record alone")
    if text is not None:
        text = _OLD_RECORD.sub("", text)
    ends = list(_RDF_END.finditer(text)) if text else []
    if text is None or not ends:
        if text and text.strip("\0 \r\n\t"):
            log.warning("the photo's XMP has no rdf:RDF: the output's holds the record alone")
        text = _EMPTY_PACKET
        ends = list(_RDF_END.finditer(text))
    end = ends[-1]
    rdf = f"{end.group(1)}:" if end.group(1) else ""
    attributes = "".join(
        f"\n    {PREFIX}:{key}={quoteattr(str(value))}" for key, value in record.items()
    )
    description = f'  <{rdf}Description {rdf}about="" xmlns:{PREFIX}="{NS}"{attributes}/>\n '
    return (text[: end.start()] + description + text[end.start() :]).encode("utf-8")


def read_record(packet: bytes | None) -> dict[str, str]:
    """The record in an XMP packet ({} when there is none): for tests and tools."""
    if not packet:
        return {}
    text = packet.decode("utf-8").strip("\0 \r\n\t")
    body = re.sub(r"<\?xpacket[^>]*\?>", "", text).strip()
    found: dict[str, str] = {}
    for element in ET.fromstring(body).iter():
        for name, value in element.attrib.items():
            if name.startswith("{" + NS + "}"):
                found[name[len(NS) + 2 :]] = value
    return found
