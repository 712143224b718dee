"""Screens as devices: pairing, screen credentials, admin access and the fleet view."""
