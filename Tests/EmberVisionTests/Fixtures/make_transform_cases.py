"""Writes torchvision_transforms.json: torchvision's transforms applied to the same synthetic images
TransformTests builds, with the same seeds: on tensors, and, for the resizing of uint8 images, on the PIL
images torchvision's data sets hand out (Pillow's arithmetic). Run with PyTorch, torchvision and Pillow:

    python Tests/EmberVisionTests/Fixtures/make_transform_cases.py
"""
import json
import math
import os

import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from torchvision.utils import make_grid

def image(shape):
    n = math.prod(shape)
    return torch.tensor([(i * 37 + i // 7) % 256 for i in range(n)], dtype=torch.uint8).view(shape)

out = {}
def put(name, t):
    out[name] = t.double().flatten().tolist(); out[name + ".shape"] = list(t.shape)
def on_pil(transform, t):
    """`transform` applied to the PIL image of a uint8 [C, H, W] tensor, back as a tensor."""
    return TF.pil_to_tensor(transform(TF.to_pil_image(t)))
u = image([3, 10, 13]); f = u.float() / 255
put("resize_aa", on_pil(T.Resize([4, 5]), u))
put("resize_aa_f", T.Resize([4, 5])(f))
put("resize_edge", on_pil(T.Resize(7), u))
put("resize_up", on_pil(T.Resize([15, 17]), u))
put("resize_bicubic", on_pil(T.Resize([4, 6], interpolation=T.InterpolationMode.BICUBIC), u))
put("resize_bicubic_up", on_pil(T.Resize([13, 21], interpolation=T.InterpolationMode.BICUBIC), u))
put("resize_bicubic_f", T.Resize([4, 6], interpolation=T.InterpolationMode.BICUBIC)(f))
put("resize_gray", on_pil(T.Resize([5, 3]), image([1, 17, 9])))
put("resize_noaa", T.Resize([4, 5], antialias=False)(u))
put("resize_nearest", T.Resize([4, 5], interpolation=T.InterpolationMode.NEAREST)(u))
put("center", T.CenterCrop(6)(u))
put("center_pad", T.CenterCrop([12, 15])(u))
for mode in ["constant", "edge", "reflect", "symmetric"]:
    put("pad_" + mode, T.Pad([2, 1, 3, 2], fill=7, padding_mode=mode)(u))
torch.manual_seed(0)
put("randomcrop", torch.stack([T.RandomCrop(8, padding=4)(u) for _ in range(4)]))
torch.manual_seed(1)
put("randomcrop_reflect", torch.stack([T.RandomCrop([9, 12], padding=2, padding_mode="reflect")(u) for _ in range(4)]))
torch.manual_seed(2)
put("flips", torch.stack([T.RandomVerticalFlip()(T.RandomHorizontalFlip()(u)) for _ in range(6)]))
big = image([3, 20, 24])
torch.manual_seed(3)
put("rrc", torch.stack([on_pil(T.RandomResizedCrop(6), big) for _ in range(5)]))
torch.manual_seed(4)
put("rrc_f", torch.stack([T.RandomResizedCrop([5, 7], scale=(0.5, 1))(big.float() / 255) for _ in range(5)]))
gray = image([1, 9, 11])
torch.manual_seed(5)
put("rotation", torch.stack([T.RandomRotation(30)(gray) for _ in range(4)]))
put("rot90", TF.rotate(gray, 90))
put("rot_expand", TF.rotate(gray, 30, expand=True))
put("rot_bilinear", TF.rotate(f, 20, interpolation=T.InterpolationMode.BILINEAR))
put("rot_center", TF.rotate(gray, 45, center=[2, 3], fill=9))
small = image([3, 6, 7])
torch.manual_seed(7)
put("jitter", torch.stack([T.ColorJitter(0.4, 0.4, 0.4, 0.1)(small) for _ in range(4)]))
torch.manual_seed(8)
put("jitter_f", torch.stack([T.ColorJitter(0.4, 0.4, 0.4, 0.1)(small.float() / 255) for _ in range(4)]))
put("gray", T.Grayscale()(small))
put("gray3", T.Grayscale(3)(small.float() / 255))
put("normalize", T.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])(small.float() / 255))
put("grid", make_grid(image([5, 1, 4, 3]).float() / 255, nrow=3, padding=1, pad_value=0.5))
put("grid_norm", make_grid(image([3, 3, 4, 3]).float() / 255, nrow=2, normalize=True, scale_each=True))
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchvision_transforms.json"), "w"), sort_keys=True)

