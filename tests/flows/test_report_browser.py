"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) renders it
offline with no console errors, and its charts are drawn. A screenshot is kept as a test
artifact in ``test-artifacts/`` (or ``$COUNTLAB_ARTIFACTS``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("COUNTLAB_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))


def chromium(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={home}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_the_html_report_renders_in_chromium_with_its_charts(
    report_run, monkeypatch, capsys, tmp_path
):
    from matplotlib.image import imread

    db, summary, _folder = report_run
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "report",
        summary["run_id"],
        "--db",
        str(db),
        "--out",
        str(tmp_path),
        "--format",
        "html",
    )
    assert code == 0, err
    html = Path(out.strip())
    url = html.resolve().as_uri()
    dom = chromium("--dump-dom", url, home=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    # every chart is an inline SVG with drawn paths, and the tables are there
    assert len(re.findall(r"<svg", rendered)) >= 6
    assert len(re.findall(r"<path", rendered)) > 50
    assert "How the President is chosen" in rendered
    console_errors = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line)
    ]
    assert console_errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-run.png"
    result = chromium(
        f"--screenshot={shot}",
        "--window-size=1100,2600",
        "--hide-scrollbars",
        url,
        home=tmp_path / "profile-shot",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    image = imread(shot)
    assert image.shape[0] >= 2000
    assert image.shape[1] >= 1000
    # drawn: the page is not blank, and it has the charts' blue (Okabe-Ito #0072B2) in it
    rgb = image[..., :3]
    assert rgb.std() > 0.05
    blue = (
        (abs(rgb[..., 0] - 0x00 / 255) < 0.08)
        & (abs(rgb[..., 1] - 0x72 / 255) < 0.08)
        & (abs(rgb[..., 2] - 0xB2 / 255) < 0.08)
    )
    assert blue.sum() > 500
