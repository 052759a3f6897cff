"""The ASGI application object for uvicorn (`server.asgi:app`)."""

from server.app import create_app
from server.logs import configure

configure()
app = create_app()
