"""The cookies of screens as devices: all HttpOnly, SameSite=Strict, Secure under https."""

from __future__ import annotations

from typing import TypeVar

from flask import request
from werkzeug.wrappers import Response

from wallboard.wall import Wall

R = TypeVar("R", bound=Response)

DEVICE_COOKIE = "wallboard_device"
PAIRING_COOKIE = "wallboard_pairing"
# Chromium caps cookie lifetimes at 400 days; every page load renews it, so a TV that
# is on at least once a year is never logged out.
DEVICE_MAX_AGE = 400 * 86400


def secure(wall: Wall) -> bool:
    """Under https, as this request arrived or as people reach the server (a TLS proxy)."""
    public = wall.config.wall.public_url or ""
    return request.is_secure or public.lower().startswith("https://")


def set_secret(response: Response, wall: Wall, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure(wall),
    )


def clear(response: Response, wall: Wall, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="Strict", secure=secure(wall))


def no_store(response: R) -> R:
    response.headers["Cache-Control"] = "no-store"
    return response
