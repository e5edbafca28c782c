"""Routing tests reuse the API's fixtures (the app on the test database, an account per role)."""

from tests.api.conftest import (  # noqa: F401 - re-exported fixtures for the plan API tests
    accounts,
    api_settings,
    cheap_password_hashing,
    client,
    headers,
)
