"""wallboard: a team error-rate wall display."""

from wallboard.app import create_app, wall

__all__ = ["create_app", "wall"]
