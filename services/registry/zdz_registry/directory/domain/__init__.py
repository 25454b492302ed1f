"""The directory's rules: districts with their targets and the units that must reach the standard."""
