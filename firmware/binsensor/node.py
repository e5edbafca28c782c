"""One wake-up of the sensor node: measure, keep, maybe report, sleep.

Nothing lives in Python memory from one wake-up to the next (deep sleep is a reset): the state
is in RTC memory, the remote settings and the overflow of readings are in flash.
"""

import json

from binsensor import VERSION, ota, policy
from binsensor.config import (
    REMOTE_PATH,
    ConfigRejected,
    DeviceConfig,
    load_json,
    load_remote,
    save_json,
    validate_remote,
)
from binsensor.measure import Geometry, assess
from binsensor.mqtt import Client
from binsensor.reading import Reading
from binsensor.rtcbuf import CAPACITY, FLAG_CORRUPT_SEEN, NodeState, decode
from binsensor.spool import SPOOL_PATH, Spool
from binsensor.timeutil import CLOCK_VALID_AFTER, iso_utc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import machine

    from binsensor.board import Board

# Readings per message: well under the contract's 256 and 64 KiB, and small enough for ESP32 RAM.
BATCH = 48
WATCHDOG_MS = 120000
PING_GAP_MS = 60  # lets the transducer stop ringing before the next ping
TEMPERATURE_FALLBACK_C = 15.0  # a yearly mean in Flanders, used when the thermistor fails
NOTE_PATH = "note.json"  # a detail for the next status, kept across deep sleep


def log(*parts: object) -> None:
    """One line on the serial console."""
    print("[node]", *parts)


class Node:
    """The wake cycle, over a board (real or simulated) and the provisioning config."""

    def __init__(
        self,
        config: DeviceConfig,
        board: "Board",
        *,
        remote_path: str = REMOTE_PATH,
        spool_path: str = SPOOL_PATH,
    ) -> None:
        self.config = config
        self.board = board
        self.remote_path = remote_path
        self.settings = load_remote(remote_path)
        self.spool = Spool(spool_path, config.spool_records)
        self.geometry = Geometry(
            config.depth_mm,
            config.sensor_offset_mm,
            config.blind_zone_mm,
            config.top_bottom_area_ratio,
        )
        self._inbox: list[tuple[str, bytes]] = []
        self._details: list[str] = []
        self._ota_command: "dict[str, Any] | None" = None
        note = load_json(NOTE_PATH)
        if note is not None:
            self._details.append(str(note.get("detail")))

    # -- measuring ------------------------------------------------------------------------

    def measure(self, now: int, seq: int) -> Reading:
        """Ping several times, compensate for temperature, take the median and judge it."""
        import time

        try:
            temperature: "float | None" = round(self.board.thermometer.celsius(), 2)
        except OSError:
            temperature = None
        speed_temperature = TEMPERATURE_FALLBACK_C if temperature is None else temperature
        pings: list[int | None] = []
        for i in range(int(self.settings["pings"])):
            if i:
                time.sleep_ms(PING_GAP_MS)
            try:
                pings.append(self.board.range_sensor.ping_mm(speed_temperature))
            except OSError:
                pings.append(None)
        result = assess(pings, self.geometry)
        lid_open = self.board.lid is not None and self.board.lid.active()
        status = policy.container_status(
            temperature, self.settings["heat_alarm_c"], self.board.tilt.active(), lid_open
        )
        battery = round(self.board.battery.volts(), 3)
        return Reading(
            now,
            seq,
            result.distance_mm,
            result.fill,
            temperature,
            battery,
            None,
            result.quality,
            status,
        )

    # -- the cycle ------------------------------------------------------------------------

    def load_state(self) -> NodeState:
        """The state from RTC memory; a fresh one (flagged if the memory was corrupt) otherwise."""
        raw = self.board.rtc_read()
        state = decode(raw)
        if state is None:
            state = NodeState()
            if any(raw):
                state.flags |= FLAG_CORRUPT_SEEN
                log("RTC memory failed its check; starting afresh")
        return state

    def wake(self) -> "str | None":
        """Run one wake-up up to (not including) deep sleep; returns why it reported, if it did."""
        watchdog = self.board.watchdog(WATCHDOG_MS)
        state = self.load_state()
        state.boots += 1
        now = self.board.now()
        reading = self.measure(now, state.next_seq)
        clock_ok = now >= CLOCK_VALID_AFTER
        if clock_ok:
            if len(state.readings) >= CAPACITY:
                dropped = self.spool.append(state.readings)
                state.dropped += dropped
                log("spilled", len(state.readings), "readings to flash, dropped", dropped)
                state.readings = []
            state.readings.append(reading)
            state.next_seq += 1
        reason = policy.upload_reason(
            now=now,
            fill=reading.fill,
            status=reading.status,
            last_upload=state.last_upload,
            last_failure=state.last_failure,
            last_sent_fill=state.last_sent_fill,
            last_status=state.last_status,
            buffered=len(state.readings),
            buffer_capacity=CAPACITY,
            settings=self.settings,
        )
        probation = ota.pending_update() is not None
        if not clock_ok:
            reason = "clock"
        elif reason is None and probation:
            reason = "update"
        confirmed = False
        try:
            if reason is not None:
                confirmed = self.upload(state, reading, reason, watchdog)
                state.last_failure = 0 if confirmed else now
        finally:
            # Whatever went wrong, what was measured and what was acknowledged is remembered.
            self.board.wifi_off()
            self.board.rtc_write(state.encode())
        if probation and not confirmed and ota.on_probation():
            log("new image could not reach the broker; rebooting into the previous one")
            self.board.reset()
        if self._ota_command is not None and confirmed:
            self.run_update(self._ota_command, watchdog)
        return reason

    def sleep(self) -> None:
        """Deep sleep until the next measurement."""
        self.board.deep_sleep(int(self.settings["measure_interval_s"]) * 1000)

    # -- reporting ------------------------------------------------------------------------

    def upload(
        self, state: NodeState, latest: Reading, reason: str, watchdog: "machine.WDT"
    ) -> bool:
        """Connect and send everything buffered; a bounded number of attempts, then give up."""
        config = self.config
        for attempt in range(config.attempts):
            watchdog.feed()  # machine.WDT
            rssi = self.board.wifi_connect(config.wifi_ssid, config.wifi_password, watchdog.feed)
            if rssi is None:
                log("attempt", attempt + 1, "no network")
                continue
            self.board.sync_clock()
            client = Client(
                config.device_id,
                config.mqtt_host,
                config.mqtt_port,
                username=config.mqtt_username,
                password=config.mqtt_password,
                tls=config.mqtt_tls,
                ca_file=config.mqtt_ca_file,
                timeout_s=config.socket_timeout_s,
                on_message=self._receive,
            )
            try:
                self._session(client, state, latest, rssi)
                client.disconnect()
            except OSError as exc:
                client.close()
                log("attempt", attempt + 1, "failed:", repr(exc))
                continue
            state.last_upload = latest.ts if latest.ts >= CLOCK_VALID_AFTER else self.board.now()
            state.last_sent_fill = latest.fill if latest.fill is not None else state.last_sent_fill
            state.last_status = latest.status
            log("reported", reason)
            return True
        return False

    def _session(self, client: Client, state: NodeState, latest: Reading, rssi: int) -> None:
        config = self.config
        status_topic = config.topic("up", "status")
        will = json.dumps({"device_id": config.device_id, "state": "offline"}).encode()
        # A persistent session: commands sent while the node slept wait for it at the broker.
        client.connect(clean_session=False, will_topic=status_topic, will_payload=will)
        client.subscribe([(config.topic("down", "config"), 1), (config.topic("down", "cmd"), 1)])
        client.ping()  # the broker answers only after it delivered the retained config
        self._handle_inbox()
        settled = ota.settle(True)
        if settled:
            self._details.append(settled)
        if state.flags & FLAG_CORRUPT_SEEN:
            self._details.append("RTC memory was corrupt; readings from before were lost")
        status = {
            "device_id": config.device_id,
            "state": "online",
            "firmware": VERSION,
            "battery_v": latest.battery_v,
            "rssi_dbm": rssi,
        }
        if latest.ts >= CLOCK_VALID_AFTER:
            status["ts"] = iso_utc(latest.ts)
        if self._details:
            status["detail"] = "; ".join(self._details)[:500]
        client.publish(status_topic, json.dumps(status).encode())
        self._details = []
        remove_file(NOTE_PATH)
        state.flags &= ~FLAG_CORRUPT_SEEN
        reading_topic = config.topic("up", "reading")
        while self.spool.count:
            batch = self.spool.oldest(BATCH)
            self._publish_batch(client, reading_topic, state, batch, None)
            self.spool.discard(len(batch))
        while state.readings:
            batch = state.readings[:BATCH]
            self._publish_batch(client, reading_topic, state, batch, (latest.ts, rssi))
            del state.readings[: len(batch)]

    def _publish_batch(
        self,
        client: Client,
        topic: str,
        state: NodeState,
        batch: "list[Reading]",
        signal: "tuple[int, int] | None",
    ) -> None:
        readings = []
        for reading in batch:
            # The signal was measured now, so it belongs only to the reading taken now.
            now_rssi = signal[1] if signal is not None and reading.ts == signal[0] else None
            readings.append(reading.to_json(now_rssi))
        message = {
            "device_id": self.config.device_id,
            "readings": readings,
            "dropped_readings": state.dropped,
        }
        client.publish(topic, json.dumps(message).encode())
        state.dropped = 0

    # -- messages from the server ---------------------------------------------------------

    def _receive(self, topic: str, payload: bytes) -> None:
        self._inbox.append((topic, payload))

    def _handle_inbox(self) -> None:
        config_topic = self.config.topic("down", "config")
        cmd_topic = self.config.topic("down", "cmd")
        for topic, payload in self._inbox:
            try:
                document = json.loads(payload)
            except ValueError:
                self._details.append("unreadable message on %s" % topic.rsplit("/", 1)[-1])
                continue
            if topic == config_topic:
                self.apply_config(document)
            elif topic == cmd_topic:
                self._command(document)
        self._inbox = []

    def apply_config(self, document: object) -> bool:
        """Apply a remote config when every value is within bounds; report it either way."""
        try:
            merged = validate_remote(document, self.settings)
        except ConfigRejected as exc:
            self._details.append("config rejected: %s" % exc)
            log("config rejected:", exc)
            return False
        if merged != self.settings:
            self.settings = merged
            save_json(self.remote_path, merged)
            self._details.append("config %s applied" % merged.get("version", "-"))
            log("config applied", merged)
        return True

    def _command(self, document: object) -> None:
        if isinstance(document, dict) and document.get("cmd") == "ota":
            self._ota_command = document
        else:
            self._details.append("unknown command")

    def run_update(self, command: "dict[str, Any]", watchdog: "machine.WDT") -> None:
        """Download, check and install an image, then reboot into it (or report why not)."""
        try:
            rssi = self.board.wifi_connect(
                self.config.wifi_ssid, self.config.wifi_password, watchdog.feed
            )
            if rssi is None:
                raise OSError("no network for the download")
            chunks = ota.http_chunks(str(command["url"]))
            label = ota.install(
                chunks,
                int(command["size"]),
                str(command["sha256"]),
                str(command.get("version", "?")),
            )
        except (OSError, ValueError, KeyError) as exc:
            # ValueError covers UpdateRejected; the reason goes out with the next status.
            self.note("update refused: %s" % exc)
            self.board.wifi_off()
            return
        self.board.wifi_off()
        log("installed update into", label, "; rebooting")
        self.board.reset()

    def note(self, detail: str) -> None:
        """Remember a detail for the next status message (kept in flash across deep sleep)."""
        log(detail)
        save_json(NOTE_PATH, {"detail": detail})


def remove_file(path: str) -> None:
    """Delete a file that may not exist."""
    import os

    try:
        os.remove(path)
    except OSError:
        pass
