"""A simulated Kortrijk: bins, sensors and cameras speaking the same MQTT contract as real ones."""

from twin import fleet, report  # public modules
from twin.accounts import ensure_demo_accounts
from twin.city import build_city
from twin.compare import CompareParams, compare
from twin.crew_channel import ApiCrewChannel, CrewChannel, DbCrewChannel
from twin.fleet import Fleet, FleetParams
from twin.live import LiveOperations, catch_up_plan_today, start_of_history
from twin.publisher import MqttPublisher, register_sites
from twin.world import World

__all__ = [
    "ApiCrewChannel",
    "CompareParams",
    "CrewChannel",
    "DbCrewChannel",
    "Fleet",
    "FleetParams",
    "LiveOperations",
    "MqttPublisher",
    "World",
    "build_city",
    "catch_up_plan_today",
    "compare",
    "ensure_demo_accounts",
    "fleet",
    "register_sites",
    "report",
    "start_of_history",
]
