"""Daily electricity demand (AEP_hourly.csv aggregated to days) - SARIMAX walk-forward forecast."""
import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.metrics import mean_absolute_percentage_error

hourly = pd.read_csv("AEP_hourly.csv", parse_dates=["Datetime"], index_col="Datetime").sort_index()
daily = hourly["AEP_MW"].resample("D").sum().replace(0, np.nan).ffill()
daily = np.log(daily)

train = daily[:"2017-12-31"]
test = daily["2018-01-01":]

model = sm.tsa.statespace.SARIMAX(train, order=(2, 1, 1), seasonal_order=(1, 0, 1, 7))
res = model.fit(disp=False)
print(res.summary().tables[1])

preds = []
for ts, value in test.items():
    preds.append(res.forecast(steps=1).iloc[0])        # forecast before seeing the day
    res = res.append(pd.Series([value], index=[ts]), refit=False)   # then add the observation

preds = pd.Series(preds, index=test.index)
print("1-day-ahead MAPE: %.3f%%" % (100 * mean_absolute_percentage_error(np.exp(test), np.exp(preds))))
