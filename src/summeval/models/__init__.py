"""Model backends behind one interface, chosen by name from the registry."""

from summeval.models.registry import BACKENDS, create_backend

__all__ = ["BACKENDS", "create_backend"]
