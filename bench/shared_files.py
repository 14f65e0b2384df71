"""The public data sets in ../shared/data that the benchmarks import, named once.

Paths are relative to the data folder (`REELBOT_SHARED_DATA`, default ../shared/data beside the
repository). TMDB comes after MovieLens so its films meet MovieLens's by the TMDB id."""

from __future__ import annotations

STREAMING_AND_KDRAMA = (
    "netflix-titles/netflix_titles.csv",
    "amazon-prime-titles/amazon_prime_titles.csv",
    "disney-plus-titles/disney_plus_titles.csv",
    "hulu-titles/hulu_titles.csv",
    "kdrama-top250-mydramalist/kdrama.csv",
    "korean-drama-2015-2023-mydramalist/korean_drama.csv",
)
MOVIELENS = "movielens-latest-small"
TMDB = "tmdb-5000-movies/tmdb_4803_movies.csv"
EVERYTHING = (*STREAMING_AND_KDRAMA, MOVIELENS, TMDB)
