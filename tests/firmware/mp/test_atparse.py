"""The SIM7080G's answers, parsed by pure functions: recorded lines replayed from a fixture file."""

import json

from binsensor import atparse
from binsensor.atparse import ATError
from helpers import check, equal, raises

FIXTURE = __file__.rsplit("/", 2)[0] + "/fixtures/sim7080g_answers.json"


def test_recorded_answers_parse_or_fail_with_their_reason():
    """Every recorded line gives its value, or an ATError that says what was wrong with it."""
    with open(FIXTURE) as handle:
        cases = json.load(handle)
    for name, line, want in cases:
        parse = getattr(atparse, name)
        if isinstance(want, str) and want.startswith("error:"):
            error = raises(ATError, lambda parse=parse, line=line: parse(line))
            check(want[6:] in str(error), "%s(%r): %s" % (name, line, error))
            continue
        got = parse(line)
        if isinstance(got, tuple):
            got = [got[0], got[1].decode()]
        equal(got, want)


def test_psm_timers_round_up_to_what_the_standard_can_say():
    """T3412 and T3324 are encoded as 3 unit bits and 5 value bits (TS 24.008), never shorter."""
    equal(atparse.periodic_tau(86400), "00111000")  # 24 x 1 h
    equal(atparse.periodic_tau(6 * 3600), "00100110")  # 6 x 1 h (36 x 10 min does not fit)
    equal(atparse.periodic_tau(60), "01111110")  # 30 x 2 s
    equal(atparse.active_time(4), "00000010")  # 2 x 2 s
    equal(atparse.active_time(61), "00011111")  # 31 x 2 s
    equal(atparse.active_time(70), "00100010")  # 2 x 1 min
    raises(ValueError, lambda: atparse.active_time(31 * 360 + 1))


def test_edrx_takes_the_shortest_cycle_at_least_as_long():
    """The requested eDRX cycle is the standard's next one up."""
    equal(atparse.edrx_code(20), "0010")
    equal(atparse.edrx_code(81.92), "0101")
    equal(atparse.edrx_code(100), "1001")
    raises(ValueError, lambda: atparse.edrx_code(3000))


def test_a_quote_cannot_be_smuggled_into_a_command():
    """A value with a double quote or a line break is refused rather than cut the command short."""
    equal(atparse.quoted("iot.1nce.net"), '"iot.1nce.net"')
    raises(ATError, lambda: atparse.quoted('apn"\r\nAT+CPOWD=1'))


def test_mqtt_settings_carry_identity_session_and_will():
    """AT+SMCONF sets the broker, client id, credentials, keep-alive, persistent session and will."""
    commands = atparse.mqtt_settings(
        client_id="fs-1",
        host="mqtt.kortrijk.example",
        port=8883,
        username="fs-1",
        password="secret",
        keepalive_s=60,
        clean_session=False,
        will_topic="kortrijk/v1/dev/fs-1/up/status",
        will_payload=b"offline",
    )
    equal(commands[0], 'AT+SMCONF="URL","mqtt.kortrijk.example",8883')
    check('AT+SMCONF="CLEANSS",0' in commands)
    check('AT+SMCONF="MESSAGE","offline"' in commands)


def test_cellular_config_is_checked_at_boot():
    """A cellular config with an unknown radio technology or an impossible timer is refused."""
    from binsensor.config import DeviceConfig
    from helpers import provision

    document = provision(radio="cellular", cellular={"apn": "iot.test", "rat": "5g"})
    error = raises(ValueError, lambda: DeviceConfig(document))
    check("cellular.rat" in str(error), str(error))
    document["cellular"] = {"apn": "iot.test", "psm_active_s": 999999}
    raises(ValueError, lambda: DeviceConfig(document))
    document["cellular"] = {"apn": 'iot"test'}
    error = raises(ValueError, lambda: DeviceConfig(document))
    check("bad device config: cellular" in str(error), str(error))


def test_config_without_a_radio_field_is_wifi_and_a_modem_only_config_is_cellular():
    """Older files keep working: no "radio" means Wi-Fi, unless only a modem is described."""
    from binsensor.config import DeviceConfig
    from helpers import provision

    equal(DeviceConfig(provision()).radio, "wifi")
    document = provision(cellular={"apn": "iot.test"})
    del document["wifi"]
    equal(DeviceConfig(document).radio, "cellular")
