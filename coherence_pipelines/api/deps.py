"""Request dependencies: the store, the calling account (API key and scopes), the module."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coherence_pipelines.errors import AccessDenied, ModuleNotFound, Unauthorized
from coherence_pipelines.modules import ModuleDef, merge_definitions
from coherence_pipelines.settings import Settings
from coherence_pipelines.store import Principal, RecordStore
from coherence_pipelines.store.api_keys import key_id_of, matches


def get_store(request: Request) -> RecordStore:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


Store = Annotated[RecordStore, Depends(get_store)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def authenticate(request: Request, store: Store) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key_id = key_id_of(key.strip()) if scheme.lower() == "bearer" else None
    if not key_id:
        raise Unauthorized()
    with store.session() as session:
        found = session.api_key(key_id)
    if found is None or not matches(key.strip(), found[2]):
        raise Unauthorized()
    return Principal(account_id=found[0], account_name=found[1], scopes=found[3])


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(scope: str):
    def check(principal: CurrentPrincipal) -> Principal:
        if scope not in principal.scopes and "admin" not in principal.scopes:
            raise AccessDenied(f"Access denied: this needs an API key with the {scope!r} scope")
        return principal

    return check


ImportPrincipal = Annotated[Principal, Depends(require("import"))]
ExportPrincipal = Annotated[Principal, Depends(require("export"))]
AdminPrincipal = Annotated[Principal, Depends(require("admin"))]


def account_modules(store: RecordStore, account_id: str) -> dict[str, ModuleDef]:
    with store.session() as session:
        return merge_definitions(session.custom_modules(account_id))


def find_module(store: RecordStore, account_id: str, slug: str) -> ModuleDef:
    module = account_modules(store, account_id).get(slug)
    if module is None:
        raise ModuleNotFound(f"Module not found: {slug!r} is not a module of this account")
    return module
