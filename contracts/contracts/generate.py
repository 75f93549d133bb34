"""Write (or check) the files generated from the contracts: one JSON Schema per event in
contracts/schemas/ and the AsyncAPI document contracts/asyncapi.json.

    python -m contracts.generate          # regenerate
    python -m contracts.generate --check  # exit 1 if a checked-in file is stale
"""

import json
import sys
from pathlib import Path

from contracts.asyncapi import document
from contracts.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas"


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def artifacts() -> dict[Path, str]:
    files = {
        SCHEMA_DIR / f"{event.__name__}.json": _json(event.model_json_schema(mode="serialization"))
        for event in EVENT_TYPES
    }
    files[ROOT / "asyncapi.json"] = _json(document())
    return files


def main(argv: list[str]) -> int:
    wanted = artifacts()
    stale_schemas = [p for p in SCHEMA_DIR.glob("*.json") if p not in wanted]
    if "--check" in argv:
        stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
        stale += stale_schemas
        if stale:
            names = ", ".join(str(p.relative_to(ROOT)) for p in sorted(stale))
            print(f"stale generated contracts: {names}; run python -m contracts.generate")
            return 1
        print(f"{len(wanted)} generated contract files up to date")
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path in stale_schemas:
        path.unlink()
    for path, text in wanted.items():
        path.write_text(text)
    print(f"wrote {len(wanted)} files under {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
