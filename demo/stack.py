"""``nettestad demo``: the Kortrijk twin with ingest and the web app, until Ctrl-C.

The broker and database must be running (``./manage demo`` sees to that). Each part runs as its
own process, exactly as in production: ingest, the API, and, once ingest answers ``/ready``
(subscribed), the twin (``nettestad simulate``), which replays the last two days of the city in accelerated time through MQTT, plans each day
with the route planner from the database, lets its crews work the routes, and then goes on in
real time. The cameras' detections get their evidence (blurred stills, clip, signed manifest)
from the camera unit's own pipeline (``demo.cameras``). Ctrl-C stops the parts in
reverse order and waits for each.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config import ServiceSettings


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "nettestad.cli", *args], env=env)  # noqa: S603 - our own CLI, fixed arguments


def _ingest_port() -> int:
    """Where the demo's ingest serves ``/ready``: the configured metrics port, or a free one."""
    from ingest import IngestSettings

    configured = IngestSettings().metrics_port
    if configured:
        return configured
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_http(url: str, deadline_s: float, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)  # polling the API until it answers, bounded by the deadline
    return False


DEMO_CREW = "ploeg"


def _person_crew(settings: ServiceSettings, password: str, vehicles: list[str]) -> str | None:
    """A crew login for a person on the first vehicle's sheet (the simulated crew works it too)."""
    if not vehicles:
        return None
    from api import Role, ensure_account
    from db import connect

    with connect(settings.database_url.get_secret_value()) as conn:
        ensure_account(
            conn=conn,
            username=DEMO_CREW,
            password=password,
            role=Role.CREW,
            display_name="Demoploeg",
            vehicle_id=vehicles[0],
        )
        conn.commit()
    return f"{DEMO_CREW} ({vehicles[0]})"


def _banner(url: str, password: str, crew: str | None) -> str:
    """What a newcomer needs: the URL and a login for every role (one password for all)."""
    roles = [
        ("ploeg / crew", crew or "(geen voertuig / no vehicle)"),
        ("coördinator / coordinator", "coordinator"),
        ("handhaving / enforcement", "handhaving"),
        ("beheer / admin", "beheer"),
    ]
    width = max(len(r) for r, _ in roles)
    lines = [f"    {role:<{width}}  {name}" for role, name in roles]
    return (
        f"\n  nettestad draait / is running: {url}\n"
        f"  wachtwoord {password} (password) voor / for:\n"
        + "\n".join(lines)
        + "\n  Ctrl-C stopt de demo.\n"
    )


def run(*, port: int, bins: int, seed: int, speed: float, hours_back: float) -> int:
    """Run the demo until Ctrl-C; returns the exit code."""
    from config import ServiceSettings
    from db import upgrade
    from twin import ensure_demo_accounts

    settings = ServiceSettings()
    upgrade(settings.database_url.get_secret_value())
    stopping = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    os.environ.setdefault("NETTESTAD_CLIENT_ID", "ingest-demo")
    # A fresh password per run for the demo accounts, handed to the twin through its environment.
    password = secrets.token_urlsafe(9)
    os.environ["NETTESTAD_TWIN_PASSWORD"] = password
    crews = ensure_demo_accounts(settings, password)
    crew_login = _person_crew(settings, password, sorted(crews))
    url = f"http://127.0.0.1:{port}/"
    ingest_port = _ingest_port()
    ingest_env = {
        **os.environ,
        "NETTESTAD_METRICS_ENABLED": "true",
        "NETTESTAD_METRICS_HOST": "127.0.0.1",
        "NETTESTAD_METRICS_PORT": str(ingest_port),
    }
    procs = [
        ("ingest", _start("ingest", env=ingest_env)),
        ("api", _start("api", "--port", str(port))),
    ]
    cameras = None
    try:
        # The twin replays two days in seconds: it starts publishing only once ingest listens,
        # or the broker would drop what it sent before (no session holds the topics yet).
        if not _wait_http(f"http://127.0.0.1:{ingest_port}/ready", 60, procs[0][1]):
            print("ingest luistert niet naar de broker / ingest is not subscribed", file=sys.stderr)
            return 1
        procs.append(
            (
                "simulator",
                _start(
                    "simulate",
                    *("--bins", str(bins), "--seed", str(seed)),
                    *("--speed", str(speed), "--hours-back", str(hours_back)),
                    *("--api-url", url),
                ),
            )
        )
        if _wait_http(f"{url}health", 30, procs[1][1]):
            print(_banner(url, password, crew_login), flush=True)
            # The simulated detections get evidence from the camera unit's own pipeline.
            from demo import cameras as demo_cameras

            cameras = demo_cameras.start(settings.database_url.get_secret_value(), url)
        while not stopping:
            for name, proc in procs:
                if proc.poll() is not None:
                    print(f"{name} stopped with exit code {proc.returncode}", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)  # supervising children; nothing to wait for but a signal
    finally:
        if cameras is not None:
            thread, stop_cameras, workers = cameras
            stop_cameras.set()
            thread.join(timeout=30)
            workers.close()
        for _name, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print("demo stopped")
    return 0
