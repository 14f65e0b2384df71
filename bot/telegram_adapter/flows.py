"""Guided commands: a command sent without its required arguments asks for them (ForceReply)
instead of answering with a usage error, one question per missing parameter, as the command's
declaration words it (bot/core/declaration.py): /review asks for the title, then the rating;
/admin where add for the title, the service, then the country.

A flow is remembered per chat and user, for FLOW_TTL seconds, in the chat's chat_data. In a
group the answer must reply to the question (ForceReply makes the app do that); in a private
chat the next plain message answers it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.core.declaration import Command, command_line, required_params
from bot.core.params import Param

FLOW_TTL = 15 * 60
MAX_PLACEHOLDER = 64  # ForceReply's input_field_placeholder


@dataclass(frozen=True, slots=True)
class Flow:
    path: tuple[Command, ...]  # the (sub)command being filled in
    answers: tuple[str, ...]  # one per required parameter answered so far
    prompt_id: int  # the question's message id: in groups the answer must reply to it
    started: float

    @property
    def command(self) -> str:
        """The command as a button would write it: "review", "admin where add"."""
        return command_words(self.path)

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.started > FLOW_TTL


def command_words(path: tuple[Command, ...]) -> str:
    return " ".join([path[0].name, *(c.word for c in path[1:] if c.word)])


def next_param(path: tuple[Command, ...], answers: tuple[str, ...]) -> Param | None:
    """The parameter to ask for next; None once every required one is answered."""
    missing = required_params(path[-1])[len(answers) :]
    return missing[0] if missing else None


def placeholder(param: Param) -> str:
    return (param.kind.placeholder or param.name)[:MAX_PLACEHOLDER]


def completed_line(path: tuple[Command, ...], answers: tuple[str, ...]) -> str:
    """The command line the answers make, written as the declaration writes it."""
    values = dict(zip((p.name for p in required_params(path[-1])), answers, strict=False))
    return command_line(path, values)


def flows_of(chat_data: dict[object, object] | None) -> dict[str, Flow]:
    """The open flows of one chat, by user id."""
    if chat_data is None:
        return {}
    flows = chat_data.setdefault("reelbot_flows", {})
    assert isinstance(flows, dict)
    return flows
