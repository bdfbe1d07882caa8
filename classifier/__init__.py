"""blocktag: tag the blocks of scraped article pages as body, caption, byline, ..."""

__version__ = "0.1.0"
