"""Data the service loads at start: the routing table (routing.toml)."""
