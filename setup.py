"""What pyproject.toml cannot say: the wheel carries templates/ and static/ inside ``wallboard``.

Both folders stay at the repository's top level, where people edit them; the
wheel maps them to the packages ``wallboard.templates`` and ``wallboard.static``
(every subfolder too, fonts included), where ``wallboard.assets`` looks first.
Everything else (metadata, dependencies, the entry point) is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
DATA_FOLDERS = {"wallboard.templates": "templates", "wallboard.static": "static"}


def data_packages() -> dict[str, str]:
    """Package name -> folder (relative to the checkout), for each data folder and subfolder."""
    out: dict[str, str] = {}
    for package, folder in DATA_FOLDERS.items():
        top = ROOT / folder
        for path in [top, *sorted(p for p in top.rglob("*") if p.is_dir())]:
            parts = path.relative_to(top).parts
            if any(part.startswith((".", "__")) for part in parts):
                continue
            out[".".join([package, *parts])] = path.relative_to(ROOT).as_posix()
    return out


DATA = data_packages()

setup(
    packages=[
        *find_packages(include=["wallboard", "wallboard.*", "collectors", "collectors.*"]),
        *DATA,
    ],
    package_dir=DATA,
    package_data={package: ["*"] for package in DATA},
)
