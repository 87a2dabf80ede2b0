"""Pure text classification: indicators, entities, verdicts. No Scrapy, SQLite or network."""
