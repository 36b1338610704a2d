"""The Rendezvous booking widget, in Python for Brython.

Importing it registers ``window.__rendezvous_mount__(container, options)``, which the loader
(embed/embed.js) calls once per placeholder. Nothing from the standard library is imported:
each stdlib import costs Brython a second on a first visit.
"""

from browser import window

from .app import Widget


def mount(container, options):
    return Widget(container, options)


window.__rendezvous_mount__ = mount
