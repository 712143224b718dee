"""The mobile page's access: open mode needs nothing; paired mode follows the screens'
rules (a valid signature for that team, an admin, a paired screen of the team), anything
else gets 403. Links in the config are http(s) only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.devices.support import ADMIN, ENV, config
from tests.support.live import demo_config, write_config
from wallboard.app import create_app
from wallboard.config import loader


def signed_link(client: FlaskClient, team: str) -> str:
    """The link the team's screen QR carries, as the API gives it to an admin."""
    answer = client.get(
        f"/api/v1/teams/{team}", headers={"Authorization": f"Bearer {ENV['WALLBOARD_API_TOKEN']}"}
    )
    url: str = answer.json["links"]["mobile"]
    return url.removeprefix("http://localhost")


@pytest.fixture
def paired(tmp_path: Path) -> FlaskClient:
    return create_app(config(tmp_path), env=ENV).test_client()


def test_paired_mode_opens_the_page_only_with_a_valid_signature_for_that_team(
    paired: FlaskClient,
) -> None:
    link = signed_link(paired, "payments")
    assert re.fullmatch(r"/m/teams/payments\?exp=\d+&sig=[0-9a-f]{32}", link)
    assert paired.get(link).status_code == 200
    assert "Payments" in paired.get(link).get_data(as_text=True)
    refused = [
        "/m/teams/payments",  # no signature
        link.replace("sig=", "sig=0"),  # tampered
        link.replace("/payments?", "/search?"),  # another team's page with this signature
        re.sub(r"exp=\d+", "exp=1700000000", link),  # expired (and no longer signed)
        re.sub(r"exp=(\d+)", lambda m: f"exp={int(m[1]) + 900}", link),  # stretched
    ]
    for url in refused:
        answer = paired.get(url)
        assert answer.status_code == 403, url
        assert "Scan the QR code on the screen again" in answer.get_data(as_text=True)
    # An admin (the fleet's session or token) may read it without a link.
    admin = paired.get("/m/teams/payments", headers={"Authorization": f"Bearer {ADMIN}"})
    assert admin.status_code == 200


def test_the_qr_image_is_behind_the_screens_gate(paired: FlaskClient) -> None:
    answer = paired.get("/qr/teams/payments.svg")
    assert answer.content_type.startswith("text/html")  # an unpaired TV gets its pairing view
    admin = paired.get("/qr/teams/payments.svg", headers={"Authorization": f"Bearer {ADMIN}"})
    assert admin.content_type.startswith("image/svg+xml") and b"<svg" in admin.data


def test_open_mode_needs_no_signature(tmp_path: Path) -> None:
    client = create_app(write_config(tmp_path, demo_config())).test_client()
    assert client.get("/m/teams/search").status_code == 200
    assert client.get("/m/teams/nobody").status_code == 404


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "ftp://files.example.com/x", "//evil"]
)
def test_links_other_than_http_are_key_path_errors(tmp_path: Path, url: str) -> None:
    text = demo_config().replace(
        '[teams.search]\nname = "Search"\n',
        f'[teams.search]\nname = "Search"\nlinks = {{ runbook = "{url}" }}\n',
    )
    with pytest.raises(loader.ConfigError) as info:
        loader.load(write_config(tmp_path, text))
    (issue,) = info.value.issues
    assert issue.path == "teams.search.links.runbook"
    assert "expected an http:// or https:// URL" in issue.message
