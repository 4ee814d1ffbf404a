"""Function code on disk: each zip unpacked once per content hash, safely; layers merged as /opt.

AWS unpacks a function's zip into ``/var/task`` and its layers, in order, into ``/opt``. We unpack
into a directory per code hash under the service's root, which stands in for both.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import io
import os
import re
import shutil
import stat
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import InvalidParameterValueError
from .limits import UNZIPPED_CODE_LIMIT, ZIPPED_CODE_LIMIT

if TYPE_CHECKING:
    from .runtimes import PythonModuleSet

__all__ = ["CodeStore", "code_sha256", "runtime_site"]


def code_sha256(zip_bytes: bytes) -> str:
    return hashlib.sha256(zip_bytes).hexdigest()


class CodeStore:
    """Unpacks zips under ``root``; the same bytes are unpacked only once."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()

    def unpack(self, zip_bytes: bytes) -> Path:
        digest = code_sha256(zip_bytes)
        target = self.root / "code" / digest
        with self._lock:
            if not target.exists():
                _extract_zip(zip_bytes, target)
        return target

    def unpack_layers(self, layers: list[bytes]) -> Path | None:
        """Extract the layers in order into one directory (later layers win), like ``/opt``."""
        if not layers:
            return None
        digest = hashlib.sha256(b"".join(code_sha256(layer).encode() for layer in layers)).hexdigest()
        target = self.root / "opt" / digest
        with self._lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".opt-"))
                for layer in layers:
                    _extract_members(layer, staging, what="layer")
                staging.rename(target)
        return target


def _extract_zip(zip_bytes: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpacking-"))
    try:
        _extract_members(zip_bytes, staging, what="deployment package")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _extract_members(zip_bytes: bytes, dest: Path, *, what: str) -> None:
    if len(zip_bytes) > ZIPPED_CODE_LIMIT:
        raise InvalidParameterValueError(
            f"The {what} is {len(zip_bytes) / 1e6:.1f} MB zipped; Lambda accepts at most 50 MB. "
            "Move large dependencies into a layer or a container image.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    except zipfile.BadZipFile:
        raise InvalidParameterValueError(
            f"The {what} is not a valid zip file. Build it with `zip -r function.zip .` or let "
            "lab.deploy(code=...) build it for you.") from None
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > UNZIPPED_CODE_LIMIT:
            raise InvalidParameterValueError(
                f"The {what} unzips to more than 250 MB, Lambda's limit for code and layers.")
        for member in members:
            _extract_member(archive, member, dest)


def _extract_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path) -> None:
    name = PurePosixPath(member.filename)
    if name.is_absolute() or ".." in name.parts or re.match(r"^[A-Za-z]:", member.filename):
        raise InvalidParameterValueError(
            f"Zip entry {member.filename!r} points outside the package; rebuild the zip with "
            "relative paths only.")
    path = dest.joinpath(*name.parts)
    mode = member.external_attr >> 16
    if member.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if stat.S_ISLNK(mode):
        link = archive.read(member).decode()
        resolved = (path.parent / link).resolve()
        if not resolved.is_relative_to(dest.resolve()):
            raise InvalidParameterValueError(
                f"Zip entry {member.filename!r} is a symlink to {link!r}, outside the package.")
        os.symlink(link, path)
        return
    with archive.open(member) as source, open(path, "wb") as out:
        shutil.copyfileobj(source, out)
    # zipfile drops permissions; a custom runtime's `bootstrap` must stay executable.
    path.chmod((mode & 0o777) or 0o644)


_SITE_LOCK = threading.Lock()


def runtime_site(root: Path, modules: PythonModuleSet) -> Path:
    """A directory holding only what one Python runtime ships: symlinks, and stubs for missing modules.

    The worker's ``sys.path`` is the code, the layers and this directory, ahead of the standard
    library: nothing else of the lab's environment, so a handler that imports a package it did
    not package fails as on AWS. One directory per distinct module set, built once.
    """
    key = hashlib.sha256(repr((sorted(modules.distributions), sorted(modules.missing_stdlib))).encode())
    site = Path(root) / f"runtime-site-{key.hexdigest()[:12]}"
    with _SITE_LOCK:
        if not site.exists():
            staging = Path(tempfile.mkdtemp(dir=root, prefix=".runtime-site-"))
            for top_level in sorted(_top_level_names(modules.distributions)):
                (staging / top_level.name).symlink_to(top_level)
            for name in modules.missing_stdlib:
                (staging / f"{name}.py").write_text(_missing_module_stub(name))
            staging.rename(site)
    return site


def _missing_module_stub(name: str) -> str:
    # Found ahead of the lab's standard library, it fails the import with the error the runtime's
    # own Python gives for a module it does not have.
    return ("# This runtime's Python has no such module (see PYTHON_MODULE_SETS in lambda_lab/runtime/runtimes.py).\n"
            f"raise ModuleNotFoundError({f'No module named {name!r}'!r}, name={name!r})\n")


def _top_level_names(roots: tuple[str, ...]) -> set[Path]:
    seen: set[str] = set()
    pending = list(roots)
    found: set[Path] = set()
    while pending:
        name = re.split(r"[ ;<>=!~\[(]", pending.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                pending.append(requirement)
        for file in dist.files or []:
            first = file.parts[0]
            if first.endswith((".dist-info", ".egg-info", ".pth")) or first in ("..", "__pycache__", "bin"):
                continue
            found.add(Path(dist.locate_file(first)))
    return found
