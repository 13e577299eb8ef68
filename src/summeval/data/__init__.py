"""Articles: readers for each source, cleaning, and the Article record."""

from summeval.data.article import Article, DataReport
from summeval.data.readers import load_articles

__all__ = ["Article", "DataReport", "load_articles"]
