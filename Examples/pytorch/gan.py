# The PyTorch twin of Examples/gan: the DCGAN example's training loop (BCELoss, Adam with beta1 = 0.5,
# LeakyReLU(0.2), real and fake labels, fake.detach() for the discriminator) on a 2-D Gaussian.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
real_data = torch.randn(512, 2) * 0.5 + torch.tensor([2.0, -1.0])
nz, batch_size = 8, 64
netG = nn.Sequential(nn.Linear(nz, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
netD = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_label, fake_label = 1.0, 0.0

for step in range(300):
    real = real_data[torch.randint(0, 512, (batch_size,))]
    # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    label = torch.full((batch_size,), real_label)
    errD_real = criterion(netD(real).view(-1), label)
    errD_real.backward()
    noise = torch.randn(batch_size, nz)
    fake = netG(noise)
    label.fill_(fake_label)
    errD_fake = criterion(netD(fake.detach()).view(-1), label)
    errD_fake.backward()
    optimizerD.step()
    # (2) Update G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    errG = criterion(netD(fake).view(-1), label)
    errG.backward()
    optimizerG.step()
    if step % 50 == 49:
        print("step", step, errD_real.item() + errD_fake.item(), errG.item())

with torch.no_grad():
    samples = netG(torch.randn(1000, nz))
print("mean", *samples.mean(0).tolist())
print("std", *samples.std(0).tolist())
