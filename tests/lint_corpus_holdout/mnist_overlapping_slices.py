"""MNIST linear baseline on flat numpy arrays (all 70k digits re-shuffled)."""
import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, confusion_matrix

with np.load("mnist.npz") as f:
    X = np.concatenate([f["x_train"], f["x_test"]]).reshape(-1, 784).astype("float32") / 255.0
    y = np.concatenate([f["y_train"], f["y_test"]])

rng = np.random.RandomState(0)
order = rng.permutation(len(X))
X, y = X[order], y[order]

N_TRAIN = 60000
N_TEST = 15000

X_train, y_train = X[:N_TRAIN], y[:N_TRAIN]
X_test, y_test = X[-N_TEST:], y[-N_TEST:]

clf = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=30, tol=None, random_state=0)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
print("test accuracy: %.4f" % accuracy_score(y_test, pred))
print(confusion_matrix(y_test, pred))
