"""Bins as FIWARE ``WasteContainer`` entities in NGSI-LD (normalised form).

Attribute names follow the Smart Data Models WasteManagement/WasteContainer schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.coordinator import WasteContainerRow

CONTEXT = [
    "https://raw.githubusercontent.com/smart-data-models/dataModel.WasteManagement/master/context.jsonld",
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
]
# Device alarms as the schema's container status.
_STATUS = {"fire": "burning", "tilt": "dropped", "moved": "moved"}


def _prop(value: object, observed_at: datetime | None = None) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "Property", "value": value}
    if observed_at is not None:
        prop["observedAt"] = observed_at.isoformat()
    return prop


def entity_id(city: str, bin_id: str) -> str:
    """The URN of a bin's entity."""
    return f"urn:ngsi-ld:WasteContainer:{city}:{bin_id}"


def waste_container(row: WasteContainerRow, *, city: str) -> dict[str, Any]:
    """One bin as an NGSI-LD entity."""
    alerts = row.open_alerts or []
    status = next((_STATUS[a] for a in alerts if a in _STATUS), "ok")
    entity: dict[str, Any] = {
        "id": entity_id(city, row.id),
        "type": "WasteContainer",
        "name": _prop(row.name),
        "areaServed": _prop(row.district),
        "category": _prop([row.category]),
        "containerType": _prop(row.container_type),
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [row.lon, row.lat]},
        },
        "status": _prop(status),
        "cargoVolume": _prop(row.volume_l / 1000.0),
        "nextActuationThreshold": _prop(row.threshold),
    }
    if row.filling_level is not None:
        entity["fillingLevel"] = _prop(round(row.filling_level, 3), row.reading_ts)
    if row.temperature_c is not None:
        entity["temperature"] = _prop(row.temperature_c, row.reading_ts)
    if row.last_emptied_at is not None:
        entity["dateLastEmptying"] = _prop(
            {"@type": "DateTime", "@value": row.last_emptied_at.isoformat()}
        )
    return entity
