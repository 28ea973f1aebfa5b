"""What no request may carry, whatever its route: text that is not text, numbers JSON does not
have, and JSON nested deeper than any of our bodies.

- A NUL character (0x00): PostgreSQL text cannot hold it, so such a value failed inside the
  driver with a 500 there and was stored on SQLite.
- A lone surrogate (JSON allows "\\ud800"): not Unicode at all, so neither database driver,
  nor Redis, can encode it; it failed with a 500 wherever it was first written (the login's
  audit row, for one).

- NaN and Infinity: not JSON, but Python's parser reads them, marshmallow's ranges let
  them through (NaN compares false both ways), and PostgreSQL's JSON refuses them.
- Nesting deeper than MAX_JSON_DEPTH levels (our deepest body has six): the parser recurses,
  and a body of a few thousand '[' was a 500 (RecursionError).

No field of ours has a use for any of these. Every request is checked once, before its
route: a 422 naming each field, the same on both databases, and nothing written. The one
exception is the offline sync, which answers each write of a batch on its own and so checks
each write itself (`json_problems`): a view marked @checks_own_text.
"""

import math
import re

from flask import Flask, current_app, request

from backend.errors import Invalid

NUL = "\x00"
PROBLEM = "NUL (0x00) characters are not allowed."
SURROGATE_PROBLEM = "Not valid Unicode: a lone surrogate (\\ud800-\\udfff)."
NUMBER_PROBLEM = "Not a finite number (JSON has no NaN or Infinity)."
MAX_JSON_DEPTH = 32
DEPTH_PROBLEM = f"JSON nested deeper than {MAX_JSON_DEPTH} levels."
# JSON decoding joins a valid pair into one character: any surrogate left is a lone one
_SURROGATE = re.compile("[\ud800-\udfff]")


def problem(text: str) -> str | None:
    """What makes this text unacceptable in any field, or None."""
    if NUL in text:
        return PROBLEM
    if _SURROGATE.search(text):
        return SURROGATE_PROBLEM
    return None


class TooDeep(Invalid):
    def __init__(self):
        super().__init__(DEPTH_PROBLEM, {"_body": [DEPTH_PROBLEM]})


def json_problems(value, path: str = "", depth: int = 1) -> dict[str, str]:
    """{dotted path ("items.0.notes"): problem} for the strings, keys and numbers of a JSON
    value; raises TooDeep past MAX_JSON_DEPTH levels."""
    if isinstance(value, str):
        found = problem(value)
        return {path or "_body": found} if found else {}
    if isinstance(value, float):
        return {} if math.isfinite(value) else {path or "_body": NUMBER_PROBLEM}
    if not isinstance(value, dict | list):
        return {}
    if depth > MAX_JSON_DEPTH:
        raise TooDeep()
    out = {}
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and (found := problem(key)):
            out[here] = found
        out.update(json_problems(item, here, depth + 1))
    return out


def checks_own_text(view):
    """Mark a view that checks the text of its JSON body itself (see the module's doc)."""
    view.checks_own_text = True
    return view


def _json_body():
    try:
        return request.get_json(silent=True)
    except RecursionError:  # deeper than Python's parser goes: deeper than our limit too
        raise TooDeep() from None


def refuse_bad_text() -> None:
    fields: dict[str, str] = {}
    for pairs, unnamed in ((request.args, "_query"), (request.form, "_form")):
        for name, value in pairs.items(multi=True):
            if found := problem(name) or problem(value):
                fields[name or unnamed] = found
    if found := problem(request.path):
        fields["_path"] = found
    if request.is_json:
        in_body = json_problems(_json_body())  # the depth is checked for every route
        view = current_app.view_functions.get(request.endpoint)
        if not getattr(view, "checks_own_text", False):
            fields.update(in_body)
    if fields:
        raise Invalid("Some fields are invalid: " + ", ".join(sorted(fields)),
                      {name: [found] for name, found in fields.items()})


def init_app(app: Flask) -> None:
    app.before_request(refuse_bad_text)
