"""The published article's program, run as published, and its audit."""
