"""Unit aliases and English names."""

from __future__ import annotations

from ingest.units import BY_NAME, english_name, find_units


def names(text):
    return [u.name for u in find_units(text)]


def test_every_unit_in_the_plan_is_known(plan):
    printed = {u for m in plan.measures for u in m.responsible_units}
    assert printed <= set(BY_NAME)


def test_aliases():
    assert names("税务局负责哪些") == ["区税务局"]
    assert names("市场监管局") == ["区市场监管局"]
    assert names("人社局和法院") == ["区人社局", "区法院"]
    assert names("What does the tax bureau do?") == ["区税务局"]
    assert names("market regulation office") == ["区市场监管局"]


def test_longest_alias_wins_and_words_are_whole():
    assert names("区市场监管局") == ["区市场监管局"]
    assert names("courtyard and taxonomy") == []


def test_english_names():
    assert english_name("区税务局") == "District Taxation Bureau"
    assert english_name("不存在的单位") == "不存在的单位"
