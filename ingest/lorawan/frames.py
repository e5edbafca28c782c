"""Frame counters, resets and fill levels: what a batch of decoded uplinks stores. Pure.

The natural key of a LoRaWAN reading is (device, frame-counter epoch, frame counter). The epoch
starts at 0 and goes up by one each time the counter restarts (a rejoin, an ABP device's reboot,
a 32-bit wrap). The stored ``seq`` is ``epoch * 2**32 + f_cnt`` and ``ts`` the network server's
reception time, so a redelivered uplink hits the primary key of ``fill_readings`` and is stored
once. Per device, in arrival order:

- a counter above the last one, later than the last uplink: a new frame of the current epoch;
- the last counter at the same time: the same uplink again (a duplicate, stored nothing);
- the last counter at another time: a replayed frame, refused (``fcnt_replay``);
- a lower counter, later than the last uplink: the counter restarted, a new epoch;
- any other counter not later than the last uplink: either already stored (a duplicate, found by
  device, time and counter in any epoch), or a late frame of this epoch (stored), or older than
  the epoch's start (refused, ``stale_frame``: nothing says which earlier epoch it belongs to,
  and a guessed key could store it twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from pydantic import ValidationError

from contracts import ContainerStatus, FillReading, Quality
from ingest.lorawan.codec import DeviceInfo, Measurement
from ingest.lorawan.envelope import Refusal, Refused, Uplink

EPOCH = 2**32
FLOOR_TOLERANCE_MM = 40  # as the firmware: a little beyond the floor still counts as the floor


@dataclass(slots=True)
class SensorState:
    """A registered LoRaWAN sensor: where it sits and how far its frames have come."""

    device_id: str
    dev_eui: str
    codec: str
    bin_id: str
    depth_mm: int  # sensor face to the bin's floor
    sensor_offset_mm: int  # sensor face to the highest usable fill line
    blind_zone_mm: int
    epoch: int = 0
    last_fcnt: int | None = None
    last_time: datetime | None = None
    epoch_started_at: datetime | None = None
    fcnt_resets: int = 0
    battery_pct: int | None = None
    network: str | None = None
    application: str | None = None
    lns_device_id: str | None = None
    changed: bool = False
    restarts: list[tuple[int | None, int]] = field(default_factory=list)  # (from, to) this batch


class Verdict(Enum):
    """Where an uplink stands against its device's frame counter."""

    NEW = "new"
    RESET = "reset"
    DUPLICATE = "duplicate"
    REPLAY = "replay"
    OLDER = "older"  # decided by whether its key is stored already


def judge(uplink: Uplink, state: SensorState) -> Verdict:
    """The uplink's place in the device's frame sequence."""
    last, at = state.last_fcnt, state.last_time
    if last is None or at is None:
        return Verdict.NEW
    if uplink.f_cnt > last:
        # a higher counter from before the last uplink is an old frame (of an earlier epoch,
        # or late), not a new one
        return Verdict.NEW if uplink.time > at else Verdict.OLDER
    if uplink.f_cnt == last:
        return Verdict.DUPLICATE if uplink.time == at else Verdict.REPLAY
    return Verdict.RESET if uplink.time > at else Verdict.OLDER


def advance(state: SensorState, uplink: Uplink, verdict: Verdict) -> None:
    """Move the device's frame state past a new (or restarted) frame."""
    if verdict is Verdict.RESET:
        state.restarts.append((state.last_fcnt, uplink.f_cnt))
        state.epoch += 1
        state.fcnt_resets += 1
        state.epoch_started_at = uplink.time
    elif state.epoch_started_at is None:
        state.epoch_started_at = uplink.time
    state.last_fcnt = uplink.f_cnt
    state.last_time = uplink.time
    state.network = uplink.network.value
    state.application = uplink.application
    state.lns_device_id = uplink.lns_device_id
    state.changed = True


def seq_of(epoch: int, f_cnt: int) -> int:
    """The stored sequence number of a frame."""
    return epoch * EPOCH + f_cnt


def fill_of(
    measurement: Measurement, state: SensorState
) -> tuple[int | None, float | None, Quality]:
    """(distance, fill, quality) the way our own firmware judges a distance: no echo is unknown,
    never empty; inside the blind zone counts as full and is flagged; beyond the floor is out of
    range."""
    distance = measurement.distance_mm
    if distance is None:
        return None, None, Quality.NO_ECHO
    if distance < state.blind_zone_mm:
        return None, 1.0, Quality.BLIND_ZONE
    if distance > state.depth_mm + FLOOR_TOLERANCE_MM:
        return None, None, Quality.OUT_OF_RANGE
    distance = min(distance, state.depth_mm)
    height = state.depth_mm - state.sensor_offset_mm
    level = max(0, min(height, state.depth_mm - distance))
    return distance, round(level / height, 4), Quality.OK


def reading_of(
    uplink: Uplink, measurement: Measurement, state: SensorState, seq: int
) -> FillReading | Refused:
    """The contract reading of a measurement, through the contract's own validation."""
    distance, fill, quality = fill_of(measurement, state)
    try:
        return FillReading(
            seq=seq,
            ts=uplink.time,
            distance_mm=distance,
            filling_level=fill,
            temperature_c=measurement.temperature_c,
            battery_v=measurement.battery_v,
            rssi_dbm=uplink.rssi_dbm,
            quality=quality,
            status=ContainerStatus.DROPPED if measurement.tilted else ContainerStatus.OK,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return Refused(
            Refusal.INVALID, f"decoded reading refused: {where}: {first['msg']}", uplink.dev_eui
        )


@dataclass(slots=True)
class Outcome:
    """What one uplink comes to."""

    reading: FillReading | None = None
    alive: DeviceInfo | None = None  # a frame without a reading that still proves life
    refused: Refused | None = None
    duplicate: bool = False


@dataclass(slots=True)
class Pending:
    """An older frame waiting for the key lookup."""

    index: int
    uplink: Uplink
    decoded: Measurement | DeviceInfo
    state: SensorState
    seq: int


@dataclass(slots=True)
class FramePlan:
    """Outcomes by message position, plus the older frames still to look up."""

    outcomes: dict[int, Outcome] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    # (device, time, frame counter) of the frames this batch stores: not in the table yet
    taken: set[tuple[str, datetime, int]] = field(default_factory=set)


def _stored(
    uplink: Uplink, decoded: Measurement | DeviceInfo, state: SensorState, seq: int
) -> Outcome:
    if isinstance(decoded, DeviceInfo):
        return Outcome(alive=decoded)
    if decoded.battery_pct is not None:
        state.battery_pct = decoded.battery_pct
        state.changed = True
    reading = reading_of(uplink, decoded, state, seq)
    return Outcome(refused=reading) if isinstance(reading, Refused) else Outcome(reading=reading)


def plan_frames(
    decoded: list[tuple[int, Uplink, Measurement | DeviceInfo, SensorState]],
) -> FramePlan:
    """Judge decoded uplinks in arrival order against (and advancing) their devices' state."""
    plan = FramePlan()
    for index, uplink, value, state in decoded:
        verdict = judge(uplink, state)
        if verdict in (Verdict.NEW, Verdict.RESET):
            advance(state, uplink, verdict)
            plan.taken.add((state.device_id, uplink.time, uplink.f_cnt))
            plan.outcomes[index] = _stored(uplink, value, state, seq_of(state.epoch, uplink.f_cnt))
        elif verdict is Verdict.DUPLICATE:
            plan.outcomes[index] = Outcome(duplicate=True)
        elif verdict is Verdict.REPLAY:
            plan.outcomes[index] = Outcome(
                refused=Refused(
                    Refusal.FCNT_REPLAY,
                    f"frame counter {uplink.f_cnt} was already received at "
                    f"{state.last_time.isoformat() if state.last_time else '?'}; not stored again",
                    uplink.dev_eui,
                )
            )
        else:
            plan.pending.append(
                Pending(index, uplink, value, state, seq_of(state.epoch, uplink.f_cnt))
            )
    return plan


def resolve_older(plan: FramePlan, stored: set[tuple[str, datetime, int]]) -> None:
    """Settle the older frames once it is known which (device, time, frame counter) are stored
    already, in whatever epoch."""
    for p in plan.pending:
        state, uplink = p.state, p.uplink
        key = (state.device_id, uplink.time, uplink.f_cnt)
        if key in stored or key in plan.taken:
            plan.outcomes[p.index] = Outcome(duplicate=True)
        elif state.epoch_started_at is not None and uplink.time >= state.epoch_started_at:
            plan.outcomes[p.index] = _stored(uplink, p.decoded, state, p.seq)
            plan.taken.add(key)
        else:
            plan.outcomes[p.index] = Outcome(
                refused=Refused(
                    Refusal.STALE_FRAME,
                    f"frame counter {uplink.f_cnt} at {uplink.time.isoformat()} is from before the "
                    f"counter restarted ({state.epoch_started_at}); not stored",
                    uplink.dev_eui,
                )
            )
    plan.pending.clear()
