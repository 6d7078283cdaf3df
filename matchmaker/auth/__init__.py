"""Logging in and out; the logged-in user as Flask-Login sees it, loaded fresh on every request."""
