"""``python -m crawler`` is the ``pantau`` command."""

from crawler.cli import main

main(prog_name="pantau")
