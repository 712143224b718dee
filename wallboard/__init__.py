"""wallboard: a team error-rate wall display.

The app factory is :func:`wallboard.app.create_app`; the running wall is
:class:`wallboard.wall.Wall`.
"""
