"""Highlighting follows what the text index matches: a word as typed, in
any case, or a word that matches once both are transliterated; nothing
else (no phonetic guesses), so a highlight never claims a match the
search did not make."""

from __future__ import annotations

from threadline.search.highlight import search_terms, snippet_html, term_spans


def _marked(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in term_spans(text, search_terms(query))]


def test_transliterated_words_are_marked_both_ways() -> None:
    text = "Встреча: Иван Петров и Игорь; then IVAN PETROV signed."
    assert _marked(text, "Ivan Petrov") == ["Иван", "Петров", "IVAN", "PETROV"]
    # a soft sign transliterates to an apostrophe: Игорь is Igor'
    assert _marked(text, "Igor") == ["Игорь"]
    # the search typed in Cyrillic marks the Latin spelling too
    assert _marked(text, "Петров") == ["Петров", "PETROV"]


def test_only_whole_matching_words_are_marked() -> None:
    text = "Petrova and Petrovsky met Ivanov; Petrov stayed."
    assert _marked(text, "Petrov") == ["Petrov"]
    # operators and excluded words are not search terms
    assert _marked(text, "Petrov AND -Ivanov") == ["Petrov"]
    assert _marked("O'Brien wrote", "O'Brien") == ["O'Brien"]


def test_a_built_snippet_is_escaped_with_matches_in_bold() -> None:
    text = "<script>x</script> " + "filler " * 60 + "Платёж Петрову & Co"
    snippet = snippet_html(text, ["Petrovu"])
    assert "<b>Петрову</b>" in snippet and "&amp; Co" in snippet
    assert "<script>" not in snippet
    assert snippet_html(text, ["Sidorov"]) == ""
