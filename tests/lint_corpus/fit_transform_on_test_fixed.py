import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score

# wine quality (red), quality >= 7 -> good
wine = pd.read_csv("winequality-red.csv", sep=";")
wine["good"] = (wine["quality"] >= 7).astype(int)
features = wine.drop(["quality", "good"], axis=1)
target = wine["good"]

xtrain, xtest, ytrain, ytest = train_test_split(features, target, test_size=0.3, random_state=10)

sc = StandardScaler()
pca = PCA(n_components=6)

xtrain = sc.fit_transform(xtrain)
xtest = sc.transform(xtest)

xtrain = pca.fit_transform(xtrain)
xtest = pca.transform(xtest)
print("explained variance:", pca.explained_variance_ratio_.sum())

knn = KNeighborsClassifier(n_neighbors=15)
knn.fit(xtrain, ytrain)
print("test accuracy", accuracy_score(ytest, knn.predict(xtest)))
