"""An inert viewing copy of a captured page (``page.view.html``).

``page.html`` is kept byte for byte as captured: it is the evidence. Opened in a
browser it would run the criminals' scripts again, so the bundle also holds a copy to
look at, made with lxml's HTML parser: ``<script>`` and other active elements removed,
every ``on*`` handler attribute and every ``javascript:``/``vbscript:``/``data:`` link
dropped, ``<meta http-equiv="refresh">`` and ``<base>`` removed, and a
Content-Security-Policy that forbids scripts and any request to another host (so
opening the copy does not tell the page's authors that someone looked).
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
ACTIVE_TAGS = frozenset(
    ("script", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "base")
)
URL_ATTRIBUTES = frozenset(
    ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background")
    + ("srcset", "ping")
)
_SCRIPT_URL = re.compile(r"^(javascript|vbscript):", re.IGNORECASE)
_DATA_URL = re.compile(r"^data:", re.IGNORECASE)
# Where a data: URL is only a picture (kept); elsewhere it could be a page (dropped).
_IMAGE_ATTRIBUTES = ("src", "srcset", "poster", "background")
_CONTROL = re.compile(r"[\x00-\x20]+")


def inert_copy(html: bytes) -> bytes:
    """``html`` with scripts and automatic navigation taken out, as UTF-8 bytes."""
    if not html.strip():
        return _with_policy(lxml.html.document_fromstring("<html><body></body></html>"))
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    root = lxml.html.document_fromstring(html, parser=parser)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if _is_active(element):
            element.drop_tree()
        else:
            _strip_attributes(element)
    return _with_policy(root)


def _is_active(element: etree._Element) -> bool:
    tag = element.tag.lower()
    if tag in ACTIVE_TAGS:
        return True
    return tag == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh"


def _strip_attributes(element: etree._Element) -> None:
    for name in list(element.attrib):
        if _is_active_attribute(name.lower(), _CONTROL.sub("", element.attrib[name])):
            del element.attrib[name]


def _is_active_attribute(name: str, value: str) -> bool:
    """An event handler, or a link that runs script or opens a page from data."""
    if name.startswith("on") or name == "srcdoc":
        return True
    if name not in URL_ATTRIBUTES:
        return False
    return bool(_SCRIPT_URL.match(value)) or (
        name not in _IMAGE_ATTRIBUTES and bool(_DATA_URL.match(value))
    )


def _with_policy(root: etree._Element) -> bytes:
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    meta = etree.Element("meta", {"http-equiv": "Content-Security-Policy", "content": CSP})
    head.insert(0, meta)
    head.insert(0, etree.Element("meta", {"charset": "utf-8"}))
    return lxml.html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")
