"""How a form is described for the fuzz tests (``Form``) and the values they send."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.security.conftest import SecurityWorld

_chars = st.characters(exclude_categories=["Cs"])  # lone surrogates can't be sent
ODD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x00" * 20,
        "\u202eevil",
        "\ufeff",
        "\U0001f642" * 40,
        "A" * 70_000,
        "%00",
        "' OR '1'='1' --",
        "../../../etc/passwd",
        "{{ 7 * 7 }}",
        "<script>alert(1)</script>",
        "\r\n\r\nSet-Cookie: x=1",
        "0",
        "-1",
        "9" * 5000,
        "9" * 20,
        "-" + "9" * 20,
        "9223372036854775808",
        "1e309",
        "NaN",
        "None",
        "İstanbul ß ǅ",
        "\t\v\f",
        "\\",
    ]
)
TEXT = st.one_of(
    st.text(_chars, max_size=40),
    st.text(_chars, min_size=100, max_size=3000),
    ODD,
    st.integers().map(str),
)


def value(plausible: list[str] | None = None) -> st.SearchStrategy[Any]:
    """One field's value: a plausible one, anything, or the field repeated."""
    options: list[st.SearchStrategy[Any]] = [TEXT, st.lists(TEXT, min_size=2, max_size=3)]
    if plausible:
        options.insert(0, st.sampled_from(plausible))
    return st.one_of(*options)


def form(fields: dict[str, list[str] | None]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of ``fields`` (each plausible or arbitrary), plus maybe some extra ones."""
    chosen = st.fixed_dictionaries({}, optional={k: value(v) for k, v in fields.items()})
    extra = st.dictionaries(st.text(_chars, min_size=1, max_size=15), value(), max_size=2)
    return st.tuples(extra, chosen).map(lambda pair: {**pair[0], **pair[1]})


@dataclass
class Form:
    role: str
    url: Callable[[SecurityWorld], str]
    fields: Callable[[SecurityWorld], dict[str, list[str] | None]]
    session: dict[str, Any] = field(default_factory=dict)
    #: Fields sent as an uploaded file (multipart), with the value as the file's content.
    files: tuple[str, ...] = ()

    def post(self, client: Any, url: str, body: dict[str, Any]) -> Any:
        if not self.files:
            return client.post(url, data=body)
        data = dict(body)
        for name in self.files:
            if name in data:
                values = data[name] if isinstance(data[name], list) else [data[name]]
                data[name] = [
                    (io.BytesIO(str(v).encode("utf-8", "surrogatepass")), "people.csv")
                    for v in values
                ]
        return client.post(url, data=data, content_type="multipart/form-data")


def memo(sw: SecurityWorld, key: str, make: Callable[[], Any]) -> Any:
    """What a form needs (a session, a booking, a cohort), made once per test below every
    example's savepoint and kept on the world."""
    made = sw.__dict__.setdefault("_fuzz", {})
    if key not in made:
        made[key] = make()
    return made[key]
