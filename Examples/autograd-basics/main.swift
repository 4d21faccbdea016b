// Autograd from the notes: the 60-minute blitz's first graph, the gradient of g(w), and a linear model's
// residual sum of squares differentiated by autograd and by hand.
import Ember

// The 60-minute blitz: a scalar function of a 2×2 leaf.
let x = Tensor.ones(2, 2, requiresGrad: true)
print(x)
let y = x + 2
print(y)
print(y.gradFn!.name)
let z = y * y * 3
let out = z.mean()
print(z, out)
out.backward()
print(x.grad!)

// g(w) = 2·w0·w1 + w1·cos(w0), and its gradient at w = (π, 1).
let w = Tensor([Float.pi, 1]).requiresGrad_()
let g = 2 * w[0] * w[1] + w[1] * cos(w[0])
g.backward()
print(g)
print(w.grad!)

// A linear model's residual sum of squares: autograd against the analytic gradient −2 Xᵀ(y − Xb).
Ember.manualSeed(0)
let features = Tensor.randn(20, 3)
let targets = Tensor.randn(20)
let b = Tensor.zeros([3], requiresGrad: true)
let rss = (targets - features.mv(b)).pow(2).sum()
rss.backward()
let analytic = -2 * features.t().mv(targets - features.mv(b.detach()))
print(rss)
print(b.grad!)
print(analytic)
print((b.grad! - analytic).abs().max().item() <= 1e-5 ? "True" : "False")
noGrad { print((x * 2).requiresGrad ? "True" : "False") }
