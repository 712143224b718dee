"""Where the page templates and static files are: inside the installed package, else the checkout.

``templates/`` and ``static/`` stay at the repository's top level (people edit
them there), and the wheel carries them as ``wallboard/templates`` and
``wallboard/static`` (see setup.py). So an installed wall finds them beside its
own code, and a checkout (editable install, tests, ``make run``) beside the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent


def folder(name: str) -> Path:
    """``name`` inside the installed package if it is there, else at the checkout's top."""
    installed = PACKAGE / name
    return installed if installed.is_dir() else CHECKOUT / name


TEMPLATES = folder("templates")
STATIC = folder("static")
