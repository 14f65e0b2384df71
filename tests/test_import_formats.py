"""The import file readers, without a database: each format on small files written here, and
every kind of bad input turned into a message with file and line."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from db.imports.formats import (
    BadRow,
    ImportFileError,
    Input,
    RatingRow,
    TitleRow,
    detect_format,
    open_bundle,
    read_ratings,
    read_titles,
)
from db.imports.formats.movielens import split_title
from db.imports.formats.reelbot import write_csv, write_json
from db.imports.formats.values import genres_and_themes, parse_minutes, title_key
from tests.tmdb_fixture import movie, write_credits, write_movies

STREAMING_HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description\n"
)
TODAY = date(2024, 5, 1)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def titles(path: Path | Input, **kwargs: object) -> list[TitleRow | BadRow]:
    rows = read_titles(open_bundle(path), default_as_of=TODAY, **kwargs)  # type: ignore[arg-type]
    return [r for r in rows if not isinstance(r, RatingRow)]


def test_streaming_rows_become_titles_naming_their_provider(tmp_path: Path) -> None:
    path = write(
        tmp_path / "netflix_titles.csv",
        STREAMING_HEADER
        + 's1,Movie,Miracle in Cell No. 7,Mehmet Ada Öztekin,"Aras Bulut İynemli, Nisa Sofiya '
        'Aksongur",Turkey,"March 13, 2020",2019,TV-14,132 min,"Dramas, International Movies",'
        '"A father is wrongly jailed."\n'
        's2,TV Show,Prison Playbook,,"Park Hae-soo",South Korea,,2017,TV-MA,1 Season,'
        '"International TV Shows, Korean TV Shows, TV Comedies","Multi\nline synopsis"\n',
    )
    assert detect_format(Input.from_path(path)) == "streaming"
    film, series = titles(path)
    assert isinstance(film, TitleRow) and isinstance(series, TitleRow)
    assert (film.source, film.external_id, film.providers) == ("netflix", "s1", ["Netflix"])
    assert (film.spec.name, film.spec.year, film.spec.kind) == (
        "Miracle in Cell No. 7",
        2019,
        "film",
    )
    assert film.spec.countries == ["TR"]
    assert film.spec.runtime_minutes == 132
    assert film.spec.genres == ["Drama"]
    assert film.spec.cast == ["Aras Bulut İynemli", "Nisa Sofiya Aksongur"]
    assert series.spec.kind == "series" and series.spec.runtime_minutes is None
    assert series.spec.genres == ["Comedy"] and series.spec.themes == []
    # "Korean TV Shows" says where the show is from, not what it is about
    assert (series.spec.countries, series.spec.languages) == (["KR"], ["ko"])
    assert series.spec.synopsis == "Multi\nline synopsis"
    assert series.where.line == 3


def test_streaming_list_of_an_unknown_service_needs_provider(tmp_path: Path) -> None:
    path = write(tmp_path / "list.csv", STREAMING_HEADER + "s1,Movie,A,,,,,2001,,,,\n")
    with pytest.raises(ImportFileError, match="--provider"):
        titles(path)
    (row,) = titles(path, provider="Mubi")
    assert isinstance(row, TitleRow) and row.providers == ["Mubi"] and row.source == "mubi"


def test_movielens_titles_get_years_aliases_ids_and_tags(tmp_path: Path) -> None:
    write(
        tmp_path / "movies.csv",
        "movieId,title,genres\n"
        '1,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Sci-Fi\n'
        "2,Babylon 5,(no genres listed)\n",
    )
    write(tmp_path / "links.csv", "movieId,imdbId,tmdbId\n1,0112682,902\n2,0105946,\n")
    write(
        tmp_path / "tags.csv",
        "userId,movieId,tag,timestamp\n5,1,Dreamlike,1\n6,1,dreamlike,2\n7,1,surreal,3\n",
    )
    write(
        tmp_path / "ratings.csv",
        "userId,movieId,rating,timestamp\n5,1,4.5,964982703\n6,2,7,964982703\n",
    )
    bundle = open_bundle(tmp_path / "movies.csv")
    assert bundle.format == "movielens" and bundle.movielens is not None
    first, second = read_titles(bundle)
    assert isinstance(first, TitleRow) and isinstance(second, TitleRow)
    assert first.spec.name == "The City of Lost Children" and first.spec.year == 1995
    assert first.spec.aliases == ["La Cité des enfants perdus"]
    assert first.ids == [("imdb", "tt0112682"), ("tmdb", "902")]
    assert first.spec.genres == ["Adventure", "Science Fiction"]
    assert first.spec.themes == ["dreamlike", "surreal"]
    assert second.spec.year is None and second.spec.genres == []
    good, bad = read_ratings(bundle)
    assert isinstance(good, RatingRow) and good.stars == 4.5 and good.user == "5"
    assert good.title.source == "movielens" and good.title.external_id == "1"
    assert isinstance(bad, BadRow) and bad.where.line == 3 and "between 0.5 and 5" in bad.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995, [])),
        ("American President, The (1995)", ("The American President", 1995, [])),
        ("Misérables, Les (1995)", ("Les Misérables", 1995, [])),
        ("Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)",
         ("Shanghai Triad", 1995, ["Yao a yao yao dao waipo qiao"])),
        ("Stranger Things (2016-)", ("Stranger Things", 2016, [])),
    ],
)  # fmt: skip
def test_movielens_title_spellings(raw: str, expected: tuple[str, int, list[str]]) -> None:
    assert split_title(raw) == expected


def test_letterboxd_export_gives_one_rating_per_film(tmp_path: Path) -> None:
    archive = tmp_path / "letterboxd-ann-2024.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "ratings.csv",
            "Date,Name,Year,Letterboxd URI,Rating\n"
            "2024-01-02,Rain Man,1988,https://boxd.it/a,4.5\n"
            "2024-01-03,I Am Sam,2001,https://boxd.it/b,\n",
        )
        zf.writestr(
            "reviews.csv",
            "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"
            "2024-01-04,I Am Sam,2001,https://boxd.it/b-review,3.5,,Moving.<br />Too long.,,"
            "2024-01-01\n",
        )
        zf.writestr(
            "diary.csv",
            "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
            "2023-05-01,Rain Man,1988,https://boxd.it/a,3,,,2023-05-01\n",
        )
    bundle = open_bundle(archive)
    assert bundle.format == "letterboxd"
    rows = {r.title.name: r for r in read_ratings(bundle) if isinstance(r, RatingRow)}
    assert rows["Rain Man"].stars == 4.5  # ratings.csv wins over the older diary entry
    assert rows["I Am Sam"].stars == 3.5 and rows["I Am Sam"].review == "Moving.\nToo long."


def test_both_korean_drama_layouts(tmp_path: Path) -> None:
    top = write(
        tmp_path / "kdrama.csv",
        "Name,Aired Date,Year of release,Original Network,Aired On,Number of Episodes,Duration,"
        "Content Rating,Rating,Synopsis,Genre,Tags,Director,Screenwriter,Cast,"
        "Production companies,Rank\n"
        'Prison Playbook,"Nov 22, 2017 - Jan 18, 2018",2017,"Netflix,  tvN ",'
        '"Wednesday, Thursday",16,1 hr. 32 min.,15+,9.1,"A baseball star goes to prison.",'
        '"Comedy,  Crime,  Life,  Drama ","Prison, Bromance, Wrongfully Accused",Shin Won Ho,'
        'Jung Bo Hoon,"Park Hae Soo, Jung Kyung Ho",Studio,#8\n',
    )
    table = write(
        tmp_path / "korean_drama.csv",
        "kdrama_id,drama_name,year,director,screenwriter,country,type,tot_eps,duration,start_dt,"
        "end_dt,aired_on,org_net,content_rt,synopsis,rank,pop\n"
        "022b,Prison Playbook,2017,['Shin Won Ho'],\"['Jung Bo Hoon', 'Lee Woo Jung']\","
        'South Korea,Drama,16,5520,2017-11-22,2018-01-18,"Wednesday, Thursday",Netflix tvN,'
        '15+,"A star pitcher. (Source: Netflix)",46,100\n',
    )
    (a,) = titles(top)
    (b,) = titles(table)
    assert isinstance(a, TitleRow) and isinstance(b, TitleRow)
    assert a.spec.kind == b.spec.kind == "series" and a.spec.year == b.spec.year == 2017
    assert a.spec.genres == ["Comedy", "Crime", "Slice of Life", "Drama"]
    assert a.spec.themes[:2] == ["prison", "bromance"]
    assert a.spec.runtime_minutes == 92 and a.spec.episodes == 16
    assert a.providers == ["Netflix"] and b.providers == ["Netflix"]
    assert b.spec.writers == ["Jung Bo Hoon", "Lee Woo Jung"]
    assert b.spec.synopsis == "A star pitcher." and b.spec.runtime_minutes == 92


def test_tmdb_rows_carry_overview_keywords_countries_and_notability(tmp_path: Path) -> None:
    path = write_movies(
        tmp_path / "tmdb_5000_movies.csv",
        movie(
            670,
            "Oldboy",
            "2003-11-21",
            genres=("Drama", "Thriller", "Foreign"),
            keywords=("Revenge", "hammer"),
            language="ko",
            original="올드보이",
            overview="A man is kept in a room for fifteen years.",
            popularity="14.9760000001",
            votes="1567",
            countries=("KR",),
            runtime="120.0",
        ),
        movie(9, "Undated", "", runtime="0.0", popularity="", votes=""),
    )
    assert detect_format(Input.from_path(path)) == "tmdb"
    oldboy, undated = titles(path)
    assert isinstance(oldboy, TitleRow) and isinstance(undated, TitleRow)
    assert (oldboy.source, oldboy.external_id, oldboy.ids) == (
        "tmdb-5000",
        "670",
        [("tmdb", "670")],
    )
    spec = oldboy.spec
    assert (spec.name, spec.year, spec.kind, spec.original_name) == (
        "Oldboy", 2003, "film", "올드보이",
    )  # fmt: skip
    assert spec.genres == ["Drama", "Thriller"] and spec.themes == ["revenge", "hammer"]
    assert (spec.countries, spec.languages, spec.runtime_minutes) == (["KR"], ["ko"], 120)
    assert (spec.popularity, spec.vote_count) == (14.976, 1567)
    assert spec.synopsis == "A man is kept in a room for fifteen years."
    assert spec.directors == [] and spec.cast == []  # no credits table beside it
    assert undated.spec.year is None and undated.spec.runtime_minutes is None
    assert (undated.spec.popularity, undated.spec.vote_count) == (None, None)


def test_tmdb_credits_beside_the_movies_give_director_writers_and_cast(tmp_path: Path) -> None:
    movies = write_movies(tmp_path / "tmdb_5000_movies.csv", movie(670, "Oldboy", "2003-11-21"))
    credits = write_credits(
        tmp_path / "tmdb_5000_credits.csv",
        (670, "Oldboy", ["Choi Min-sik", "Yoo Ji-tae"], [
            ("Director", "Park Chan-wook"), ("Screenplay", "Hwang Jo-yoon"), ("Editor", "X"),
        ]),
    )  # fmt: skip
    for start in (movies, credits, tmp_path):  # either file, or the folder, finds both
        (row,) = titles(start)
        assert isinstance(row, TitleRow)
        assert row.spec.directors == ["Park Chan-wook"] and row.spec.writers == ["Hwang Jo-yoon"]
        assert row.spec.cast == ["Choi Min-sik", "Yoo Ji-tae"]
    (tmp_path / "tmdb_5000_movies.csv").unlink()
    with pytest.raises(ImportFileError, match="movies table"):
        titles(credits)


def test_tmdb_bad_rows_say_why(tmp_path: Path) -> None:
    path = write_movies(
        tmp_path / "tmdb.csv",
        movie(1, "Fine", "2001-01-01"),
        {**movie(2, "Broken", "2001-01-01"), "keywords": "[{not json"},
        {**movie(3, "Votes", "2001-01-01"), "vote_count": "many"},
        movie(4, "", "2001-01-01"),
    )
    assert [str(r) for r in titles(path) if isinstance(r, BadRow)] == [
        "tmdb.csv, line 3: keywords is not a JSON list",
        "tmdb.csv, line 4: vote_count 'many' is not a number",
        "tmdb.csv, line 5: title is empty",
    ]


def test_reelbot_csv_and_json_round_trip(tmp_path: Path) -> None:
    source = write(
        tmp_path / "mine.csv",
        "title,year,kind,aliases,genres,availability,ids,directors\n"
        'Parasite,2019,film,Gisaengchung | 기생충,Drama | Thriller,"Hulu@us:stream:2024-02-01 '
        'https://hulu.com/p | Max@US:rent",imdb:tt6751668,Bong Joon-ho\n',
    )
    (row,) = titles(source)
    assert isinstance(row, TitleRow)
    assert row.external_id == "parasite-2019" and row.ids == [("imdb", "tt6751668")]
    assert [(o.provider, o.region, o.kind, o.as_of, o.link) for o in row.spec.offers] == [
        ("Hulu", "US", "stream", date(2024, 2, 1), "https://hulu.com/p"),
        ("Max", "US", "rent", TODAY, None),
    ]
    for name, writer in (("out.csv", write_csv), ("out.json", write_json)):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as handle:
            writer([row], handle)
        (again,) = titles(tmp_path / name)
        assert isinstance(again, TitleRow)
        assert again.spec == row.spec and again.ids == row.ids
        assert again.external_id == row.external_id


def test_title_keys_ignore_case_accents_punctuation_and_articles() -> None:
    assert title_key("Amélie") == title_key("AMELIE")
    assert title_key("The Good, the Bad & the Ugly") == title_key("Good, the Bad and the Ugly")
    assert title_key("Miracle in Cell No. 7") == title_key("miracle in cell no 7")
    assert parse_minutes("1 hr. 10 min.") == 70 and parse_minutes("2 Seasons") is None
    assert genres_and_themes(["Sci-Fi & Fantasy", "Cult Movies"]) == (
        ["Science Fiction", "Fantasy"],
        ["cult"],
    )


# -- bad input -----------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="empty"):
        titles(write(tmp_path / "empty.csv", ""))
    with pytest.raises(ImportFileError, match="empty"):
        titles(write(tmp_path / "blank.csv", "\n\n  \n"))


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImportFileError, match="binary"):
        titles(path)


def test_wrong_encoding_names_the_line_and_the_fix(tmp_path: Path) -> None:
    text = STREAMING_HEADER + "s1,Movie,Amélie,,,France,,2001,,122 min,Comedies,x\n"
    path = write(tmp_path / "netflix.csv", text, "cp1252")
    with pytest.raises(ImportFileError, match="not UTF-8") as caught:
        titles(path)
    assert caught.value.line == 2 and "--encoding" in str(caught.value)
    rows = read_titles(open_bundle(path, encoding="cp1252"), default_as_of=TODAY)
    (row,) = list(rows)
    assert isinstance(row, TitleRow) and row.spec.name == "Amélie"


def test_semicolon_file_is_read_and_mixed_delimiters_are_explained(tmp_path: Path) -> None:
    semicolons = STREAMING_HEADER.replace(",", ";") + "s1;Movie;A;;;France;;2001;;90 min;Dramas;x\n"
    (row,) = titles(write(tmp_path / "netflix_semi.csv", semicolons))
    assert isinstance(row, TitleRow) and row.spec.name == "A"
    mixed = STREAMING_HEADER + "s1;Movie;A;;;France;;2001;;90 min;Dramas;x\n"
    (bad,) = titles(write(tmp_path / "netflix_mixed.csv", mixed))
    assert isinstance(bad, BadRow) and bad.where.line == 2
    assert "separated by semicolons" in bad.reason


def test_truncated_files(tmp_path: Path) -> None:
    cut_quote = STREAMING_HEADER + 's1,Movie,A,,,France,,2001,,90 min,Dramas,"the story is'
    with pytest.raises(ImportFileError, match="truncated") as caught:
        titles(write(tmp_path / "netflix_cut.csv", cut_quote))
    assert caught.value.line == 2
    cut_row = STREAMING_HEADER + "s1,Movie,A,,,France,,2001\n"
    (bad,) = titles(write(tmp_path / "netflix_short.csv", cut_row))
    assert isinstance(bad, BadRow) and "cut short" in bad.reason
    with pytest.raises(ImportFileError, match="truncated"):
        titles(write(tmp_path / "cut.json", '{"titles": [{"title": "A", "kind": "film"}, {"ti'))


def test_a_one_gigabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "netflix_huge.csv"
    with path.open("wb") as handle:  # sparse: takes no disk space
        handle.write(STREAMING_HEADER.encode())
        handle.truncate(1024**3)
    with pytest.raises(ImportFileError, match=r"1\.0 GB, over the 256\.0 MB import limit"):
        open_bundle(path)


def test_unknown_layout_lists_the_formats(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="--format") as caught:
        titles(write(tmp_path / "budget.csv", "a,b,c\n1,2,3\n"))
    assert "streaming" in str(caught.value) and caught.value.line == 1


def test_bad_rows_say_why(tmp_path: Path) -> None:
    text = (
        STREAMING_HEADER
        + "s1,Film,A,,,,,2001,,,,\ns2,Movie,,,,,,2001,,,,\ns3,Movie,C,,,,,20x1,,,,\n"
    )
    rows = titles(write(tmp_path / "netflix.csv", text))
    assert [str(r) for r in rows] == [
        "netflix.csv, line 2: type 'Film' is neither Movie nor TV Show",
        "netflix.csv, line 3: title is empty",
        "netflix.csv, line 4: year '20x1' is not a year between 1870 and 2100",
    ]
