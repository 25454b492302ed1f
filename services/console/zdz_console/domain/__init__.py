"""What the console knows without asking anyone: who is looking, which stage commands exist and who issues them,
the map's district names, the ledger file's Chinese column names. Pure: no wire, no HTTP, no templates."""
