"""The privacy notice's small Markdown (L9): links and emphasis, everything else as text.

Rendered once, here, for every place that shows the notice (the editor's preview, the widget,
the hosted page), so they all show the same thing and none of them parses Markdown itself.
markdown-it-py's ``zero`` preset with HTML off escapes every character of the host's text;
only the rules below turn some of it into markup.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["render_notice"]

#: emphasis (``*a*``, ``**a**``), links (``[a](https://…)``, ``<https://…>``), ``\*`` escapes,
#: and line breaks as typed
_RULES = ["emphasis", "link", "autolink", "escape", "newline"]
#: a notice's links leave for a policy page or an email, never run script or stay relative
#: to whatever page embeds the widget
_SCHEMES = ("http://", "https://", "mailto:")


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(_SCHEMES)


def _link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer")
    tokens[idx].attrSet("target", "_blank")
    return renderer.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"breaks": True, "html": False}).enable(_RULES)
    md.validateLink = _safe_link  # a refused link stays its own literal text
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _parser()


@lru_cache(maxsize=256)
def render_notice(text: str | None) -> Markup:
    """The notice as HTML paragraphs, safe to insert as it is; empty for no text.

    Line breaks come out as ``<br>`` and no raw newline is left, so a container that keeps
    white space (``pre-line``) doesn't show each break twice.
    """
    if not text or not text.strip():
        return Markup("")
    return Markup(_MD.render(text).replace("\n", ""))  # noqa: S704 - markdown-it escaped it
