"""setuptools (the metadata is in setup.cfg), and the widget a wheel must carry.

A wheel holds the widget's sources, its loader and the snippets, which live beside ``server/``
in the checkout, under ``server/_bundle/`` (:mod:`server.bundle` finds them in both layouts),
with the widget's built files. Those are not built here: building needs node (Brython's
compiler runs in it) and the very ``brython`` the app installs, which pip's isolated build
environment has neither of. So a wheel is built from a checkout whose build is current
(``rendezvous build-assets`` or ``make assets``) and compiled, or not at all: a wheel without
them would serve a blank booking page, and one without node's compile a slow one.
Editable installs (``make``) point at the checkout and copy nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent


def _bundle():
    """``server/bundle.py`` (standard library only), without importing the app."""
    spec = importlib.util.spec_from_file_location("_rendezvous_bundle", ROOT / "server/bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithWidget(build_py):
    """build_py, then the checkout's widget/, embed/embed.js and snippets/ (with the current,
    compiled widget build) into ``server/_bundle/`` of the wheel."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False):
            super().run()
            return
        bundle = _bundle()
        problem = bundle.build_problem(ROOT)
        if problem:
            raise SetupError(f"cannot build the wheel: {problem}")
        super().run()
        target = Path(self.build_lib) / "server" / bundle.BUNDLE.name
        shutil.rmtree(target, ignore_errors=True)
        skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        for shipped in bundle.SHIPPED:
            source, copy = ROOT / shipped, target / shipped
            if source.is_dir():
                shutil.copytree(source, copy, ignore=skip)
            else:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildPyWithWidget})
