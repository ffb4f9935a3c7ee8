"""Fits fan out through joblib: a dask.distributed LocalCluster gives the serial results."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlvet

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

CV = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
SPACE = {"n_neighbors": mlvet.Int(1, 40), "weights": mlvet.Categorical(["uniform", "distance"])}


def _runs() -> tuple[mlvet.TuneResult, mlvet.Comparison, mlvet.Ablation]:
    X, y = make_classification(300, 6, n_informative=4, random_state=0)
    search = mlvet.tune(
        KNeighborsClassifier(),
        SPACE,
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_trials=10,
        seed=4,
        n_jobs=-1,
        record=False,
        progress=False,
    )
    comparison = mlvet.compare(
        [KNeighborsClassifier(), LogisticRegression()],
        X,
        y,
        scoring="roc_auc",
        cv=CV,
        n_jobs=-1,
        record=False,
    )
    ablation = mlvet.ablate(
        make_pipeline(StandardScaler(), KNeighborsClassifier(15)),
        X,
        y,
        components={"scale": "standardscaler", "first three": mlvet.Features([0, 1, 2])},
        scoring="roc_auc",
        cv=CV,
        n_jobs=-1,
        record=False,
    )
    return search, comparison, ablation


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_serial_results() -> None:
    from joblib import parallel_backend

    serial = _runs()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        parallel_backend("dask"),
        distributed.get_task_stream(client) as stream,
    ):
        on_dask = _runs()
    workers = {task["worker"] for task in stream.data}
    assert len(stream.data) >= 10 and len(workers) == 2  # the fits really ran on the cluster
    search, comparison, ablation = on_dask
    assert [t.scores for t in search.trials] == [t.scores for t in serial[0].trials]
    assert search.best_params == serial[0].best_params
    assert comparison.scores == serial[1].scores
    assert [c.shapley for c in ablation.credits] == pytest.approx(
        [c.shapley for c in serial[2].credits], abs=0
    )
    assert np.isfinite(ablation.full_score)
