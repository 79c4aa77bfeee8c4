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
