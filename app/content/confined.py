"""Reading curriculum and lab files without ever leaving their folder.

Every file the content loader reads, lists or writes goes through this module, so a new
loader gets the same rules by default:

- a path is relative; once ``.`` and ``..`` are folded in, it stays inside its root (a
  course folder, ``frameworks/``, ``labs/``): an absolute path or one that climbs out is
  refused (``E-UNSAFE-PATH``);
- no component below the root, and not the root's own last component, is a symbolic link,
  wherever it points (``E-SYMLINK``): each one is opened with ``O_NOFOLLOW`` relative to its
  parent, so a link swapped in between a check and a read is refused too;
- what is read is a regular file (``E-SPECIAL-FILE`` for a FIFO, device or socket, which
  could hang a read or stream forever), no larger than the caller's limit (``E-TOO-LARGE``).

The root itself is trusted configuration: callers resolve a configured root once
(``Path(...).resolve()``) and pass folders below it as they are.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import BinaryIO

from app.content.limits import describe

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_MISSING = "E-MISSING-FILE"


class Refused(Exception):
    """A path the content loader will not read; *code* is its problem code.

    *path* is the offending file or folder when there is one (a link, a FIFO, a file too
    large); None when the fault is in the path as written (absolute, ``..``, missing), so
    the problem belongs where the path was written.
    """

    def __init__(self, code: str, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Entry:
    """One thing found in a folder, not followed if it is a link."""

    path: PurePosixPath  # relative to the root that was listed
    kind: str  # "file", "dir", "symlink" or "other"
    size: int
    refused: Refused | None = field(default=None, compare=False)  # set for links and others


def relative(path: str | PurePath, *, base: str | PurePath = ".") -> PurePosixPath:
    """Fold *path* (relative to *base*, itself relative to a root) into a path under the root.

    Raises Refused(E-UNSAFE-PATH) for an absolute path, a NUL byte, or ``..`` that climbs
    above the root.
    """
    text = str(path)
    if "\0" in text:
        raise Refused("E-UNSAFE-PATH", f"{text!r} contains a NUL byte")
    if PurePosixPath(text).is_absolute():
        raise Refused("E-UNSAFE-PATH", f"'{text}' is an absolute path; write it relative")
    parts: list[str] = []
    for part in (*PurePosixPath(str(base)).parts, *PurePosixPath(text).parts):
        if part == "..":
            if not parts:
                raise Refused("E-UNSAFE-PATH", f"'{text}' leads outside its folder")
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return PurePosixPath(*parts)


def kind(root: Path, path: str | PurePath) -> str | None:
    """``"file"`` or ``"dir"`` for *path* under *root*; None when nothing is there.

    Raises Refused for an unsafe path, a link or a special file.
    """
    rel = relative(path)
    try:
        fd = _open_dir(root, rel.parts[:-1])
    except Refused as exc:
        if exc.code == _MISSING:
            return None
        raise
    try:
        if not rel.parts:
            return "dir"
        info = os.stat(rel.name, dir_fd=fd, follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    finally:
        os.close(fd)
    found = _kind(info)
    if found in ("file", "dir"):
        return found
    raise _refusal(found, root / rel, lambda: os.readlink(root / rel))


@contextmanager
def open_file(root: Path, path: str | PurePath) -> Iterator[BinaryIO]:
    """Open the regular file *path* under *root* for reading in binary."""
    rel = relative(path)
    if not rel.parts:
        raise Refused(_MISSING, f"'{path}' names no file")
    folder = _open_dir(root, rel.parts[:-1])
    try:
        fd = _open_at(folder, rel.name, _FILE, root / rel)
    finally:
        os.close(folder)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            found = _kind(info)
            if found == "dir":
                raise Refused(_MISSING, f"'{rel}' is a folder, not a file")
            raise _refusal(found, root / rel, lambda: "")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_bytes(root: Path, path: str | PurePath, *, limit: int) -> bytes:
    """The bytes of the regular file *path* under *root*; Refused if over *limit* bytes."""
    with open_file(root, path) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(limit + 1) if size <= limit else b""
        if size > limit or len(data) > limit:
            raise too_large(root / relative(path), max(size, len(data)), limit)
    return data


def read_text(root: Path, path: str | PurePath, *, limit: int) -> str:
    """The UTF-8 text of *path* under *root* (UnicodeDecodeError if it is not UTF-8)."""
    return read_bytes(root, path, limit=limit).decode("utf-8")


def too_large(path: Path, size: int, limit: int) -> Refused:
    message = f"'{path.name}' is {size:,} bytes; the limit is {describe(limit)}"
    return Refused("E-TOO-LARGE", message, path)


def listdir(root: Path, path: str | PurePath = ".") -> list[Entry]:
    """What the folder *path* under *root* holds, sorted; empty if there is no such folder."""
    rel = relative(path)
    try:
        fd = _open_dir(root, rel.parts)
    except Refused as exc:
        if exc.code == _MISSING:
            return []
        raise
    try:
        with os.scandir(fd) as found:
            entries = [_entry(root, rel, item) for item in found]
    finally:
        os.close(fd)
    return sorted(entries, key=lambda entry: entry.path)


def walk(root: Path, path: str | PurePath = ".") -> list[Entry]:
    """Everything below the folder *path* under *root*, never entering a linked folder."""
    found: list[Entry] = []
    pending = [relative(path)]
    while pending:
        for entry in listdir(root, pending.pop()):
            found.append(entry)
            if entry.kind == "dir":
                pending.append(entry.path)
    return sorted(found, key=lambda entry: entry.path)


def replace_file(root: Path, path: str | PurePath, data: bytes) -> None:
    """Write *path* under *root* atomically; a link already there is replaced, not followed."""
    rel = relative(path)
    folder = _open_dir(root, rel.parts[:-1])
    temporary = f".{rel.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temporary, _NEW, 0o644, dir_fd=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, rel.name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=folder)
        raise
    finally:
        os.close(folder)


def _open_dir(root: Path, parts: tuple[str, ...]) -> int:
    """Open *root*, then each folder of *parts* inside the previous one, following no link."""
    fd = _open_at(None, str(root), _DIR, root)
    for index, part in enumerate(parts):
        try:
            inner = _open_at(fd, part, _DIR, root.joinpath(*parts[: index + 1]))
        finally:
            os.close(fd)
        fd = inner
    return fd


def _open_at(folder: int | None, name: str, flags: int, shown: Path) -> int:
    try:
        return os.open(name, flags, dir_fd=folder)
    except (FileNotFoundError, NotADirectoryError) as exc:
        if isinstance(exc, NotADirectoryError) and _is_link(folder, name):
            raise _refusal("symlink", shown, lambda: os.readlink(name, dir_fd=folder)) from None
        raise Refused(_MISSING, f"no file or folder '{shown.name}'") from None
    except OSError as exc:
        if _is_link(folder, name):
            raise _refusal("symlink", shown, lambda: os.readlink(name, dir_fd=folder)) from None
        raise Refused(_MISSING, f"cannot read '{shown.name}': {exc.strerror}") from None


def _is_link(folder: int | None, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _kind(info: os.stat_result) -> str:
    if stat.S_ISREG(info.st_mode):
        return "file"
    if stat.S_ISDIR(info.st_mode):
        return "dir"
    return "symlink" if stat.S_ISLNK(info.st_mode) else "other"


def _entry(root: Path, folder: PurePosixPath, item: os.DirEntry) -> Entry:
    rel = folder / item.name
    info = item.stat(follow_symlinks=False)
    found = _kind(info)
    refused = None
    if found in ("symlink", "other"):
        refused = _refusal(found, root / rel, lambda: os.readlink(root / rel))
    return Entry(rel, found, info.st_size, refused)


def _refusal(found: str, path: Path, target) -> Refused:
    if found == "symlink":
        try:
            where = f" (to {target()})"
        except OSError:
            where = ""
        message = f"'{path.name}' is a symbolic link{where}; links are refused, copy the file"
        return Refused("E-SYMLINK", message, path)
    message = f"'{path.name}' is not a regular file (a FIFO, device or socket)"
    return Refused("E-SPECIAL-FILE", message, path)
