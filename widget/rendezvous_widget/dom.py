"""Tiny DOM helpers: build elements, clear them, find the active element."""

from browser import document


def h(tag, attrs=None, *kids):
    """``<tag attrs>kids</tag>``; attribute values None/False are left out, True is ``""``."""
    el = document.createElement(tag)
    if attrs:
        for k, v in attrs.items():
            if v is not None and v is not False:
                el.setAttribute(k, "" if v is True else v)
    add(el, kids)
    return el


def add(el, kid):
    if kid is None:
        pass
    elif isinstance(kid, (list, tuple)):
        for k in kid:
            add(el, k)
    elif isinstance(kid, (str, int)):
        el.appendChild(document.createTextNode(str(kid)))
    else:
        el.appendChild(kid)
    return el


def clear(el):
    el.textContent = ""
    return el


def on(el, name, fn):
    el.bind(name, fn)
    return el


def button(text, fn, attrs=None):
    a = {"type": "button"}
    if attrs:
        a.update(attrs)
    return on(h("button", a, text), "click", lambda ev: fn())


def active(root):
    """The focused element inside ``root``'s shadow root (or document)."""
    return root.getRootNode().activeElement


def inside(root, el):
    return bool(el) and root.contains(el)


def closest(el, selector):
    """``el.closest(selector)``, or None (Brython raises KeyError when nothing matches)."""
    try:
        return el.closest(selector)
    except KeyError:
        return None
