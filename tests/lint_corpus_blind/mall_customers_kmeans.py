"""Mall customer segmentation with k-means (Mall_Customers.csv)."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

mall = pd.read_csv("Mall_Customers.csv")
mall["Gender"] = (mall["Gender"] == "Female").astype(int)
features = ["Age", "Annual Income (k$)", "Spending Score (1-100)"]

X = StandardScaler().fit_transform(mall[features])

ks = list(range(2, 11))
inertias, silhouettes = [], []
for k in ks:
    km = KMeans(n_clusters=k, n_init=20, random_state=0).fit(X)
    inertias.append(km.inertia_)
    silhouettes.append(silhouette_score(X, km.labels_))

best_k = ks[int(np.argmax(silhouettes))]
print("silhouette per k:", dict(zip(ks, np.round(silhouettes, 3))))
print("chosen k =", best_k)

km = KMeans(n_clusters=best_k, n_init=20, random_state=0).fit(X)
mall["segment"] = km.labels_
profile = mall.groupby("segment")[features + ["Gender"]].mean().round(1)
profile["size"] = mall["segment"].value_counts().sort_index()
print(profile)

fig, ax = plt.subplots(1, 2, figsize=(12, 4))
ax[0].plot(ks, inertias, "o-")
ax[0].set_title("elbow")
ax[1].scatter(mall["Annual Income (k$)"], mall["Spending Score (1-100)"], c=mall["segment"], cmap="tab10")
ax[1].set_xlabel("income (k$)")
ax[1].set_ylabel("spending score")
fig.savefig("segments.png", dpi=120)
mall.to_csv("mall_segments.csv", index=False)
