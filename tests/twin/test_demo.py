"""``nettestad demo`` as a newcomer runs it: a subprocess, the web app's URL, live data, Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers import free_port, poll

ROOT = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"running: (http://\S+)")
PASSWORD_LINE = re.compile(r"wachtwoord (\S+)")


def _lines(stream: Any, out: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)


@pytest.mark.slow
def test_demo_shows_live_fills_routes_and_a_detection_then_stops_on_ctrl_c(
    service_env: dict[str, str],
) -> None:
    """The demo prints its URL, the web app shows fills, today's routes and a dumping detection, and SIGINT stops it cleanly."""
    port = free_port()
    env = {**os.environ, **service_env, "NETTESTAD_METRICS_PORT": "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nettestad.cli",
            "demo",
            "--port",
            str(port),
            "--bins",
            "80",
            "--hours-back",
            "54",
            "--speed",
            "20000",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []

    def printed(pattern: re.Pattern[str]) -> str | None:
        while not lines.empty():
            seen.append(lines.get())
        for line in seen:
            if match := pattern.search(line):
                return match.group(1)
        return None

    try:
        url = poll(lambda: printed(URL_LINE), timeout=60, interval=0.2, what="the demo's URL")
        password = printed(PASSWORD_LINE)
        assert password, "the demo printed no password for its accounts"
        with httpx.Client(base_url=url, timeout=10) as http:

            def token(user: str) -> dict[str, str]:
                r = http.post("/api/v1/auth/login", json={"username": user, "password": password})
                assert r.status_code == 200, r.text
                return {"Authorization": f"Bearer {r.json()['token']}"}

            coordinator, officer = token("coordinator"), token("handhaving")
            banner = "".join(seen)
            for role in ("ploeg / crew", "coördinator / coordinator", "handhaving", "beheer"):
                assert role in banner, f"the banner names no login for {role}"
            # the crew login the banner names opens a vehicle's sheet
            crew_sheet = http.get("/api/v1/crew/route", headers=token("ploeg"))
            assert crew_sheet.status_code == 200, crew_sheet.text
            assert crew_sheet.json()["vehicle_id"]

            def filled_bins() -> list[dict[str, Any]] | None:
                features = http.get("/api/v1/bins", headers=coordinator).json()["features"]
                filled = [f for f in features if f["properties"]["filling_level"] is not None]
                return filled if len(features) == 80 and len(filled) >= 60 else None

            poll(filled_bins, timeout=90, interval=0.5, what="bins with fills in the API")
            today = datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()

            def todays_routes() -> list[Any] | None:
                r = http.get("/api/v1/plans", params={"day": today}, headers=coordinator)
                return r.json()["routes"] if r.status_code == 200 and r.json()["routes"] else None

            poll(todays_routes, timeout=90, interval=0.5, what="today's routes")
            yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
            plan = http.get("/api/v1/plans", params={"day": yesterday}, headers=coordinator)
            assert plan.status_code == 200, plan.text
            vehicles = [r["vehicle_id"] for r in plan.json()["routes"] if r["stops"]]
            work = [
                s
                for v in vehicles
                for s in http.get(
                    "/api/v1/crew/route",
                    params={"service_date": yesterday, "vehicle": v},
                    headers=coordinator,
                ).json()["stops"]
                if s["kind"] != "unload"
            ]
            # The simulated crews worked all of yesterday's routes and reported each stop through
            # the crew API, with the fill they saw (the plan holds bins: ingest stored the fills).
            assert [s for s in work if s["status"] != "done"] == []
            assert any(s["kind"] == "bin" for s in work), plan.json()["summary"]
            assert all(s["fill_seen"] for s in work)

            def detections() -> list[Any] | None:
                r = http.get("/api/v1/enforcement/queue", headers=officer)
                return r.json()["events"] if r.status_code == 200 and r.json()["events"] else None

            events = poll(detections, timeout=60, interval=0.5, what="a dumping detection")

            def framed() -> list[Any] | None:
                for event in events[:4]:
                    detail = http.get(
                        f"/api/v1/enforcement/events/{event['event_id']}", headers=officer
                    ).json()
                    frames = [f for f in detail["files"] if f["kind"].startswith("frame_")]
                    if len(frames) == 3:
                        return frames
                return None

            # the camera unit's pipeline gave the newest detections blurred frames
            frames = poll(framed, timeout=120, interval=1.0, what="evidence frames")
            still = http.get(frames[0]["url"], headers=officer)
            assert still.status_code == 200
            assert still.headers["content-type"] == "image/jpeg"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("the demo did not stop within 45 s of SIGINT:\n" + "".join(seen[-30:]))
    printed(URL_LINE)
    assert code == 0, "".join(seen[-30:])
    assert any("demo stopped" in line for line in seen)
