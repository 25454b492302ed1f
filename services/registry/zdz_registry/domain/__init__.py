"""What the registry's two contexts share in their domain: who may call which RPC."""
