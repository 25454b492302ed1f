"""HTTP for browsers: the FastAPI application, its templates and its own static files."""
