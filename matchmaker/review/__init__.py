"""The bureau's review queue."""
