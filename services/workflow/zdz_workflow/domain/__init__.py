"""Pure rules of a unit's process: no clock reads, no I/O, so a Temporal workflow can hold and replay them."""
