"""The HTTP API and web app for crews, coordinators and enforcement officers."""

from api.account_queries import insert_audit, set_password_hash, user_with_hash
from api.auth import Role, create_user, hash_password
from api.evidence_access import MAGIC, DirectoryEvidence
from api.evidence_store import register_key
from api.registry_import import import_kind
from api.settings import ApiSettings, get_api_settings

__all__ = [
    "MAGIC",
    "ApiSettings",
    "DirectoryEvidence",
    "Role",
    "create_user",
    "get_api_settings",
    "hash_password",
    "import_kind",
    "insert_audit",
    "register_key",
    "set_password_hash",
    "user_with_hash",
]
