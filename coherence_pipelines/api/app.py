"""The HTTP API: FastAPI under /v1, the envelope, OpenAPI at /v1/openapi.json, docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from coherence_pipelines.api.body_limit import BodyLimitMiddleware
from coherence_pipelines.api.envelope import install_error_handlers
from coherence_pipelines.api.export_worker import ExportWorker
from coherence_pipelines.api.routers import exports, health, imports, mappings, modules, reports
from coherence_pipelines.settings import Settings, get_settings
from coherence_pipelines.store import RecordStore, open_store


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    worker = ExportWorker(app.state.store, app.state.settings.exports_dir)
    app.state.export_worker = worker
    worker.resume_unfinished()
    yield
    worker.shutdown()


def create_app(settings: Settings | None = None, store: RecordStore | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_dirs()
    app = FastAPI(lifespan=_lifespan, title="Coherence Pipelines: Import & Export API", version="1.0",
                  openapi_url="/v1/openapi.json", docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    app.state.store = store or open_store(settings)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    app.include_router(health.router)
    v1 = APIRouter(prefix="/v1")
    v1.include_router(imports.router)
    v1.include_router(mappings.router)
    v1.include_router(modules.router)
    v1.include_router(exports.router)
    v1.include_router(reports.router)
    app.include_router(v1)
    return app
