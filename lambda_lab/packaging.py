"""Build a Lambda deployment package (a .zip) the way you would by hand, for ``lab.deploy(...)``.

    >>> from lambda_lab.packaging import build_zip
    >>> zip_bytes = build_zip(code='''
    ...     def handler(event, context):
    ...         return {"statusCode": 200}
    ... ''', handler="app.handler", runtime="python3.12")

The same inputs always give the same bytes, so the same code has the same ``CodeSha256`` and the
service does not redeploy it. AWS's guide to .zip packages, which this follows step by step:
https://docs.aws.amazon.com/lambda/latest/dg/python-package.html
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from .errors import InvalidParameterValueError, LambdaLabError
from .runtime.limits import ZIPPED_CODE_LIMIT

__all__ = ["build_zip", "default_cache_dir", "layer_zip"]

# `zip -X` and reproducible-build tools use the zip format's earliest date, so a rebuild of the
# same files hashes the same whenever it runs.
_FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".ipynb_checkpoints"})
_SKIPPED_FILES = frozenset({".DS_Store"})
_HANDLER_HINT = "handler must look like 'module.function', e.g. 'app.handler'"

# archive name -> (content, Unix permission bits)
_Entries = dict[str, tuple[bytes, int]]


def build_zip(*, code: str | None = None, path: str | os.PathLike | None = None, handler: str,
              runtime: str = "python3.12", requirements: Sequence[str] = (),
              files: Mapping[str, str | bytes] | None = None, cache_dir: os.PathLike | None = None,
              progress: Callable[[str], None] | None = None) -> bytes:
    """The zip bytes of a deployment package, from ``code`` (a string) or ``path`` (a file or folder).

    With ``code``, the file is named after the handler: ``app.handler`` gives ``app.py`` (python),
    ``index.handler`` gives ``index.js`` (nodejs; ``index.mjs`` if the code uses ``export``), and a
    ``provided.*`` runtime's code becomes its executable ``bootstrap``. ``files`` adds more files,
    ``requirements`` pip-installs packages next to your code (cached, so only the first build
    needs PyPI)::

        build_zip(path="my_function/", handler="app.handler", requirements=["requests==2.32.3"])

    AWS: https://docs.aws.amazon.com/lambda/latest/dg/configuration-function-zip.html
    """
    if (code is None) == (path is None):
        raise InvalidParameterValueError(
            "Pass exactly one of code= (your function's source as a string) or path= (a file or "
            "a folder to package).")
    own = _code_entries(code, handler, runtime) if code is not None else _path_entries(Path(path))
    extras = _extra_entries(files or {})
    clashes = sorted(own.keys() & extras.keys())
    if clashes:
        raise InvalidParameterValueError(
            f"{clashes[0]!r} comes both from {'code=' if code is not None else 'path='} and from "
            "files=; give each file once.")
    entries: _Entries = {}
    if requirements:  # last of the checks: pip is the slow part
        installed = _installed_requirements(runtime, requirements, cache_dir, progress or print)
        entries.update(_read_tree(installed, skip_top=frozenset({"bin"})))
    # Your own files go in after the dependencies and replace any file of the same name, as when
    # AWS's guide adds them with `zip -g` after zipping ./package.
    entries.update(own)
    entries.update(extras)
    return _check_size(_deterministic_zip(entries))


def layer_zip(*, files: Mapping[str, str | bytes] | None = None, path: str | os.PathLike | None = None) -> bytes:
    """A layer's zip from ``files`` (``{"extensions/my-extension": source}``) or a folder ``path``.

    Lambda unpacks a layer in /opt: ``python/`` is on the Python path, ``bin/`` on PATH, and each
    file in ``extensions/`` is started as an external extension (so it is made executable here).
    AWS: https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
    """
    if (files is None) == (path is None):
        raise InvalidParameterValueError("Pass exactly one of files= ({'extensions/name': source, ...}) or path= "
                                         "(a folder laid out as /opt: python/, bin/, extensions/).")
    entries = _extra_entries(files) if files is not None else _path_entries(Path(path))
    if not entries:
        raise InvalidParameterValueError("A layer needs at least one file.")
    return _check_size(_deterministic_zip(entries))


def python_layer_zip(requirements: Sequence[str], *, runtime: str = "python3.12",
                     progress: Callable[[str], None] | None = None) -> bytes:
    """A layer's zip of pip-installed ``requirements`` under ``python/``, where Lambda's Python finds them.

    AWS: https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html
    """
    installed = _installed_requirements(runtime, _normalized(requirements, runtime), None, progress or print)
    tree = _read_tree(installed, skip_top=frozenset({"bin"}))
    return _check_size(_deterministic_zip({f"python/{name}": entry for name, entry in tree.items()}))


def default_cache_dir() -> Path:
    """Where built requirements are kept: ``$LAMBDA_LAB_CACHE``, else ``~/.cache/lambda_lab``."""
    configured = os.environ.get("LAMBDA_LAB_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "lambda_lab"


# ----------------------------------------------------------------------------- your code ---

def _code_entries(code: str, handler: str, runtime: str) -> _Entries:
    # Learners write code indented inside a notebook cell's triple-quoted string.
    source = _dedent(code)
    if runtime.startswith("provided"):
        # A custom runtime's entry point is always `bootstrap`; the handler is only passed to it.
        return {"bootstrap": (source.encode(), 0o755)}
    return {_module_file(handler, runtime, source): (source.encode(), 0o644)}


def _module_file(handler: str, runtime: str, source: str) -> str:
    if runtime.startswith("python"):
        # awslambdaric splits at the LAST dot: "pkg.mod.handler" is function handler of pkg/mod.py.
        module, dot, function = handler.rpartition(".")
        suffix = ".py"
    elif runtime.startswith("nodejs"):
        # The Node.js runtime splits the base name at its FIRST dot: "index.a.b" is export a.b.
        directory, _, base = handler.rpartition("/")
        stem, dot, function = base.partition(".")
        module = f"{directory}/{stem}" if directory else stem
        suffix = ".mjs" if re.search(r"^export\b", source, re.MULTILINE) else ".js"
    else:
        raise InvalidParameterValueError(
            f"code= can name the file for python*, nodejs* and provided* runtimes, not {runtime!r}. "
            "Put your files in a folder and pass path= instead.")
    if not (dot and module and function):
        raise InvalidParameterValueError(f"{_HANDLER_HINT} (got {handler!r}).")
    name = _archive_name(module + suffix, what=f"handler {handler!r}")
    if runtime.startswith("python"):
        name = name.removesuffix(".py").replace(".", "/") + ".py"  # module pkg.mod is pkg/mod.py
    return name


def _path_entries(path: Path) -> _Entries:
    if not path.exists():
        raise InvalidParameterValueError(
            f"path {str(path)!r} does not exist (looked for {path.absolute()}). Check the name, or "
            "pass code= with your function's source instead.")
    if path.is_file():
        return {path.name: (path.read_bytes(), _mode_of(path))}
    entries = _read_tree(path)
    if not entries:
        raise InvalidParameterValueError(f"The folder {str(path)!r} holds no files to package.")
    return entries


def _extra_entries(files: Mapping[str, str | bytes]) -> _Entries:
    entries: _Entries = {}
    for name, content in files.items():
        archive_name = _archive_name(str(name), what="files=")
        data = content if isinstance(content, bytes) else _dedent(content).encode()
        entries[archive_name] = (data, 0o755 if _executable(archive_name) else 0o644)
    return entries


def _executable(archive_name: str) -> bool:
    """What Lambda must be able to run: a custom runtime's ``bootstrap``, a layer's ``extensions/*``."""
    pure = PurePosixPath(archive_name)
    return pure.name == "bootstrap" or (len(pure.parts) == 2 and pure.parts[0] == "extensions")


def _archive_name(name: str, *, what: str) -> str:
    pure = PurePosixPath(name.replace("\\", "/"))
    if not name or pure.is_absolute() or ".." in pure.parts or str(pure) == ".":
        raise InvalidParameterValueError(
            f"{what} names the file {name!r}; use a path relative to the package root, "
            "such as 'app.py' or 'lib/helpers.py'.")
    return str(pure)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).removeprefix("\n")


# ---------------------------------------------------------------------- folders on disk ---

def _read_tree(root: Path, *, skip_top: frozenset[str] = frozenset()) -> _Entries:
    """Every file under ``root`` by its path relative to it, leaving out caches and VCS folders."""
    entries: _Entries = {}
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        at_top = here == root
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS and not (at_top and d in skip_top)]
        for filename in filenames:
            if filename in _SKIPPED_FILES or filename.endswith(".pyc"):
                continue
            file = here / filename
            entries[file.relative_to(root).as_posix()] = (file.read_bytes(), _mode_of(file))
    return entries


def _mode_of(file: Path) -> int:
    # Only "executable or not" survives, so a umask or a checkout's permissions don't change the
    # zip's hash. A `bootstrap` is always executable: Lambda cannot start a custom runtime otherwise.
    executable = bool(file.stat().st_mode & 0o111) or file.name == "bootstrap"
    return 0o755 if executable else 0o644


def _deterministic_zip(entries: _Entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, on every OS, so the mode bits are read back
            info.external_attr = (mode | 0o100000) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _check_size(zip_bytes: bytes) -> bytes:
    if len(zip_bytes) > ZIPPED_CODE_LIMIT:
        raise InvalidParameterValueError(
            f"The deployment package is {len(zip_bytes) / 1024 / 1024:.1f} MB zipped; Lambda accepts "
            "at most 50 MB. Move large dependencies into a layer (or use a container image), and "
            "leave out files the function does not need.")
    return zip_bytes


# -------------------------------------------------------------------------- requirements ---

def _installed_requirements(runtime: str, requirements: Sequence[str], cache_dir: os.PathLike | None,
                            progress: Callable[[str], None]) -> Path:
    """A folder with ``requirements`` pip-installed in it, from the cache when it has them."""
    wanted = _normalized(requirements, runtime)
    # Where we depart from AWS: pip installs for *this* machine's Python and platform, since the
    # lab runs your function here. The cache key says so, so no other machine's build is reused.
    key_text = "\n".join([*wanted, f"{sys.version_info.major}.{sys.version_info.minor}", sys.platform])
    digest = hashlib.sha256(key_text.encode()).hexdigest()
    target = Path(cache_dir or default_cache_dir()) / "requirements" / digest
    if target.is_dir():
        progress(f"Using cached requirements ({', '.join(wanted)}) from {target}")
        return target
    progress(f"Installing {', '.join(wanted)} with pip ...")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Install beside the cache entry, then rename: an interrupted install never looks finished.
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".installing-"))
    try:
        _pip_install(wanted, staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # another build may have finished the same install first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _normalized(requirements: Sequence[str], runtime: str) -> list[str]:
    if isinstance(requirements, str):
        raise InvalidParameterValueError(
            f"requirements must be a list of pip requirements, e.g. [{requirements!r}].")
    if not runtime.startswith("python"):
        raise InvalidParameterValueError(
            f"requirements= installs Python packages with pip, so it needs a python* runtime, not "
            f"{runtime!r}. Package a {runtime} function's dependencies yourself and pass path=.")
    wanted = sorted({r.strip() for r in requirements if r.strip()})
    if not wanted:
        raise InvalidParameterValueError("requirements holds no package names, e.g. ['requests==2.32.3'].")
    return wanted


def _pip_install(requirements: list[str], target: Path) -> None:
    # AWS's guide: `pip install --target ./package <packages>`, then zip ./package's contents.
    command = [sys.executable, "-m", "pip", "install", "--target", str(target), "--no-input",
               "--disable-pip-version-check", "--quiet", *requirements]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-15:])
        raise LambdaLabError(
            f"pip could not install {', '.join(requirements)} (exit code {result.returncode}):\n"
            f"{tail}\n"
            "Check the package names and versions; pip needs PyPI to be reachable the first time; "
            "later builds use the cache.")


def moved_under(zip_bytes: bytes, prefix: str) -> bytes:
    """The same archive with every entry moved under ``prefix`` (a python layer's ``python/``)."""
    source, out = zipfile.ZipFile(io.BytesIO(zip_bytes)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            moved = copy.copy(info)
            moved.filename = prefix + info.filename
            target.writestr(moved, source.read(info))
    return out.getvalue()
