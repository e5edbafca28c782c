"""Wire a camera unit together and run it until stopped (``nettestad edge run``)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from edge.config import load_config
from edge.evidence import EvidenceTools
from edge.keys import load_or_create_key
from edge.privacy import PrivacyFilter
from edge.settings import EdgeSettings
from edge.sources import FrameSource, OpenCvSource
from edge.spool import Backlog, Spool
from edge.tamper import TamperChange
from edge.unit import CameraUnit, Forwarder, PackagingWorker, heartbeat
from edge.uplink import EvidenceUploader, MqttLink
from edge.vault import RawVault

log = logging.getLogger(__name__)
PURGE_EVERY_FRAMES = 25 * 3600  # about hourly at camera speed


def build_tools(settings: EdgeSettings, config_path: Path) -> EvidenceTools:
    """Everything the unit and its forwarder share, from settings and the camera file."""
    config = load_config(config_path)
    secret = settings.device_key_secret()
    return EvidenceTools(
        config=config,
        privacy=PrivacyFilter(config),
        key=load_or_create_key(settings.data_dir / "device.key", secret),
        vault=RawVault(
            settings.data_dir / "raw", retention_days=settings.raw_retention_days, secret=secret
        ),
        spool=Spool(
            settings.data_dir / "spool",
            max_events=settings.spool_max_events,
            max_bytes=settings.spool_max_bytes,
        ),
    )


def run_unit(
    settings: EdgeSettings,
    *,
    config_path: Path,
    stop: threading.Event,
    source: FrameSource | None = None,
    linger: bool = True,
) -> CameraUnit:
    """Process frames until ``stop`` is set; deliveries go on meanwhile.

    When the source ends (a video file) the unit lingers, still delivering, until stopped,
    unless ``linger`` is false.
    """
    tools = build_tools(settings, config_path)
    config = tools.config
    forwarder_box: list[Forwarder] = []
    link = MqttLink(
        settings,
        device_id=config.device_id,
        on_command=lambda command: forwarder_box[0].on_command(command),  # noqa: PLW0108 - the forwarder is built after the link
    )
    uploader = EvidenceUploader(settings, device_id=config.device_id, key=tools.key)
    forwarder = Forwarder(tools, uploader, link)
    forwarder_box.append(forwarder)

    def on_tamper(change: TamperChange) -> None:
        link.publish_status("tamper" if change.alarm else "online", change.reason)

    # Packaging runs beside the frame loop; what it cannot take yet waits sealed on disk.
    packager = PackagingWorker(
        tools,
        backlog=Backlog(settings.data_dir / "backlog", vault=tools.vault),
        on_packaged=lambda _item: forwarder.wake.set(),
    )
    packager.start()
    unit = CameraUnit(tools, on_tamper=on_tamper, packager=packager)
    link.start()
    done = threading.Event()
    threads = [
        threading.Thread(
            target=forwarder.run, args=(done,), kwargs={"retry_s": settings.retry_s}, daemon=True
        ),
        threading.Thread(
            target=heartbeat,
            args=(link, done),
            kwargs={"every_s": settings.heartbeat_s, "unit": unit},
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    source = source or OpenCvSource(config.source, size=(config.width, config.height))
    try:
        for frame in source.frames():
            if stop.is_set():
                break
            if unit.process(frame):
                forwarder.wake.set()
            if unit.counters.frames % PURGE_EVERY_FRAMES == 0:
                tools.vault.purge()
        if unit.flush(datetime.now(UTC)):
            forwarder.wake.set()
        if linger:
            stop.wait()
        else:
            packager.drain(timeout=120.0)
    finally:
        source.close()
        packager.stop()
        done.set()
        forwarder.wake.set()
        for thread in threads:
            thread.join(10)
        uploader.close()
        link.close()
    return unit
