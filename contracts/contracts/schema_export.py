"""Write (or check) the JSON Schema of every event into contracts/schemas/.

python -m contracts.schema_export          # regenerate
python -m contracts.schema_export --check  # exit 1 if the checked-in files are stale
"""

import json
import sys
from pathlib import Path

from contracts.events import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def rendered() -> dict[str, str]:
    return {
        f"{event.__name__}.json": json.dumps(
            event.model_json_schema(mode="serialization"), indent=2, ensure_ascii=False
        )
        + "\n"
        for event in EVENT_TYPES
    }


def main(argv: list[str]) -> int:
    wanted = rendered()
    if "--check" in argv:
        present = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
        if present != wanted:
            stale = sorted(set(present.items()) ^ set(wanted.items()))
            names = sorted({name for name, _ in stale})
            print(f"stale event schemas: {', '.join(names)}; run python -m contracts.schema_export")
            return 1
        print(f"{len(wanted)} event schemas up to date")
        return 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path in SCHEMA_DIR.glob("*.json"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        (SCHEMA_DIR / name).write_text(text)
    print(f"wrote {len(wanted)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
