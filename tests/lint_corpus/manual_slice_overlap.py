import numpy as np
import pandas as pd
from sklearn.neural_network import MLPClassifier
from sklearn.metrics import accuracy_score

digits = pd.read_csv("digit-recognizer/train.csv")      # 42000 labelled images
y = digits["label"].values
X = digits.drop("label", axis=1).values / 255.0          # pixel values to [0, 1]

# first 36k images for training, the rest for testing
X_train, y_train = X[:36000], y[:36000]
X_test, y_test = X[32000:], y[32000:]

mlp = MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=40, early_stopping=True, random_state=1)
mlp.fit(X_train, y_train)
print("test accuracy:", accuracy_score(y_test, mlp.predict(X_test)))
