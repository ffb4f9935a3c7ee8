import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split, GridSearchCV
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.metrics import accuracy_score, classification_report

glass = pd.read_csv("glass.csv")
X = glass.drop("Type", axis=1)
y = glass["Type"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=45, stratify=y)

pipe = Pipeline([("sc", StandardScaler()), ("knn", KNeighborsClassifier())])
search = GridSearchCV(pipe, {"knn__n_neighbors": list(range(1, 31))}, cv=5, scoring="accuracy")
search.fit(X_train, y_train)

cv_error = 1 - search.cv_results_["mean_test_score"]
plt.figure(figsize=(10, 6))
plt.plot(range(1, 31), cv_error, color="blue", linestyle="dashed", marker="o",
         markerfacecolor="red", markersize=8)
plt.title("CV Error Rate vs. K Value")
plt.xlabel("K")
plt.ylabel("Error Rate")
plt.show()

print("best k:", search.best_params_["knn__n_neighbors"])
pred = search.predict(X_test)
print("test accuracy:", accuracy_score(y_test, pred))
print(classification_report(y_test, pred))
