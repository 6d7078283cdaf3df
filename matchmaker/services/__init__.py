"""Use cases of the platform: the only layer that commits."""
