"""summeval: evaluate summarisation models with exact, reproducible ROUGE."""

__version__ = "0.1.0"
