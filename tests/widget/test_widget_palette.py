"""The widget's colours (widget/rendezvous_widget/palette.py and widget/static/widget.css): any
accent an account picks gives text that reads (WCAG AA, 4.5:1) in the light and the dark palette,
and every colour the stylesheet draws has its dark counterpart (issue 13)."""

from __future__ import annotations

import importlib.util
import re
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "widget" / "rendezvous_widget"
STYLESHEET = (ROOT / "widget" / "static" / "widget.css").read_text()


def _load_palette() -> types.ModuleType:
    # The module imports nothing, so CPython runs it as Brython does, without stand-ins.
    spec = importlib.util.spec_from_file_location("widget_palette", PACKAGE / "palette.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


palette = _load_palette()
accents = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")

WHITE_CARD = "rgb(255,255,255)"
#: (text, background) as widget.css draws them; "card" is the theme's --rdv-bg.
PAIRS = {
    "light": [
        ("--rdv-ink", "--rdv-soft"),
        ("--rdv-ink", "card"),
        ("--rdv-on-accent", "--rdv-accent"),
    ],
    "dark": [
        ("--rdv-ink-dark", "--rdv-soft-dark"),
        ("--rdv-ink-dark", "card"),
        ("--rdv-on-accent-dark", "--rdv-accent-dark"),
    ],
}
#: A colour written out: hex, a colour function, or a common name (not "white-space").
COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\("
    r"|(?<![\w-])(?:white|black|gr[ae]y|red|green|blue)(?![\w-])"
)
CUSTOM_PROPERTY = re.compile(r"--rdv-[a-z-]+\s*:[^;]*;")


def _rgb(value: str) -> tuple[int, ...]:
    """``rgb(r,g,b)`` or ``#rrggbb`` as integers."""
    if value.startswith("#"):
        return palette.hex_rgb(value)
    return tuple(int(x) for x in re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", value).groups())


def _without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def _declarations(selector: str) -> dict[str, str]:
    """The declarations of the stylesheet's first rule for exactly ``selector``."""
    css = _without_comments(STYLESHEET)
    match = re.search(r"(?m)^\s*" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, f"no rule for {selector}"
    pairs = (d.partition(":") for d in match.group(1).split(";") if d.strip())
    return {name.strip(): value.strip() for name, _, value in pairs}


def _palette(color: str | None, theme: str) -> dict[str, tuple[int, ...]]:
    card = WHITE_CARD if theme == "light" else _declarations(DARK_RULE)["--rdv-bg"]
    return {"card": _rgb(card), **{name: _rgb(value) for name, value in palette.variables(color)}}


DARK_RULE = '.rdv-root[data-theme="dark"]'
PREFERRED_DARK_RULE = '.rdv-root:not([data-theme="light"])'


def test_hex_rgb_reads_six_and_three_digit_colours():
    assert palette.hex_rgb("#7b2cbf") == (123, 44, 191)
    assert palette.hex_rgb(" 7B2CBF ") == (123, 44, 191)
    assert palette.hex_rgb("#fa0") == (255, 170, 0)


@pytest.mark.parametrize("color", [None, "", "red", "#12345", "#gggggg", "#1234567"])
def test_hex_rgb_refuses_what_is_not_a_hex_colour(color):
    assert palette.hex_rgb(color) is None


def test_contrast_is_wcags_ratio():
    assert palette.contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert palette.contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert palette.contrast((40, 90, 200), (40, 90, 200)) == 1


def test_a_missing_or_malformed_accent_gives_the_default_accents_palette():
    default = palette.variables("#2f6fed")
    assert palette.variables(None) == default
    assert palette.variables("not a colour") == default


def test_variables_name_the_light_palette_and_its_dark_variants():
    names = [name for name, _ in palette.variables("#7b2cbf")]
    assert names == [
        "--rdv-accent",
        "--rdv-on-accent",
        "--rdv-soft",
        "--rdv-ink",
        "--rdv-accent-dark",
        "--rdv-on-accent-dark",
        "--rdv-soft-dark",
        "--rdv-ink-dark",
    ]


@given(accents)
def test_every_text_reads_on_its_background_in_the_light_palette(color):
    colours = _palette(color, "light")
    for text, background in PAIRS["light"]:
        assert palette.contrast(colours[text], colours[background]) >= 4.5, (text, background)


@given(accents)
def test_every_text_reads_on_its_background_in_the_dark_palette(color):
    colours = _palette(color, "dark")
    for text, background in PAIRS["dark"]:
        assert palette.contrast(colours[text], colours[background]) >= 4.5, (text, background)


@given(accents)
def test_the_dark_accent_stands_out_from_the_dark_card(color):
    colours = _palette(color, "dark")
    assert palette.contrast(colours["--rdv-accent-dark"], colours["card"]) >= 3


@given(accents)
def test_the_light_palette_keeps_an_accent_that_white_or_near_black_text_reads_on(color):
    rgb = palette.hex_rgb(color)
    if max(palette.contrast(rgb, (255, 255, 255)), palette.contrast(rgb, (17, 17, 17))) >= 4.5:
        assert dict(palette.variables(color))["--rdv-accent"] == "rgb({},{},{})".format(*rgb)


def test_the_default_accent_keeps_its_look_white_text_on_blue():
    light = dict(palette.variables("#2f6fed"))
    assert light["--rdv-accent"] == "rgb(47,111,237)"
    assert light["--rdv-on-accent"] == "rgb(255,255,255)"


def test_a_mid_grey_no_text_reads_on_is_nudged_until_one_does():
    light = dict(palette.variables("#7a7a7a"))
    assert light["--rdv-accent"] != "rgb(122,122,122)"
    assert palette.contrast(_rgb(light["--rdv-accent"]), _rgb(light["--rdv-on-accent"])) >= 4.5


def test_the_stylesheets_defaults_are_the_default_accents_palette():
    root = _declarations(".rdv-root")
    assert [(name, root.get(name)) for name, _ in palette.variables(None)] == palette.variables(
        None
    )


def test_the_palettes_dark_card_is_the_stylesheets_dark_background():
    assert _rgb(_declarations(DARK_RULE)["--rdv-bg"]) == palette.DARK_CARD


def test_a_dark_preference_and_data_theme_dark_declare_the_same_colours():
    assert _declarations(PREFERRED_DARK_RULE) == _declarations(DARK_RULE)


def test_the_stylesheet_draws_colours_only_through_its_variables():
    css = re.sub(r"url\([^)]*\)", "url()", _without_comments(STYLESHEET))
    literals = [m.group(0) for m in COLOUR.finditer(CUSTOM_PROPERTY.sub("", css))]
    assert literals == []


def test_every_colour_of_the_light_theme_has_a_dark_counterpart():
    light = {
        name
        for name, value in _declarations(".rdv-root").items()
        if name.startswith("--rdv-") and not name.endswith("-dark") and COLOUR.search(value)
    }
    dark = _declarations(DARK_RULE)
    assert light - set(dark) == set()
    assert dark["color-scheme"] == "dark"
