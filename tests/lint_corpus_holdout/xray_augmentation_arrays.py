"""Pneumonia vs normal chest x-ray, 64x64 grayscale, tiny CNN.

Data was exported once to numpy: xray64.npz with `images` (N,64,64) uint8 and `labels` (N,).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
rng = np.random.default_rng(SEED)
torch.manual_seed(SEED)


def augment(images, labels):
    flipped = images[:, :, ::-1]
    rot_l = np.rot90(images, k=1, axes=(1, 2))
    rot_r = np.rot90(images, k=-1, axes=(1, 2))
    shifted = np.roll(images, shift=4, axis=2)
    imgs = np.concatenate([images, flipped, rot_l, rot_r, shifted])
    labs = np.concatenate([labels] * 5)
    return imgs, labs


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 16 * 16, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(x.flatten(1))


data = np.load("xray64.npz")
images = data["images"].astype(np.float32) / 255.0
labels = data["labels"].astype(np.int64)

# 5x more data with augmentation
images, labels = augment(images, labels)

idx = rng.permutation(len(images))
cut = int(0.8 * len(idx))
tr, te = idx[:cut], idx[cut:]
Xtr = torch.tensor(np.ascontiguousarray(images[tr]))[:, None]
ytr = torch.tensor(labels[tr])
Xte = torch.tensor(np.ascontiguousarray(images[te]))[:, None]
yte = torch.tensor(labels[te])

model = SmallCNN()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(15):
    model.train()
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(perm), 64):
        b = perm[i:i + 64]
        opt.zero_grad()
        loss = F.cross_entropy(model(Xtr[b]), ytr[b])
        loss.backward()
        opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    acc = (model(Xte).argmax(1) == yte).float().mean().item()
print(f"test accuracy: {acc:.4f}")
