"""Text from job-poster images, through the system Tesseract (``ind`` + ``eng``).

Recruiters post the ad as a picture; the words that matter are in it. ``ocr_image`` takes
the image bytes and returns the recognised text for the classifier.

Hostile images: anything over ``MAX_PIXELS`` is refused before decoding (decompression
bombs), and images with a side over ``MAX_SIDE`` are downscaled before Tesseract sees
them. Tesseract runs with a timeout.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytesseract
from PIL import Image, UnidentifiedImageError

from classifiers.errors import OcrError, TesseractMissingError

log = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # ~ 8000 x 5000; larger posters are not ads, they are attacks
MAX_SIDE = 4_000  # Tesseract gains nothing from more; time grows with the area
_LANGUAGES = re.compile(r"^[a-z_]{3,}(\+[a-z_]{3,})*$")
_CMD_LOCK = threading.Lock()  # pytesseract keeps the binary path in a module global


def ocr_image(
    data: bytes,
    *,
    languages: str = "ind+eng",
    timeout: float = 20,
    tesseract_cmd: str = "tesseract",
) -> str:
    """Recognised text of an image (PNG, JPEG, WebP, ... anything Pillow reads).

    Raises ``OcrError`` for unreadable or oversized images and Tesseract failures,
    ``TesseractMissingError`` when the binary cannot be found.
    """
    if not _LANGUAGES.match(languages):
        raise ValueError(f"languages must look like 'ind+eng', got {languages!r}")
    image = _prepared(data)
    try:
        with _tesseract(tesseract_cmd):
            text = pytesseract.image_to_string(image, lang=languages, timeout=timeout)
    except pytesseract.TesseractNotFoundError as exc:
        raise TesseractMissingError(f"Tesseract not found at {tesseract_cmd!r}") from exc
    except (pytesseract.TesseractError, RuntimeError) as exc:  # timeout is a RuntimeError
        raise OcrError(f"Tesseract failed: {exc}") from exc
    finally:
        image.close()
    return str(text).strip()


@contextmanager
def _tesseract(cmd: str) -> Iterator[None]:
    with _CMD_LOCK:
        previous = pytesseract.pytesseract.tesseract_cmd
        pytesseract.pytesseract.tesseract_cmd = cmd
        try:
            yield
        finally:
            pytesseract.pytesseract.tesseract_cmd = previous


def _prepared(data: bytes) -> Image.Image:
    """The decoded image in greyscale, refused if too large, downscaled if too wide."""
    image = _opened(data)
    try:
        image.load()
        grey = image.convert("L")
    except (OSError, Image.DecompressionBombWarning) as exc:
        raise OcrError(f"image cannot be decoded: {exc}") from exc
    finally:
        image.close()
    if max(grey.size) > MAX_SIDE:
        grey.thumbnail((MAX_SIDE, MAX_SIDE))
    return grey


def _opened(data: bytes) -> Image.Image:
    """Open lazily (header only) and check the pixel count before anything is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
            raise OcrError(f"not a readable image: {exc}") from exc
        except Image.DecompressionBombWarning as exc:
            raise OcrError(f"image too large: {exc}") from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise OcrError(f"image too large: {width}x{height} pixels (limit {MAX_PIXELS})")
    return image
