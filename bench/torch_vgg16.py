#!/usr/bin/env python3
"""Peer for VGG16 feature extraction speed: the Keras recipe's base, in PyTorch 1.13 CPU (Debian packages
python3-torch python3-torchvision; run with the Debian python3 that has them). Decodes each image, resizes it
to 224x224 (stretch), subtracts the caffe mean, runs torchvision's VGG16 `features` (random weights: this is a
timing peer, not an accuracy peer) in batches of 32, no grad.
Usage: torch_vgg16.py LIST_FILE (one image path a line) -> prints JSON {torch, threads, images, seconds}."""
import json, os, sys, time, numpy, torch, torchvision
from PIL import Image
torch.set_num_threads(os.cpu_count() or 2)
paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
base = torchvision.models.vgg16().features.eval()
mean = torch.tensor([123.68, 116.779, 103.939]).view(3, 1, 1)
def load(batch):
    return torch.stack([torch.from_numpy(numpy.asarray(Image.open(p).convert("RGB").resize((224, 224)), dtype="float32")).permute(2, 0, 1) - mean for p in batch])
t0 = time.time()
n = 0
with torch.no_grad():
    for i in range(0, len(paths), 32):
        f = base(load(paths[i:i + 32]))
        n += f.shape[0]
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "images": n, "seconds": round(time.time() - t0, 2)}))
