"""The HTML drift report: one self-contained page, drifted columns first, data escaped."""

from __future__ import annotations

import base64
import dataclasses
import html
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlvet.exceptions import InputError
from mlvet.monitoring import (
    DriftReport,
    Profile,
    compare_profiles,
    profile_against,
    profile_reference,
)
from mlvet.monitoring._report import _bin_labels, _categorical_bars, drift_html, write_drift_html

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def frames(n: int = 4_000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``amount`` moves by one sd; the other columns keep their distribution."""
    rng = np.random.default_rng(seed)

    def frame(shift: float, venues: list[str], p: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "amount": rng.normal(shift, 1, size=n),
                "stable": rng.normal(size=n),
                "délai_règlement": rng.exponential(size=n),
                "数量": rng.choice(["東京", "大阪", "名古屋"], n),
                SCRIPT: rng.choice(venues, n, p=p),
                "flat": np.full(n, 5.0),
            }
        )

    ref = frame(0.0, ["XLON", "XPAR", "XNYS"], [0.5, 0.3, 0.2])
    cur = frame(1.0, ["XLON", "XPAR", "XNYS", IMG], [0.49, 0.3, 0.2, 0.01])
    return ref, cur


@pytest.fixture(scope="module")
def case() -> tuple[DriftReport, Profile, Profile, str]:
    ref, cur = frames()
    reference = profile_reference(ref)
    current = profile_against(cur, reference)
    report = compare_profiles(reference, current)
    return report, reference, current, drift_html(report, reference, current)


def summary_rows(page: str) -> list[str]:
    body = page.split("<table class='summary'>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tbody>", 1)[1].split("</tr>")[:-1]


def row_of(page: str, name: str) -> str:
    (row,) = [r for r in summary_rows(page) if f">{name}</a>" in r]
    return row


def test_the_drifted_column_comes_first_with_its_badge(
    case: tuple[DriftReport, Profile, Profile, str],
) -> None:
    report, _, _, page = case
    assert report.drifted == ["amount"]
    rows = summary_rows(page)
    assert len(rows) == len(report.columns)
    assert ">amount</a>" in rows[0] and "class='badge drift'>DRIFT<" in rows[0]
    stable = row_of(page, "stable")
    assert "badge drift" not in stable and "class='badge ok'>ok<" in stable
    assert page.count("class='badge drift'>DRIFT<") == 2  # its table row and its chart
    # after the drifted ones, by statistic, largest first
    shown = re.findall(r"<a href='#col-\d+'>(.*?)</a>", "".join(rows))
    by_name = {html.escape(c.name): c.statistic for c in report.columns}
    stats = [by_name[n] for n in shown[1:]]
    assert stats == sorted(stats, reverse=True)
    # the header: rows, columns drifted, the decision rule and the empty-bin rule
    header = page.split("</header>", 1)[0]
    assert "<b>1</b> of 6 columns drifted" in header
    assert "4,000 current rows against 4,000 reference rows" in header
    assert "PSI ≥ 0.2" in header and "decile bins" in header
    assert "p-values are shown beside, not used to decide" in header
    assert "0.5 row in both distributions" in header


def test_one_inline_png_per_column_and_nothing_remote(
    case: tuple[DriftReport, Profile, Profile, str],
) -> None:
    report, _, _, page = case
    assert page.count("<img") == len(report.columns)
    sources = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert len(sources) == len(report.columns)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*['"]?\s*(?:[a-z]+:)?//""", page, re.I)
    assert all(h.startswith("#col-") for h in re.findall(r"href='([^']*)'", page))
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "default-src 'none'" in page  # the page forbids loading anything else
    assert len(page) < 400_000


def test_strings_from_the_data_are_escaped() -> None:
    ref, cur = frames(1_000, seed=1)
    reference = profile_reference(ref)
    current = profile_against(cur, reference)
    report = compare_profiles(reference, current)
    assert report.column(SCRIPT).unseen == [IMG]
    page = drift_html(report, reference, current, title="Q3 <b>desk</b> & co")
    for raw in (SCRIPT, IMG, "<b>desk</b>"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<title>Q3 &lt;b&gt;desk&lt;/b&gt; &amp; co</title>" in page
    assert "1: &lt;img src=x onerror=alert(1)&gt;" in row_of(page, html.escape(SCRIPT))


def test_unicode_names_render(
    case: tuple[DriftReport, Profile, Profile, str], tmp_path: Path
) -> None:
    report, reference, current, page = case
    assert "<meta charset='utf-8'>" in page
    for text in ("délai_règlement", "数量", "東京", "名古屋"):
        assert text in page
    assert ">délai_règlement</a>" in row_of(page, "délai_règlement")
    written = write_drift_html(report, reference, current, tmp_path / "r.html")
    assert "数量" in written.read_text(encoding="utf-8")


def test_nan_statistics_render_as_a_dash(
    case: tuple[DriftReport, Profile, Profile, str],
) -> None:
    report, reference, current, page = case
    # a constant reference has no spread: Wasserstein / sd is NaN
    flat = report.column("flat")
    assert flat.wasserstein is not None and math.isnan(flat.wasserstein)
    assert "<td>—</td>" in row_of(page, "flat")
    # a NaN deciding statistic and distance: dashes, and the column sorts last
    columns = tuple(
        dataclasses.replace(c, statistic=math.nan, psi=math.nan, js=math.nan, drifted=False)
        if c.name == "stable"
        else c
        for c in report.columns
    )
    page = drift_html(dataclasses.replace(report, columns=columns), reference, current)
    row = row_of(page, "stable")
    assert row.count("<td>—</td>") == 2  # statistic and JS distance
    assert "nan" not in row.lower()
    assert summary_rows(page)[-1] == row


def test_numeric_bins_are_labelled_by_the_cut_points() -> None:
    assert _bin_labels(np.array([1.2, 3.0, 8.4])) == ["< 1.2", "[1.2, 3)", "[3, 8.4)", ">= 8.4"]
    # neighbours stay apart however close they are
    labels = _bin_labels(np.array([1000.01, 1000.02]))
    assert labels == ["< 1000.01", "[1000.01, 1000.02)", ">= 1000.02"]
    assert _bin_labels(np.empty(0)) == ["all values"]


def test_categorical_charts_keep_the_top_15_and_group_the_rest() -> None:
    rng = np.random.default_rng(2)
    names = [f"c{i:02d}" for i in range(20)]
    weights = np.linspace(2.0, 1.0, 20) / np.linspace(2.0, 1.0, 20).sum()
    ref = pd.DataFrame({"code": rng.choice(names, 3_000, p=weights)})
    cur = pd.DataFrame({"code": rng.choice(names, 3_000, p=weights[::-1])})
    reference = profile_reference(ref)
    current = profile_against(cur, reference)
    labels, r, c = _categorical_bars(reference.columns["code"], current.columns["code"])
    assert len(labels) == 16 and labels[-1] == "other (5)"
    assert r.sum() == pytest.approx(1.0) and c.sum() == pytest.approx(1.0)
    page = drift_html(compare_profiles(reference, current), reference, current)
    shares = page.split("shares per category", 1)[1].split("</table>", 1)[0]
    assert shares.count("<tr>") == 17  # the header, 15 categories and "other (5)"


def test_charts_stop_at_max_plots_and_say_so() -> None:
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({f"x{i}": rng.normal(size=500) for i in range(5)})
    cur = pd.DataFrame({f"x{i}": rng.normal(i / 4, 1, size=500) for i in range(5)})
    reference = profile_reference(ref)
    current = profile_against(cur, reference)
    page = drift_html(compare_profiles(reference, current), reference, current, max_plots=2)
    assert page.count("<img") == 2
    assert "first 2 of 5 columns" in page
    assert page.count("shares per bin") == 5  # every column keeps its table
    # the drawn ones are the first in the table's order
    assert "id='col-0'" in page.split("<img", 1)[0]


def test_profiles_the_report_was_not_computed_from_are_refused(
    case: tuple[DriftReport, Profile, Profile, str],
) -> None:
    report, reference, current, _ = case
    _, cur = frames()
    other_bins = profile_reference(cur)  # a profile on its own bins, not the reference's
    with pytest.raises(InputError, match="made on other bins"):
        drift_html(report, reference, other_bins)
    fewer = Profile({k: v for k, v in current.columns.items() if k != "stable"}, current.n_rows)
    with pytest.raises(InputError, match=r"\['stable'\] are not in the current profile"):
        drift_html(report, reference, fewer)
    small = profile_against(cur.iloc[:100], reference)
    with pytest.raises(InputError, match="4,000 current rows but the current profile has 100"):
        drift_html(report, reference, small)
    with pytest.raises(InputError, match="report must be a DriftReport"):
        drift_html(report.to_dict(), reference, current)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="max_plots must be an int"):
        drift_html(report, reference, current, max_plots=-1)


def test_write_drift_html_writes_the_page(
    case: tuple[DriftReport, Profile, Profile, str], tmp_path: Path
) -> None:
    report, reference, current, page = case
    path = write_drift_html(
        report, reference, current, str(tmp_path / "a" / "b" / "drift.html"), title="Drift"
    )
    assert path == tmp_path / "a" / "b" / "drift.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and text.endswith("</html>")
    assert "<title>Drift</title>" in text
    assert text.replace("<title>Drift</title>", "").replace("<h1>Drift</h1>", "") == (
        page.replace("<title>Drift report</title>", "").replace("<h1>Drift report</h1>", "")
    )


def test_importing_the_report_does_not_import_matplotlib() -> None:
    code = "import sys, mlvet, mlvet.monitoring._report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
