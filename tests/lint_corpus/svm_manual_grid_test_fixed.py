"""Face recognition on LFW with eigenfaces + SVM."""
from time import time

import numpy as np
from sklearn.datasets import fetch_lfw_people
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split, GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.metrics import accuracy_score, classification_report

lfw_people = fetch_lfw_people(min_faces_per_person=70, resize=0.4)
X = lfw_people.data
y = lfw_people.target
target_names = lfw_people.target_names
n_components = 150

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=42)

pipe = Pipeline([
    ("pca", PCA(n_components=n_components, svd_solver="randomized", whiten=True)),
    ("svc", SVC(kernel="rbf", class_weight="balanced")),
])
param_grid = {"svc__C": [1e3, 5e3, 1e4, 5e4, 1e5],
              "svc__gamma": [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.1]}
t0 = time()
search = GridSearchCV(pipe, param_grid, cv=5, n_jobs=-1).fit(X_train, y_train)
print("search done in %0.3fs" % (time() - t0))
print("best params:", search.best_params_)

y_pred = search.predict(X_test)
print("test accuracy %.3f" % accuracy_score(y_test, y_pred))
print(classification_report(y_test, y_pred, target_names=target_names))
