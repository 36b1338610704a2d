"""Widget strings: msgids are English; the link config carries the translations."""


def translator(strings):
    strings = strings or {}

    def _(msgid):
        return strings.get(msgid) or msgid

    return _


def plural(_, one, many, n, num=str):
    """``one`` when n == 1, else ``many``; ``{n}`` is replaced by the formatted number."""
    return _(one if n == 1 else many).replace("{n}", num(n))
