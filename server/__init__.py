"""Composition root: settings, the Starlette app and its lifespan, health endpoints, the CLI."""
