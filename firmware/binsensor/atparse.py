"""The SIM7080G's AT dialogue as pure functions: parse what the module says, format what we ask.

Every parser raises ``ATError`` with the line it could not read, so the driver logs the reason
and retries instead of guessing a value (a reading never carries an invented signal or time).
References: SIMCom "SIM7070_SIM7080_SIM7090 Series AT Command Manual" (V1.0x) for +CEREG, +CSQ,
+CPIN, +CPSMS, +CEDRXS, +CCLK, +CNACT, +SMCONF/+SMCONN/+SMSUB/+SMPUB/+SMSTATE; 3GPP TS 27.007
and TS 24.008 (table 10.5.163a, 10.5.5.32) for the registration states and the timer encodings.
"""

# +CEREG <stat> (3GPP TS 27.007 §10.1.22)
NOT_SEARCHING, HOME, SEARCHING, DENIED, UNKNOWN, ROAMING = 0, 1, 2, 3, 4, 5
REGISTERED = (HOME, ROAMING)
# AT+CMNB: the radio access technology the module may use
RAT_CODES = {"lte-m": 1, "nb-iot": 2, "both": 3}
# AT+CEDRXS <AcT-type>: 4 = E-UTRAN (WB-S1, i.e. LTE-M), 5 = E-UTRAN (NB-S1, i.e. NB-IoT)
EDRX_ACT = {"lte-m": 4, "nb-iot": 5, "both": 4}
# The eDRX cycles of TS 24.008 table 10.5.5.32 (S1 mode), in seconds, by their 4-bit code.
EDRX_CYCLES_S = (
    (0b0010, 20.48),
    (0b0011, 40.96),
    (0b0101, 81.92),
    (0b1001, 163.84),
    (0b1010, 327.68),
    (0b1011, 655.36),
    (0b1100, 1310.72),
    (0b1101, 2621.44),
)
CME_SIM_NOT_INSERTED = 10
MAX_PUBLISH_BYTES = 1024  # AT+SMPUB <content length> range 0..1024 in the SIM7080 AT manual
FINAL_OK = "OK"
FINAL_ERRORS = ("ERROR", "+CME ERROR:", "+CMS ERROR:")


class ATError(OSError):
    """The module answered something the driver did not expect, an error, or nothing in time."""


def quoted(value: str) -> str:
    """A string argument in double quotes; the AT syntax has no escape for a quote."""
    if '"' in value or "\r" in value or "\n" in value:
        raise ATError("cannot pass %r in an AT command" % value)
    return '"%s"' % value


def is_final(line: str) -> bool:
    """Whether a line ends an AT command's answer."""
    return line == FINAL_OK or line.startswith(FINAL_ERRORS)


def _fields(line: str, prefix: str) -> "list[str]":
    """The comma-separated values after ``prefix``, or ATError when the line is something else."""
    if not line.startswith(prefix):
        raise ATError("expected %s, got %r" % (prefix.strip(), line[:80]))
    return [part.strip() for part in line[len(prefix) :].split(",")]


def _integer(text: str, line: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ATError("not a number in %r" % line[:80]) from None


def cme_code(line: str) -> "int | None":
    """The numeric code of a ``+CME ERROR: n`` line (None for a plain ``ERROR``)."""
    if not line.startswith("+CME ERROR:"):
        return None
    try:
        return int(line[11:].strip())
    except ValueError:
        return None


def sim_ready(line: str) -> bool:
    """``+CPIN: READY`` → True; another SIM state (PIN wanted, …) → False."""
    return _fields(line, "+CPIN:")[0] == "READY"


def registration(line: str) -> int:
    """The <stat> of a ``+CEREG: <n>,<stat>[,…]`` answer to ``AT+CEREG?``."""
    fields = _fields(line, "+CEREG:")
    if len(fields) < 2:
        raise ATError("expected +CEREG: <n>,<stat>, got %r" % line[:80])
    stat = _integer(fields[1], line)
    if not 0 <= stat <= 10:
        raise ATError("registration state out of range in %r" % line[:80])
    return stat


def signal_dbm(line: str) -> "int | None":
    """RSSI in dBm from ``+CSQ: <rssi>,<ber>`` (0 → -113 dBm, 31 → -51 dBm, 99 → unknown)."""
    fields = _fields(line, "+CSQ:")
    code = _integer(fields[0], line)
    if code == 99:
        return None
    if not 0 <= code <= 31:
        raise ATError("signal quality out of range in %r" % line[:80])
    return -113 + 2 * code


def pdp_active(line: str) -> bool:
    """Whether ``+CNACT: <pdpidx>,<statusx>,"<address>"`` says context 0 is active."""
    fields = _fields(line, "+CNACT:")
    return len(fields) >= 2 and fields[0] == "0" and fields[1] == "1"


def mqtt_state(line: str) -> int:
    """``+SMSTATE: <status>``: 0 disconnected, 1 connected, 2 connected with a session present."""
    return _integer(_fields(line, "+SMSTATE:")[0], line)


def incoming_message(line: str) -> "tuple[str, bytes]":
    """Topic and payload of a ``+SMSUB: "<topic>","<message>"`` URC (the message is not escaped)."""
    if not line.startswith('+SMSUB: "') or not line.endswith('"'):
        raise ATError("unreadable +SMSUB: %r" % line[:80])
    body = line[9:-1]
    split = body.find('","')
    if split < 0:
        raise ATError("unreadable +SMSUB: %r" % line[:80])
    return body[:split], body[split + 3 :].encode()


def network_time(line: str) -> int:
    """Unix seconds (UTC) from ``+CCLK: "yy/MM/dd,hh:mm:ss±zz"`` (zz in quarters of an hour)."""
    from binsensor.timeutil import epoch_from_rtc

    fields = _fields(line, "+CCLK:")
    text = ",".join(fields).strip('"')
    if len(text) != 20 or text[2] != "/" or text[8] != "," or text[17] not in "+-":
        raise ATError("unreadable clock %r" % line[:80])
    try:
        year, month, day = int(text[0:2]), int(text[3:5]), int(text[6:8])
        hour, minute, second = int(text[9:11]), int(text[12:14]), int(text[15:17])
        quarters = int(text[18:20])
    except ValueError:
        raise ATError("unreadable clock %r" % line[:80]) from None
    # A module that never heard the network's time counts from 1980 ("80/01/06").
    if not 24 <= year <= 79 or not (
        1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60
    ):
        raise ATError("clock not set by the network: %r" % line[:80])
    local = epoch_from_rtc((2000 + year, month, day, 0, hour, minute, second, 0))
    offset = quarters * 900
    return local - offset if text[17] == "+" else local + offset


def _gprs_timer(seconds: int, units: "tuple[tuple[int, int], ...]") -> str:
    """The 8-bit timer string of TS 24.008 (3 bits unit, 5 bits value), rounded up."""
    for bits, unit_s in units:
        value = -(-seconds // unit_s)
        if value <= 31:
            return "{:03b}{:05b}".format(bits, value)
    raise ValueError("timer of %d s is too long" % seconds)


def periodic_tau(seconds: int) -> str:
    """Requested T3412 extended (periodic tracking area update), GPRS Timer 3 encoding."""
    # unit codes: 011 = 2 s, 100 = 30 s, 101 = 1 min, 000 = 10 min, 001 = 1 h, 010 = 10 h,
    # 110 = 320 h; ordered from the finest unit up.
    return _gprs_timer(
        seconds,
        ((0b011, 2), (0b100, 30), (0b101, 60), (0b000, 600), (0b001, 3600), (0b010, 36000),
         (0b110, 1152000)),
    )  # fmt: skip


def active_time(seconds: int) -> str:
    """Requested T3324 (how long the module listens after a report), GPRS Timer 2 encoding."""
    # unit codes: 000 = 2 s, 001 = 1 min, 010 = 6 min
    return _gprs_timer(seconds, ((0b000, 2), (0b001, 60), (0b010, 360)))


def edrx_code(cycle_s: float) -> str:
    """The 4-bit code of the shortest eDRX cycle at least ``cycle_s`` long."""
    for code, length in EDRX_CYCLES_S:
        if length >= cycle_s:
            return "{:04b}".format(code)
    raise ValueError("eDRX cycle of %s s is longer than the standard allows" % cycle_s)


def mqtt_settings(
    *,
    client_id: str,
    host: str,
    port: int,
    username: str,
    password: str,
    keepalive_s: int,
    clean_session: bool,
    will_topic: "str | None",
    will_payload: bytes,
) -> "list[str]":
    """The ``AT+SMCONF`` commands that set up the module's MQTT client before ``AT+SMCONN``."""
    commands = [
        "AT+SMCONF=%s,%s,%d" % (quoted("URL"), quoted(host), port),
        "AT+SMCONF=%s,%s" % (quoted("CLIENTID"), quoted(client_id)),
        "AT+SMCONF=%s,%s" % (quoted("USERNAME"), quoted(username)),
        "AT+SMCONF=%s,%s" % (quoted("PASSWORD"), quoted(password)),
        "AT+SMCONF=%s,%d" % (quoted("KEEPTIME"), keepalive_s),
        "AT+SMCONF=%s,%d" % (quoted("CLEANSS"), 1 if clean_session else 0),
    ]
    if will_topic is not None:
        commands += [
            "AT+SMCONF=%s,%s" % (quoted("TOPIC"), quoted(will_topic)),
            "AT+SMCONF=%s,%s" % (quoted("MESSAGE"), quoted(will_payload.decode())),
            "AT+SMCONF=%s,1" % quoted("QOS"),
            "AT+SMCONF=%s,0" % quoted("RETAIN"),
        ]
    return commands
