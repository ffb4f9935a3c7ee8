import pandas as pd
import numpy as np
from sklearn.model_selection import train_test_split, cross_val_score, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from sklearn.metrics import accuracy_score
from xgboost import XGBClassifier
from lightgbm import LGBMClassifier

cardio = pd.read_csv("cardio_train.csv", sep=";").drop(columns="id")
cardio["age"] = (cardio["age"] / 365.25).round(1)
cardio["bmi"] = cardio["weight"] / (cardio["height"] / 100) ** 2
# implausible blood pressure readings
cardio = cardio[(cardio.ap_hi.between(80, 220)) & (cardio.ap_lo.between(40, 140))]

X = cardio.drop("cardio", axis=1)
y = cardio["cardio"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)

models = {
    "Logistic Regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "KNN": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=25)),
    "Decision Tree": DecisionTreeClassifier(max_depth=6),
    "Random Forest": RandomForestClassifier(n_estimators=300, max_depth=10, n_jobs=-1),
    "Gradient Boosting": GradientBoostingClassifier(),
    "XGBoost": XGBClassifier(n_estimators=400, max_depth=4, learning_rate=0.05),
    "LightGBM": LGBMClassifier(n_estimators=400, learning_rate=0.05, verbose=-1),
}

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
results = {}
for name, model in models.items():
    scores = cross_val_score(model, X_train, y_train, cv=cv, scoring="accuracy")
    results[name] = scores.mean()
    print(f"{name:<20} CV {scores.mean():.4f} +/- {scores.std():.4f}")

best_name = max(results, key=results.get)
best_model = models[best_name].fit(X_train, y_train)
print(f"\nBest model (by CV): {best_name}")
print(f"Test accuracy: {accuracy_score(y_test, best_model.predict(X_test)):.4f}")
