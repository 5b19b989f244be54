"""Maintenance commands of the repository itself (generated documentation)."""
