"""A learner's notebook works in JupyterLab, driven in Debian Chromium: the explorer's widgets
render and respond, and grader.check gives the public test's message, then passes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import chromium, require_browser

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "curriculum-test-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_browser()
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "modules", work / "modules")  # autosave must not touch the repo
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / ".jupyter"),
           "JUPYTER_RUNTIME_DIR": str(work / ".runtime"), "HOME": str(work)}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.disable_check_xsrf=True", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        with chromium() as browser:
            yield {"base": base, "browser": browser}
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _open(lab, notebook: str):
    page = lab["browser"].new_page(viewport={"width": 1400, "height": 1000})
    # A workspace of its own, reset, so JupyterLab does not reopen an earlier test's notebook.
    workspace = Path(notebook).stem
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={TOKEN}")
    page.wait_for_function(
        "(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path.endsWith(name) && w.sessionContext"
        " && w.sessionContext.session && w.sessionContext.session.kernel; }",
        arg=Path(notebook).name, timeout=60_000)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.ready")
    return page


def _run_all(page) -> None:
    """Run every cell and wait until the last code cell has run and the kernel is idle."""
    page.evaluate("async () => { await window.jupyterapp.commands.execute("
                  "'notebook:run-all-cells'); }")
    try:
        page.wait_for_function(
            "() => { const panel = window.jupyterapp.shell.currentWidget;"
            " const code = panel.content.widgets.filter(c => c.model.type === 'code');"
            " return code[code.length - 1].model.executionCount !== null"
            " && panel.sessionContext.session.kernel.status === 'idle'; }", timeout=120_000)
    except Exception:
        pending = page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.widgets"
            ".filter(c => c.model.type === 'code' && c.model.executionCount === null)"
            ".map(c => c.model.sharedModel.getSource().slice(0, 60))")
        raise AssertionError(f"cells that never ran: {pending}") from None


def test_explorer_widgets_render_and_respond(lab):
    page = _open(lab, "modules/01-data-analytics/03-honest-charts.ipynb")
    _run_all(page)
    page.wait_for_selector(".widget-dropdown select", timeout=30_000)
    assert "Error displaying widget" not in page.content()
    summary = page.locator(".widget-html-content").first
    before = summary.inner_text()
    assert "Department of Household Benefits" in before
    page.locator(".widget-dropdown select").first.select_option("Travel Documents Office")
    page.wait_for_function("(old) => document.querySelector('.widget-html-content')"
                           ".innerText !== old", arg=before, timeout=15_000)
    assert "Travel Documents Office" in summary.inner_text()
    page.close()


def test_grader_check_explains_then_passes(lab):
    page = _open(lab, "modules/01-data-analytics/assignment/service-performance.ipynb")
    _run_all(page)
    text = page.locator(".jp-Notebook").inner_text()
    # A blank answer is told it is not answered yet, in one sentence, with no test trace.
    assert "q1: Not answered yet" in text
    assert "Trying:" not in text and "Traceback" not in text and "ellipsis" not in text
    page.evaluate("""() => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        const index = nb.widgets.findIndex(c => c.model.sharedModel.getSource()
            .startsWith('mail_applications = ...'));
        nb.widgets[index].model.sharedModel.setSource(
            'codes = raw_inventory["num_applications_by_mail"].str.strip()\\n' +
            'mail_applications = pd.to_numeric(codes.replace({"NA": "0", "ND": None}))' +
            '.astype("Int64")');
        nb.activeCellIndex = index;
    }""")
    page.evaluate("async () => { await window.jupyterapp.commands.execute("
                  "'notebook:run-cell-and-select-next'); await window.jupyterapp.commands"
                  ".execute('notebook:run-cell-and-select-next'); }")
    page.wait_for_function("() => document.querySelector('.jp-Notebook').innerText"
                           ".includes('q1 passed')", timeout=60_000)
    page.close()
