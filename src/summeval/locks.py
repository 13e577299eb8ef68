"""File locks between summeval processes (``filelock``): one run writes a results folder at a
time, and one process generates with a model's cache at a time, so two runs never generate
the same article twice nor write a cache line twice.

Each lock has an ``.owner`` file beside it (pid, host, start time) so that a process that
finds the lock taken can say who holds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from summeval.errors import UserError

RUN_LOCK = ".summeval.lock"


def _owner_file(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".owner")


def _write_owner(lock_path: Path) -> None:
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError):  # only used to name the holder in messages
        _owner_file(lock_path).write_text(json.dumps(info))


def describe_owner(lock_path: Path) -> str:
    """'(pid 123 on host, since ...)' for the process holding a lock, as far as known."""
    try:
        info = json.loads(_owner_file(lock_path).read_text())
        return f"(pid {info['pid']} on {info['host']}, since {info['started']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "(process unknown)"


@contextmanager
def _held(lock: FileLock, lock_path: Path) -> Iterator[None]:
    try:
        _write_owner(lock_path)
        yield
    finally:
        _owner_file(lock_path).unlink(missing_ok=True)
        lock.release()


@contextmanager
def run_folder_lock(run_dir: Path) -> Iterator[None]:
    """Hold a results folder for this run; another run of it is refused at once, naming the
    process that holds it."""
    path = run_dir / RUN_LOCK
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UserError(
            f"another summeval run {describe_owner(path)} is writing this results folder",
            where=str(run_dir),
            hint="wait for it to finish, or give this run another name (--run-name)",
        ) from None
    with _held(lock, path):
        yield


@contextmanager
def generation_lock(cache_file: Path, log: Callable[[str], None]) -> Iterator[None]:
    """Hold a model's generation cache while generating with it. A second process waits (and
    says so), then finds in the cache what the first generated."""
    path = cache_file.with_name(cache_file.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log(
            f"another summeval process {describe_owner(path)} is generating with this model; "
            "waiting for it, then reusing its generations"
        )
        lock.acquire()
    with _held(lock, path):
        yield
