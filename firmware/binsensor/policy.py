"""When to spend energy on the radio: pure decisions from the node's state and the settings.

Measuring costs a small fraction of a connection (1/10 over Wi-Fi, 1/26 over LTE-M:
bench/firmware/energy.py), so the node measures on every wake-up but connects
only when the server needs to know: at once on an alarm, when the fill moved by ``delta_fill``
since the last report, when the RTC buffer is full, and otherwise on a heartbeat that shortens as
the bin fills (half of it above ``soon_fill``, every measurement above ``full_fill``), so a
nearly full bin is never a stale one on the crew's route. Alarms ignore every back-off.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ALARMS = ("burning", "dropped", "lidOpen")


def container_status(
    temperature_c: "float | None", heat_alarm_c: float, tilted: bool, lid_open: bool
) -> str:
    """The FIWARE status, the most urgent first: fire, knocked over, lid open."""
    if temperature_c is not None and temperature_c >= heat_alarm_c:
        return "burning"
    if tilted:
        return "dropped"
    if lid_open:
        return "lidOpen"
    return "ok"


def heartbeat_s(fill: "float | None", settings: "dict[str, Any]") -> int:
    """How long the server may go without news, given how full the bin is."""
    if fill is not None and fill >= settings["full_fill"]:
        return int(settings["measure_interval_s"])
    if fill is not None and fill >= settings["soon_fill"]:
        return int(settings["heartbeat_s"]) // 2
    return int(settings["heartbeat_s"])


def upload_reason(
    *,
    now: int,
    fill: "float | None",
    status: str,
    last_upload: int,
    last_failure: int = 0,
    last_sent_fill: "float | None",
    last_status: str,
    buffered: int,
    buffer_capacity: int,
    settings: "dict[str, Any]",
) -> "str | None":
    """Why the node should connect now, or None to stay asleep."""
    if status != last_status and status in ALARMS:
        return "alarm"
    # After a failed connection, wait half a heartbeat before the radio tries again: a week
    # without network must not cost a connection attempt every hour.
    if last_failure and now - last_failure < heartbeat_s(fill, settings) // 2:
        return None
    if status != last_status:
        return "alarm_cleared"
    if last_upload == 0:
        return "first"
    if fill is not None and (
        last_sent_fill is None or abs(fill - last_sent_fill) >= settings["delta_fill"]
    ):
        return "change"
    # Half a measurement interval of slack, so that wake-up jitter never pushes a 6 h heartbeat to 7 h.
    slack = int(settings["measure_interval_s"]) // 2
    if now - last_upload + slack >= heartbeat_s(fill, settings):
        return "heartbeat"
    if buffered >= buffer_capacity:
        return "buffer_full"
    return None
