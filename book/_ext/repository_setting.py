"""Sphinx extension: the book's repository address comes from one setting, ``BOOK_REPOSITORY_URL``.

The Binder and JupyterHub launch buttons and the repository button all need the address of the
public repository. A placeholder address in ``_config.yml`` would give readers buttons that lead
nowhere, so the address is read from the environment when the book is built:

* ``BOOK_REPOSITORY_URL`` set (for example ``https://github.com/an-org/public-service-data-literacy``):
  the repository button points to it, and each notebook page gets the launch buttons configured
  under ``launch_buttons`` in ``_config.yml`` (Binder, and JupyterHub if an instructor set its
  address), opening that repository's copy of the notebook.
* unset or empty: the book has no repository button and no launch buttons. Learners download a
  notebook or the offline bundle and run it on their own computer (see the learner's guide).

Whatever ``repository.url`` says in ``_config.yml`` is replaced, so the variable is the only
place the address is set.
"""

from __future__ import annotations

import os
import re

from sphinx.errors import ExtensionError

VARIABLE = "BOOK_REPOSITORY_URL"
# The launch buttons that need a repository to open; sphinx-book-theme reads these keys.
LAUNCHERS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url",
             "thebe")
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button",
                      "use_source_button")
# https://github.com/ORG/REPO (or gitlab.com): the forms Binder and the theme understand.
ADDRESS = re.compile(r"https://(github\.com|gitlab\.com)/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def repository_url(environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The repository address from the environment, tidied; empty when it is not set.

    A malformed address fails the build with a message saying what is expected, rather than
    publishing buttons that lead nowhere.
    """
    url = environ.get(VARIABLE, "").strip().rstrip("/").removesuffix(".git")
    if not url:
        return ""
    if not ADDRESS.fullmatch(url) or "your-org" in url:
        raise ExtensionError(
            f"{VARIABLE}={url!r} is not a public repository's address. Give it as "
            "https://github.com/ORGANISATION/REPOSITORY (or gitlab.com), or unset it to build "
            "the book without launch and repository buttons."
        )
    return url


def apply_repository(theme_options: dict, url: str) -> dict:
    """Set, or clear, the theme options that depend on the repository address (in place)."""
    if url:
        theme_options["repository_url"] = url
        theme_options["use_repository_button"] = True
        return theme_options
    theme_options["repository_url"] = ""
    for button in REPOSITORY_BUTTONS:
        theme_options[button] = False
    launch = dict(theme_options.get("launch_buttons") or {})
    for key in LAUNCHERS:
        if key in launch:
            launch[key] = False if key == "thebe" else ""
    theme_options["launch_buttons"] = launch
    return theme_options


def _on_config_inited(app, config) -> None:
    # A copy, so the change is not made in a dictionary another build may share.
    options = dict(config.html_theme_options or {})
    config.html_theme_options = apply_repository(options, repository_url())


def setup(app):
    # Before the theme's own handlers, which read the repository address at builder-inited.
    app.connect("config-inited", _on_config_inited, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
