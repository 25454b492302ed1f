"""Shared library of the zdz services: errors, command context, the event store, the outbox, gRPC serving."""
