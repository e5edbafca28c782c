"""HTTP routes, one module per area; none holds SQL."""
