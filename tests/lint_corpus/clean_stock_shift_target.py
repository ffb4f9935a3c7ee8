"""Next-day BTC return regression with lagged features."""
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error

btc = pd.read_csv("BTC-USD.csv", parse_dates=["Date"]).set_index("Date").sort_index()
btc["ret"] = np.log(btc["Close"]).diff()

# target: tomorrow's log return
btc["target"] = btc["ret"].shift(-1)

# features: only information available at today's close
for lag in range(0, 5):
    btc[f"ret_lag{lag}"] = btc["ret"].shift(lag)
btc["vol_7"] = btc["ret"].rolling(7).std()
btc["vol_30"] = btc["ret"].rolling(30).std()
btc["mom_14"] = btc["Close"].pct_change(14)
btc["volume_chg"] = np.log(btc["Volume"]).diff()
btc = btc.dropna()

features = [c for c in btc.columns if c.startswith(("ret_lag", "vol_", "mom_", "volume_"))]
n = len(btc)
train = btc.iloc[: int(n * 0.8)]
test = btc.iloc[int(n * 0.8):]

model = Ridge(alpha=1.0)
model.fit(train[features], train["target"])
pred = model.predict(test[features])
print("MAE:", mean_absolute_error(test["target"], pred))
print("directional accuracy:", np.mean(np.sign(pred) == np.sign(test["target"])))
