"""The HTTP API and web app for crews, coordinators and enforcement officers."""

from api import registry_io  # public modules
from api.auth import Role, create_user, ensure_account, hash_password
from api.evidence_access import MAGIC, DirectoryEvidence
from api.registry_import import import_kind
from api.settings import ApiSettings, get_api_settings

__all__ = [
    "MAGIC",
    "ApiSettings",
    "DirectoryEvidence",
    "Role",
    "create_user",
    "ensure_account",
    "get_api_settings",
    "hash_password",
    "import_kind",
    "registry_io",
]
