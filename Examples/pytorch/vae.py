# The PyTorch twin of Examples/vae: the examples repository's VAE (an encoder giving mu and logvar, the
# reparameterisation with randn_like, a decoder with sigmoid, BCE summed plus the KL divergence, Adam),
# on the first 1,024 MNIST training digits read from the IDX files shipped in Data/MNIST/raw.
import gzip
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


def read_images(path, count):
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(data[: count * 784].copy()).view(count, 1, 28, 28).float() / 255


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


torch.manual_seed(1)
images = read_images("../../Data/MNIST/raw/train-images-idx3-ubyte.gz", 1024)
train_loader = DataLoader(TensorDataset(images), batch_size=128, shuffle=True)
model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(1, 4):
    model.train()
    train_loss = 0
    for batch_idx, (data,) in enumerate(train_loader):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print("epoch", epoch, "average loss", train_loss / len(train_loader.dataset))

model.eval()
with torch.no_grad():
    sample = model.decode(torch.randn(64, 20))
print("sample mean", sample.mean().item())
