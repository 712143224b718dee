"""Pages: the team list and a team's kiosk screen, rendered on the server first."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, abort, current_app, render_template

from wallboard import security
from wallboard.app import wall
from wallboard.sparkline import points
from wallboard.views import team_summary, team_view


def register(app: Flask) -> None:
    bp = Blueprint("web", __name__)

    @bp.get("/")
    def index() -> str:
        the_wall = wall(current_app)
        teams = [team_summary(the_wall.board, t) for t in the_wall.config.teams]
        return render_template(
            "index.html",
            teams=teams,
            wall=the_wall,
            config=the_wall.config,
            sources=the_wall.board.sources,
        )

    @bp.get("/teams/<team>")
    def team_page(team: str) -> str:
        the_wall = wall(current_app)
        if team not in the_wall.config.teams:
            abort(404, f"unknown team: {team}")
        view = team_view(the_wall.board, team)
        return render_template(
            "team.html", team=view, wall=the_wall, config=the_wall.config, now=time.time()
        )

    app.jinja_env.globals["spark_points"] = points
    app.after_request(security.add_headers)
    app.register_blueprint(bp)
