"""build_zip: file names per runtime, folders, permissions, determinism, errors, and pip requirements.

The pip tests never reach the network: they install a tiny wheel written here, by its file path.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from lambda_lab.errors import InvalidParameterValueError, LambdaLabError
from lambda_lab.packaging import build_zip, default_cache_dir
from lambda_lab.runtime.code import CodeStore

PY_SOURCE = "def handler(event, context):\n    return 'ok'\n"


def names(zip_bytes: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist()


def read(zip_bytes: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(zip_bytes)).read(name).decode()


def modes(zip_bytes: bytes) -> dict[str, int]:
    return {info.filename: info.external_attr >> 16 & 0o777
            for info in zipfile.ZipFile(io.BytesIO(zip_bytes)).infolist()}


def write(root: Path, files: dict[str, str], mode: int = 0o644) -> Path:
    for name, content in files.items():
        file = root / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content)
        file.chmod(mode)
    return root


# ------------------------------------------------------------------------ code= naming ---

@pytest.mark.parametrize("runtime, handler, source, expected", [
    ("python3.12", "app.handler", PY_SOURCE, "app.py"),
    ("python3.12", "lambda_function.lambda_handler", PY_SOURCE, "lambda_function.py"),
    ("python3.11", "src/app.handler", PY_SOURCE, "src/app.py"),
    ("python3.12", "pkg.mod.handler", PY_SOURCE, "pkg/mod.py"),           # awslambdaric: last dot
    ("python3.12", "./app.handler", PY_SOURCE, "app.py"),
    ("nodejs20.x", "index.handler", "exports.handler = async () => 'ok';\n", "index.js"),
    ("nodejs20.x", "index.handler", "export const handler = async () => 'ok';\n", "index.mjs"),
    ("nodejs22.x", "index.handler", "export default {};\n", "index.mjs"),
    ("nodejs20.x", "index.handler", "// not an export statement\n", "index.js"),
    ("nodejs20.x", "src/app.handler", "exports.handler = () => 1;\n", "src/app.js"),
    ("nodejs20.x", "index.api.get", "exports.api = {get: () => 1};\n", "index.js"),  # Node: first dot
    ("provided.al2023", "function.handler", "#!/bin/sh\necho hi\n", "bootstrap"),
    ("provided.al2", "anything", "#!/bin/sh\necho hi\n", "bootstrap"),         # handler is free-form
])
def test_code_file_is_named_after_handler_and_runtime(runtime, handler, source, expected):
    zip_bytes = build_zip(code=source, handler=handler, runtime=runtime)

    assert names(zip_bytes) == [expected]
    assert read(zip_bytes, expected) == source


@pytest.mark.parametrize("runtime, expected_mode", [("python3.12", 0o644), ("provided.al2023", 0o755)])
def test_code_file_mode(runtime, expected_mode):
    zip_bytes = build_zip(code="#!/bin/sh\n", handler="app.handler", runtime=runtime)

    assert list(modes(zip_bytes).values()) == [expected_mode]


def test_code_is_dedented_and_loses_its_leading_newline():
    code = """
        def handler(event, context):
            return {"statusCode": 200}
    """

    source = read(build_zip(code=code, handler="app.handler"), "app.py")

    assert source.startswith("def handler(event, context):\n    return")


def test_files_adds_extras_dedenting_text_and_keeping_bytes():
    zip_bytes = build_zip(code=PY_SOURCE, handler="app.handler", files={
        "lib/helpers.py": "\n    def helper():\n        return 1\n",
        "data/blob.bin": b"  \x00raw",
    })

    assert names(zip_bytes) == ["app.py", "data/blob.bin", "lib/helpers.py"]
    assert read(zip_bytes, "lib/helpers.py") == "def helper():\n    return 1\n"
    assert zipfile.ZipFile(io.BytesIO(zip_bytes)).read("data/blob.bin") == b"  \x00raw"


def test_custom_runtime_code_becomes_bootstrap_next_to_its_files():
    zip_bytes = build_zip(code="#!/bin/sh\n. ./function.sh\n", handler="function.handler",
                          runtime="provided.al2023",
                          files={"function.sh": "handler () { echo ok; }\n", "bin/bootstrap": "#!/bin/sh\n"})

    assert modes(zip_bytes) == {"bin/bootstrap": 0o755, "bootstrap": 0o755, "function.sh": 0o644}


# ----------------------------------------------------------------------------- path= ---

def test_directory_is_packaged_recursively_without_caches_and_vcs(tmp_path, monkeypatch):
    write(tmp_path / "my_function", {
        "app.py": PY_SOURCE,
        "lib/helpers.py": "X = 1\n",
        "data/config.json": "{}",
        "lib/__pycache__/helpers.cpython-312.pyc": "bytecode",
        "stray.pyc": "bytecode",
        ".git/config": "[core]",
        ".ipynb_checkpoints/app-checkpoint.py": "old",
        ".DS_Store": "finder",
        "lib/.DS_Store": "finder",
    })
    monkeypatch.chdir(tmp_path)

    zip_bytes = build_zip(path="my_function/", handler="app.handler")

    assert names(zip_bytes) == ["app.py", "data/config.json", "lib/helpers.py"]
    assert read(zip_bytes, "lib/helpers.py") == "X = 1\n"


def test_single_file_goes_in_under_its_base_name(tmp_path):
    source = write(tmp_path / "src", {"lambda_function.py": PY_SOURCE}) / "lambda_function.py"

    zip_bytes = build_zip(path=source, handler="lambda_function.lambda_handler")

    assert names(zip_bytes) == ["lambda_function.py"]


def test_path_and_files_combine(tmp_path):
    folder = write(tmp_path / "fn", {"app.py": PY_SOURCE})

    zip_bytes = build_zip(path=folder, handler="app.handler", files={"settings.json": "{}"})

    assert names(zip_bytes) == ["app.py", "settings.json"]


@pytest.mark.parametrize("name, disk_mode, expected", [
    ("bootstrap", 0o644, 0o755),   # always executable, or the custom runtime cannot start
    ("run.sh", 0o755, 0o755),
    ("tool", 0o700, 0o755),
    ("app.py", 0o644, 0o644),
    ("secret.txt", 0o600, 0o644),  # only "executable or not" is kept
])
def test_permissions_are_normalized_keeping_executable_bits(tmp_path, name, disk_mode, expected):
    folder = write(tmp_path / "fn", {name: "#!/bin/sh\n"}, mode=disk_mode)

    assert modes(build_zip(path=folder, handler="app.handler")) == {name: expected}
    assert modes(build_zip(path=folder / name, handler="app.handler")) == {name: expected}


def test_bootstrap_stays_executable_after_the_service_unpacks_it(tmp_path):
    folder = write(tmp_path / "fn", {"bootstrap": "#!/bin/sh\n"}, mode=0o755)

    code_dir = CodeStore(tmp_path / "store").unpack(build_zip(path=folder, handler="x", runtime="provided.al2023"))

    assert os.access(code_dir / "bootstrap", os.X_OK)


# ----------------------------------------------------------------------- determinism ---

def test_same_code_gives_identical_bytes_and_fixed_metadata():
    first = build_zip(code=PY_SOURCE, handler="app.handler", files={"a.txt": "a", "b.txt": "b"})
    second = build_zip(code=PY_SOURCE, handler="app.handler", files={"b.txt": "b", "a.txt": "a"})

    assert first == second
    assert first != build_zip(code=PY_SOURCE + "# changed\n", handler="app.handler")
    for info in zipfile.ZipFile(io.BytesIO(first)).infolist():
        assert (info.date_time, info.compress_type, info.create_system) == (
            (1980, 1, 1, 0, 0, 0), zipfile.ZIP_DEFLATED, 3)


def test_folders_written_in_a_different_order_and_time_give_identical_bytes(tmp_path):
    files = {"app.py": PY_SOURCE, "lib/a.py": "A = 1\n", "lib/b.py": "B = 2\n", "z.txt": "z"}
    forward = write(tmp_path / "forward", files)
    backward = write(tmp_path / "backward", dict(reversed(files.items())))
    for i, file in enumerate(sorted(backward.rglob("*.*"))):
        os.utime(file, (1_600_000_000 + i, 1_600_000_000 + i))

    assert build_zip(path=forward, handler="app.handler") == build_zip(path=backward, handler="app.handler")


# ---------------------------------------------------------------------------- errors ---

@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one of code="),
    ({"code": PY_SOURCE, "path": "app.py"}, "exactly one of code="),
    ({"code": PY_SOURCE, "handler": "app"}, "handler must look like 'module.function', e.g. 'app.handler'"),
    ({"code": PY_SOURCE, "handler": "app."}, "handler must look like 'module.function'"),
    ({"code": PY_SOURCE, "handler": ".handler"}, "handler must look like 'module.function'"),
    ({"code": "x", "handler": "index", "runtime": "nodejs20.x"}, "handler must look like 'module.function'"),
    ({"code": PY_SOURCE, "handler": "../app.handler"}, "relative to the package root"),
    ({"code": "x", "handler": "Main::handle", "runtime": "java21"}, "pass path= instead"),
    ({"code": PY_SOURCE, "files": {"../up.py": "x"}}, "relative to the package root"),
    ({"code": PY_SOURCE, "files": {"/etc/passwd": "x"}}, "relative to the package root"),
    ({"code": PY_SOURCE, "files": {"app.py": "x"}}, "'app.py' comes both from code= and from files="),
    ({"code": "x", "handler": "index.handler", "runtime": "nodejs20.x", "requirements": ["left-pad"]},
     "needs a python* runtime"),
    ({"code": PY_SOURCE, "requirements": "requests"}, "must be a list of pip requirements, e.g. ['requests']"),
    ({"code": PY_SOURCE, "requirements": [" "]}, "holds no package names"),
])
def test_invalid_arguments_say_what_to_do(kwargs, message):
    kwargs = {"handler": "app.handler", **kwargs}

    with pytest.raises(InvalidParameterValueError) as raised:
        build_zip(**kwargs)

    assert message in str(raised.value)


def test_missing_path_is_named(tmp_path):
    with pytest.raises(InvalidParameterValueError, match=r"path '.*no_such_dir' does not exist"):
        build_zip(path=tmp_path / "no_such_dir", handler="app.handler")


def test_empty_folder_is_refused(tmp_path):
    write(tmp_path / "fn", {"__pycache__/app.cpython-312.pyc": "bytecode"})

    with pytest.raises(InvalidParameterValueError, match="holds no files"):
        build_zip(path=tmp_path / "fn", handler="app.handler")


def test_folder_clashing_with_files_is_refused(tmp_path):
    folder = write(tmp_path / "fn", {"app.py": PY_SOURCE})

    with pytest.raises(InvalidParameterValueError, match="'app.py' comes both from path= and from files="):
        build_zip(path=folder, handler="app.handler", files={"app.py": PY_SOURCE})


def test_package_over_50_mb_zipped_is_refused_with_a_layer_hint():
    incompressible = random.Random(0).randbytes(51 * 1024 * 1024)

    with pytest.raises(InvalidParameterValueError, match=r"MB zipped; Lambda accepts at most 50 MB.*layer"):
        build_zip(code=PY_SOURCE, handler="app.handler", files={"model.bin": incompressible})


# ---------------------------------------------------------------------- requirements ---

def test_requirements_land_at_the_zip_root_next_to_the_code(tmp_path, tiny_wheel):
    messages: list[str] = []

    zip_bytes = build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(tiny_wheel)],
                          cache_dir=tmp_path / "cache", progress=messages.append)

    packaged = names(zip_bytes)
    assert {"app.py", "tinydep.py", "tinydep-1.0.dist-info/METADATA"} <= set(packaged)
    assert not [n for n in packaged if n.startswith("bin/") or "__pycache__" in n or n.endswith(".pyc")]
    assert read(zip_bytes, "tinydep.py").startswith("GREETING = 'hello from tinydep'")
    assert messages == [f"Installing {tiny_wheel} with pip ..."]


def test_second_build_uses_the_cache_and_runs_no_pip(tmp_path, tiny_wheel):
    cache = tmp_path / "cache"
    messages: list[str] = []
    first = build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(tiny_wheel)],
                      cache_dir=cache, progress=messages.append)
    tiny_wheel.unlink()  # pip would now fail: only the cache can supply tinydep

    second = build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(tiny_wheel)],
                       cache_dir=cache, progress=messages.append)

    assert second == first
    assert messages[1].startswith("Using cached requirements")
    assert len(list((cache / "requirements").iterdir())) == 1


def test_your_own_file_replaces_a_dependency_file_of_the_same_name(tmp_path, tiny_wheel):
    zip_bytes = build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(tiny_wheel)],
                          files={"tinydep.py": "PATCHED = True\n"}, cache_dir=tmp_path, progress=print)

    assert read(zip_bytes, "tinydep.py") == "PATCHED = True\n"


@pytest.mark.parametrize("environ, expected", [
    ({"LAMBDA_LAB_CACHE": "/srv/lab-cache"}, Path("/srv/lab-cache")),
    ({"HOME": "/home/learner"}, Path("/home/learner/.cache/lambda_lab")),
])
def test_default_cache_dir(monkeypatch, environ, expected):
    monkeypatch.delenv("LAMBDA_LAB_CACHE", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    assert default_cache_dir() == expected


def test_default_progress_prints(tmp_path, tiny_wheel, capsys):
    build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(tiny_wheel)], cache_dir=tmp_path)

    assert "Installing" in capsys.readouterr().out


def test_failed_pip_install_shows_pips_output_and_leaves_no_cache(tmp_path):
    missing = tmp_path / "missing-1.0-py3-none-any.whl"

    with pytest.raises(LambdaLabError) as raised:
        build_zip(code=PY_SOURCE, handler="app.handler", requirements=[str(missing)],
                  cache_dir=tmp_path / "cache", progress=lambda message: None)

    message = str(raised.value)
    assert "missing-1.0-py3-none-any.whl" in message and "No such file" in message  # pip's own words
    assert "check the package names and versions" in message.lower()
    assert list((tmp_path / "cache" / "requirements").iterdir()) == []
