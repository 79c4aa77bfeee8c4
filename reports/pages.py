"""What every report shares: its formats, the Jinja templates (``reports/templates``), the
output folder, and the writing of a page in HTML (charts inline) and Markdown (charts as SVG
files in a folder beside it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from models.errors import CountlabError

FORMATS = ("html", "md")


def environment() -> jinja2.Environment:
    """The templates, HTML ones autoescaped, every variable required."""
    folder = resources.files("reports") / "templates"
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (folder / name).read_text(encoding="utf-8")),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def check_formats(formats: tuple[str, ...]) -> None:
    """A one-line error unless ``formats`` are some of :data:`FORMATS`."""
    if not formats or any(f not in FORMATS for f in formats):
        raise CountlabError(f"--format {','.join(formats)!r}: expected html, md or html,md")


def output_folder(out: str | Path, option: str = "--out") -> Path:
    """Create ``out`` if needed; a one-line error naming ``option`` if it cannot be."""
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CountlabError(
            f"{option} {folder}: cannot create the folder ({exc.strerror})"
        ) from None
    return folder


def write_pages(
    out: str | Path,
    stem: str,
    template: str,
    context: dict[str, Any],
    svgs: dict[str, str],
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    """Write ``STEM.html`` (``TEMPLATE.html.j2`` with ``charts``: the SVGs inline) and/or
    ``STEM.md`` (``TEMPLATE.md.j2`` with ``files``: each chart's path, ``STEM-charts/NAME.svg``,
    or "" for an empty chart) into ``out``; return the paths written."""
    folder = output_folder(out)
    env = environment()
    written = []
    if "html" in formats:
        path = folder / f"{stem}.html"
        html = env.get_template(f"{template}.html.j2").render(**context, charts=svgs)
        path.write_text(html, "utf-8")
        written.append(path)
    if "md" in formats:
        chart_dir = folder / f"{stem}-charts"
        chart_dir.mkdir(exist_ok=True)
        files = {}
        for name, svg in svgs.items():
            if svg:
                (chart_dir / f"{name}.svg").write_text(svg, "utf-8")
                files[name] = f"{chart_dir.name}/{name}.svg"
            else:  # a chart with nothing to show: the template says so instead
                files[name] = ""
        path = folder / f"{stem}.md"
        path.write_text(
            env.get_template(f"{template}.md.j2").render(**context, files=files), "utf-8"
        )
        written.append(path)
    return written
