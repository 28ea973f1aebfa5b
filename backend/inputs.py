"""What no request may carry, whatever its route: a NUL character in any text.

PostgreSQL text cannot hold NUL (0x00), so such a value failed inside the driver with a
500 there and was stored on SQLite; no field of ours has a use for it. Every request is
checked once, before its route: a 422 naming each field, the same on both databases,
and nothing written.
"""

from flask import Flask, request

from backend.errors import Invalid

NUL = "\x00"
PROBLEM = "NUL (0x00) characters are not allowed."


def _nul_fields(value, path: str) -> list[str]:
    """Dotted paths ("items.0.notes") of the strings and keys of a JSON value holding NUL."""
    if isinstance(value, str):
        return [path or "_body"] if NUL in value else []
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            out += [here] if NUL in str(key) else []
            out += _nul_fields(item, here)
        return out
    if isinstance(value, list):
        return [f for i, item in enumerate(value)
                for f in _nul_fields(item, f"{path}.{i}" if path else str(i))]
    return []


def refuse_nul_characters() -> None:
    fields = [name or "_query" for name, value in request.args.items(multi=True)
              if NUL in name or NUL in value]
    fields += [name for name, value in request.form.items(multi=True)
               if NUL in name or NUL in value]
    if NUL in request.path:
        fields.append("_path")
    if request.is_json:
        fields += _nul_fields(request.get_json(silent=True), "")
    if fields:
        raise Invalid("Some fields are invalid: " + ", ".join(sorted(set(fields))),
                      {name: [PROBLEM] for name in fields})


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
