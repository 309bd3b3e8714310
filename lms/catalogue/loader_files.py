"""Reading course files as text: UTF-8 checks, and cutting a module file into its front
matter, intro and ```step blocks, each with the line it starts on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lms.catalogue.loader_yaml import Problems

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*(.*?)\s*$")


@dataclass
class StepBlock:
    """A ```step block: its YAML, and the Markdown after it up to the next block."""

    fence_line: int
    yaml: list[str]
    body: list[str] = field(default_factory=list)


@dataclass
class ModuleText:
    """A module file cut into parts: the lines of each, and where they start."""

    front: list[str]
    intro: list[str] = field(default_factory=list)
    intro_line: int = 1
    blocks: list[StepBlock] = field(default_factory=list)
    cut_short: bool = False  # a fence was never closed


def read_text(path: Path, file: str, problems: Problems) -> str | None:
    """A file's text as UTF-8 with plain newlines; ``None`` (and a problem) if unusable."""
    if not path.is_file():
        problems.add(file, 1, f"{path.name} is missing")
        return None
    data = path.read_bytes()
    if not data.strip():
        problems.add(file, 1, "the file is empty")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(
            file,
            line,
            f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} "
            "cannot be read); save it with UTF-8 encoding",
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_module(text: str, file: str, problems: Problems) -> ModuleText | None:
    """Cut a module file into its front matter, intro and ```step blocks with bodies."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        problems.add(
            file,
            1,
            "the file must start with front matter: a line ---, the "
            "module's id and title, then another line ---",
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        problems.add(
            file, 1, "the front matter that starts here is never closed: add a line --- after it"
        )
        return None
    parts = ModuleText(front=lines[1:end], intro_line=end + 2)
    target = parts.intro
    i = end + 1
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            target.append(lines[i])
            i += 1
            continue
        fence, info = match.groups()
        is_step = info.split()[0].lower().strip("{}") == "step" if info.strip() else False
        if is_step and (fence != "```" or info != "step"):
            # Read it as the step it was meant to be, so its other problems show too.
            problems.add(
                file,
                i + 1,
                f'a step must start with a line ```step exactly, not "{lines[i].strip()}"',
            )
            fence = ""  # closed by any fence line
        close = next((k for k in range(i + 1, len(lines)) if _closes(lines[k], fence)), None)
        if is_step:
            if close is None:
                problems.add(
                    file, i + 1, "this ```step block is never closed: add a line ``` after its YAML"
                )
                parts.cut_short = True
                return parts
            block = StepBlock(fence_line=i + 1, yaml=lines[i + 1 : close])
            parts.blocks.append(block)
            target = block.body
            i = close + 1
            continue
        if close is None:
            problems.add(
                file, i + 1, f"this code block is never closed: add a line {fence} after it"
            )
            parts.cut_short = True
            return parts
        for k in range(i + 1, close):
            if lines[k].strip() == "```step":
                problems.add(
                    file,
                    k + 1,
                    f"this ```step is inside the code block opened at "
                    f"line {i + 1}: is that block missing its closing "
                    f"{fence}?",
                )
        target.extend(lines[i : close + 1])
        i = close + 1
    return parts


def _closes(line: str, fence: str) -> bool:
    """Does ``line`` close a block opened by ``fence`` (any bare fence if ``fence`` is "")?"""
    match = _FENCE.match(line)
    if match is None or match.group(2):
        return False
    found = match.group(1)
    return not fence or (found[0] == fence[0] and len(found) >= len(fence))
