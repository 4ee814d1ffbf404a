"""The widgets in a real browser: JupyterLab, headless Chromium, Run All, then click what a learner clicks.

The other widget tests click buttons from Python; this one checks what only a browser shows: that
JupyterLab's widget manager renders the views, that a click in the page reaches the kernel, and that
plotly's JupyterLab renderer draws the figures (inside a widget's Output and in a plain output).

Needs Chromium at /usr/bin/chromium (Debian's ``chromium`` package) and the ``playwright`` Python
package; without either the test is skipped. Playwright's own browser download is not used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
HERE = Path(__file__).parent
NOTEBOOK = HERE / "widgets_demo.ipynb"
ARTIFACTS = HERE / "artifacts"
JUPYTER = Path(sys.executable).parent / "jupyter"      # .venv/bin/jupyter when run from the venv

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser test",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (pip install playwright)")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

START_TIMEOUT_S = 60           # JupyterLab answering /api/status (a busy 2-core machine takes 5-20 s)
STEP_TIMEOUT_MS = 45_000       # each wait in the page: kernel start + Lab.local() + Run All fit in it


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def jupyterlab(tmp_path):
    """(base url, root dir) of a JupyterLab subprocess; stopped, with its kernels, after the test."""
    root = tmp_path / "root"
    home = tmp_path / "jupyter"
    root.mkdir()
    # Keep the learner's own Jupyter settings and workspaces out of it, and silence the news toast.
    notification = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {**os.environ,
           "PATH": f"{JUPYTER.parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "IPYTHONDIR": str(home / "ipython")}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(JUPYTER), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
             "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=root,
            start_new_session=True)
    server = psutil.Process(process.pid)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                _get_json(f"{url}/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text()}")
                time.sleep(0.25)
        yield url, root
    finally:
        _stop_jupyterlab(process, server)
        print(f"\nJupyterLab log: {log_path}")


def _stop_jupyterlab(process: subprocess.Popen, server: psutil.Process) -> None:
    """SIGTERM: the server shuts its kernels down, then exits. Then make sure nothing outlives it."""
    try:
        family = server.children(recursive=True)       # kernels; the lab's workers die with their kernel
    except psutil.Error:
        family = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    _gone, alive = psutil.wait_procs(family, timeout=10)
    for leftover in alive:
        try:
            leftover.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


def _wait_for_kernel(url: str, notebook: str, timeout_s: float = 60) -> None:
    """Until the notebook's kernel is idle and the page holds a websocket to it.

    The toolbar's execution indicator says "idle" before the page has a kernel at all, and Run All
    before then clears the cells without running them; the server knows when the page is connected.
    """
    deadline = time.monotonic() + timeout_s
    sessions = []
    while time.monotonic() < deadline:
        sessions = _get_json(f"{url}/api/sessions")
        if any(s["path"].endswith(notebook) and s["kernel"]["execution_state"] == "idle"
               and s["kernel"].get("connections", 0) >= 1 for s in sessions):
            return
        time.sleep(0.25)
    pytest.fail(f"the notebook's kernel was not ready within {timeout_s} s: {sessions}")


@pytest.fixture
def browser():
    """Headless Debian Chromium driven by Playwright; closed after the test."""
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                              timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    # Tall enough that the whole notebook, outputs included, is in view (and in the screenshot).
    context = browser.new_context(viewport={"width": 1280, "height": 2600})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    expect.set_options(timeout=STEP_TIMEOUT_MS)          # expect()'s own default is 5 s
    try:
        yield page
    finally:
        context.close()


def _screenshot(page, tmp_path: Path) -> None:
    """The page as the test left it (passed or failed): artifacts/jupyterlab.png and tmp_path."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab.png"))
    except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the test's own failure
        print(f"\nno screenshot: {exc}")
        return
    shutil.copyfile(ARTIFACTS / "jupyterlab.png", tmp_path / "jupyterlab.png")
    print(f"\nscreenshot: {ARTIFACTS / 'jupyterlab.png'} and {tmp_path / 'jupyterlab.png'}")


@pytest.mark.timeout(180)
def test_widgets_deploy_fire_and_plot_in_jupyterlab(jupyterlab, page, tmp_path):
    url, root = jupyterlab
    shutil.copyfile(NOTEBOOK, root / NOTEBOOK.name)

    try:
        page.goto(f"{url}/lab/tree/{NOTEBOOK.name}", wait_until="domcontentloaded", timeout=60_000)
        notebook = page.locator(".jp-NotebookPanel")
        expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
        idle = page.locator('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]')
        _wait_for_kernel(url, NOTEBOOK.name)
        expect(page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").first).to_be_visible()

        # Run > Run All Cells, through the menu bar, as a learner would.
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu").get_by_role("menuitem", name="Run All Cells", exact=True).click()
        first_prompt = notebook.locator(".jp-CodeCell .jp-InputArea-prompt").first
        expect(first_prompt).not_to_have_text(re.compile(r"^\[ \]:$"))    # [*]: or [1]:: Run All started

        def cell_with(text: str):
            return notebook.locator(".jp-CodeCell").filter(has=page.locator("button", has_text=text))

        deploy_cell, fire_cell, explorer_cell = cell_with("Deploy"), cell_with("Fire"), cell_with("N in a row")
        timeline_cell = notebook.locator(".jp-CodeCell").filter(has_text="viz.timeline(lab.invocations)")
        # The last cell's figure appearing means Run All got to the end.
        expect(timeline_cell.locator(".js-plotly-plot")).to_be_visible()
        expect(idle).to_be_visible()
        errors = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
        expect(errors).to_have_count(0)

        # Deploy: the console's function is created in the kernel's lab.
        deploy_cell.locator("button", has_text="Deploy").click()
        expect(deploy_cell.locator(".jp-Cell-outputArea")).to_contain_text("Deployed browser-demo")
        expect(deploy_cell.locator(".jp-Cell-outputArea")).to_contain_text(
            "arn:aws:lambda:us-east-1:123456789012:function:browser-demo")

        # Fire: one direct invoke, its row and its REPORT line in the widget.
        fire_cell.locator("button", has_text="Fire").click()
        fire_output = fire_cell.locator(".jp-Cell-outputArea")
        expect(fire_output).to_contain_text("1 invocation(s) ran.")
        expect(fire_output).to_contain_text("REPORT RequestId")
        expect(fire_output).to_contain_text("Hello Ada")

        # N in a row: five calls, a timeline drawn by plotly inside the widget's Output.
        explorer_cell.locator("button", has_text="N in a row").click()
        expect(explorer_cell.locator(".js-plotly-plot")).to_be_visible()
        expect(explorer_cell.locator(".jp-Cell-outputArea")).to_contain_text("5 invocations")
        expect(explorer_cell.locator(".js-plotly-plot .main-svg").first).to_be_visible()

        for cell in (deploy_cell, fire_cell, explorer_cell):     # a widget's error line, or an error log line
            expect(cell.locator('.jp-Cell-outputArea [style*="#b00020"]')).to_have_count(0)
        expect(errors).to_have_count(0)
    finally:
        _screenshot(page, tmp_path)
