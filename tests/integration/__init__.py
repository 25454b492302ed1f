"""Test package (a package so that package-scoped fixtures below it stop with their folder)."""
