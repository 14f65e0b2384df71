"""One typed declaration per command: its subcommands (and groups of them), parameters, limits,
who may use it and an example. The feature that owns a handler declares its command next to it;
every front end derives what it shows from the declaration (Discord's slash commands, Telegram's
menu and questions, /help everywhere), and a typed invocation compiles to the very command line
the handler reads as text, so handlers parse one thing whatever the front end.

    Command("watchparty", "pick what to watch together", subcommands=(
        Command("new", "open a vote", params=(Param("when", WHEN, "when it starts"), ...),
                separator="; "),
        Command("join", "get reminders"),
    ))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.core.params import FILE, Param

Path = tuple["Command", ...]


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # lowercase letters, digits, - and _
    description: str  # one line; at most 100 characters (Discord's limit)
    params: tuple[Param, ...] = ()
    subcommands: tuple[Command, ...] = ()  # a command with subcommands takes no parameters
    example: str = ""  # a full command line that works
    admin_only: bool = False
    # False: needs no chat of its own (looks titles up or rates them), so it works wherever a
    # member is, e.g. Discord's app installed to a member's account.
    needs_chat: bool = True
    separator: str = " "  # between positional values in the command line
    # How members write the separator; "" when a space will do ("/review Okja 4 loved it").
    typed_separator: str | None = None
    # The subcommand's word in the command line: None for its name, "" for none (Discord
    # needs a name for "/admin review <article>", the text form has no word for it).
    written: str | None = None
    # Values missing between given ones are written empty ("#1 | Netflix | US |  | https://…"):
    # the handler reads these values by their position.
    by_position: bool = False

    def __post_init__(self) -> None:
        if self.params and self.subcommands:
            raise ValueError(f"/{self.name}: parameters or subcommands, not both")

    @property
    def word(self) -> str:
        return self.name if self.written is None else self.written

    @property
    def reads_file(self) -> bool:
        return any(p.kind is FILE for _path, leaf in self.leaves() for p in leaf.params)

    def leaves(self, path: Path = ()) -> Iterator[tuple[Path, Command]]:
        """Every invocable (sub)command with the path to it, this command first."""
        here = (*path, self)
        if not self.subcommands:
            yield here, self
        for sub in self.subcommands:
            yield from sub.leaves(here)


def find_leaf(command: Command, args: str) -> tuple[Path, str] | None:
    """The (sub)command that a line's arguments name, with the rest of the arguments; None when
    they name no declared subcommand (the handler explains, e.g. an alias it also reads)."""
    path: Path = (command,)
    rest = args.strip()
    while path[-1].subcommands:
        first, _, tail = rest.partition(" ")
        node = path[-1]
        # A subcommand written without a word (the article of /admin review) takes the rest.
        named = [s for s in node.subcommands if s.word and s.word == first.casefold()]
        unnamed = [s for s in node.subcommands if not s.word]
        if named:
            path, rest = (*path, named[0]), tail.strip()
        elif unnamed:
            path = (*path, unnamed[0])
        else:
            return None
    return path, rest


def command_line(path: Sequence[Command], values: Mapping[str, object]) -> str:
    """The command line a typed invocation stands for: `values` by parameter name (None or
    False: not given; files are passed beside the line, not in it)."""
    leaf = path[-1]
    words = [f"/{path[0].name}", *(c.word for c in path[1:] if c.word)]
    positional: list[str] = []
    named: list[str] = []
    for param in leaf.params:
        value = values.get(param.name)
        if value is None or value is False or value == "":
            value = param.default
        if param.kind is FILE:
            continue
        if value is None:
            if param.style == "word":
                positional.append("")
            continue
        text = "" if value is True else param.kind.to_line(str(value).strip())
        if param.style == "word":
            positional.append(text)
        elif param.style == "key":
            named.append(f"{param.word}:{text}")
        elif param.style == "switch":
            named.append(f"--{text}")
        else:
            value_text = _quoted(text) if param.quoted else text
            named.append(f"--{param.word}" + (f" {value_text}" if text else ""))
    while positional and not positional[-1]:
        positional.pop()
    if not leaf.by_position:
        positional = [p for p in positional if p]
    args = leaf.separator.join(positional)
    return " ".join(part for part in (*words, args, *named) if part)


def _quoted(text: str) -> str:
    """Flag values are single words; anything longer is quoted ("--grade '3.5 stars'")."""
    return f"'{text}'" if any(ch.isspace() for ch in text) and "'" not in text else text


def usage(path: Sequence[Command]) -> str:
    """ "/where <title> [region]" for a leaf; "/watchparty new|join|…" for a group."""
    node = path[-1]
    words = [f"/{path[0].name}", *(c.word for c in path[1:] if c.word)]
    if node.subcommands:
        names = "|".join(s.word or f"<{s.name}>" for s in node.subcommands)
        return " ".join([*words, names])
    shown = node.separator if node.typed_separator is None else node.typed_separator
    positional = [_slot(p) for p in node.params if p.style == "word" and p.kind is not FILE]
    args = (shown if shown.strip() else " ").join(positional)
    named = [_slot(p) for p in node.params if p.style != "word"]
    files = ["(with a file attached)"] if any(p.kind is FILE for p in node.params) else []
    return " ".join(part for part in (*words, args, *named, *files) if part)


def _slot(param: Param) -> str:
    example = param.kind.placeholder or f"<{param.name}>"
    if 0 < len(param.choices) <= 8:
        example = "|".join(c.value for c in param.choices)
    if param.style == "key":
        inner = f"{param.word}:{example}"
    elif param.style == "switch":
        inner = "|".join(f"--{c.value}" for c in param.choices)
    elif param.style == "flag" and param.kind.value_type == "boolean":
        inner = f"--{param.word}"
    elif param.style == "flag":
        inner = f"--{param.word} {example}"
    else:
        inner = param.name
    return f"<{inner}>" if param.required and param.style == "word" else f"[{inner}]"


def required_params(leaf: Command) -> tuple[Param, ...]:
    return tuple(p for p in leaf.params if p.required and p.kind is not FILE)
