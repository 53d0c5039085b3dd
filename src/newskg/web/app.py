"""The app factory: state on app.state, no import-time singletons."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from newskg import __version__
from newskg.core.config import Settings
from newskg.kg import KnowledgeGraph
from newskg.web import assertions, health, ingest, pages, reconcile, search, sparql, store, validation
from newskg.web.errors import add_error_handlers


class NewsKGApp(FastAPI):
    """The FastAPI app, with the hot path of the SPARQL endpoint (a plain `GET /sparql`) served before its
    middleware and routing layers, which cost more than answering a light query."""

    async def __call__(self, scope, receive, send) -> None:
        if sparql.answered_directly(scope):
            await sparql.answer_directly(self, scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, kg: KnowledgeGraph | None = None) -> FastAPI:
    """Build the service around a knowledge graph (opened from the settings unless one is given)."""
    settings = settings or Settings()
    owns_kg = kg is None
    kg = kg or KnowledgeGraph.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        kg.start_query_workers()
        yield
        if owns_kg:
            kg.close()

    app = NewsKGApp(title="newskg", version=__version__, lifespan=lifespan)
    app.state.kg = kg
    app.include_router(sparql.router)
    app.include_router(store.router)
    app.include_router(validation.router)
    app.include_router(assertions.router)
    app.include_router(ingest.router)
    app.include_router(reconcile.router)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(search.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "NewsKG-Wikidata-Source"],  # readable by a page's script (see web/conditional.py)
    )
    add_error_handlers(app)
    return app
