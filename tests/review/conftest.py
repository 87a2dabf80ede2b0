"""Fixtures of the review-desk tests: a desk store with real rows, the app and a client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from review import create_app
from tests.support.review import SECRET, Desk, build_desk


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return build_desk(tmp_path)


@pytest.fixture
def app(desk: Desk) -> Flask:
    return create_app(desk.config, secret_key=SECRET)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
