"""Members' ratings laid out in a few flat arrays, the way a saved model keeps them.

A model holds every member's history (member -> {title id: stars}) and their rating times
(member -> float32 array of years). As Python dicts those are ~100 bytes a rating (an int, a
float and a dict slot each): on a million ratings ~150 MB per loaded snapshot, twice over
while a bot loads the next snapshot beside the one answering. Packed, a rating is 16 bytes
(title id and stars) plus 4 (its year), in arrays that a snapshot file maps instead of reading
(bot/core/snapshot_file.py). A member's history is unpacked on each ask, in insertion order
and with the very same values; a dict is a few microseconds for hundreds of ratings.

`Recommender` keeps the dicts it was built with and packs them when it is pickled, so a build
runs on plain dicts and a loaded model answers from the packed form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np


def _starts(lengths: list[int]) -> np.ndarray:
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return starts


class _ByMember:
    """The member-keyed side of a packed mapping: which span of the flat arrays is whose."""

    def __init__(self, members: Iterable[str], lengths: list[int]) -> None:
        self._users = {user: i for i, user in enumerate(members)}
        self._starts = _starts(lengths)

    def _span(self, user: str) -> tuple[int, int]:
        i = self._users[user]
        return int(self._starts[i]), int(self._starts[i + 1])

    def __contains__(self, user: object) -> bool:
        return user in self._users

    def __iter__(self) -> Iterator[str]:
        return iter(self._users)

    def __len__(self) -> int:
        return len(self._users)


class PackedHistories(_ByMember, Mapping[str, dict[int, float]]):
    """member -> {title id: stars}, as the dict of dicts it was made from (same order, same
    values: ids as int64, stars as float64); each lookup unpacks a new dict."""

    def __init__(self, histories: Mapping[str, Mapping[int, float]]) -> None:
        lengths = [len(h) for h in histories.values()]
        super().__init__(histories, lengths)
        total = sum(lengths)
        self._titles = np.fromiter(
            (t for h in histories.values() for t in h), dtype=np.int64, count=total
        )
        self._stars = np.fromiter(
            (s for h in histories.values() for s in h.values()), dtype=np.float64, count=total
        )

    def __getitem__(self, user: str) -> dict[int, float]:
        a, b = self._span(user)
        return dict(zip(self._titles[a:b].tolist(), self._stars[a:b].tolist(), strict=True))

    def get(self, user: str, default: object = None) -> dict[int, float] | None:  # type: ignore[override]
        return self[user] if user in self._users else default  # type: ignore[return-value]


class PackedArrays(_ByMember, Mapping[str, np.ndarray]):
    """member -> 1-d array, as the dict of arrays it was made from (same order, dtype and
    values); each lookup is a view of one flat array."""

    def __init__(self, arrays: Mapping[str, np.ndarray], dtype: type = np.float32) -> None:
        super().__init__(arrays, [len(a) for a in arrays.values()])
        self._values = (
            np.concatenate([np.asarray(a, dtype=dtype) for a in arrays.values()])
            if arrays
            else np.zeros(0, dtype=dtype)
        )

    def __getitem__(self, user: str) -> np.ndarray:
        a, b = self._span(user)
        return self._values[a:b]

    def get(self, user: str, default: object = None) -> np.ndarray | None:  # type: ignore[override]
        return self[user] if user in self._users else default  # type: ignore[return-value]
