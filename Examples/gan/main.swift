// The DCGAN example's training loop, line by line (BCELoss, Adam with beta1 = 0.5, LeakyReLU(0.2), real and
// fake labels, fake.detach() for the discriminator), learning a 2-D Gaussian. Its PyTorch twin is
// Examples/pytorch/gan.py; the same seed prints the same losses.
import Ember

Ember.manualSeed(0)
let realData = Tensor.randn(512, 2) * 0.5 + Tensor([2.0, -1.0] as [Float])
let (nz, batchSize) = (8, 64)
let netG = Sequential(Linear(nz, 32), LeakyReLU(0.2), Linear(32, 2))
let netD = Sequential(Linear(2, 32), LeakyReLU(0.2), Linear(32, 1), Sigmoid())
let criterion = BCELoss()
let optimizerD = Adam(netD.parameters(), lr: 2e-3, betas: (0.5, 0.999))
let optimizerG = Adam(netG.parameters(), lr: 2e-3, betas: (0.5, 0.999))
let (realLabel, fakeLabel) = (1.0, 0.0)

for step in 0..<300 {
    let real = realData[Tensor.randint(0, 512, [batchSize])]
    // (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zeroGrad()
    let label = Tensor.full([batchSize], realLabel)
    let errDReal = criterion(netD(real).view(-1), label)
    errDReal.backward()
    let noise = Tensor.randn(batchSize, nz)
    let fake = netG(noise)
    label.fill_(fakeLabel)
    let errDFake = criterion(netD(fake.detach()).view(-1), label)
    errDFake.backward()
    optimizerD.step()
    // (2) Update G: maximize log(D(G(z)))
    netG.zeroGrad()
    label.fill_(realLabel)
    let errG = criterion(netD(fake).view(-1), label)
    errG.backward()
    optimizerG.step()
    if step % 50 == 49 {
        print("step", step, errDReal.item() + errDFake.item(), errG.item())
    }
}

let samples = noGrad { netG(Tensor.randn(1000, nz)) }
print("mean", samples.mean(0)[0].item(), samples.mean(0)[1].item())
print("std", samples.std(0)[0].item(), samples.std(0)[1].item())
