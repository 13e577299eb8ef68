"""summeval: evaluate summarisation models with exact, reproducible ROUGE."""

__version__ = "0.2.0"
