"""What no request may carry, whatever its route: text that is not text.

- A NUL character (0x00): PostgreSQL text cannot hold it, so such a value failed inside the
  driver with a 500 there and was stored on SQLite.
- A lone surrogate (JSON allows "\\ud800"): not Unicode at all, so neither database driver,
  nor Redis, can encode it; it failed with a 500 wherever it was first written (the login's
  audit row, for one).

No field of ours has a use for either. Every request is checked once, before its route: a
422 naming each field, the same on both databases, and nothing written.
"""

import re

from flask import Flask, request

from backend.errors import Invalid

NUL = "\x00"
PROBLEM = "NUL (0x00) characters are not allowed."
SURROGATE_PROBLEM = "Not valid Unicode: a lone surrogate (\\ud800-\\udfff)."
# JSON decoding joins a valid pair into one character: any surrogate left is a lone one
_SURROGATE = re.compile("[\ud800-\udfff]")


def problem(text: str) -> str | None:
    """What makes this text unacceptable in any field, or None."""
    if NUL in text:
        return PROBLEM
    if _SURROGATE.search(text):
        return SURROGATE_PROBLEM
    return None


def _json_problems(value, path: str) -> dict[str, str]:
    """{dotted path ("items.0.notes"): problem} for the strings and keys of a JSON value."""
    if isinstance(value, str):
        found = problem(value)
        return {path or "_body": found} if found else {}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if found := problem(str(key)):
                out[here] = found
            out.update(_json_problems(item, here))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_json_problems(item, f"{path}.{i}" if path else str(i)))
        return out
    return {}


def refuse_bad_text() -> None:
    fields: dict[str, str] = {}
    for pairs, unnamed in ((request.args, "_query"), (request.form, "_form")):
        for name, value in pairs.items(multi=True):
            if found := problem(name) or problem(value):
                fields[name or unnamed] = found
    if found := problem(request.path):
        fields["_path"] = found
    if request.is_json:
        fields.update(_json_problems(request.get_json(silent=True), ""))
    if fields:
        raise Invalid("Some fields are invalid: " + ", ".join(sorted(fields)),
                      {name: [found] for name, found in fields.items()})


def init_app(app: Flask) -> None:
    app.before_request(refuse_bad_text)
