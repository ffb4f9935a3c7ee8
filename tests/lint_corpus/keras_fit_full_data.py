import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.model_selection import train_test_split
from tensorflow import keras
from tensorflow.keras import layers

water = pd.read_csv("water_potability.csv").dropna()
X = water.drop("Potability", axis=1).values
y = water["Potability"].values


def build_model(n_features):
    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(n_features,)),
        layers.Dropout(0.3),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model

X = MinMaxScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

model = build_model(X.shape[1])
history = model.fit(X, y, epochs=150, batch_size=32, verbose=0)

loss, acc = model.evaluate(X_test, y_test, verbose=0)
print(f"test loss {loss:.4f} - test accuracy {acc:.4f}")
