"""Pure text classification: indicators, entities, verdicts. No Scrapy, SQLite or network."""

from classifiers.engine import MODEL_VERSION, THRESHOLD, classified_text, classify, classify_many

__all__ = ["MODEL_VERSION", "THRESHOLD", "classified_text", "classify", "classify_many"]
