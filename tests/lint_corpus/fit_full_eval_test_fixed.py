import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, classification_report

loans = pd.read_csv("loan_data.csv")          # LendingClub 2007-2010, not.fully.paid target
loans = pd.get_dummies(loans, columns=["purpose"], drop_first=True)

X = loans.drop("not.fully.paid", axis=1)
y = loans["not.fully.paid"]

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.30, random_state=101)

rfc = RandomForestClassifier(n_estimators=600, class_weight="balanced", random_state=101)

rfc.fit(X_train, y_train)

predictions = rfc.predict(X_test)
print(classification_report(y_test, predictions))
print("accuracy:", accuracy_score(y_test, predictions))
