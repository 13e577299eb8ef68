"""Metrics computed from predictions and references."""
