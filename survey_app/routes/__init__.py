"""Blueprints: ``public`` (home, language, resume), ``invitations`` (codes), ``survey`` (pages)."""
