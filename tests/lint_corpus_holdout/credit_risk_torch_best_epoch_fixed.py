"""Credit risk (credit_risk_dataset.csv) - MLP in PyTorch with best-checkpoint selection."""
import copy

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score

torch.manual_seed(7)


def load_arrays(path="credit_risk_dataset.csv"):
    df = pd.read_csv(path).dropna()
    df = df[df.person_age < 100]
    y = df.pop("loan_status").to_numpy(dtype=np.float32)
    X = pd.get_dummies(df, drop_first=True).to_numpy(dtype=np.float32)
    return X, y


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def auc_of(model, X, y):
    model.eval()
    with torch.no_grad():
        return roc_auc_score(y.numpy(), torch.sigmoid(model(X)).numpy())


def to_t(*arrays):
    return [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]


X, y = load_arrays()

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=7)
X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.15, stratify=y_train, random_state=7)
scaler = StandardScaler().fit(X_train)
Xtr, ytr, Xva, yva, Xte, yte = to_t(scaler.transform(X_train), y_train, scaler.transform(X_val), y_val,
                                     scaler.transform(X_test), y_test)

model = MLP(Xtr.shape[1])
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
lossf = nn.BCEWithLogitsLoss()
best_auc, best_state, best_epoch = 0.0, None, -1

for epoch in range(100):
    model.train()
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(perm), 256):
        b = perm[i:i + 256]
        opt.zero_grad()
        lossf(model(Xtr[b]), ytr[b]).backward()
        opt.step()
    auc = auc_of(model, Xva, yva)
    if auc > best_auc:
        best_auc, best_state, best_epoch = auc, copy.deepcopy(model.state_dict()), epoch

model.load_state_dict(best_state)
print(f"best epoch {best_epoch}: val AUC {best_auc:.4f}")
print(f"test AUC {auc_of(model, Xte, yte):.4f}")
