"""The book builds with warnings as errors, and what readers rely on is in the HTML."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

BUILD = [str(Path(sys.executable).with_name("jupyter-book")), "build", "-W", "-n", "--keep-going"]
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", "build", ".git", "__pycache__",
                                     ".pytest_cache", ".ipynb_checkpoints")


def toc_files(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    return files


def test_every_page_in_the_toc_is_built(root, built_book):
    for entry in toc_files(root):
        page = built_book / f"{entry}.html"
        if entry == toc_files(root)[0]:
            page = built_book / "book" / "welcome.html"
        assert page.is_file(), f"{entry} was not built"


def test_every_image_has_real_alt_text(built_book):
    pages = list(built_book.rglob("*.html"))
    images = 0
    for page in pages:
        # Figures from notebooks and pages live in _images/; theme icons carry their own alt.
        for tag in re.findall(r"<img\b[^>]*_images/[^>]*>", page.read_text(encoding="utf-8")):
            images += 1
            alt = re.search(r'alt="([^"]*)"', tag)
            text = html.unescape(alt.group(1)) if alt else ""
            assert len(text) > 30, f"{page.name}: image without meaningful alt text: {tag[:200]}"
            assert not re.search(r"\.(png|svg|jpe?g)$|_images/", text), f"{page.name}: {text}"
    assert images >= 4, "the lessons' figures are missing from the book"


def _notebook_pages(root: Path) -> list[str]:
    return [entry for entry in toc_files(root) if (root / f"{entry}.ipynb").is_file()]


def test_without_a_repository_address_there_are_no_launch_or_repository_buttons(root,
                                                                                built_book):
    # The default build runs with BOOK_REPOSITORY_URL unset: no button may lead to a
    # repository that does not exist, and no placeholder address may be published.
    for page in built_book.rglob("*.html"):
        text = html.unescape(page.read_text(encoding="utf-8"))
        name = page.relative_to(built_book)
        assert "mybinder.org" not in text, f"{name}: a Binder link without a repository"
        assert "your-org" not in text, f"{name}: the placeholder repository address"
        assert "source-repository-button" not in text, f"{name}: a repository button"
        assert "launch-buttons" not in text, f"{name}: launch buttons without a repository"
    for entry in _notebook_pages(root):
        page = (built_book / f"{entry}.html").read_text(encoding="utf-8")
        # Learners run the notebooks on their own computer: each page offers its notebook.
        assert f"_sources/{entry}.ipynb" in page, f"{entry}: no .ipynb download link"


PUBLISHED_REPOSITORY = "https://github.com/example-org/public-service-data-literacy"


@pytest.fixture(scope="module")
def published_book(root, tmp_path_factory) -> Path:
    """The book built as it is published: with its repository address, and a JupyterHub."""
    copy = _quick_copy(root, tmp_path_factory.mktemp("published"),
                       jupyterhub_url="https://hub.example.ca")
    env = {**os.environ, "BOOK_REPOSITORY_URL": PUBLISHED_REPOSITORY + "/"}
    result = subprocess.run([*BUILD, str(copy)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return copy / "_build" / "html"


def test_launch_buttons_open_the_repository_copy_of_each_notebook(root, published_book):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = PUBLISHED_REPOSITORY.removeprefix("https://github.com/")
    branch = config["repository"]["branch"]
    pages = _notebook_pages(root)
    assert pages, "no notebook pages in the table of contents"
    for entry in pages:
        page = html.unescape((published_book / f"{entry}.html").read_text(encoding="utf-8"))
        expected = f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{entry}.ipynb"
        assert expected in page, f"{entry}: no Binder button for its notebook"
        assert f'href="{PUBLISHED_REPOSITORY}"' in page, f"{entry}: no repository button"
        assert "your-org" not in page


def test_jupyterhub_button_appears_when_an_instructor_sets_its_url(published_book):
    page = (published_book / "modules" / "01-data-analytics"
            / "02-computing-kpis.html").read_text(encoding="utf-8")
    assert ("https://hub.example.ca/hub/user-redirect/git-pull?repo="
            f"{PUBLISHED_REPOSITORY}&" in unquote(html.unescape(page)))


@pytest.mark.parametrize("address", ["https://github.com/your-org/public-service-data-literacy",
                                     "github.com/an-org/a-repo", "https://example.org/a/b/c"])
def test_a_repository_address_binder_cannot_use_fails_the_build(address):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "_ext"))
    try:
        import repository_setting
    finally:
        sys.path.pop(0)
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="BOOK_REPOSITORY_URL"):
        repository_setting.repository_url({"BOOK_REPOSITORY_URL": address})
    assert repository_setting.repository_url({}) == ""


def test_glossary_and_references_are_populated(built_book):
    glossary = (built_book / "book" / "glossary.html").read_text(encoding="utf-8")
    for term in ("Digital take-up", "tidy data", "confidence interval", "alt text"):
        assert term in glossary
    references = (built_book / "book" / "references.html").read_text(encoding="utf-8")
    assert "Tidy Data" in references and "Policy on Service and Digital" in references


def _quick_copy(root: Path, tmp_path: Path, **launch) -> Path:
    """A copy of the book with notebook execution off, for fast builds of a changed config."""
    copy = tmp_path / "book"
    shutil.copytree(root, copy, ignore=COPY_IGNORE)
    config = yaml.safe_load((copy / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    config["launch_buttons"].update(launch)
    (copy / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return copy


def test_a_sphinx_warning_fails_the_build(root, tmp_path):
    copy = _quick_copy(root, tmp_path)
    welcome = copy / "book" / "welcome.md"
    welcome.write_text(welcome.read_text(encoding="utf-8")
                       + "\nSee {term}`a term nobody defined`.\n", encoding="utf-8")
    result = subprocess.run([*BUILD, str(copy)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "a term nobody defined" in result.stdout + result.stderr


def test_a_cell_error_fails_the_build(root, tmp_path):
    copy = _quick_copy(root, tmp_path)
    config_path = copy / "_config.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "cache"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    lesson = copy / "modules" / "01-data-analytics" / "01-loading-and-cleaning.ipynb"
    notebook = json.loads(lesson.read_text(encoding="utf-8"))
    notebook["cells"].insert(1, {"cell_type": "code", "id": "broken", "metadata": {},
                                 "execution_count": None, "outputs": [],
                                 "source": "raise RuntimeError('a lesson cell that fails')"})
    lesson.write_text(json.dumps(notebook), encoding="utf-8")
    result = subprocess.run([*BUILD, str(copy)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "a lesson cell that fails" in result.stdout + result.stderr


def test_offline_bundle_has_every_learner_notebook_and_no_solutions(root, built_book, tmp_path):
    import zipfile

    bundle = built_book / "offline-bundle.zip"
    guide = (built_book / "book" / "learners-guide.html").read_text(encoding="utf-8")
    assert 'href="../offline-bundle.zip"' in guide
    assert bundle.stat().st_size < 2 * 2**20
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    base = tmp_path / "public-service-data-literacy"
    learner_notebooks = {str(p.relative_to(root)) for p in (root / "modules").rglob("*.ipynb")
                         if "source" not in p.parts}
    assert learner_notebooks <= {n.split("/", 1)[1] for n in names}
    assert not [n for n in names if "/source/" in n or "wrong-answers" in n]
    for name in ("datasets/datapackage.json", "learner_tools/data.py", "requirements.txt",
                 "pyproject.toml", "README.md"):
        assert (base / name).is_file(), name
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import learner_tools as lt; "
              "print(len(lt.load_service_inventory()), lt.data_dir())")
    env = {k: v for k, v in os.environ.items() if k != "LEARNER_TOOLS_DATA_DIR"}
    result = subprocess.run([sys.executable, "-c", script, str(base)], cwd=tmp_path,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["73", str(base / "datasets")]


def test_pages_skip_the_icon_script_but_keep_their_icons(built_book):
    css = (built_book / "_static" / "styles" / "pydata-sphinx-theme.css").read_text()
    used = set()
    for page in built_book.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fontawesome.js" not in text, f"{page.name} still loads the 1.4 MB icon script"
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', text):
            used |= {c for c in classes.split() if c.startswith("fa-") and c not in
                     ("fa-lg", "fa-solid", "fa-regular", "fa-brands", "fa-fw")}
    assert used, "no icons found: has the theme changed?"
    missing = sorted(c for c in used if not re.search(rf"\.{re.escape(c)}(:|::)before", css))
    assert not missing, f"icons the stylesheet cannot draw without the script: {missing}"
