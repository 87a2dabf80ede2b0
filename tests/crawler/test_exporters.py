"""Pantau's JSON Lines feed writes exactly what Scrapy's own exporter writes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from scrapy.exporters import JsonLinesItemExporter

from crawler.exporters import JsonLinesExporter
from crawler.items import PostItem

POST = PostItem(
    text="Dicari admin ke Kamboja\n\nGaji 15 juta — WA 0812",
    platform="telegram",
    post_id="lokerluarnegeri/1201",
    images=["https://cdn.example/a.jpg"],
    forwarded_from={"name": "Info Loker", "url": None},
    views=1200,
    posted_at=None,
)


def export(exporter_class: type[JsonLinesItemExporter], item: Any, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    exporter = exporter_class(out, encoding="utf-8", **kwargs)
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


@pytest.mark.parametrize(
    ("item", "kwargs"),
    [
        (POST, {}),
        (PostItem(post_id="x/1"), {}),
        (POST, {"fields_to_export": ["post_id", "text"]}),
        (POST, {"export_empty_fields": True}),
        ({"post_id": "x/1", "text": "dict item"}, {}),
    ],
)
def test_the_same_bytes_as_scrapys_exporter(item: Any, kwargs: dict[str, Any]) -> None:
    assert export(JsonLinesExporter, item, **kwargs) == export(
        JsonLinesItemExporter, item, **kwargs
    )
