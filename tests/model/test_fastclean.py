"""The fast cleaning paths must agree with FollowTheMoney exactly."""

from __future__ import annotations

import itertools

from followthemoney.namespace import Namespace
from followthemoney.types import registry
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.model.fastclean import FastSigner, clean_value


def test_dates_agree_with_ftm_on_a_grid() -> None:
    years = ["0999", "1000", "1971", "1972", "2000", "2100", "2999", "3000"]
    months = ["", "-00", "-01", "-02", "-12", "-13"]
    days = ["", "-00", "-01", "-28", "-29", "-30", "-31", "-32"]
    for y, m, d in itertools.product(years, months, days):
        text = y + m + (d if m else "")
        assert clean_value(registry.date, text) == registry.date.clean_text(text), text


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A[0-9]{1,4}(-[0-9]{1,2}(-[0-9]{1,2})?)?( |T10:00)?\Z"))
def test_dates_agree_with_ftm_on_random_shapes(text: str) -> None:
    assert clean_value(registry.date, text) == registry.date.clean_text(text)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=50), st.sampled_from(["ds", "registry", "x.y"]))
def test_signing_agrees_with_namespace(entity_id: str, dataset: str) -> None:
    assert FastSigner(dataset).sign(entity_id) == Namespace(dataset).sign(entity_id)


def test_signing_hex_ids() -> None:
    plain = "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert FastSigner("leak").sign(plain) == Namespace("leak").sign(plain)
