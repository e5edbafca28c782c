"""Demo accounts: a crew login per vehicle for the simulated crews, and people to look around.

Only for the demo on a development installation: the password is made fresh for each run and
printed by ``nettestad demo``; production mode refuses to create these accounts.
"""

from __future__ import annotations

from config import Mode, ServiceSettings
from db import connect

DEMO_PEOPLE = (("coordinator", "coordinator"), ("handhaving", "enforcement"), ("beheer", "admin"))


def crew_username(vehicle_id: str) -> str:
    """The account the simulated crew of a vehicle logs in with."""
    return f"twin-{vehicle_id}"


def ensure_demo_accounts(
    settings: ServiceSettings, password: str, *, reset: bool = True
) -> dict[str, tuple[str, str]]:
    """Create the demo accounts (``reset``: also give existing ones this password).

    Returns vehicle id → (crew username, password).
    """
    if settings.mode is Mode.PRODUCTION:
        raise RuntimeError("demo accounts are never created in production mode")
    from api import Role, ensure_account
    from db import plans

    crews: dict[str, tuple[str, str]] = {}
    with connect(settings.database_url.get_secret_value()) as conn:
        vehicles = [v.id for v in plans.fleet(conn=conn)]
        wanted: list[tuple[str, Role, str | None]] = [
            (crew_username(v), Role.CREW, v) for v in vehicles
        ]
        wanted += [(name, Role(role), None) for name, role in DEMO_PEOPLE]
        for username, role, vehicle_id in wanted:
            ensure_account(
                conn=conn,
                username=username,
                password=password,
                role=role,
                vehicle_id=vehicle_id,
                reset=reset,
            )
            if vehicle_id is not None:
                crews[vehicle_id] = (username, password)
        conn.commit()
    return crews
