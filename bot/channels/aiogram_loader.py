"""aiogram, imported with its Telegram types' validation built when each is first used.

`aiogram.types` ends by calling `model_rebuild` on every one of its ~460 pydantic models, with
a namespace of all of them to resolve their forward references; that builds every model's
validation schema at import: ~3 s of CPU in each process that talks to Telegram (every worker,
the scheduler, every test server) before it can answer its first update, although a worker
uses a handful of them (bench/webhook.py, issue 17: a worker was healthy 6.9 s after start,
2.8 s without Telegram).

`load()` imports aiogram with those calls, and only those, left out. The names they pass (every
type, and typing's List, Optional, …) are added where missing to aiogram's modules, which import
them for type checking only; pydantic then builds each model on first use (it rebuilds an
incomplete model before it validates or serialises anything), resolving its references in its
module: the same names. tests/channels/test_aiogram_loader.py checks that every model resolves
to the same fields as with aiogram's own import, and parses and describes the same. Each module
that imports aiogram imports this one first (`# isort: split` keeps it first)."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel


def load() -> None:
    """Import aiogram (once per process) with its types' schemas deferred; no-op when aiogram
    was imported already (then they were built at that import)."""
    if "aiogram" in sys.modules:
        return
    rebuild = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    names: dict[str, Any] = {}

    def deferred(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if _types_namespace is not None and not force and cls.__module__.startswith("aiogram."):
            names.update(_types_namespace)  # aiogram's call: its names, for the modules below
            return None
        return rebuild(  # type: ignore[no-any-return]
            cls,
            force=force,
            raise_errors=raise_errors,
            # the caller's frame is one further away through this one
            _parent_namespace_depth=_parent_namespace_depth + 1 if _parent_namespace_depth else 0,
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(deferred)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.methods  # noqa: F401  (imports aiogram.types)
    finally:
        BaseModel.model_rebuild = classmethod(rebuild)  # type: ignore[assignment,method-assign]
    # The names aiogram's modules import for type checking only, which pydantic resolves in the
    # module of the model it builds (a method's field of a type, a type's of another).
    for name, module in list(sys.modules.items()):
        if name.startswith("aiogram.") and module is not None:
            for key, value in names.items():
                module.__dict__.setdefault(key, value)


load()
