"""bot.channels.aiogram_loader: aiogram imported without building its ~590 models' schemas; each,
built on first use, resolves to the same fields, parses and describes the same as with aiogram's
own import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Prints, per aiogram model (methods and types), its fields as resolved (annotation, default,
# metadata) once pydantic has built it, and whether it is complete; then what two updates and a
# keyboard validate to and the JSON schemas of the models a worker uses. argv[1]: "eager" (plain
# `import aiogram`) or "lazy" (through bot.channels.telegram, as the server does). The methods
# are built first, each before the types it holds: the harder order (a deferred type is then
# resolved inside its method's build, in its method's module).
SCRIPT = r"""
import json, re, sys
mode = sys.argv[1]
if mode == "eager":
    import aiogram.methods
else:
    import bot.channels.telegram
import aiogram.methods as M, aiogram.types as T
from pydantic import BaseModel
deferred = not T.Update.__pydantic_complete__
models = [getattr(mod, n) for mod in (M, T) for n in mod.__all__]
models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel)]

def build(model, depth=8):  # as deep in the stack as a server call would be
    if depth:
        return build(model, depth - 1)
    return model.__pydantic_validator__.validate_python  # builds a deferred model

fields = {}
for m in models:
    build(m)
    described = {
        f: [repr(fi.annotation), repr(fi.default), repr(fi.metadata)]
        for f, fi in m.model_fields.items()
    }
    fields[f"{m.__module__}.{m.__qualname__}"] = [
        re.sub(r" at 0x[0-9a-f]+", "", repr(described)), m.__pydantic_complete__
    ]
user = {"id": 7, "is_bot": False, "first_name": "Mai"}
chat = {"id": 7, "type": "private", "first_name": "Mai"}
updates = [
    {"update_id": 1, "message": {"message_id": 5, "date": 1764900000, "chat": chat,
     "from": user, "text": "/baocao", "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}},
    {"update_id": 2, "callback_query": {"id": "q", "from": user, "chat_instance": "c",
     "data": "yes", "message": {"message_id": 6, "date": 1764900001, "chat": chat, "text": "?",
     "reply_markup": {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}}}},
]
parsed = [T.Update.model_validate(u).model_dump(mode="json", exclude_none=True) for u in updates]
schemas = {m.__name__: m.model_json_schema() for m in (T.Update, M.SendMessage, M.SetMyCommands)}
print(json.dumps({"deferred": deferred, "fields": fields, "parsed": parsed, "schemas": schemas}))
"""


def _run(mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", SCRIPT, mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_every_model_is_built_on_first_use_as_aiogram_builds_it() -> None:
    procs = {mode: _run(mode) for mode in ("eager", "lazy")}
    out = {}
    for mode, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode == 0, stderr[-3000:]
        out[mode] = json.loads(stdout)
    eager = out["eager"]
    assert eager["deferred"] is False
    assert len(eager["fields"]) > 500
    assert all(complete for _, complete in eager["fields"].values())
    assert eager["parsed"][1]["callback_query"]["data"] == "yes"
    lazy = out["lazy"]
    assert lazy["deferred"] is True, "aiogram's schemas were built at import"
    assert lazy["fields"] == eager["fields"]
    assert lazy["parsed"] == eager["parsed"]
    assert lazy["schemas"] == eager["schemas"]
