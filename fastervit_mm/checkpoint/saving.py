# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Atomic file writes: a kill while saving never leaves a truncated file under the final name.

:func:`atomic_write` writes to a hidden temporary file in the same directory (named with
:data:`TMP_MARK` and the writer's pid), flushes and ``fsync``-s it, renames it onto the final name
with :func:`os.replace` (atomic on POSIX and Windows) and syncs the directory entry.
:func:`remove_stale_temporaries` deletes what killed writers left behind. The mmengine side (a
file backend and ``AtomicCheckpointHook``) is in :mod:`fastervit_mm.engine.checkpoint`.
"""

import os
import os.path as osp
import secrets
from typing import Union

__all__ = ['TMP_MARK', 'atomic_write', 'remove_stale_temporaries']

#: Marker in the names of temporary files (``.<name>.fvmm-tmp-<pid>-<random>``).
TMP_MARK = '.fvmm-tmp-'


def _fsync_dir(folder: str) -> None:
    """Persist a rename in ``folder`` (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: Union[str, os.PathLike], data: Union[bytes, memoryview, str], fsync: bool = True
) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either the old or the complete new data.

    Args:
        path (str | PathLike): Destination; its directory is created if needed.
        data (bytes | memoryview | str): Content (str is written as UTF-8).
        fsync (bool): Flush the data and the directory entry to disk before returning, so a
            power loss cannot leave a renamed but empty file. Defaults to True.
    """
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode('utf-8')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}')
    # os.open with 0o666 leaves the permissions to the umask, as open() would (mkstemp: 0o600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), 0o666)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    if fsync:
        _fsync_dir(folder)


def _writer_alive(name: str) -> bool:
    """Whether the process that created temporary file ``name`` still runs (on this host)."""
    try:
        pid = int(name.split(TMP_MARK, 1)[1].split('-', 1)[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except OSError:  # e.g. PermissionError: the pid exists
        return True
    return pid != os.getpid()


def remove_stale_temporaries(folder: str) -> int:
    """Delete the temporary files that killed runs left in ``folder``; return how many.

    Files of a process that is still running on this host are kept.
    """
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if name.startswith('.') and TMP_MARK in name and not _writer_alive(name):
            try:
                os.remove(osp.join(folder, name))
                removed += 1
            except OSError:
                pass
    return removed
