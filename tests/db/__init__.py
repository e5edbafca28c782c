"""Tests of the typed data-access layer."""
