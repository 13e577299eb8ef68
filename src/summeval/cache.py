"""Where summeval keeps derived files, and the generation cache that makes runs resumable.

The generation cache is one append-only JSONL file per model fingerprint under
``<cache root>/generations/``. Each line is one generation, keyed by a fingerprint of
everything that decides it (model identity, dtype, tokenizer, prompt text, requested decoding
settings, max input length). Lines are flushed and fsynced per batch, so a killed run loses
at most the batch in flight; a last line cut short by a kill is ignored on reading.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

CACHE_FORMAT = 1


def cache_root() -> Path:
    """``$SUMMEVAL_CACHE``, else ``$XDG_CACHE_HOME/summeval``, else ``~/.cache/summeval``."""
    env = os.environ.get("SUMMEVAL_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "summeval"


def build_once(target: Path, done: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """Build a folder once, safely when several processes want it at the same time: under a
    file lock, in a private temporary folder beside it, renamed into place when complete. A
    process that waited on the lock finds the folder done and builds nothing."""
    if done(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.with_name(target.name + ".lock"))):
        if done(target):
            return target
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
        try:
            build(tmp)
            shutil.rmtree(target, ignore_errors=True)
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def fingerprint(obj: Any) -> str:
    """SHA-256 of a JSON-able object in canonical form."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def model_fingerprint(identity: dict[str, Any]) -> str:
    return fingerprint({"format": CACHE_FORMAT, **identity})[:24]


def sample_key(
    model_fp: str, task: str, request: str, settings: dict[str, Any], max_input: int | None
) -> str:
    """The cache key of one generation."""
    return fingerprint(
        {
            "model": model_fp,
            "task": task,
            "request": request,
            "settings": settings,
            "max_input_tokens": max_input,
        }
    )


@dataclass
class GenerationCache:
    """One model's generations; ``enabled=False`` reads nothing and writes nothing."""

    folder: Path
    model_fp: str
    enabled: bool = True
    part: str | None = None  # a data-parallel rank's own file beside the model's (parallel.py)
    _records: dict[str, dict[str, Any]] | None = field(default=None, init=False, repr=False)

    @property
    def path(self) -> Path:
        if self.part is not None:
            return self.folder / f"{self.model_fp}.part-{self.part}.jsonl"
        return self.folder / f"{self.model_fp}.jsonl"

    def part_paths(self) -> list[Path]:
        """Rank files not yet merged into the model's file (left by a data-parallel run that
        died); the model's cache reads them too, so nothing they hold is generated again."""
        if self.part is not None or not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(f"{self.model_fp}.part-*.jsonl"))

    def with_part(self, part: str) -> GenerationCache:
        """The same model's cache, writing to a rank's own file."""
        return GenerationCache(self.folder, self.model_fp, self.enabled, part)

    @property
    def info_path(self) -> Path:
        return self.folder / f"{self.model_fp}.info.json"

    def load(self) -> dict[str, dict[str, Any]]:
        """All complete records by key (the last copy wins); broken lines are skipped.

        Read once per run (a model's tasks share it); ``append`` keeps it current."""
        if self._records is not None:
            return self._records
        if not self.enabled:
            return {}
        records: dict[str, dict[str, Any]] = {}
        for path in [*self.part_paths(), self.path]:  # the model's own file wins
            if path.exists():
                records.update(read_records(path))
        self._records = records
        return records

    def forget(self) -> None:
        """Drop what was read, so the next ``load`` reads the file again."""
        self._records = None

    def append(self, records: list[dict[str, Any]]) -> None:
        """Append records and make them durable before returning."""
        if not self.enabled or not records:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self._repair_tail()
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if self._records is not None:
            self._records.update((r["key"], r) for r in records)

    def _repair_tail(self) -> None:
        """Cut a partial last line (left by a kill) so new lines start clean."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            f.seek(0)
            content = f.read()
            f.seek(0)
            f.truncate(content.rfind(b"\n") + 1)

    def save_info(self, info: dict[str, Any]) -> None:
        if self.enabled:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.info_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(info, indent=2, default=str))
            os.replace(tmp, self.info_path)

    def load_info(self) -> dict[str, Any]:
        if not self.enabled or not self.info_path.exists():
            return {}
        try:
            return json.loads(self.info_path.read_text())
        except (OSError, json.JSONDecodeError):
            return {}


def read_records(path: Path) -> dict[str, dict[str, Any]]:
    """A cache file's complete records by key (the last copy wins); broken lines skipped."""
    records: dict[str, dict[str, Any]] = {}
    with path.open("rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # cut short by a kill
            try:
                rec = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(rec, dict) and "key" in rec:
                records[rec["key"]] = rec
    return records


def generations_folder(root: Path | None = None) -> Path:
    """``$SUMMEVAL_GENERATION_CACHE``, else ``<cache root>/generations``."""
    env = os.environ.get("SUMMEVAL_GENERATION_CACHE")
    if env and root is None:
        return Path(env).expanduser()
    return (root or cache_root()) / "generations"


def cache_summary(root: Path | None = None) -> list[dict[str, Any]]:
    """One entry per cached model: its label, records and size on disk."""
    folder = generations_folder(root)
    out = []
    for path in sorted(p for p in folder.glob("*.jsonl") if _MODEL_FILE.match(p.name)):
        cache = GenerationCache(folder, path.stem)
        info, records = cache.load_info(), cache.load()
        out.append(
            {
                "fingerprint": path.stem,
                "model": info.get("name", "?"),
                "source": info.get("model") or info.get("gguf_file") or "?",
                "records": len(records),
                "bytes": path.stat().st_size,
            }
        )
    return out


_MODEL_FILE = re.compile(r"^[0-9a-f]{24}\.jsonl$")
_OWN_FILE = re.compile(
    r"^([0-9a-f]{24})"
    r"(\.jsonl|\.part-[\w.-]+\.jsonl|\.info\.json|\.jsonl\.lock|\.jsonl\.lock\.owner)$"
)
_LOCK_SUFFIXES = (".jsonl.lock", ".jsonl.lock.owner")


def clear_generations(root: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Delete summeval's own cache files (``<fingerprint>.jsonl`` and ``.info.json``) and
    nothing else: the folder may be one the user keeps other files in
    (``$SUMMEVAL_GENERATION_CACHE``). A model whose cache lock a running process holds is
    left alone, and so are the lock files themselves (deleting one that is held, or waited
    on, would let a second process generate beside the first). Return the files removed and
    the lock files of the caches skipped because they are in use."""
    folder = generations_folder(root)
    if not folder.is_dir():
        return [], []
    by_model: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = _OWN_FILE.match(path.name)
        if path.is_file() and match and not path.name.endswith(_LOCK_SUFFIXES):
            by_model.setdefault(match.group(1), []).append(path)
    removed: list[Path] = []
    busy: list[Path] = []
    for fingerprint, files in by_model.items():
        lock_path = folder / f"{fingerprint}.jsonl.lock"
        lock = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            busy.append(lock_path)
            continue
        try:
            for path in files:
                path.unlink(missing_ok=True)
                removed.append(path)
        finally:
            lock.release()
    return removed, busy


def is_cache_file(path: Path) -> bool:
    """One of summeval's own files in the generation cache folder (generations, model info,
    locks); anything else there is the user's."""
    return bool(_OWN_FILE.match(path.name))
