"""The directory: districts with their targets (000 附件1) and the units that must reach the standard (附件2).

Rooms: `domain` ← `service_layer` ← `adapters`, `entrypoints`. The directory knows nothing of the ledger."""
