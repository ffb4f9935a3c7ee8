"""Pima Indians diabetes - small MLP in PyTorch."""
import numpy as np
import pandas as pd
import torch
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(0)

data = pd.read_csv("diabetes.csv").to_numpy(dtype=np.float32)
X, y = data[:, :-1], data[:, -1]
n = len(X)

train_idx = rng.permutation(n)[: int(0.8 * n)]
test_idx = rng.permutation(n)[: int(0.2 * n)]

Xtr, ytr = torch.from_numpy(X[train_idx]), torch.from_numpy(y[train_idx])
Xte, yte = torch.from_numpy(X[test_idx]), torch.from_numpy(y[test_idx])

net = nn.Sequential(
    nn.BatchNorm1d(8),
    nn.Linear(8, 32), nn.ReLU(),
    nn.Linear(32, 16), nn.ReLU(),
    nn.Linear(16, 1),
)
opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
loss_fn = nn.BCEWithLogitsLoss()

for epoch in range(200):
    net.train()
    for i in range(0, len(Xtr), 32):
        xb, yb = Xtr[i:i + 32], ytr[i:i + 32]
        opt.zero_grad()
        loss = loss_fn(net(xb).squeeze(1), yb)
        loss.backward()
        opt.step()
    if epoch % 50 == 0:
        print(epoch, float(loss))

net.eval()
with torch.no_grad():
    acc = ((net(Xte).squeeze(1) > 0).float() == yte).float().mean()
print("test accuracy:", acc.item())
