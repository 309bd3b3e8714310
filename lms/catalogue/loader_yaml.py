"""Reading YAML from course files with the line of every key and value, and typed field
checks that note a ``file:line: message`` problem for each bad value instead of stopping."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ID_HINT = "lower-case letters, digits and hyphens, starting with a letter or digit"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a course file, at a line (1-based) of a file relative to the
    courses root."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Problems:
    """Collects problems so a course shows all of them at once, not one per run."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, message: str) -> None:
        self.items.append(Problem(file, line, message))

    def __bool__(self) -> bool:
        return bool(self.items)


class YamlMap(dict[Any, Any]):
    """A YAML mapping that remembers the file lines of its keys and values."""

    line: int = 1
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_line(key))


class YamlList(list[Any]):
    """A YAML sequence that remembers the file line of each item."""

    line: int = 1
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and sequences carry file line numbers."""

    def __init__(self, stream: str, first_line: int) -> None:
        super().__init__(stream)
        self.first_line = first_line
        self.duplicates: list[tuple[int, Any, int]] = []


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = loader.first_line + node.start_mark.line
    result.key_lines, result.value_lines = {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key_line = loader.first_line + key_node.start_mark.line
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark
            )
        if key in result:
            loader.duplicates.append((key_line, key, result.key_lines[key]))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_line
        result.value_lines[key] = loader.first_line + value_node.start_mark.line
    return result


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = loader.first_line + node.start_mark.line
    result.item_lines = [loader.first_line + item.start_mark.line for item in node.value]
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)

FAILED = object()


def parse_yaml(text: str, file: str, first_line: int, problems: Problems) -> Any:
    """Parse one YAML block that starts at ``first_line`` of ``file``; ``FAILED`` if invalid."""
    loader = _LineLoader(text, first_line)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context_mark is not None and "end of stream" in (error.problem or ""):
            mark = error.context_mark  # where the unfinished thing started is more useful
        line = first_line + mark.line if mark is not None else first_line
        what = error.problem or str(error)
        if error.context:
            what += f" ({error.context})"
        problems.add(file, line, f"invalid YAML: {what}")
        return FAILED
    except yaml.YAMLError as error:
        problems.add(file, first_line, f"invalid YAML: {error}")
        return FAILED
    finally:
        loader.dispose()
    for line, key, first in loader.duplicates:
        problems.add(file, line, f'"{key}" appears twice (first at line {first})')
    return data


def plain(value: Any) -> Any:
    """The value as plain dicts and lists (for JSON columns and hashing)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def suggestion(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"yes/no ({str(value).lower()})"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def _quote(value: Any) -> str:
    """A hint for a number, yes/no or date that YAML read as something other than text."""
    return "" if isinstance(value, dict | list) or value is None else " (put it in quotes)"


class Fields:
    """Typed reads from one YAML mapping; each bad value becomes a problem at its line.

    Every getter returns ``None`` for a missing or bad value, so callers carry on and the
    course reports everything wrong with it in one go.
    """

    def __init__(
        self,
        data: YamlMap,
        file: str,
        problems: Problems,
        allowed: Collection[str] | None,
        prefix: str = "",
        line: int | None = None,
    ) -> None:
        """``line`` is where a missing key is reported (default: where the mapping starts)."""
        self.data, self.file, self.problems, self.prefix = data, file, problems, prefix
        self.missing_line = line if line is not None else data.line
        if allowed is not None:
            for key in data:
                if key not in allowed:
                    self.problem(
                        data.key_line(key),
                        f'unknown key "{key}"{suggestion(key, allowed)}; '
                        f"allowed here: {', '.join(sorted(allowed))}",
                    )

    def problem(self, line: int, message: str) -> None:
        self.problems.add(self.file, line, self.prefix + message)

    def line(self, key: str) -> int:
        return self.data.value_line(key)

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                where = self.data.key_line(key) if key in self.data else self.missing_line
                self.problem(where, f'"{key}" is required')
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, max_length: int = 200) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(
                self.line(key), f"{key} must be text, not {describe(value)}{_quote(value)}"
            )
            return None
        value = value.strip()
        if required and not value:
            self.problem(self.line(key), f"{key} must not be empty")
            return None
        if len(value) > max_length:
            self.problem(
                self.line(key), f"{key} is {len(value)} characters long (at most {max_length})"
            )
            return None
        return value

    def identifier(self, key: str = "id") -> str | None:
        value = self._get(key, True)
        if value is None:
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > 80:
            self.problem(
                self.line(key),
                f"{key} {describe(value)} is not valid: use up to 80 {ID_HINT}",
            )
            return None
        return value

    def integer(self, key: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(
                self.line(key),
                f"{key} must be a whole number from {low} to {high}, not {describe(value)}",
            )
            return None
        return value

    def number(self, key: str, low: float) -> float | None:
        value = self._get(key, True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            self.problem(
                self.line(key), f"{key} must be a number of at least {low:g}, not {describe(value)}"
            )
            return None
        return float(value)

    def boolean(self, key: str) -> bool | None:
        value = self._get(key, True)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problem(self.line(key), f"{key} must be true or false, not {describe(value)}")
            return None
        return value

    def choice(self, key: str, options: Collection[str], *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in options:
            hint = suggestion(value, options) if isinstance(value, str) else ""
            self.problem(
                self.line(key),
                f"{key} must be one of {', '.join(options)}, not {describe(value)}{hint}",
            )
            return None
        return value

    def text_list(self, key: str, *, required: bool = True) -> list[str] | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, YamlList) or not value:
            self.problem(self.line(key), f"{key} must be a list with at least one entry")
            return None
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(
                    value.item_line(index),
                    f"{key} entry {index + 1} must be text, not {describe(item)}{_quote(item)}",
                )
            else:
                items.append(item.strip())
        return items if len(items) == len(value) else None

    def mapping(self, key: str, *, required: bool = False) -> YamlMap | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, YamlMap):
            self.problem(self.line(key), f"{key} must be a mapping of keys, not {describe(value)}")
            return None
        return value
