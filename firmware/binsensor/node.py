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
from binsensor.reading import Reading
from binsensor.rtcbuf import CAPACITY, FLAG_CORRUPT_SEEN, NodeState, decode
from binsensor.spool import SPOOL_PATH, Spool
from binsensor.timeutil import CLOCK_VALID_AFTER, iso_utc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    import machine

    from binsensor.board import Board
    from binsensor.modem import ModemMQTT
    from binsensor.mqtt import Client

# Readings taken from the buffers at a time; a message carries as many as fit the uplink's
# message size (binsensor.board.Board.message_bytes), well under the contract's 256 and 64 KiB.
BATCH = 16
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
                state.readings.clear()
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
            self.board.link_down()
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
        for attempt in range(self.config.attempts):
            watchdog.feed()  # machine.WDT
            try:
                connected = self.board.link_up(watchdog.feed)
            except OSError as exc:
                # An unexpected answer from the modem, no SIM, no coverage: the reason, and a
                # retry, now or (when the network is simply not there) after the back-off.
                log("attempt", attempt + 1, "no network:", exc)
                if not getattr(exc, "retry_now", True):
                    break
                continue
            if not connected:
                log("attempt", attempt + 1, "no network")
                continue
            self.board.sync_clock()
            client = self.board.mqtt_client(self._receive)
            try:
                self._session(client, state, latest, self.board.rssi_dbm)
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

    def _session(
        self, client: "Client | ModemMQTT", state: NodeState, latest: Reading, rssi: "int | None"
    ) -> None:
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
        status: "dict[str, Any]" = {
            "device_id": config.device_id,
            "state": "online",
            "firmware": VERSION,
            "battery_v": latest.battery_v,
        }
        if rssi is not None:
            status["rssi_dbm"] = rssi
        if latest.ts >= CLOCK_VALID_AFTER:
            status["ts"] = iso_utc(latest.ts)
        if self._details:
            status["detail"] = "; ".join(self._details)[:500]
        client.publish(status_topic, json.dumps(status).encode())
        self._details = []
        remove_file(NOTE_PATH)
        state.flags &= ~FLAG_CORRUPT_SEEN
        reading_topic = config.topic("up", "reading")
        limit = self.board.message_bytes()
        while self.spool.count:
            batch = self.spool.oldest(BATCH)
            sent = self._publish_batch(client, reading_topic, state, batch, None, limit)
            self.spool.discard(sent)
        while state.readings:
            batch = state.readings[:BATCH]
            sent = self._publish_batch(
                client, reading_topic, state, batch, (latest.ts, rssi), limit
            )
            del state.readings[:sent]

    def _publish_batch(
        self,
        client: "Client | ModemMQTT",
        topic: str,
        state: NodeState,
        batch: "list[Reading]",
        signal: "tuple[int, int | None] | None",
        limit: int,
    ) -> int:
        """Publish the oldest readings of ``batch`` that fit in ``limit`` bytes; how many it sent."""
        head = '{"device_id": %s, "dropped_readings": %d, "readings": [' % (
            json.dumps(self.config.device_id),
            state.dropped,
        )
        parts: list[str] = []
        size = len(head) + 2
        for reading in batch:
            # The signal was measured now, so it belongs only to the reading taken now.
            now_rssi = signal[1] if signal is not None and reading.ts == signal[0] else None
            part = json.dumps(reading.to_json(now_rssi))
            if parts and size + len(part) + 2 > limit:
                break
            parts.append(part)
            size += len(part) + 2
        count = len(parts)
        payload = (head + ", ".join(parts) + "]}").encode()
        del parts
        client.publish(topic, payload)
        state.dropped = 0
        return count

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
        if self.config.radio != "wifi":
            # The image comes over HTTP through our own sockets, which only Wi-Fi gives us.
            self.note("update refused: over-the-air update needs Wi-Fi")
            return
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
