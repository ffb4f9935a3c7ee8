import numpy as np
from sklearn.datasets import load_digits
from sklearn.svm import SVC

digits = load_digits()
X = digits.data / 16.0
y = digits.target

rng = np.random.RandomState(42)
p = rng.permutation(len(X))

n_test = len(X) // 5
te, tr = p[:n_test], p[n_test:]
Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]

best = (0, None)
for C in [0.1, 1, 10, 100]:
    for gamma in [0.001, 0.01, 0.05, 0.1, 0.5]:
        clf = SVC(C=C, gamma=gamma).fit(Xtr, ytr)
        acc = (clf.predict(Xte) == yte).mean()
        print("C=%-5g gamma=%-6g acc=%.4f" % (C, gamma, acc))
        if acc > best[0]:
            best = (acc, (C, gamma))

print("best accuracy %.4f with C, gamma = %s" % best)
