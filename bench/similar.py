"""Similar-title quality on the ~25,000-title catalog (four streaming lists + two Korean drama
lists, see catalog25k.py), through `Recommender.similar`.

PROTOCOL: a fixed list of probe titles, each with the titles its fans expect among "more like
this" (written down from what fan lists and the genre's usual comparisons name, before looking at
any result). For every probe the script asks for the top 10 and reports:
- hit: at least one expected title is in the top 10;
- found: how many of the expected titles that exist in the catalog are in the top 10.
Expected titles missing from the catalog are listed and left out of the denominators. No ratings
are loaded (these catalogs have none), so this measures the content + editorial side.

    ./run bench similar              # prints the table, about 30 s
    ./run bench similar --show 10    # also print every probe's top 10
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from catalog25k import load_catalog  # noqa: E402

from bot.core.text import normalise_title  # noqa: E402
from recommender import Recommender, TitleFacts  # noqa: E402

# (genre, probe name, year, titles fans expect among the top 10)
PROBES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("korean drama", "Miracle in Cell No. 7", 2019, ("Prison Playbook", "I Am Sam")),
    ("korean drama", "Crash Landing on You", 2019, (
        "Descendants of the Sun", "Goblin", "It's Okay to Not Be Okay", "Hometown Cha-Cha-Cha",
        "Start-Up")),
    ("korean drama", "Reply 1988", 2015, (
        "Reply 1997", "Reply 1994", "Hospital Playlist", "Prison Playbook")),
    ("korean drama", "Signal", 2016, (
        "Stranger", "Tunnel", "Voice", "Life on Mars", "Beyond Evil")),
    ("korean drama", "Kingdom", 2019, (
        "Sweet Home", "Train to Busan", "All of Us Are Dead", "Happiness", "Rampant")),
    ("korean drama", "Itaewon Class", 2020, (
        "Start-Up", "Fight for My Way", "Record of Youth", "Be Melodramatic")),
    ("korean drama", "Squid Game", 2021, (
        "Alice in Borderland", "Sweet Home", "Kingdom", "3%", "As the Gods Will")),
    ("korean drama", "Train to Busan", 2016, (
        "Kingdom", "#Alive", "Sweet Home", "Peninsula", "Seoul Station", "World War Z")),
    ("hollywood", "Toy Story", 1995, (
        "Toy Story 2", "Toy Story 3", "Monsters, Inc.", "Finding Nemo", "A Bug's Life", "Up")),
    ("hollywood", "Rain Man", 1988, (
        "I Am Sam", "What's Eating Gilbert Grape", "Forrest Gump", "Good Will Hunting",
        "Awakenings")),
    ("hollywood", "Inception", 2010, (
        "Interstellar", "The Prestige", "Shutter Island", "Tenet", "The Matrix", "Memento")),
    ("hollywood", "Goodfellas", 1990, (
        "The Godfather", "Casino", "The Irishman", "Scarface", "Donnie Brasco", "Mean Streets",
        "The Departed")),
    ("hollywood", "Frozen", 2013, (
        "Frozen II", "Tangled", "Moana", "Brave", "Encanto", "Raya and the Last Dragon",
        "Frozen Fever")),
    ("hollywood", "A Walk to Remember", 2002, (
        "The Notebook", "Dear John", "The Last Song", "The Longest Ride", "Safe Haven",
        "Message in a Bottle", "Nights in Rodanthe")),
    ("hollywood", "Rogue One: A Star Wars Story", 2016, (
        "Star Wars: The Force Awakens", "Solo: A Star Wars Story", "Star Wars: The Last Jedi",
        "The Mandalorian", "Star Wars: The Rise of Skywalker")),
    ("anime", "Naruto", 2005, (
        "Naruto Shippuden", "Boruto: Naruto Next Generations", "Bleach", "One Piece",
        "Hunter x Hunter", "Dragon Ball Z")),
    ("anime", "Death Note", 2006, (
        "Code Geass: Lelouch of the Rebellion", "Psycho-Pass", "Monster", "Tokyo Ghoul",
        "Parasyte: The Maxim", "Erased")),
    ("anime", "Attack on Titan", 2013, (
        "Demon Slayer: Kimetsu no Yaiba", "Tokyo Ghoul", "Seraph of the End",
        "Kabaneri of the Iron Fortress", "Fullmetal Alchemist: Brotherhood", "My Hero Academia")),
    ("anime", "Demon Slayer: Kimetsu no Yaiba", 2019, (
        "Jujutsu Kaisen", "Attack on Titan", "My Hero Academia", "Fire Force", "Dr. Stone",
        "Naruto")),
    ("anime", "My Hero Academia", 2016, (
        "One-Punch Man", "Mob Psycho 100", "Demon Slayer: Kimetsu no Yaiba", "Black Clover",
        "Fire Force", "Haikyu!!")),
    ("documentary", "Our Planet", 2019, (
        "Night on Earth", "Planet Earth II", "Blue Planet II", "Chasing Coral",
        "Seven Worlds, One Planet", "Life in Colour", "Dancing with the Birds")),
    ("documentary", "Making a Murderer", 2018, (
        "The Staircase", "The Keepers", "The Innocence Files", "Abducted in Plain Sight",
        "Conversations with a Killer: The Ted Bundy Tapes", "Evil Genius",
        "The Confession Tapes", "Amanda Knox")),
    ("documentary", "Tiger King: Murder, Mayhem and Madness", 2020, (
        "Don't F**k with Cats: Hunting an Internet Killer", "Wild Wild Country",
        "Fyre: The Greatest Party That Never Happened", "Evil Genius",
        "Abducted in Plain Sight")),
    ("documentary", "Free Solo", 2018, (
        "The Dawn Wall", "Meru", "14 Peaks: Nothing Is Impossible", "Valley Uprising",
        "The Alpinist", "Everest", "Touching the Void")),
    ("documentary", "My Octopus Teacher", 2020, (
        "Our Planet", "Chasing Coral", "Seaspiracy", "Night on Earth", "Blue Planet II",
        "Mission Blue", "Chasing Ice")),
)  # fmt: skip


def find(by_name: dict[str, list[TitleFacts]], name: str, year: int | None) -> TitleFacts | None:
    found = by_name.get(normalise_title(name), [])
    exact = [t for t in found if year is None or t.year == year]
    return (exact or [None])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print each probe's top N")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    t0 = time.perf_counter()
    titles, offers = load_catalog()
    t1 = time.perf_counter()
    rec = Recommender.build(titles, (), offers)
    t2 = time.perf_counter()
    print(
        f"# {len(titles):,} titles read in {t1 - t0:.1f} s, index built in {t2 - t1:.1f} s; "
        f"{len(PROBES)} probes"
    )
    by_name: dict[str, list[TitleFacts]] = {}
    for t in titles:
        by_name.setdefault(normalise_title(t.name), []).append(t)

    rows = []
    per_genre: dict[str, list[int]] = {}
    for genre, name, year, expected in PROBES:
        probe = find(by_name, name, year)
        if probe is None:
            print(f"! probe {name} ({year}) is not in the catalog")
            continue
        wanted = {normalise_title(e) for e in expected if find(by_name, e, None) is not None}
        missing = [e for e in expected if find(by_name, e, None) is None]
        top = rec.similar(probe.id, k=10)
        names = [rec.titles[s.title_id].name for s in top]
        found = [n for n in names if normalise_title(n) in wanted]
        hit = int(bool(found))
        per_genre.setdefault(genre, []).append(hit)
        rows.append((genre, probe.label, hit, len(found), len(wanted), found, missing))
        if args.show:
            print(f"\n{probe.label}:")
            for s in top[: args.show]:
                t = rec.titles[s.title_id]
                mark = "*" if normalise_title(t.name) in wanted else " "
                print(f"  {mark} {t.label:<45} {s.score:6.3f}")

    print()
    print(f"{'genre':<13} {'probe':<44} {'hit':>3} {'found':>6}  expected titles found")
    for genre, label, hit, n_found, n_wanted, found, missing in rows:
        note = ", ".join(found) or "-"
        if missing:
            note += f"   (not in catalog: {len(missing)})"
        print(f"{genre:<13} {label[:44]:<44} {hit:>3} {n_found:>2}/{n_wanted:<3}  {note}")
    hits = sum(r[2] for r in rows)
    found_total = sum(r[3] for r in rows)
    wanted_total = sum(r[4] for r in rows)
    print()
    for genre, hs in per_genre.items():
        print(f"{genre:<13} hit rate {sum(hs)}/{len(hs)} = {sum(hs) / len(hs):.2f}")
    print(
        f"{'all':<13} hit rate {hits}/{len(rows)} = {hits / len(rows):.2f}; expected titles "
        f"found in the top 10: {found_total}/{wanted_total} = {found_total / wanted_total:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
