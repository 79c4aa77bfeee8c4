"""Progress lines off a terminal: the first chunk, then one line per interval, the last."""

from __future__ import annotations

from flows import console


def test_progress_lines_rate_counts_from_the_first_chunk(monkeypatch, capsys):
    clock = iter([100.0, 101.0, 102.0, 104.0])  # seconds at each chunk
    monkeypatch.setattr(console.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(console, "flow_log", lambda line: None)
    monkeypatch.setenv("COUNTLAB_PROGRESS_SECONDS", "1.5")
    report = console.progress_lines(4000, what="run")
    for _ in range(4):
        report(1000)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "countlab run: 1,000/4,000 draws stored",  # no rate from one chunk
        "countlab run: 3,000/4,000 draws stored (1,000 draws/s)",  # 101 s is within 1.5 s
        "countlab run: 4,000/4,000 draws stored (750 draws/s)",  # the last always shows
    ]


def test_a_sweep_of_many_points_prints_the_first_forty_and_says_where_the_rest_are(capsys):
    from flows import console

    points = [
        {
            "point": i,
            "params": {"votes.senate.R": i / 100},
            "outcomes": {"electors:biden": {"p": 1.0, "se": 0.0}},
            "objections": {"AZ": {"p_sustained": 0.5, "se": 0.01}},
        }
        for i in range(45)
    ]
    console.print_sweep({"run_id": "abc123", "draws": 100, "seed": 1, "points": points})
    text = capsys.readouterr().out
    assert "│ 39 " in text
    assert "│ 40 " not in text
    assert "The first 40 of 45 points" in text
    assert "sweep_probabilities where run_id = 'abc123'" in text
    console.print_sweep({"run_id": "abc123", "draws": 100, "seed": 1, "points": points[:40]})
    assert "The first" not in capsys.readouterr().out


def summary_with_pivotal(pivotal: dict[str, float | None]) -> dict[str, object]:
    return {
        "run_id": "abc123",
        "outcomes": {"electors:biden": {"p": 1.0, "se": 0.0, "ci_low": 1.0, "ci_high": 1.0}},
        "objections": {},
        "winners": {"biden": {"p": 1.0, "se": 0.0}},
        "pivotal": pivotal,
    }


def test_flips_are_read_only_when_some_objection_is_pivotal(monkeypatch, tmp_path, capsys):
    """No draw's label changes when every P(pivotal) is 0, so the transitions (a join of
    every objection row to its draw) are not queried; with one above 0 they are."""
    read: list[str] = []
    flip = {"direction": "sustain", "from_label": "electors:biden", "to_label": "house", "p": 0.01}

    def run_flips(db, run_id):
        read.append(run_id)
        return {"PA": flip}

    monkeypatch.setattr(console, "run_flips", run_flips)
    console.print_summary(summary_with_pivotal({"AZ": 0.0, "PA": 0.0}), db=tmp_path / "w.duckdb")
    assert read == []
    assert "Pivotal objections" in capsys.readouterr().out
    console.print_summary(summary_with_pivotal({"AZ": 0.0, "PA": 0.01}), db=tmp_path / "w.duckdb")
    assert read == ["abc123"]
    assert "sustaining it: electors:biden becomes house (1.00% of draws)" in capsys.readouterr().out
    console.print_summary(summary_with_pivotal({"AZ": None, "PA": None}), db=tmp_path / "w.duckdb")
    assert read == ["abc123"]  # stored before schema 6: no shares, no table, no query
    assert "Pivotal objections" not in capsys.readouterr().out
