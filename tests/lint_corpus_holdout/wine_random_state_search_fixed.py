import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression

X, y = load_wine(return_X_y=True)

# the split seed is not a hyper-parameter: average over many splits instead of picking a lucky one
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500))
cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=20, random_state=0)
scores = cross_val_score(model, X, y, cv=cv, scoring="accuracy")
print(f"accuracy {scores.mean():.4f} +/- {scores.std():.4f} over {len(scores)} folds")
print("worst / best fold:", np.min(scores), np.max(scores))
