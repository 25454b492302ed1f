"""零直排 (zdz) command line: `zdz --help`."""
