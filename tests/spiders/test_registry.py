"""The spider registry: the same spiders as Scrapy's own loader finds, each crawl
importing only its own."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler import settings as project_settings
from spiders.registry import SPIDERS, SpiderRegistry
from tests.support import REPO


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings({"SPIDER_MODULES": project_settings.SPIDER_MODULES})


@pytest.fixture(scope="module")
def scrapy_loader(settings: Settings) -> SpiderLoader:
    return SpiderLoader.from_settings(settings)


def test_the_table_names_every_spider_scrapy_finds(scrapy_loader: SpiderLoader) -> None:
    assert sorted(SPIDERS) == sorted(scrapy_loader.list())


@pytest.mark.parametrize("name", sorted(SPIDERS))
def test_each_name_loads_the_class_scrapy_finds(
    settings: Settings, scrapy_loader: SpiderLoader, name: str
) -> None:
    assert SpiderRegistry(settings).load(name) is scrapy_loader.load(name)


def test_a_spider_missing_from_the_table_is_found_scrapys_way(settings: Settings) -> None:
    registry = SpiderRegistry(settings, table={"telegram": "spiders.telegram.TelegramSpider"})
    assert registry.load("rss").name == "rss"


def test_an_entry_naming_another_spider_is_not_trusted(settings: Settings) -> None:
    registry = SpiderRegistry(settings, table={"rss": "spiders.telegram.TelegramSpider"})
    assert registry.load("rss").name == "rss"


def test_an_unknown_name_is_a_key_error(settings: Settings) -> None:
    with pytest.raises(KeyError, match="Spider not found: nope"):
        SpiderRegistry(settings).load("nope")


def test_a_crawl_process_imports_only_its_spider() -> None:
    code = (
        "import json, sys\n"
        "from scrapy.utils.project import get_project_settings\n"
        "from scrapy.spiderloader import get_spider_loader\n"
        "get_spider_loader(get_project_settings()).load('telegram')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('spiders.'))))\n"
    )
    env = {"SCRAPY_SETTINGS_MODULE": "crawler.settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    assert "spiders.telegram" in loaded
    assert "spiders.rss" not in loaded
    assert "spiders.facebook" not in loaded
