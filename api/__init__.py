"""The HTTP API and web app for crews, coordinators and enforcement officers."""
