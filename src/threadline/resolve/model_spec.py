"""The Splink model Threadline trains on every resolve: comparisons and
blocking rules derived from the match features, never from user settings.

Built from Splink's comparison-level library, which writes each level's SQL
for the engine's dialect, so the same specification runs on DuckDB and Spark.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

#: What each comparison looks at, for explanations.
DESCRIPTIONS = {
    "name": "names, transliterated, in any word order",
    "identifier": "identifiers (registration, tax, id numbers), normalised",
    "date": "date of birth or incorporation; a year matches a date in it",
    "country": "countries (nationality, jurisdiction, country)",
    "address": "addresses, normalised",
    "contact": "e-mail addresses and phone numbers",
    "relations": "links (directorships, ownership, family, ...) to the same resolved entity",
}


def _date_part(side: str, start: int, length: int) -> str:
    return f"substr(date_key_{side}, {start}, {length})"


def _same_parts(*parts: tuple[int, int]) -> str:
    return " AND ".join(f"{_date_part('l', s, n)} = {_date_part('r', s, n)}" for s, n in parts)


YEAR, MONTH, DAY = (1, 4), (6, 2), (9, 2)
#: Two full dates (YYYY-MM-DD) that agree on two of year, month and day.
_ONE_DATE_PART_DIFFERS = (
    "length(date_key_l) = 10 AND length(date_key_r) = 10 AND ("
    f"({_same_parts(MONTH, DAY)}) OR ({_same_parts(YEAR, MONTH)}) OR ({_same_parts(YEAR, DAY)}))"
)


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """Each comparison's levels run from strongest agreement to disagreement;
    the labels are what analysts read in explanations."""
    name = CustomComparison(
        output_column_name="name",
        comparison_description="names, transliterated, in any word order",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key").configure(label_for_charts="same name"),
            cll.ArrayIntersectLevel("name_keys", 1).configure(
                label_for_charts="same name (one of several)"
            ),
            cll.ArraySubsetLevel("name_tokens").configure(
                label_for_charts="all words of the shorter name appear in the other"
            ),
            cll.ArrayIntersectLevel("name_phonetic", 1).configure(
                label_for_charts="names sound alike (or are variants of the same names)"
            ),
            cll.JaroWinklerLevel("name_key", 0.92).configure(
                label_for_charts="same name but for a typo"
            ),
            cll.ArrayIntersectLevel("name_initials", 1).configure(
                label_for_charts="initials fit the full name"
            ),
            cll.JaroWinklerLevel("name_key", 0.8).configure(
                label_for_charts="names loosely similar"
            ),
            cll.ElseLevel().configure(label_for_charts="different names"),
        ],
    )
    identifier = CustomComparison(
        output_column_name="identifier",
        comparison_description="identifiers (registration, tax, id numbers), normalised",
        comparison_levels=[
            cll.NullLevel("id_values"),
            cll.ArrayIntersectLevel("id_values", 1).configure(label_for_charts="same identifier"),
            cll.DamerauLevenshteinLevel("id_key", 1).configure(
                label_for_charts="identifiers one typo apart"
            ),
            cll.ArrayIntersectLevel("id_kinds", 1).configure(
                label_for_charts="different identifiers of the same kind"
            ),
            cll.CustomLevel("TRUE")
            .configure(is_null_level=True)
            .configure(label_for_charts="identifiers of different kinds"),
        ],
    )
    date = CustomComparison(
        output_column_name="date",
        comparison_description="date of birth or incorporation; a year matches a date in it",
        comparison_levels=[
            cll.NullLevel("years"),
            cll.ArrayIntersectLevel("dates", 1).configure(label_for_charts="same date"),
            cll.And(
                cll.Or(cll.NullLevel("dates"), cll.CustomLevel("dates_l IS NULL")),
                cll.ArrayIntersectLevel("years", 1),
            ).configure(label_for_charts="partial date fits"),
            cll.DamerauLevenshteinLevel("date_key", 1).configure(
                label_for_charts="dates one typo apart"
            ),
            # A year, month or day entered wrong leaves the other two parts:
            # the commonest error in transcribed dates after a typo (RLdata's
            # duplicates have exactly this), and two of three parts agree by
            # chance for about one random pair in 200.
            cll.CustomLevel(_ONE_DATE_PART_DIFFERS).configure(
                label_for_charts="dates differ in one part only (year, month or day)"
            ),
            # Two different full dates in the same year are two different
            # dates: evidence against a match, never for it (a year alone
            # fitting a full date is the "partial date fits" level above).
            cll.ElseLevel().configure(label_for_charts="different dates"),
        ],
    )
    country = CustomComparison(
        output_column_name="country",
        comparison_description="countries (nationality, jurisdiction, country)",
        comparison_levels=[
            cll.NullLevel("countries"),
            cll.ArrayIntersectLevel("countries", 1).configure(
                label_for_charts="a country in common"
            ),
            cll.ElseLevel().configure(label_for_charts="no country in common"),
        ],
    )
    address = CustomComparison(
        output_column_name="address",
        comparison_description="addresses, normalised",
        comparison_levels=[
            cll.NullLevel("addr_key"),
            cll.ExactMatchLevel("addr_key").configure(label_for_charts="same address"),
            cll.JaroWinklerLevel("addr_key", 0.9).configure(label_for_charts="similar address"),
            cll.ArrayIntersectLevel("addr_tokens", 3).configure(
                label_for_charts="addresses share words"
            ),
            cll.ElseLevel().configure(label_for_charts="different addresses"),
        ],
    )
    contact = CustomComparison(
        output_column_name="contact",
        comparison_description="e-mail addresses and phone numbers",
        comparison_levels=[
            cll.NullLevel("contacts"),
            cll.ArrayIntersectLevel("contacts", 1).configure(
                label_for_charts="same e-mail or phone"
            ),
            cll.ElseLevel().configure(label_for_charts="different e-mail or phone"),
        ],
    )
    relations = CustomComparison(
        output_column_name="relations",
        comparison_description=DESCRIPTIONS["relations"],
        comparison_levels=[
            cll.NullLevel("links"),
            cll.ArrayIntersectLevel("links", 2).configure(
                label_for_charts="linked to two or more of the same entities"
            ),
            cll.ArrayIntersectLevel("links", 1).configure(
                label_for_charts="linked to the same entity"
            ),
            cll.ElseLevel().configure(label_for_charts="no shared links"),
        ],
    )
    return [name, identifier, date, country, address, contact, relations]


def prediction_rules(incremental: bool = False) -> list[BlockingRuleCreator | dict[str, Any]]:
    """Pairs worth scoring: a shared blocking key (see ``blocking``). With
    ``incremental``, only pairs that involve a new or changed record."""
    new_only = " AND (l.is_new OR r.is_new)" if incremental else ""
    return [CustomRule(f"l.block_keys = r.block_keys{new_only}", arrays_to_explode=["block_keys"])]


def training_rules() -> list[BlockingRuleCreator]:
    """Blocks for expectation maximisation: each leaves some comparisons free
    to be estimated, so together they estimate all of them."""
    return [
        block_on("match_group", "name_key"),
        block_on("match_group", "date_key"),
        block_on("match_group", "id_key"),
    ]


def deterministic_rules() -> list[str | BlockingRuleCreator]:
    """Pairs almost surely the same, for estimating how often two random
    records match."""
    return [
        "l.match_group = r.match_group AND l.id_key = r.id_key",
        "l.match_group = r.match_group AND l.name_key = r.name_key AND l.date_key = r.date_key",
    ]


def settings() -> SettingsCreator:
    """The untrained model: what ``SplinkEngine.train`` starts from."""
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_rules(),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
        probability_two_random_records_match=1e-4,
    )
