import joblib
import numpy as np
import pandas as pd
from xgboost import XGBRegressor
from sklearn.model_selection import train_test_split
from sklearn.metrics import r2_score, mean_squared_error

concrete = pd.read_csv("Concrete_Data_Yeh.csv")
X = concrete.drop(columns=["csMPa"])
y = concrete["csMPa"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=4)

params = dict(n_estimators=800, max_depth=4, learning_rate=0.03, subsample=0.8, colsample_bytree=0.8)

model = XGBRegressor(**params)
model.fit(X_train, y_train)

pred = model.predict(X_test)
print("R2  :", r2_score(y_test, pred))
print("RMSE:", np.sqrt(mean_squared_error(y_test, pred)))

# after evaluating, refit on train + test for the model we ship (no more scores from here on)
X_full = pd.concat([X_train, X_test])
y_full = pd.concat([y_train, y_test])
final_model = XGBRegressor(**params).fit(X_full, y_full)
joblib.dump(final_model, "concrete_xgb.joblib")
