from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness; no authentication")
def health() -> dict:
    return {"success": True, "data": {"status": "ok"}}
