"""One epoch of `ember train mnist` side by side with the same model and loop in PyTorch.

Both: torchvision-style MNIST with ToTensor per sample, DataLoader(batch 50, shuffle, 1 worker), the
MNIST CNN, Adam(lr=1e-3), cross-entropy; images/s over the training loop, then test accuracy.
Run from the repository root after `swift build -c release --product ember`:

    python Benchmarks/pytorch/mnist_epoch.py [--runs N] [--device cuda] [--ember PATH]

`--device` trains both on that device (`cuda` or `cuda:N`; the CPU by default); `--ember` names the ember program
(`.build/release/ember` by default).
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn
from torchvision import datasets, transforms


class MNISTNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.out = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.conv2(self.conv1(x))
        return self.out(x.view(x.size(0), -1))


def pytorch_epoch(root, device):
    torch.manual_seed(1)
    train = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    test = datasets.MNIST(root, train=False, transform=transforms.ToTensor())
    loader = torch.utils.data.DataLoader(train, batch_size=50, shuffle=True, num_workers=1)
    test_loader = torch.utils.data.DataLoader(test, batch_size=1000, num_workers=1)
    model = MNISTNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for images, labels in loader:
        loss = loss_fn(model(images.to(device)), labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
    rate = len(train) / (time.perf_counter() - start)
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images.to(device)).argmax(1).cpu() == labels).sum().item()
    return rate, 100 * correct / len(test)


def ember_epoch(program, out, device):
    result = subprocess.run([program, "train", "mnist", "--out", out, "--device", device],
                            check=True, capture_output=True, text=True)
    match = re.search(r"test accuracy ([\d.]+)% .*?, (\d+) images/s", result.stdout)
    return float(match.group(2)), float(match.group(1))


def main():
    option = lambda name, default: sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default
    runs, device, program = int(option("--runs", 1)), option("--device", "cpu"), option("--ember", ".build/release/ember")
    # Float32 on both sides: Ember's GPU products and convolutions do not round to TF32 unless asked.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    work = tempfile.mkdtemp()
    try:
        raw = os.path.join(work, "MNIST", "raw")
        os.makedirs(raw)
        for name in os.listdir("Data/MNIST/raw"):
            if name.endswith(".gz"):
                with gzip.open(os.path.join("Data/MNIST/raw", name)) as f, open(os.path.join(raw, name[:-3]), "wb") as g:
                    shutil.copyfileobj(f, g)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, device {device}")
        print("run\tEmber img/s\tEmber acc %\tPyTorch img/s\tPyTorch acc %\tratio")
        for run in range(runs):
            ember_rate, ember_accuracy = ember_epoch(program, os.path.join(work, "ember"), device)
            torch_rate, torch_accuracy = pytorch_epoch(work, torch.device(device))
            print(f"{run + 1}\t{ember_rate:.0f}\t{ember_accuracy:.2f}\t{torch_rate:.0f}\t{torch_accuracy:.2f}\t"
                  f"{ember_rate / torch_rate:.2f}x", flush=True)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
