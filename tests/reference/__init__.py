"""Stored references the tests compare against, and the scripts that make them."""
