"""The ledger: each unit's 源网厂口 rows, its problems and tasks, the facts the score sheets read, and its
acceptance standing with the district progress it adds up to.

Rooms: `domain` ← `service_layer` ← `adapters`, `entrypoints`. The ledger reads the directory (a unit's
kind, district and name; the unit read model); the directory never imports the ledger."""
