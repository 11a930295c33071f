"""Writing the files a tool is asked for: only there, never through a link the tool did not make.

Every file a tool writes (`--json FILE`, `--policies-dir DIR`, `mint-token --out DIR`) goes through
`write_file`: the last component is opened with `O_NOFOLLOW`, so a symbolic link planted where the
file goes is refused instead of followed to wherever it points; with `O_NONBLOCK`, so a FIFO without
a reader is refused instead of blocking forever; and only a regular file or a character device
(`/dev/null`, `/dev/stdout`) is written. Every failure is one `OutputError` naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class OutputError(Exception):
    """A file the user asked for cannot be written; the message names it and says why."""


def describe(error: OSError) -> str:
    """An OSError in words, never `None` (some carry no strerror)."""
    if error.errno == errno.ELOOP:
        return "it is a symbolic link (or a loop of them): not written through"
    if error.errno == errno.ENXIO:
        return "it is a FIFO or socket nobody reads"
    return error.strerror or type(error).__name__


def make_directory(directory: Path, what: str) -> None:
    """Create `directory` (and its parents) unless it exists as a directory."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {what} {directory}: {describe(error)}") from None


def write_file(path: Path, text: str, what: str) -> None:
    """Write `text` (UTF-8) to `path`, replacing a regular file's content; never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as error:
        raise OutputError(f"cannot write {what} {path}: {describe(error)}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
            raise OutputError(f"cannot write {what} {path}: it is not a regular file")
        if stat.S_ISREG(mode):
            os.ftruncate(descriptor, 0)
        data = text.encode("utf-8")
        written = 0
        while written < len(data):
            written += os.write(descriptor, data[written:])
    except OSError as error:
        raise OutputError(f"cannot write {what} {path}: {describe(error)}") from None
    finally:
        os.close(descriptor)
