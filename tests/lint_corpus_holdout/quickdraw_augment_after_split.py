"""QuickDraw 10-class subset (28x28 bitmaps in quickdraw10.npz) - CNN with flip/shift augmentation."""
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(3)
torch.manual_seed(3)

with np.load("quickdraw10.npz") as d:
    X = d["x"].astype(np.float32) / 255.0
    Y = d["y"].astype(np.int64)

order = rng.permutation(len(X))
n_te = n_va = len(X) // 10
te, va, tr = order[:n_te], order[n_te:n_te + n_va], order[n_te + n_va:]


def augment(x, y):
    return (np.concatenate([x, x[:, :, ::-1], np.roll(x, 2, axis=1), np.roll(x, -2, axis=2)]),
            np.concatenate([y, y, y, y]))


x_tr, y_tr = augment(X[tr], Y[tr])          # only the training images are augmented
t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
x_tr, y_tr = t(x_tr)[:, None], t(y_tr)
x_va, y_va = t(X[va])[:, None], t(Y[va])
x_te, y_te = t(X[te])[:, None], t(Y[te])

net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)


def accuracy(x, y):
    net.eval()
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()


best, best_state = 0.0, None
for epoch in range(20):
    net.train()
    idx = torch.randperm(len(x_tr))
    for i in range(0, len(idx), 128):
        j = idx[i:i + 128]
        opt.zero_grad()
        F.cross_entropy(net(x_tr[j]), y_tr[j]).backward()
        opt.step()
    acc_va = accuracy(x_va, y_va)
    print(f"epoch {epoch:2d} val acc {acc_va:.4f}")
    if acc_va > best:
        best, best_state = acc_va, copy.deepcopy(net.state_dict())

net.load_state_dict(best_state)
print("test accuracy (best-on-val checkpoint): %.4f" % accuracy(x_te, y_te))
