# Forest Cover Type (Kaggle) - ExtraTrees baseline + submission
import pandas as pd
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score

train = pd.read_csv("forest-cover-type/train.csv")
test = pd.read_csv("forest-cover-type/test.csv")          # unlabelled, for the leaderboard

for df in (train, test):
    df["Hydro_dist"] = (df["Horizontal_Distance_To_Hydrology"] ** 2 + df["Vertical_Distance_To_Hydrology"] ** 2) ** 0.5
    df["Elev_minus_VDH"] = df["Elevation"] - df["Vertical_Distance_To_Hydrology"]

X = train.drop(columns=["Id", "Cover_Type"])
y = train["Cover_Type"]

X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.2, stratify=y, random_state=1)
model = ExtraTreesClassifier(n_estimators=500, n_jobs=-1, random_state=1)
model.fit(X_tr, y_tr)
print("validation accuracy:", accuracy_score(y_val, model.predict(X_val)))

# retrain on every labelled row before predicting the leaderboard set
model.fit(X, y)
submission = pd.DataFrame({"Id": test["Id"], "Cover_Type": model.predict(test.drop(columns=["Id"]))})
submission.to_csv("submission.csv", index=False)
