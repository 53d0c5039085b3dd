"""ASGI entry point: `uvicorn api.main:app` (settings from NEWSKG_* environment variables)."""

from newskg.web.app import create_app

app = create_app()
