"""OCR of job posters through the system Tesseract, on posters rendered here with Pillow."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from classifiers.ocr import MAX_PIXELS, OcrError, TesseractMissingError, ocr_image

FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
]
POSTER_LINES = [
    "LOWONGAN KERJA",
    "KAMBOJA",
    "ADMIN / CS ONLINE",
    "GAJI 1000 USD",
    "TIKET GRATIS",
    "HUBUNGI WA SEKARANG",
]

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="system Tesseract is not installed"
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _poster(lines: list[str], scale: int = 1, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (1200 * scale, 110 * len(lines) * scale + 80), "white")
    draw = ImageDraw.Draw(image)
    font = _font(64 * scale)
    for number, line in enumerate(lines):
        draw.text((60, 40 + number * 110 * scale), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: the header is enough to be refused."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + ihdr


@needs_tesseract
@pytest.mark.parametrize("word", ["KAMBOJA", "GAJI", "USD", "LOWONGAN", "TIKET"])
def test_poster_text_is_recognised(word: str) -> None:
    assert word in ocr_image(_poster(POSTER_LINES)).upper()


@needs_tesseract
@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_other_formats_are_read(fmt: str) -> None:
    assert "KAMBOJA" in ocr_image(_poster(POSTER_LINES, fmt=fmt)).upper()


@needs_tesseract
def test_large_poster_is_downscaled_and_read() -> None:
    assert "KAMBOJA" in ocr_image(_poster(POSTER_LINES, scale=4)).upper()


def test_missing_tesseract_has_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(TesseractMissingError):
        ocr_image(_poster(["KAMBOJA"]), tesseract_cmd=str(tmp_path / "no-tesseract"))


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", _png_header_only(20_000, MAX_PIXELS // 20_000 + 10)],
    ids=["empty", "text", "decompression-bomb"],
)
def test_bad_or_hostile_images_are_refused(data: bytes) -> None:
    with pytest.raises(OcrError):
        ocr_image(data)


@pytest.mark.parametrize("languages", ["", "ind;rm -rf", "eng+", "../../etc"])
def test_language_string_is_checked(languages: str) -> None:
    with pytest.raises(ValueError):
        ocr_image(_poster(["KAMBOJA"]), languages=languages)
