"""Service configuration: settings read from the environment, and the production-mode checks."""

from config.settings import DEV_SECRET, InsecureSettingError, Mode, ServiceSettings

__all__ = ["DEV_SECRET", "InsecureSettingError", "Mode", "ServiceSettings"]
