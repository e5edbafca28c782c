"""Every error answer carries a message for people in Dutch and English, and the fields at fault."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth import Role


def test_a_validation_error_names_its_field_in_dutch(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A bad threshold answers 422 with 'Ongeldige invoer: drempel.' and the field's name."""
    response = client.put(
        "/api/v1/coordinator/thresholds/glass",
        json={"threshold": 3},
        headers=headers[Role.COORDINATOR],
    )
    assert response.status_code == 422
    body = response.json()
    assert body["message_nl"] == "Ongeldige invoer: drempel."
    assert body["message_en"] == "Invalid input: threshold."
    assert body["fields"] == ["threshold"]
    assert isinstance(body["detail"], list), "the machine-readable detail is kept"


def test_a_route_error_is_in_dutch_first(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A range the other way round is refused in Dutch and English, naming start and end."""
    response = client.get(
        "/api/v1/coordinator/kpis",
        params={"start": "2026-05-01", "end": "2026-04-01"},
        headers=headers[Role.COORDINATOR],
    )
    assert response.status_code == 422
    assert response.json()["message_nl"] == "Het begin moet vóór het einde liggen."
    assert response.json()["fields"] == ["start", "end"]


def test_an_error_without_dutch_text_gets_a_dutch_sentence_for_its_status(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """A role that may not see a page gets a Dutch sentence, with the English detail second."""
    response = client.get("/api/v1/coordinator/kpis", headers=headers[Role.CREW])
    assert response.status_code == 403
    assert response.json()["message_nl"].startswith("Je hebt hiervoor geen toegang.")
    assert response.json()["message_en"]
