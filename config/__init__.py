"""Service configuration: settings read from the environment, and the production-mode checks."""
