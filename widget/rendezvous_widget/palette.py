"""The widget's colours from the account's accent: plain arithmetic, nothing imported.

An account picks any colour; the widget draws text in it and on it, on a white card and on a dark
one. ``variables()`` gives the CSS variables widget.css reads, for both palettes, so that each
text colour reaches WCAG AA (4.5:1) on every background it is drawn on:

- ``--rdv-ink`` on ``--rdv-soft`` (open days, the chosen duration) and on the card (times, links,
  focus rings);
- ``--rdv-on-accent`` on ``--rdv-accent`` (the chosen day, the main button);

and the same pairs with ``-dark`` names on the dark card (``DARK_CARD``, widget.css's dark
``--rdv-bg``). No imports, no browser: Brython runs it in the widget, CPython tests it.
"""

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
#: The text drawn on a pale accent: near-black, softer than pure black.
NEAR_BLACK = (17, 17, 17)
#: An account's accent until it picks one (#2f6fed), and the one a bad colour falls back to.
DEFAULT = (47, 111, 237)
#: The dark card, as widget.css's dark ``--rdv-bg`` (#161b22); a test holds them equal.
DARK_CARD = (22, 27, 34)
#: WCAG AA for text; 4.6 where a value is still rounded afterwards, so it never dips below.
AA = 4.5
MARGIN = 4.6
#: WCAG's minimum for a shape to stand out (the chosen day, the main button on the dark card).
SHAPE = 3.0


def hex_rgb(color: str | None) -> tuple[int, int, int] | None:
    """``#rrggbb``, ``rrggbb`` or ``#rgb`` as integers; None for anything else."""
    c = (color or "").strip().lstrip("#")
    if len(c) == 3:
        c = "".join(x + x for x in c)
    try:
        return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)) if len(c) == 6 else None
    except ValueError:
        return None


def mix(a: tuple, b: tuple, t: float) -> tuple:
    """``t`` of ``a``, the rest of ``b``."""
    return tuple(a[i] * t + b[i] * (1 - t) for i in range(3))


def luminance(rgb: tuple) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0 for black, 1 for white)."""

    def ch(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * ch(rgb[0]) + 0.7152 * ch(rgb[1]) + 0.0722 * ch(rgb[2])


def contrast(a: tuple, b: tuple) -> float:
    """WCAG 2's contrast ratio, from 1 (the same) to 21 (black on white)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def rounded(c: tuple) -> tuple:
    """The colour as the browser gets it: whole channels."""
    return tuple(round(x) for x in c)


def css(c: tuple) -> str:
    return "rgb(" + ",".join(str(x) for x in rounded(c)) + ")"


def on_fill(fill: tuple) -> tuple:
    """The text colour that reads on ``fill``: white or near-black, whichever contrasts more."""
    return WHITE if contrast(fill, WHITE) >= contrast(fill, NEAR_BLACK) else NEAR_BLACK


def readable_fill(rgb: tuple) -> tuple:
    """The accent as a background for text, and that text.

    Most colours are kept as they are. A mid-tone on which neither white nor near-black reaches
    4.5:1 (luminance about 0.17 to 0.21) is nudged, a little at a time, away from its text.
    """
    on = on_fill(rgb)
    away = BLACK if on == WHITE else WHITE
    fill = rgb
    while contrast(rounded(fill), on) < AA:
        fill = mix(fill, away, 0.95)
    return fill, on


def ink_for(rgb: tuple, backgrounds: tuple, toward: tuple) -> tuple:
    """The accent's hue, moved ``toward`` black or white until it reads on every background."""
    ink = rgb
    while min(contrast(ink, b) for b in backgrounds) < MARGIN:
        ink = mix(ink, toward, 0.85)
    return ink


def light(rgb: tuple) -> list:
    """On the white card: a tint of the accent, and the accent darkened until it reads on it."""
    soft = mix(rgb, WHITE, 0.12)
    fill, on = readable_fill(rgb)
    ink = ink_for(rgb, (soft, WHITE), BLACK)
    return [("accent", fill), ("on-accent", on), ("soft", soft), ("ink", ink)]


def dark(rgb: tuple) -> list:
    """On the dark card: the accent lightened until it stands out from the card, a dark tint of
    it, and the accent lightened until it reads on both."""
    lifted = rgb
    while contrast(rounded(lifted), DARK_CARD) < SHAPE:
        lifted = mix(lifted, WHITE, 0.9)
    fill, on = readable_fill(lifted)
    soft = mix(lifted, DARK_CARD, 0.2)
    ink = ink_for(lifted, (soft, DARK_CARD), WHITE)
    return [("accent-dark", fill), ("on-accent-dark", on), ("soft-dark", soft), ("ink-dark", ink)]


def variables(color: str | None) -> list[tuple[str, str]]:
    """``(name, value)`` of each CSS variable the accent ``color`` sets on the widget's root:
    the light palette (``--rdv-accent`` …) and the dark one (``--rdv-accent-dark`` …).

    A missing or malformed colour gives the default accent's palette.
    """
    rgb = hex_rgb(color) or DEFAULT
    return [("--rdv-" + name, css(c)) for name, c in light(rgb) + dark(rgb)]
