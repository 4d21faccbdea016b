"""The ember-bench workloads in PyTorch, timed the same way (median of batches).

Prints `name<TAB>value<TAB>unit` lines with the names ember-bench uses.
"""
import sys
import time

import torch


def measure(body, batch_seconds=0.1, batches=7):
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            body()
        elapsed = time.perf_counter() - start
        if elapsed > batch_seconds / 4 or calls > 1 << 24:
            calls = max(1, int(calls * batch_seconds / max(elapsed, 1e-9)))
            break
        calls *= 4
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            body()
        samples.append((time.perf_counter() - start) / calls)
    return sorted(samples)[batches // 2]


def report(name, value, unit):
    print(f"{name}\t{value}\t{unit}", flush=True)


def main():
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    wanted = lambda group: group.startswith(only)

    if wanted("overhead"):
        a, b = torch.tensor([1.0]), torch.tensor([2.0])
        report("overhead add 1-element", measure(lambda: a + b) * 1e6, "us")
        w = torch.tensor([1.0], requires_grad=True)

        def step():
            y = w + b
            y.backward()

        report("overhead add+backward 1-element", measure(step) * 1e6, "us")

    if wanted("matmul"):
        for n in [256, 512, 1024, 2048]:
            torch.manual_seed(0)
            a, b = torch.randn(n, n), torch.randn(n, n)
            seconds = min(measure(lambda: torch.matmul(a, b), batch_seconds=0.2, batches=5) for _ in range(3))
            report(f"matmul {n} ember", 2.0 * n ** 3 / seconds / 1e9, "GFLOP/s")

    if wanted("elementwise"):
        for label, n in [("16M", 16 << 20), ("1M", 1 << 20)]:
            a, b = torch.ones(n), torch.full((n,), 2.0)
            for name, fn, bytes_moved in [("add", lambda: a + b, 12 * n), ("mul", lambda: a * b, 12 * n),
                                          ("sum", lambda: a.sum(), 4 * n)]:
                seconds = measure(fn, batch_seconds=0.3, batches=5)
                if label == "16M":
                    report(f"{name} {label}", bytes_moved / seconds / 1e9, "GB/s")
                else:
                    report(f"{name} {label}", seconds * 1e6, "us")

    if wanted("training"):
        training()

    if wanted("models"):
        models()

    if wanted("spectral"):
        spectral()
    if wanted("gpu") and torch.cuda.is_available():
        gpu()


class CIFARNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 5)
        self.pool = torch.nn.MaxPool2d(2, 2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * 5 * 5, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class MNISTNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 5, 1, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.conv2 = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 5, 1, 2), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.out = torch.nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.conv2(self.conv1(x))
        return self.out(x.view(x.size(0), -1))


def step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()


def training():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer, loss_fn = torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss()
    x, y = torch.randn(1, 1), torch.randn(1, 1)
    report("train step Linear(1,1)", measure(lambda: step(model, optimizer, loss_fn, x, y)) * 1e6, "us")

    x, y = torch.randn(64, 1000), torch.randn(64, 10)

    def two_layer():
        model = torch.nn.Sequential(torch.nn.Linear(1000, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
        optimizer, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-4), torch.nn.MSELoss(reduction="sum")
        for _ in range(500):
            step(model, optimizer, loss_fn, x, y)

    report("two-layer net 500 Adam steps", measure(two_layer, batch_seconds=0.5, batches=3) * 1e3, "ms")

    model = CIFARNet()
    optimizer, loss_fn = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9), torch.nn.CrossEntropyLoss()
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    report("CIFAR Net steps (batch 4)", 1 / measure(lambda: step(model, optimizer, loss_fn, x, y)), "steps/s")

    model = MNISTNet()
    optimizer, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()
    x, y = torch.randn(50, 1, 28, 28), torch.randint(0, 10, (50,))
    mnist_step = measure(lambda: step(model, optimizer, loss_fn, x, y), batch_seconds=0.5, batches=5)
    report("MNIST CNN training (batch 50)", 50 / mnist_step, "images/s")

    data = torch.utils.data.TensorDataset(torch.randn(60000, 1, 28, 28), torch.randint(0, 10, (60000,)))
    loader = torch.utils.data.DataLoader(data, batch_size=50, shuffle=True)

    def epoch():
        for batch in loader:
            pass

    per_batch = measure(epoch, batch_seconds=1, batches=3) / len(loader)
    report("DataLoader batch of 50 (60k, shuffled)", per_batch * 1e6, "us")
    report("DataLoader speed / MNIST step", mnist_step / per_batch, "x")


def models():
    torch.manual_seed(0)
    lstm, x = torch.nn.LSTM(128, 256), torch.randn(35, 20, 128)
    report("LSTM(128,256) seq 35 batch 20 fwd+bwd", measure(lambda: lstm(x)[0].sum().backward(), batch_seconds=0.5) * 1e3, "ms")

    layer, x = torch.nn.TransformerEncoderLayer(256, 4, 1024, 0), torch.randn(64, 32, 256)
    report("TransformerEncoderLayer(256,4,1024) fwd+bwd", measure(lambda: layer(x).sum().backward(), batch_seconds=0.5) * 1e3,
           "ms")

    import torchvision
    model = torchvision.models.resnet18().eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        report("resnet18 eval batch 1", measure(lambda: model(x), batch_seconds=0.5) * 1e3, "ms")

    model = torchvision.models.resnet18()
    optimizer, loss_fn = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), torch.nn.CrossEntropyLoss()
    x, y = torch.randn(16, 3, 224, 224), torch.randint(0, 1000, (16,))
    report("resnet18 train step batch 16", measure(lambda: step(model, optimizer, loss_fn, x, y), batch_seconds=2, batches=5) * 1e3,
           "ms")

    for channels, size in [(64, 56), (128, 28), (256, 14), (512, 7)]:
        conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        single, batch = torch.randn(1, channels, size, size), torch.randn(16, channels, size, size, requires_grad=True)
        with torch.no_grad():
            report(f"conv3x3 {channels}ch {size}px eval batch 1", measure(lambda: conv(single), batch_seconds=0.3) * 1e3, "ms")
        report(f"conv3x3 {channels}ch {size}px fwd+bwd batch 16",
               measure(lambda: conv(batch).sum().backward(), batch_seconds=0.5, batches=5) * 1e3, "ms")


def gpu():
    """ember-bench's gpu group on cuda:0: each timed call ends with torch.cuda.synchronize(); TF32 off for products
    (PyTorch's default) and for cuDNN's convolutions (PyTorch allows it there by default; Ember does not)."""
    torch.manual_seed(0)
    device = torch.device("cuda:0")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    def on_gpu(body):
        def call():
            body()
            torch.cuda.synchronize()
        return call

    n = 4096
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    seconds = measure(on_gpu(lambda: torch.matmul(a, b)), batch_seconds=0.5, batches=5)
    report("gpu matmul 4096 float32", 2.0 * n ** 3 / seconds / 1e12, "TFLOP/s")

    model = MNISTNet().to(device)
    optimizer, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()
    x, y = torch.randn(64, 1, 28, 28, device=device), torch.randint(0, 10, (64,), device=device)
    seconds = measure(on_gpu(lambda: step(model, optimizer, loss_fn, x, y)), batch_seconds=0.5, batches=5)
    report("gpu MNIST CNN train step batch 64", 64 / seconds, "images/s")

    import torchvision
    model = torchvision.models.resnet18().to(device)
    optimizer, loss_fn = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), torch.nn.CrossEntropyLoss()
    x, y = torch.randn(64, 3, 224, 224, device=device), torch.randint(0, 1000, (64,), device=device)
    seconds = measure(on_gpu(lambda: step(model, optimizer, loss_fn, x, y)), batch_seconds=1, batches=5)
    report("gpu resnet18 train step batch 64", 64 / seconds, "images/s")


def spectral():
    torch.manual_seed(0)
    for n, batch in [(256, 64), (400, 64), (512, 64), (1024, 64), (4096, 64), (100003, 2)]:
        x = torch.randn(batch, n)
        seconds = measure(lambda: torch.stft(x, n, hop_length=n, center=False, return_complex=True), batch_seconds=0.3, batches=5)
        report(f"rfft {n} batch {batch}", seconds * 1e6, "us")
    speech, window = torch.randn(1, 160000), torch.hann_window(400)
    report("stft 400/160 10 s 16 kHz",
           measure(lambda: torch.stft(speech, 400, 160, window=window, return_complex=True), batch_seconds=0.3, batches=5) * 1e3, "ms")
    try:
        torch.version.cuda = None  # the CPU transforms only; skips torchaudio's CUDA build check
        import torchaudio
    except ImportError:
        return
    mel = torchaudio.transforms.MelSpectrogram()
    report("MelSpectrogram() 10 s 16 kHz", measure(lambda: mel(speech), batch_seconds=0.3, batches=5) * 1e3, "ms")


if __name__ == "__main__":
    with torch.no_grad() if "--no-grad" in sys.argv else torch.enable_grad():
        main()
