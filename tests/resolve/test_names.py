"""Name keys: legal forms, transliteration, word order, initials."""

from __future__ import annotations

import pytest

from threadline.resolve.names import ORGANIZATION, PERSON, NameKeys, name_words


@pytest.mark.parametrize(
    ("variant", "words"),
    [
        ("The Cobalt Marine Ltd", ("cobalt", "marine")),
        ("COBALT MARINE LIMITED", ("cobalt", "marine")),
        ("Acme L.L.C.", ("acme",)),
        ("Acme S.A.", ("acme",)),
        ("Müller GmbH", ("muller",)),
        ("ООО «Нордкабель»", ("nordkabel",)),
        ("Amberbrook Security Sp. z o.o.", ("amberbrook", "security")),
        ("AMBERBROOK SECURITY SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ", ("amberbrook", "security")),
        ("Holdings Ltd", ("holdings",)),  # only a legal form left: keep the word
    ],
)
def test_company_names_lose_legal_forms(variant: str, words: tuple[str, ...]) -> None:
    assert name_words(variant, ORGANIZATION) == words


def test_person_keys_are_transliterated_and_order_insensitive() -> None:
    latin, cyrillic = NameKeys(), NameKeys()
    latin.add("Ivan Sergeevich Petrov", PERSON)
    cyrillic.add("Петров Иван Сергеевич", PERSON)
    assert latin.keys == cyrillic.keys == {"ivan petrov sergeevich"}
    assert latin.phonetic == cyrillic.phonetic


def test_initials_and_short_forms_share_keys() -> None:
    full, initial, short = NameKeys(), NameKeys(), NameKeys()
    full.add("Ivan Petrov", PERSON)
    initial.add("I. Petrov", PERSON)
    short.add("Petrov Ivan Sergeevich", PERSON)
    assert full.initials & initial.initials == {"i:petrov"}
    assert full.pairs & short.pairs == {"ivan petrov"}
    assert full.tokens <= short.tokens
