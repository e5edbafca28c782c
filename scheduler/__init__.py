"""The scheduler: plans each day's routes early in the morning and on demand."""
