"""The app under uvicorn on a free port, and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.evidence_access import DirectoryEvidence
from api.settings import ApiSettings
from tests.api.conftest import PASSWORD
from tests.helpers import RecordingSender, served

CHROMIUM = Path("/usr/bin/chromium")
UNREACHABLE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    """A running app: its base URL, evidence folder and the commands it sent to devices."""

    url: str
    evidence_dir: Path
    commands: list[tuple[str, dict[str, Any]]]


@pytest.fixture
def live_server(database_url: str, tmp_path: Path, db: Any) -> Iterator[LiveServer]:
    """The API and web app under uvicorn in a thread, with one account per role."""
    for role in Role:
        create_user(
            conn=db,
            username=f"{role.value}1",
            password=PASSWORD,
            role=role,
            display_name=f"Test {role.value}",
            vehicle_id="veh-1" if role is Role.CREW else None,
        )
    sender = RecordingSender()
    settings = ApiSettings(
        database_url=SecretStr(database_url),
        pool_min=1,
        pool_max=4,
        evidence_dir=str(tmp_path),
        # A tile server that refuses at once: the tests never need the internet, and the maps
        # must stay usable when the tiles do not load.
        map_tiles_url=UNREACHABLE_TILES,
    )
    app = create_app(settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with served(app) as url:
        yield LiveServer(url=url, evidence_dir=tmp_path, commands=sender.sent)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (./manage test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the run saves its screenshots (git-ignored)."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


def log_in(page: Any, base: str, username: str) -> None:
    """Log in through the Dutch login page."""
    page.goto(f"{base}/login")
    assert page.locator("h2").inner_text() == "Aanmelden"
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def coordinator_on(browser: Any, base: str, path: str) -> Any:
    """A new page, logged in as ``coordinator1``, on ``path`` once it has loaded its data."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base, "coordinator1")
    page.wait_for_selector("body[data-ready=true]")
    page.goto(f"{base}{path}")
    page.wait_for_selector("body[data-ready=true]")
    return page
