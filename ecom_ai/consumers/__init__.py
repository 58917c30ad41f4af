"""Channels consumers (the only modules that import Channels' consumer classes)."""
