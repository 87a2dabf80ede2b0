"""Draw the replica channel's small PNG posters into ``img/`` (run once; needs Pillow).

    .venv/bin/python pantau/sample_site/make_posters.py

The posters carry Indonesian job-ad text in large plain type so that OCR can read
them. Pillow is only needed to regenerate them; the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

POSTERS: dict[str, tuple[str, str, list[str]]] = {
    "poster_kamboja.png": (
        "#b71c1c",
        "#ffffff",
        [
            "LOWONGAN KERJA",
            "KAMBOJA",
            "ADMIN / CS ONLINE",
            "GAJI 15 JUTA",
            "TANPA PENGALAMAN",
            "TIKET DITANGGUNG",
            "WA +855 97 412 3388",
        ],
    ),
    "poster_arab.png": (
        "#1b5e20",
        "#ffffff",
        ["DICARI ART", "ARAB SAUDI", "VISA UMROH", "GAJI 6 JUTA", "DP 1 JUTA", "WA 0812 7788 4521"],
    ),
    "poster_myawaddy.png": (
        "#0d47a1",
        "#ffffff",
        ["OPERATOR KETIK CEPAT", "MYAWADDY", "GAJI 12-18 JUTA", "BERANGKAT BESOK", "CUKUP KTP"],
    ),
    "mess_myawaddy.png": ("#eceff1", "#263238", ["MESS KARYAWAN", "KAMAR BERSAMA", "4 ORANG"]),
    "video_sihanoukville.png": (
        "#212121",
        "#ffeb3b",
        ["KANTOR SIHANOUKVILLE", "MARKETING ONLINE", "GAJI DOLLAR", "SEMUA BIAYA DITANGGUNG"],
    ),
    "avatar.png": ("#1976d2", "#ffffff", ["LN"]),
}


def draw_poster(background: str, ink: str, lines: list[str], size: int = 480) -> Image.Image:
    """A square poster with ``lines`` centred, largest type that fits."""
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    font_size = size // max(len(lines) + 2, 4)
    font = ImageFont.truetype(str(FONT), font_size)
    while max(draw.textlength(line, font=font) for line in lines) > size * 0.9:
        font_size -= 2
        font = ImageFont.truetype(str(FONT), font_size)
    step = font_size * 1.35
    top = (size - step * len(lines)) / 2
    for row, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((size - width) / 2, top + row * step), line, font=font, fill=ink)
    return image


def main() -> None:
    (HERE / "img").mkdir(exist_ok=True)
    for name, (background, ink, lines) in POSTERS.items():
        size = 96 if name == "avatar.png" else 480
        draw_poster(background, ink, lines, size).save(HERE / "img" / name, optimize=True)


if __name__ == "__main__":
    main()
