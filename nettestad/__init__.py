"""The ``nettestad`` command line: one entry point for every service and tool."""

# The top of the dependency graph: it uses every other package, and none uses it.
__all__: list[str] = []
