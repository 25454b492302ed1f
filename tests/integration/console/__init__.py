"""A package, so that its conftest's package-scoped servers stop when its last test is done (not at the end of the run)."""
