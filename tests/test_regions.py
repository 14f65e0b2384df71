"""Regions come from pycountry: every ISO 3166-1 code is known, and named the way members say it."""

from __future__ import annotations

import pytest

from bot.core.text import COUNTRIES, ISO_REGIONS, country_name


def test_every_assigned_code_is_a_region() -> None:
    assert len(ISO_REGIONS) == 249
    assert {"KR", "GB", "US", "AX", "SS"} <= ISO_REGIONS
    assert not {"UK", "EU", "XX"} & ISO_REGIONS


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("KR", "South Korea"),
        ("kp", "North Korea"),
        ("TW", "Taiwan"),
        ("RU", "Russia"),
        ("VI", "US Virgin Islands"),
        ("SS", "South Sudan"),  # not among the film countries: named by pycountry
        ("XX", "XX"),
    ],
)
def test_regions_have_familiar_names(code: str, name: str) -> None:
    assert country_name(code) == name


def test_no_region_is_named_like_an_index_entry() -> None:
    assert not [code for code in ISO_REGIONS if "," in country_name(code)]
    assert all(country_name(code) == name for code, (name, _adj) in COUNTRIES.items())
