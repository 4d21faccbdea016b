// Tensor basics from the notes (creation, arithmetic, reshaping, indexing), linear regression by hand
// with autograd, and weight initialisation with `apply`.
import Ember

Ember.manualSeed(42)
var x = Tensor.empty(5, 3).zero_()
print(x)
x = Tensor.rand(5, 3)
print(x)
x = Tensor.zeros(5, 3, dtype: .int64)
print(x)
x = Tensor([Float(5.5), 3])
print(x)
x = Tensor.ones(5, 3, dtype: .float64)
print(x)
x = x.randnLike(dtype: .float32)
print(x)
print(x.size())
var y = Tensor.rand(5, 3)
print(x + y)
let result = Tensor.empty(5, 3)
result.copy_(x + y)
print(result)
y.add_(x)
print(y)
print(x[.all, 1])
x = Tensor.randn(4, 4)
y = x.view(16)
let z = x.view(-1, 8)
print(x.size(), y.size(), z.size())
x = Tensor.randn(1)
print(x)
print(x.item())

// Linear regression by hand: y = 2x + 1 plus noise, gradient descent with autograd.
let inputs = Tensor.linspace(0, 1, steps: 50).unsqueeze(1)
let targets = 2 * inputs + 1 + 0.1 * Tensor.randn(50, 1)
let w = Tensor.zeros([1], requiresGrad: true)
let b = Tensor.zeros([1], requiresGrad: true)
for epoch in 0..<200 {
    let loss = (inputs * w + b - targets).pow(2).mean()
    loss.backward()
    noGrad {
        w -= 0.5 * w.grad!
        b -= 0.5 * b.grad!
        w.grad!.zero_()
        b.grad!.zero_()
    }
    if epoch % 50 == 49 { print(epoch, (loss.item() * 1e6).rounded() / 1e6) }
}
print(w, b)

// Weight initialisation by apply.
let net = Sequential(Linear(2, 2), ReLU(), Linear(2, 1))
net.apply { module in
    if let linear = module as? Linear {
        Init.constant_(linear.weight, 0.5)
        linear.bias!.data.fill_(0.01)
    }
}
print((net[0] as! Linear).weight.detach())
print((net[2] as! Linear).bias!.detach())
print(net(Tensor.ones(1, 2)))
