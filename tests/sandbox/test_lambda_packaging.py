"""The function zip for AWS carries wheels for Lambda's platform, and only what it needs.

Downloads from PyPI the first time (about 10 s for both architectures); later runs reuse the
dependency cache (``P4LAB_CACHE_DIR``, default ~/.cache/p4lab).
"""

from __future__ import annotations

import io
import zipfile

import pytest

from reference import package

# ELF e_machine values: what the CPU of a shared library is.
_ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}
_WHEEL_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}


def _wheel_tags(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """{distribution: [platform tags]} from each bundled *.dist-info/WHEEL file."""
    tags = {}
    for name in archive.namelist():
        if name.endswith(".dist-info/WHEEL"):
            lines = archive.read(name).decode().splitlines()
            tags[name.split("/")[0]] = [line.split(": ", 1)[1] for line in lines if line.startswith("Tag: ")]
    return tags


@pytest.mark.slow
@pytest.mark.parametrize("architecture", package.ARCHITECTURES)
def test_zip_holds_manylinux_wheels_for_the_function_platform(architecture: package.Architecture) -> None:
    build = package.build(bundle_dependencies=True, architecture=architecture)
    archive = zipfile.ZipFile(io.BytesIO(build.data))
    names = archive.namelist()
    print(f"{architecture}: {len(build.data) / 1e6:.1f} MB zipped, {build.unzipped_bytes / 1e6:.1f} MB unzipped")

    assert "reference/handler/app.py" in names
    assert build.unzipped_bytes <= package.UNZIPPED_LIMIT_BYTES
    assert build.key.startswith(f"functions/processor-{architecture}-")
    # boto3 comes with the runtime; bundling it would only add size (and an older copy).
    assert not [n for n in names if n.split("/")[0] in ("boto3", "botocore", "s3transfer")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    tags = _wheel_tags(archive)
    for distribution in ("pillow", "pydantic_core", "pypdfium2"):  # the compiled ones
        assert any(d.lower().startswith(distribution) for d in tags), f"{distribution} missing: {sorted(tags)}"
    for distribution, platform_tags in tags.items():
        for tag in platform_tags:
            python, abi, platform = tag.split("-")
            if platform == "any":
                continue  # pure Python
            assert platform.startswith(("manylinux", "musllinux")) and "musllinux" not in platform, (distribution, tag)
            assert platform.endswith(_WHEEL_ARCH[architecture]), (distribution, tag)
            assert python in ("cp312", "py3") or abi == "abi3" or python.startswith("py3"), (distribution, tag)

    shared = [n for n in names if n.endswith(".so") or ".so." in n]
    assert shared, "no compiled extension: Pillow and pydantic-core should bring some"
    for name in shared:
        header = archive.read(name)[:20]
        assert header[:4] == b"\x7fELF", name
        assert int.from_bytes(header[18:20], "little") == _ELF_MACHINE[architecture], f"{name} is not {architecture}"


@pytest.mark.slow
def test_unchanged_inputs_give_the_same_key_so_the_upload_is_skipped() -> None:
    first = package.build(bundle_dependencies=True, architecture="arm64")
    second = package.build(bundle_dependencies=True, architecture="arm64")
    assert first.key == second.key and first.data == second.data


def test_emulator_package_is_code_only() -> None:
    """The emulator runs the function on this venv: its zip carries no dependencies."""
    build = package.build(bundle_dependencies=False)
    names = zipfile.ZipFile(io.BytesIO(build.data)).namelist()
    assert all(name.startswith("reference/") for name in names)
    assert build.key.startswith("functions/processor-code-")
    assert len(build.data) < 1_000_000


def test_runtime_requirements_come_from_pyproject_without_boto3() -> None:
    requirements = package.runtime_requirements()
    names = {r.split(">")[0].split("=")[0].split("<")[0].lower() for r in requirements}
    assert names == set(package.RUNTIME_DISTRIBUTIONS)
    assert all(any(op in r for op in "<>=") for r in requirements), "every dependency keeps its version range"


def test_unknown_architecture_is_refused() -> None:
    from reference.errors import UserError

    with pytest.raises(UserError, match="not one of"):
        package.dependencies_dir("s390x")  # type: ignore[arg-type]
