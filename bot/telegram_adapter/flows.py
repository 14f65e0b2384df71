"""Guided commands: a command sent without its arguments asks for them (ForceReply) instead of
answering with a usage error, e.g. /review asks for the title, then the rating.

A flow is remembered per chat and user, for FLOW_TTL seconds, in the chat's chat_data. In a
group the answer must reply to the question (ForceReply makes the app do that); in a private
chat the next plain message answers it."""

from __future__ import annotations

import time
from dataclasses import dataclass

FLOW_TTL = 15 * 60


@dataclass(frozen=True, slots=True)
class Step:
    question: str  # may name the title chosen so far: {title}
    placeholder: str  # shown in the input field while the user types


@dataclass(frozen=True, slots=True)
class Guide:
    steps: tuple[Step, ...]
    separator: str = " "  # between the answers when the command line is put together

    def command_line(self, name: str, answers: tuple[str, ...]) -> str:
        return f"/{name} " + self.separator.join(answers)


_TITLE_EXAMPLE = "Reply with its name, e.g. {example}. Typos are fine."

GUIDES: dict[str, Guide] = {
    "title": Guide((Step("Which title? " + _TITLE_EXAMPLE.format(example="Parasite"), "Title"),)),
    "where": Guide(
        (
            Step(
                "Which title do you want to watch? Reply with its name, and a country code if "
                "you like, e.g. Prison Playbook US.",
                "Title [country]",
            ),
        )
    ),
    "reviews": Guide((Step("Whose reviews? " + _TITLE_EXAMPLE.format(example="Okja"), "Title"),)),
    "search": Guide(
        (Step("What should I look for? Part of a title is enough, e.g. miracle cell.", "Search"),)
    ),
    "review": Guide(
        (
            Step(
                "Which title do you want to rate? " + _TITLE_EXAMPLE.format(example="Okja"),
                "Title",
            ),
            Step(
                "How many stars for {title}? Reply with 0.5 to 5 (8/10 or A- work too), then "
                "a few words if you like, e.g. 4.5 funny and warm.",
                "Rating and review",
            ),
        ),
        separator=" | ",
    ),
}


@dataclass(frozen=True, slots=True)
class Flow:
    command: str
    answers: tuple[str, ...]
    prompt_id: int  # the question's message id: in groups the answer must reply to it
    started: float

    @property
    def guide(self) -> Guide:
        return GUIDES[self.command]

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.started > FLOW_TTL


def flows_of(chat_data: dict[object, object] | None) -> dict[str, Flow]:
    """The open flows of one chat, by user id."""
    if chat_data is None:
        return {}
    flows = chat_data.setdefault("reelbot_flows", {})
    assert isinstance(flows, dict)
    return flows
