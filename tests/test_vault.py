"""The vault: sealing, budgeted evaluation, commitments, encryption, Thresholdout, no leaks."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import re
import traceback
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from cryptography.fernet import Fernet
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import delete, select, update

import mlvet
from mlvet.exceptions import (
    BudgetExceededError,
    InputError,
    MlvetError,
    NotFoundError,
    VaultError,
    VaultIntegrityError,
)
from mlvet.ledger import _schema as s
from mlvet.ledger import open_ledger, read_findings
from mlvet.vault import KEY_ENV, Budget, Vault


def r4(value: float) -> float:
    """The vault answers with 4 significant digits."""
    return float(f"{value:.4g}")


def classification(n: int = 1200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.fixture
def sealed(ledger_url: str) -> tuple[Vault, LogisticRegression, np.ndarray, np.ndarray]:
    X, y = classification()
    vault = Vault("fails-final", ledger=ledger_url)
    vault.seal(X[800:], y[800:])
    return vault, LogisticRegression().fit(X[:800], y[:800]), X[800:], y[800:]


def test_evaluate_returns_sklearn_values_with_intervals(sealed: Any) -> None:
    vault, model, X_te, y_te = sealed
    result = vault.evaluate(model, metrics=["roc_auc", "accuracy"], purpose="final report")
    auc = result["roc_auc"]
    assert auc.value == r4(roc_auc_score(y_te, model.predict_proba(X_te)[:, 1]))
    assert result["accuracy"].value == r4(accuracy_score(y_te, model.predict(X_te)))
    assert auc.low < auc.value < auc.high and auc.high - auc.low < 0.15
    # the percentile bootstrap, by hand, with the same seed
    rng = np.random.default_rng(0)
    p = model.predict_proba(X_te)[:, 1]
    draws = []
    for _ in range(1000):
        idx = rng.integers(0, len(y_te), len(y_te))
        draws.append(roc_auc_score(y_te[idx], p[idx]))
    assert (auc.low, auc.high) == tuple(r4(v) for v in np.percentile(draws, [2.5, 97.5]))
    assert result.lineage == "sklearn.linear_model._logistic.LogisticRegression"
    assert result.remaining == 2 and len(result.model_fingerprint) == 64


def test_budget_per_lineage_and_total_with_findings(sealed: Any, ledger_url: str) -> None:
    vault, model, _, _ = sealed
    vault.evaluate(model, metrics="accuracy", purpose="final")
    retrained = LogisticRegression(C=0.1).fit(*classification(800, seed=1))
    with pytest.raises(BudgetExceededError, match="1 of 1 final evaluation") as refused:
        vault.evaluate(retrained, metrics="accuracy", purpose="one more look")
    assert refused.value.finding.code == "GE301"
    tree = DecisionTreeClassifier(random_state=0).fit(*classification(800, seed=2))
    vault.evaluate(tree, metrics="accuracy", purpose="second lineage")
    vault.evaluate(retrained, metrics="accuracy", purpose="third", lineage="challenger")
    with pytest.raises(BudgetExceededError, match="3 of 3 in all"):
        vault.evaluate(model, metrics="accuracy", purpose="fourth", lineage="another")
    with pytest.raises(InputError, match="written reason"):
        vault.evaluate(model, metrics="accuracy", purpose="fourth", override="because")
    over = vault.evaluate(
        model, metrics="accuracy", purpose="audit request", override="auditor asked for a re-run"
    )
    assert over.override == "auditor asked for a re-run"
    info = vault.info()
    assert info.final_spent == 4 and info.remaining == 0
    statuses = [(r["status"], r["override_reason"]) for r in vault.log()]
    assert statuses == [
        ("done", None),
        ("refused", None),
        ("done", None),
        ("done", None),
        ("refused", None),
        ("done", "auditor asked for a re-run"),
    ]
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        codes = [f.code for f in read_findings(conn, family="GE")]
    assert codes == ["GE301", "GE301", "GE302"]
    assert led.verify().ok


def test_a_failing_model_spends_nothing_and_its_message_is_withheld(sealed: Any) -> None:
    vault, model, X_te, _ = sealed

    def broken(X: np.ndarray) -> np.ndarray:
        raise ValueError(f"cannot handle row {X[0].tolist()}")

    with pytest.raises(VaultError, match="raised ValueError") as err:
        vault.evaluate(broken, metrics="accuracy", purpose="try")
    assert str(X_te[0, 0])[:6] not in "".join(traceback.format_exception(err.value))
    assert err.value.__context__ is None and err.value.__cause__ is None
    with pytest.raises(VaultError, match="returned 3 predictions for 400"):
        vault.evaluate(lambda X: np.zeros(3), metrics="accuracy", purpose="try")
    assert vault.info().final_spent == 0
    assert [r["status"] for r in vault.log()] == ["failed", "failed"]
    vault.evaluate(model, metrics="accuracy", purpose="the real one")


def test_commitment_is_salted_sha256_and_tampering_is_caught(sealed: Any, ledger_url: str) -> None:
    vault, model, _, _ = sealed
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        content = conn.execute(select(s.vault_contents)).mappings().one()
        row = conn.execute(select(s.vaults)).mappings().one()
    digest = hashlib.sha256(
        b"mlvet-vault-v1\x00" + bytes.fromhex(content["salt"]) + bytes(content["payload"])
    ).hexdigest()
    assert row["commitment"] == digest == vault.info().commitment
    assert vault.verify().n_rows == 400
    payload = bytearray(content["payload"])
    payload[-40] ^= 0xFF
    with led.engine.begin() as conn:
        conn.execute(update(s.vault_contents).values(payload=bytes(payload)))
    with pytest.raises(VaultIntegrityError, match="do not match the commitment"):
        vault.evaluate(model, metrics="accuracy", purpose="after tampering")
    with pytest.raises(VaultIntegrityError):
        vault.verify()


def test_encryption_with_a_key_from_the_environment(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = classification(600)
    frame = pd.DataFrame(X, columns=["volume", "repo_spread", "volatility", "position"])
    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_ENV, key)
    vault = Vault("encrypted", ledger=ledger_url)
    info = vault.seal(frame.iloc[400:], y[400:])
    assert info.encrypted
    led = open_ledger(ledger_url)
    with led.connect() as conn:
        stored = bytes(conn.execute(select(s.vault_contents.c.payload)).scalar_one())
    assert b"repo_spread" not in stored and b"ARROW" not in stored
    model = LogisticRegression().fit(frame.iloc[:400], y[:400])
    assert (
        vault.evaluate(model, metrics="accuracy", purpose="final").metrics["accuracy"].value > 0.6
    )
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(VaultError, match=KEY_ENV):
        vault.verify()
    monkeypatch.setenv(KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(VaultIntegrityError, match="cannot be decrypted"):
        vault.verify()
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(VaultError, match="not a valid key"):
        vault.verify()


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow", "numpy"])
def test_regression_on_every_frame_kind(sqlite_url: str, kind: str) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.3, size=500)
    frame = pd.DataFrame(X, columns=["a", "b", "ç"])
    sealed_X: Any = {
        "pandas": frame.iloc[300:],
        "polars": pl.from_pandas(frame.iloc[300:]),
        "pyarrow": pa.Table.from_pandas(frame.iloc[300:], preserve_index=False),
        "numpy": X[300:],
    }[kind]
    vault = Vault(f"reg-{kind}", ledger=sqlite_url)
    vault.seal(sealed_X, y[300:])
    train = X[:300] if kind == "numpy" else frame.iloc[:300]
    model = LinearRegression().fit(train, y[:300])
    result = vault.evaluate(model, purpose="final")
    expected = model.predict(X[300:] if kind == "numpy" else frame.iloc[300:])
    assert set(result.metrics) == {"mae", "rmse", "r2"}
    assert result["mae"].value == r4(mean_absolute_error(y[300:], expected))
    assert result["r2"].value == r4(r2_score(y[300:], expected))


def test_thresholdout_answers_and_spends_its_own_budget(sqlite_url: str) -> None:
    X, y = classification(2000, seed=4)
    vault = Vault("reusable", ledger=sqlite_url)
    vault.seal(X[1000:], y[1000:], budget={"thresholdout": 3, "threshold": 0.05, "sigma": 0.001})
    model = LogisticRegression().fit(X[:1000], y[:1000])
    honest = accuracy_score(y[:1000], model.predict(X[:1000]))
    holdout = accuracy_score(y[1000:], model.predict(X[1000:]))
    assert abs(honest - holdout) < 0.02
    answer = vault.query(model, metric="accuracy", train_score=honest)
    assert answer.value == honest and answer.remaining == 3  # agreement: no budget spent
    for _ in range(3):  # a claimed 0.99 is far off: the noisy holdout answers and spends
        answer = vault.query(model, metric="accuracy", train_score=0.99)
        assert abs(answer.value - holdout) < 0.02
    assert answer.remaining == 0
    with pytest.raises(BudgetExceededError, match="3 of 3 reusable-holdout"):
        vault.query(model, metric="accuracy", train_score=0.99)
    assert vault.info().final_spent == 0  # the final evaluation budget is untouched


def test_bad_input_is_named(sqlite_url: str) -> None:
    X, y = classification(100)
    vault = Vault("bad-input", ledger=sqlite_url)
    with pytest.raises(InputError, match="100 rows but y has 99"):
        vault.seal(X, y[:99])
    with pytest.raises(InputError, match="1 missing or infinite label"):
        vault.seal(X, np.where(np.arange(100) == 5, np.nan, 1.0))
    Xi = X.copy()
    Xi[3, 2] = np.inf
    with pytest.raises(InputError, match="'x2' of X has 1 infinite"):
        vault.seal(Xi, y)
    with pytest.raises(InputError, match="two-dimensional"):
        vault.seal(X[:, 0], y)
    with pytest.raises(InputError, match="mixes types"):
        vault.seal(pd.DataFrame({"a": [1, "x"] * 50}), y)
    with pytest.raises(InputError, match="non-negative int"):
        vault.seal(X, y, budget={"total": -1})
    with pytest.raises(InputError, match="Unknown budget key"):
        vault.seal(X, y, budget={"totl": 2})
    with pytest.raises(NotFoundError, match="No vault named 'bad-input'"):
        vault.evaluate(LogisticRegression().fit(X, y), metrics="accuracy", purpose="x")
    vault.seal(X, y)
    with pytest.raises(VaultError, match="already sealed"):
        vault.seal(X, y)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(InputError, match="metric names only"):
        vault.evaluate(model, metrics=[accuracy_score], purpose="x")
    with pytest.raises(InputError, match="list of metric names"):
        vault.evaluate(model, metrics={"accuracy": 1}, purpose="x")
    with pytest.raises(InputError, match="Unknown metric 'auc'"):
        vault.evaluate(model, metrics=["auc"], purpose="x")
    with pytest.raises(InputError, match="'r2' is a regression metric"):
        vault.evaluate(model, metrics=["r2"], purpose="x")
    with pytest.raises(InputError, match="purpose must be"):
        vault.evaluate(model, metrics=["accuracy"], purpose=" ")
    with pytest.raises(InputError, match="vault name"):
        Vault("")
    with pytest.raises(InputError, match="seed must be an int"):
        vault.evaluate(model, metrics=["accuracy"], purpose="x", seed=-1)
    with pytest.raises(InputError, match="lineage is 300 characters"):
        vault.evaluate(model, metrics=["accuracy"], purpose="x", lineage="l" * 300)
    with pytest.raises(InputError, match="pos_label must be a str, int, float or bool"):
        vault.evaluate(model, metrics=["f1"], purpose="x", pos_label=object())
    with pytest.raises(InputError, match="one metric name"):
        vault.query(model, metric=["accuracy", "f1"], train_score=0.5)  # type: ignore[arg-type]
    # every mistake above was caught before a read was reserved: the log is empty
    assert vault.info().final_spent == 0 and vault.log() == []
    with pytest.raises(InputError, match="at least 20"):
        Vault("tiny", ledger=sqlite_url).seal(X[:10], y[:10])
    with pytest.raises(InputError, match="beyond 64 bits"):
        Vault("huge", ledger=sqlite_url).seal(X, np.array([2**70] * 50 + [1] * 50, dtype=object))
    with pytest.raises(InputError, match="dtype complex128"):
        Vault("complex", ledger=sqlite_url).seal(X, y + 1j)
    with pytest.raises(InputError, match="duplicate column names"):
        table = pa.table([pa.array(X[:, 0]), pa.array(X[:, 1])], names=["a", "a"])
        Vault("dupes", ledger=sqlite_url).seal(table, y)


MARK_X = 7777.123456
MARK_Y = "LBL-SECRET"


def test_no_output_reveals_a_sealed_row_or_label(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"f": rng.normal(size=300), "g": rng.normal(size=300)})
    X.loc[::7, "f"] = MARK_X
    y = np.where(X["g"] + rng.normal(size=300) > 0, f"{MARK_Y}-A", f"{MARK_Y}-B")
    vault = Vault("leak-check", ledger=sqlite_url)
    seen: list[str] = [repr(vault), str(vault.seal(X.iloc[150:], y[150:]).to_dict())]
    model = LogisticRegression().fit(X.iloc[:150], y[:150])

    def quoting(Xs: pd.DataFrame) -> np.ndarray:
        raise ValueError(f"row {Xs.iloc[0].tolist()} label {y[150]}")

    for bad in (
        lambda: vault.evaluate(quoting, metrics="accuracy", purpose="quote"),
        lambda: vault.evaluate(
            lambda Xs: np.full((len(Xs), 3), 1 / 3), metrics="log_loss", purpose="3 vs 2 classes"
        ),
        lambda: vault.evaluate(
            lambda Xs: np.full(len(Xs), np.nan), metrics="accuracy", purpose="nan"
        ),
    ):
        with pytest.raises(MlvetError) as err:
            bad()
        seen.append("".join(traceback.format_exception(err.value)))
        # the variables of mlvet's own frames, as Sentry or `pytest -l` would show them
        frames = traceback.TracebackException.from_exception(err.value, capture_locals=True).stack
        seen += [repr(f.locals) for f in frames if f"{os.sep}mlvet{os.sep}" in f.filename]
    result = vault.evaluate(model, metrics=["accuracy", "roc_auc"], purpose="final")
    seen += [str(result), json.dumps(result.to_dict()), json.dumps(vault.log())]
    with pytest.raises(BudgetExceededError) as refused:
        vault.evaluate(model, metrics="accuracy", purpose="again")
    seen.append("".join(traceback.format_exception(refused.value)))
    seen.append(pickle.dumps(vault).decode("latin-1"))
    seen.append(caplog.text)
    led = open_ledger(sqlite_url)
    with led.connect() as conn:
        seen += [r.payload for r in conn.execute(select(s.events.c.payload))]
        seen += [json.dumps(dict(r)) for r in conn.execute(select(s.vault_reads)).mappings()]
        seen += [json.dumps(dict(r)) for r in conn.execute(select(s.findings)).mappings()]
    text = "\n".join(seen)
    assert "7777.12" not in text and MARK_Y not in text
    assert "quote" in text  # the purposes are there: the check looked at real output


def _evaluate_once(url: str, worker: int, barrier: Any) -> str:
    X, y = classification(600, seed=worker)
    model = LogisticRegression(C=1.0 + worker).fit(X, y)
    barrier.wait()  # all sixteen ask at the same moment
    try:
        Vault("contended", ledger=url).evaluate(
            model,
            metrics="accuracy",
            purpose=f"worker {worker}",
            lineage=f"lineage-{worker % 4}",
            n_bootstrap=50,
        )
    except BudgetExceededError:
        return "refused"
    return "done"


@pytest.mark.slow
def test_sixteen_processes_never_overspend(ledger_url: str) -> None:
    X, y = classification(600)
    Vault("contended", ledger=ledger_url).seal(
        X[300:], y[300:], budget=Budget(per_lineage=1, total=3)
    )
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(16) as pool:
        barrier = manager.Barrier(16)
        outcomes = pool.starmap(_evaluate_once, [(ledger_url, w, barrier) for w in range(16)])
    assert outcomes.count("done") == 3 and outcomes.count("refused") == 13
    info = Vault("contended", ledger=ledger_url).info()
    assert info.final_spent == 3 and all(n == 1 for n in info.by_lineage.values())
    assert open_ledger(ledger_url).verify().ok


def test_cli_seal_evaluate_log_list_verify_reveal_no_rows(tmp_path: Any, sqlite_url: str) -> None:
    import joblib
    from typer.testing import CliRunner

    from mlvet.cli import app

    runner = CliRunner()
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(
        {
            "trade_id": [f"T{i:05d}" for i in range(400)],
            "volume": rng.normal(size=400),
            "spread": rng.normal(size=400),
        }
    )
    frame.loc[::9, "volume"] = MARK_X
    frame["fail"] = np.where(
        frame["spread"] + rng.normal(size=400) > 0, f"{MARK_Y}-1", f"{MARK_Y}-0"
    )
    frame.iloc[200:].to_parquet(tmp_path / "test.parquet")
    model = LogisticRegression().fit(frame.iloc[:200][["volume", "spread"]], frame["fail"][:200])
    joblib.dump(model, tmp_path / "model.joblib")
    db = ["--db", sqlite_url]
    outputs = []

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, *db], terminal_width=200)
        assert result.exit_code == code, result.output
        outputs.append(result.output)
        return result.output

    sealed = run(
        "vault",
        "seal",
        "cli-final",
        str(tmp_path / "test.parquet"),
        "--target",
        "fail",
        "--drop",
        "trade_id",
    )
    assert "200 rows x 2 features" in sealed
    out = run(
        "vault",
        "evaluate",
        "cli-final",
        str(tmp_path / "model.joblib"),
        "--purpose",
        "final",
        "-m",
        "accuracy",
    )
    expected = accuracy_score(
        frame["fail"][200:],
        model.predict(frame.iloc[200:][["volume", "spread"]]),
    )
    assert f"{expected:.4f}" in out and "2 final evaluation(s) left" in out
    refused = run(
        "vault",
        "evaluate",
        "cli-final",
        str(tmp_path / "model.joblib"),
        "--purpose",
        "again",
        code=1,
    )
    assert "GE301" in refused
    log = run("vault", "log", "cli-final")
    assert "refused" in log and "done" in log
    listing = json.loads(run("vault", "list", "--format", "json"))
    assert listing[0]["name"] == "cli-final" and listing[0]["final_spent"] == 1
    assert "match commitment" in run("vault", "verify", "cli-final")
    missing = run(
        "vault", "seal", "other", str(tmp_path / "test.parquet"), "--target", "label", code=2
    )
    assert "no column(s) ['label']" in missing
    text = "\n".join(outputs)
    # no value, label or trade id (T00200..T00399) of a sealed row; timestamps (T00:05) may appear
    assert "7777.12" not in text and MARK_Y not in text and not re.search(r"T00\d{3}", text)


def test_a_sealed_vault_counts_as_a_grade_your_own_exam_check(sqlite_url: str) -> None:
    card = {r.family: r for r in mlvet.scorecard(ledger=sqlite_url)}
    assert card["GE"].status == "not checked"
    X, y = classification(200)
    Vault("scorecard", ledger=sqlite_url).seal(X, y)
    card = {r.family: r for r in mlvet.scorecard(ledger=sqlite_url)}
    assert card["GE"].status == "guarded" and card["GE"].checks == 1


def test_comparisons_of_labels_cannot_be_watched(sqlite_url: str) -> None:
    X, y = classification(300)
    vault = Vault("spied", ledger=sqlite_url)
    vault.seal(X[100:], y[100:])
    seen: list[object] = []

    class Spy:
        def __eq__(self, other: object) -> bool:
            seen.append(other)
            return False

        __hash__ = object.__hash__

    with pytest.raises(InputError, match="pos_label must be"):
        vault.evaluate(lambda Xs: Xs[:, 0], metrics=["roc_auc"], purpose="spy", pos_label=Spy())

    class Sneaky(LogisticRegression):
        def predict(self, X: np.ndarray) -> np.ndarray:
            return np.array([Spy() for _ in range(len(X))], dtype=object)

    with pytest.raises(VaultError, match="objects other than text"):
        vault.evaluate(Sneaky().fit(X[:100], y[:100]), metrics=["accuracy"], purpose="spy")
    assert seen == []


def test_a_metric_failing_on_the_labels_spends_the_read(sqlite_url: str) -> None:
    X, y = classification(300)
    vault = Vault("oracle", ledger=sqlite_url)
    vault.seal(X[100:], y[100:])
    with pytest.raises(VaultError, match="The metric 'log_loss' raised ValueError"):
        vault.evaluate(lambda Xs: np.full((len(Xs), 3), 1 / 3), metrics="log_loss", purpose="x")
    assert [r["status"] for r in vault.log()] == ["error"] and vault.info().final_spent == 1


def test_answers_are_rounded_and_thresholdout_noise_is_fixed_at_sealing(sqlite_url: str) -> None:
    X, y = classification(400)
    vault = Vault("rounded", ledger=sqlite_url)
    vault.seal(X[200:], y[200:])
    scores = np.arange(200) / 997.0
    result = vault.evaluate(lambda Xs: scores, metrics=["brier"], purpose="x", n_bootstrap=50)
    for value in (result["brier"].value, result["brier"].low, result["brier"].high):
        assert value == float(f"{value:.4g}")
    with pytest.raises(TypeError):
        vault.query(lambda Xs: scores, metric="brier", train_score=0.2, sigma=1e-15)  # type: ignore[call-arg]
    with pytest.raises(InputError, match=r"Budget\.sigma"):
        Vault("exact", ledger=sqlite_url).seal(X, y, budget={"sigma": 1e-15})


def test_evaluating_inside_a_trace_records_nothing_of_the_sealed_rows(sqlite_url: str) -> None:
    X, y = classification(400)
    vault = Vault("traced", ledger=sqlite_url)
    vault.seal(X[200:], y[200:])
    model = LogisticRegression().fit(X[:200], y[:200])
    with mlvet.trace(record=False) as t:
        vault.evaluate(model, metrics=["accuracy", "roc_auc"], purpose="inside a trace")
    assert t.calls == []


def test_edits_to_the_budget_or_the_log_are_refused(sqlite_url: str) -> None:
    X, y = classification(400)
    vault = Vault("tampered", ledger=sqlite_url)
    vault.seal(X[200:], y[200:])
    model = LogisticRegression().fit(X[:200], y[:200])
    vault.evaluate(model, metrics=["accuracy"], purpose="final")
    led = open_ledger(sqlite_url)
    with led.engine.begin() as conn:
        conn.execute(update(s.vaults).values(budget_json='{"per_lineage": 99, "total": 99}'))
    with pytest.raises(VaultIntegrityError, match="changed outside mlvet"):
        vault.evaluate(model, metrics=["accuracy"], purpose="again")
    with pytest.raises(VaultIntegrityError):
        vault.verify()
    led2 = Vault("tampered2", ledger=sqlite_url)
    led2.seal(X[200:], y[200:])
    led2.evaluate(model, metrics=["accuracy"], purpose="final")
    with led.engine.begin() as conn:
        conn.execute(delete(s.vault_reads).where(s.vault_reads.c.vault_id == 2))
    with pytest.raises(VaultIntegrityError, match="1 deleted"):
        led2.evaluate(model, metrics=["accuracy"], purpose="again")


def test_integer_targets_with_many_values_are_a_regression(sqlite_url: str) -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, 2))
    price = (X[:, 0] * 40 + 500).round().astype(int)
    info = Vault("prices", ledger=sqlite_url).seal(X, price)
    assert info.task == "regression" and info.n_classes is None
    ratings = rng.integers(1, 6, 300).astype(float)
    assert Vault("ratings", ledger=sqlite_url).seal(X, ratings).task == "classification"
    assert (
        Vault("ratings-r", ledger=sqlite_url).seal(X, ratings, task="regression").task
        == "regression"
    )
    three = rng.integers(0, 3, 300)
    multi = Vault("three", ledger=sqlite_url)
    multi.seal(X, three)
    with pytest.raises(InputError, match="for two classes but this vault holds 3"):
        multi.evaluate(LogisticRegression().fit(X, three), metrics=["f1"], purpose="x")


def test_numbers_in_an_object_array_are_sealed_as_numbers() -> None:
    from mlvet.vault._store import _labels

    floats = np.array([float(i) / 7 for i in range(30)], dtype=object)
    _, spec = _labels(floats, 30, None)
    assert spec["task"] == "regression" and spec["labels"] == "f"
    ints = np.array([i % 2 for i in range(30)], dtype=object)
    assert _labels(ints, 30, None)[1]["n_classes"] == 2
    with pytest.raises(InputError, match="missing or infinite"):
        _labels(np.array([1.0, float("inf")] * 15, dtype=object), 30, None)
