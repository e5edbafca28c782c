"""Private Mosquitto and PostgreSQL instances for tests that restart them.

The shared broker and database are never restarted; a test that needs an outage starts its own
on a free port, in a temporary directory, and stops it afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.helpers import free_port

# Where initdb and pg_ctl live, and what the server preloads: a TimescaleDB build elsewhere is
# tested with NETTESTAD_TEST_PG_BIN=/opt/pg16/bin NETTESTAD_TEST_PG_PRELOAD=timescaledb.
PG_BIN = Path(os.environ.get("NETTESTAD_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PRELOAD = os.environ.get("NETTESTAD_TEST_PG_PRELOAD", "")


def wait_port(port: int, *, up: bool, timeout: float = 20.0) -> None:
    """Wait until the port accepts (``up``) or refuses connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)  # polling a port, bounded by the deadline above
    raise TimeoutError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


class PrivateMosquitto:
    """A Mosquitto of this test's own, with persistence, restartable on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        self.config = workdir / "mosquitto.conf"
        # Settings from deploy/ingest-broker.md: a deep queue for a persistent ingest session.
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            # run as whoever started the test: it owns the temporary persistence directory
            f"user {pwd.getpwuid(os.geteuid()).pw_name}\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {workdir / 'data'}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 1000000\n"
            "max_inflight_messages 1000\n"
            "persistent_client_expiration 1d\n"
            f"log_dest file {workdir / 'mosquitto.log'}\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the broker and wait for its port."""
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, up=True)

    def stop(self) -> None:
        """Stop cleanly (Mosquitto writes its persistence file on the way out)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None
        wait_port(self.port, up=False)

    def restart(self) -> None:
        """Stop and start again on the same port with the same persistence."""
        self.stop()
        self.start()


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (trust auth, superuser ``nettestad``)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = workdir
        self.data = workdir / "data"
        self.log = workdir / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "nettestad", "-A", "trust",
                 "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip

    @property
    def server_url(self) -> str:
        """URL of the maintenance database on this cluster."""
        return f"postgresql://nettestad@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c full_page_writes=off -c shared_buffers=32MB"
        )
        if PG_PRELOAD:
            options += f" -c shared_preload_libraries={PG_PRELOAD}"
        self._ctl("-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``immediate`` is a crash as far as the server knows."""
        self._ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Crash the server and start it again (it recovers from its WAL)."""
        self.stop("immediate")
        self.start()
