"""Pure text classification: indicators, entities, verdicts. No Scrapy, SQLite or network."""

from classifiers.engine import MODEL_VERSION, THRESHOLD, classified_text, classify

__all__ = ["MODEL_VERSION", "THRESHOLD", "classified_text", "classify"]
