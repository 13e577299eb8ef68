"""The configs and data sets that ship with summeval, found by name.

In an installed wheel they live under ``summeval/resources/`` (``configs/`` and ``data/``, the
repository's own folders, mapped in by pyproject.toml); in a source checkout they are the
repository's ``configs/`` and ``data/``. Either way ``summeval run base`` finds
``configs/base.yaml`` and the data it names, from any folder.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_SUFFIXES = (".yaml", ".yml")


def root() -> Path | None:
    """The folder holding the packaged ``configs/`` and ``data/``, or None if neither the
    wheel's resources nor a source checkout is there."""
    here = Path(__file__).resolve().parent
    wheel = here / "resources"
    if (wheel / "configs").is_dir():
        return wheel
    checkout = here.parent.parent  # src/summeval -> the repository
    if (checkout / "configs").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return None


def config_names() -> list[str]:
    """Names of the packaged configs (``base``, ``tiny``...), sorted."""
    base = root()
    if base is None:
        return []
    return sorted(p.stem for p in (base / "configs").iterdir() if p.suffix in CONFIG_SUFFIXES)


def packaged_config(name: str) -> Path | None:
    """The packaged config called ``name`` (``base`` or ``base.yaml``), or None. Only a bare
    name qualifies: anything with a folder in it is a path."""
    if not name or "/" in name or "\\" in name:
        return None
    base = root()
    if base is None:
        return None
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix in CONFIG_SUFFIXES else name
    for suffix in CONFIG_SUFFIXES:
        candidate = base / "configs" / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def describe(path: Path) -> str:
    """A packaged config's first comment line: what it runs."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        if line.strip():
            break
    return ""
