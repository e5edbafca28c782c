"""Metrics: the small HTTP server of each long-running service (``/metrics``, ``/health``, ...).

Prometheus' own client library renders the metrics; a service adds its other routes.
"""

from metrics.http import Handler, Reply, Request, ServiceHttp

__all__ = ["Handler", "Reply", "Request", "ServiceHttp"]
