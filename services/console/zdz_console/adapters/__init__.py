"""The console's ties to the outside: the four services' gRPC stubs, the session cookie, files and map data."""
