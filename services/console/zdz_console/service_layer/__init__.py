"""What each page shows, gathered from the services' gRPC APIs with the signed-in person's calls."""
