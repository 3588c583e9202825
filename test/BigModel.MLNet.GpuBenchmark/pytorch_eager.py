# PyTorch eager training throughput of networks built layer for layer like BigModel.MLNet's presets, so that its
# samples/s can be set beside the C# (TorchSharp) benchmark's on the same machine.
#
#   python3 pytorch_eager.py [--device cuda|cpu] [--steps 200] [--only mlp,cnn] [--scale 0.05]
#
# Each preset trains on a fixed synthetic data set that is already on the device (one row per timed sample,
# reshuffled with a device randperm every pass): AdamW (lr 1e-3, weight decay 0.01), 20 warm-up steps, then --steps
# timed steps with no .item() in them. One JSON line per preset goes to stdout; the torch version and device to
# stderr. GpuBenchmark.cs times the same networks, batch sizes and optimiser in C#.
# Presets: mlp, cnn, cnn-b2048 (the CNN at 4 times the batch), resnet18-32, minilm-128, minilm-128-bf16, mf, neumf.
import argparse
import json
import math
import sys
import time
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# What a preset hands the timing loop: the network, its data (a tuple of tensors with one row per sample), the loss of
# one batch, and the gradient-norm clip of its C# default options (None for none).
Workload = namedtuple("Workload", "model data loss clip_norm")


# --- MLP (Models/Mlp/TabularMlp.cs, MlpNetwork.cs, PiecewiseLinearEncoding.cs) -------------------------------------

class PiecewiseLinearEncoding(nn.Module):
    """One value per quantile bin of each feature: (x - left) / width, clamped to [0, 1]; the first bin is open below
    and the last above."""

    def __init__(self, x, bins):
        super().__init__()
        feature, left, inverse_width, lower, upper = [], [], [], [], []
        ordered = x.sort(dim=0).values
        rows = ordered.shape[0]
        for f in range(x.shape[1]):
            picks = [round(q / bins * (rows - 1)) for q in range(bins + 1)]
            edges = torch.unique(ordered[picks, f]).tolist()  # sorted, repeated quantiles merged
            for b in range(len(edges) - 1):
                feature.append(f)
                left.append(edges[b])
                inverse_width.append(1.0 / (edges[b + 1] - edges[b]))
                lower.append(-3e38 if b == 0 else 0.0)
                upper.append(3e38 if b == len(edges) - 2 else 1.0)
        self.width = len(feature)
        self.register_buffer("feature", torch.tensor(feature, dtype=torch.long, device=x.device))
        for name, values in [("left", left), ("inverse_width", inverse_width), ("lower", lower), ("upper", upper)]:
            self.register_buffer(name, torch.tensor(values, dtype=torch.float32, device=x.device))

    def forward(self, x):
        position = (x.index_select(1, self.feature) - self.left) * self.inverse_width
        return torch.clamp(position, self.lower, self.upper)


class TabularMlp(nn.Module):
    """Standardised features next to their piecewise-linear encoding, then Linear-ReLU per hidden layer, then Linear."""

    def __init__(self, x, hidden=(128, 64), bins=32, outputs=1):
        super().__init__()
        std, mean = torch.std_mean(x, dim=0, unbiased=False)
        self.register_buffer("mean", mean)
        self.register_buffer("inverse_std", 1.0 / std)
        self.bins = PiecewiseLinearEncoding(x, bins)
        layers, width = [], x.shape[1] + self.bins.width
        for units in hidden:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        layers.append(nn.Linear(width, outputs))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(torch.cat([(x - self.mean) * self.inverse_std, self.bins(x)], dim=1))


def mlp(rows, device):
    x = torch.rand(rows, 32, device=device) * 2 - 1
    y = torch.sin(3 * x[:, 0]) + x[:, 1] * x[:, 2]
    model = TabularMlp(x)
    return Workload(model, (x, y), lambda m, x, y: F.mse_loss(m(x).squeeze(-1), y), None)


# --- Small CNN (Models/Cnn/SmallCnn.cs, CnnOptions defaults) ----------------------------------------------------------

def small_cnn(filters=(32, 64), dense=128, dropout=0.25, channels=1, size=28, outputs=10):
    layers = []
    for f in filters:
        layers += [nn.Conv2d(channels, f, 3, padding=1, bias=False), nn.BatchNorm2d(f), nn.ReLU(), nn.MaxPool2d(2)]
        channels, size = f, size // 2
    layers += [nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels * size * size, dense), nn.ReLU(),
               nn.Dropout(dropout), nn.Linear(dense, outputs)]
    return nn.Sequential(*layers)


def cnn(rows, device):
    pixels = torch.rand(rows, 28 * 28, device=device)  # the flat pixel column, reshaped inside (ImageInput.cs)
    labels = torch.randint(0, 10, (rows,), device=device)
    model = small_cnn()
    return Workload(model, (pixels, labels), lambda m, x, y: F.cross_entropy(m(x.view(-1, 1, 28, 28)), y), None)


# --- ResNet-18, small-image stem (Models/Cnn/ResNet18.cs, ResidualBlock.cs) ----------------------------------------

class ResidualBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus the input (through conv1x1-BN when the shape changes), then ReLU."""

    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(),
            nn.Conv2d(outputs, outputs, 3, padding=1, bias=False), nn.BatchNorm2d(outputs))
        self.shortcut = None
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        return F.relu(self.main(x) + (x if self.shortcut is None else self.shortcut(x)))


def resnet18_small_stem(channels=3, outputs=10):
    layers = [nn.Conv2d(channels, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    width = 64
    for stage, filters in enumerate([64, 128, 256, 512]):
        for block in range(2):
            layers.append(ResidualBlock(width, filters, 2 if block == 0 and stage > 0 else 1))
            width = filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, outputs)]
    return nn.Sequential(*layers)


def resnet18_32(rows, device):
    pixels = torch.rand(rows, 3 * 32 * 32, device=device)
    labels = torch.randint(0, 10, (rows,), device=device)
    model = resnet18_small_stem()
    return Workload(model, (pixels, labels), lambda m, x, y: F.cross_entropy(m(x.view(-1, 3, 32, 32)), y), None)


# --- Text classifier (Models/Text/BertEncoder.cs, TransformerLayer.cs, TextClassifierNetwork.cs) -------------------

# all-MiniLM-L6-v2's sizes, and BertConfig.cs's defaults (the tiny encoder it trains from scratch when nothing is set).
TEXT_CONFIGS = {
    "minilm": dict(vocab=30522, hidden=384, layers=6, heads=12, intermediate=1536, positions=512, types=2),
    "bertconfig-default": dict(vocab=30522, hidden=128, layers=2, heads=2, intermediate=512, positions=512, types=2),
}


class TransformerLayer(nn.Module):
    """Post-norm BERT layer: self-attention as softmax(QK^T / sqrt(d) + mask bias) V (written out, as the C# layer
    does, with no dropout on the attention weights), add and norm, GELU feed-forward, add and norm."""

    def __init__(self, hidden, heads, intermediate, dropout, eps=1e-12):
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.scale = 1.0 / math.sqrt(self.head_size)
        self.query, self.key, self.value = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate, self.output = nn.Linear(hidden, intermediate), nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, states, attention_bias):
        rows, length, hidden = states.shape

        def split(projected):
            return projected.view(rows, length, self.heads, self.head_size).transpose(1, 2)

        scores = split(self.query(states)) @ split(self.key(states)).transpose(2, 3) * self.scale + attention_bias
        context = torch.softmax(scores, dim=-1) @ split(self.value(states))
        context = context.transpose(1, 2).contiguous().view(rows, length, hidden)
        attended = self.attention_norm(self.dropout(self.attention_output(context)) + states)
        fed = self.output(F.gelu(self.intermediate(attended)))
        return self.output_norm(self.dropout(fed) + attended)


class TextClassifier(nn.Module):
    """Token + position + type embeddings, layer norm, dropout, transformer layers, mean pooling over the mask,
    dropout, linear head."""

    def __init__(self, config, outputs=1, dropout=0.1, eps=1e-12):
        super().__init__()
        hidden = config["hidden"]
        self.words = nn.Embedding(config["vocab"], hidden)
        self.positions = nn.Embedding(config["positions"], hidden)
        self.types = nn.Embedding(config["types"], hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            TransformerLayer(hidden, config["heads"], config["intermediate"], dropout, eps) for _ in range(config["layers"]))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, ids, token_types, mask):
        position_ids = torch.arange(ids.shape[1], device=ids.device)
        states = self.words(ids) + self.positions(position_ids) + self.types(token_types)
        states = self.dropout(self.embedding_norm(states))
        bias = ((mask - 1) * 10000.0).unsqueeze(1).unsqueeze(2)  # 0 for tokens, -10000 for padding
        for layer in self.layers:
            states = layer(states, bias)
        weights = mask.unsqueeze(2)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp_min(1e-9)
        return self.head(self.dropout(pooled))


def text_loss(model, ids, labels):
    # Single texts of exactly 128 tokens: token types all 0, mask all 1 (float), as SequenceAssembler.cs makes them.
    logits = model(ids, torch.zeros_like(ids), torch.ones(ids.shape, device=ids.device))
    return F.binary_cross_entropy_with_logits(logits.squeeze(-1), labels)  # binary task: 1 logit, BCE on it


def minilm_128(rows, device, config):
    ids = torch.randint(0, config["vocab"], (rows, 128), device=device)
    labels = torch.randint(0, 2, (rows,), device=device).float()
    # TextClassifierOptions clips the gradient norm at 1 by default.
    return Workload(TextClassifier(config), (ids, labels), text_loss, 1.0)


# --- Recommenders (Models/Recommender/RecommenderNetwork.cs, RecommenderOptions defaults) ---------------------------

USERS, ITEMS = 100_000, 20_000


def key_table(keys, width):
    """Rows indexed by key, row 0 for the unknown key (no gradient); sparse gradients, so the optimiser touches only
    the rows a batch looked up (the C# optimiser's lazy Adam; torch.optim.SparseAdam here)."""
    return nn.Embedding(keys + 1, width, padding_idx=0, sparse=True)


class Recommender(nn.Module):
    """global + user bias + item bias + interaction (MF: dot product; NeuMF: fusion of a GMF and an MLP tower). The
    training forward also leaves the L2 penalty on everything it looked up, which the loss adds."""

    def __init__(self, neumf, global_bias, size=32, tower_layers=(64, 32), regularization=0.05):
        super().__init__()
        self.neumf, self.regularization = neumf, regularization
        self.global_bias = nn.Parameter(torch.tensor([global_bias]))
        self.user_bias, self.item_bias = key_table(USERS, 1), key_table(ITEMS, 1)
        self.user_factors, self.item_factors = key_table(USERS, size), key_table(ITEMS, size)
        if neumf:
            self.user_tower, self.item_tower = key_table(USERS, size), key_table(ITEMS, size)
            layers, width = [], 2 * size
            for units in tower_layers:
                layers += [nn.Linear(width, units), nn.ReLU()]
                width = units
            self.tower = nn.Sequential(*layers)
            self.fusion = nn.Linear(size + width, 1)
        self.penalty = None

    def forward(self, users, items):
        lookups = [self.user_bias(users), self.item_bias(items), self.user_factors(users), self.item_factors(items)]
        prediction = self.global_bias + lookups[0].squeeze(-1) + lookups[1].squeeze(-1)
        if not self.neumf:
            prediction = prediction + (lookups[2] * lookups[3]).sum(-1)
        else:
            user_in_tower, item_in_tower = self.user_tower(users), self.item_tower(items)
            lookups += [user_in_tower, item_in_tower]
            hidden = self.tower(torch.cat([user_in_tower, item_in_tower], 1))
            fused = self.fusion(torch.cat([lookups[2] * lookups[3], hidden], 1)).squeeze(-1)
            known = ((users > 0) & (items > 0)).float()  # key 0 (unknown) switches the interaction off
            prediction = prediction + fused * known
        if self.training:  # lambda times the mean over rows of the squared norms of every lookup
            self.penalty = sum((t * t).sum() for t in lookups) / users.shape[0] * self.regularization
        return prediction.unsqueeze(-1)


def recommender_loss(model, users, items, ratings):
    return F.mse_loss(model(users, items).squeeze(-1), ratings) + model.penalty


def recommender(rows, device, neumf):
    users = torch.randint(1, USERS + 1, (rows,), device=device)  # keys 1..n; 0 is the unknown key
    items = torch.randint(1, ITEMS + 1, (rows,), device=device)
    ratings = torch.randint(0, 11, (rows,), device=device).float()
    model = Recommender(neumf, global_bias=ratings.mean().item())  # the global bias starts at the mean rating
    return Workload(model, (users, items, ratings), recommender_loss, None)


# --- Timing ---------------------------------------------------------------------------------------------------------

# name: (batch size, builder(rows, device, args)); names ending in -bf16 train under bfloat16 autocast, as the C# side's
# TrainingPrecision.BFloat16 does (forward pass and loss inside it, backward and optimiser outside).
PRESETS = {
    "mlp": (512, lambda rows, device, args: mlp(rows, device)),
    "cnn": (512, lambda rows, device, args: cnn(rows, device)),
    "cnn-b2048": (2048, lambda rows, device, args: cnn(rows, device)),
    "resnet18-32": (256, lambda rows, device, args: resnet18_32(rows, device)),
    "minilm-128": (32, lambda rows, device, args: minilm_128(rows, device, TEXT_CONFIGS[args.text_config])),
    "minilm-128-bf16": (32, lambda rows, device, args: minilm_128(rows, device, TEXT_CONFIGS[args.text_config])),
    "mf": (4096, lambda rows, device, args: recommender(rows, device, neumf=False)),
    "neumf": (4096, lambda rows, device, args: recommender(rows, device, neumf=True)),
}


LEARNING_RATE, WEIGHT_DECAY = 1e-3, 0.01


def optimizers_for(model):
    """AdamW for dense parameters; SparseAdam (lazy Adam) for tables with sparse gradients."""
    sparse = [m.weight for m in model.modules() if isinstance(m, nn.Embedding) and m.sparse]
    sparse_ids = {id(p) for p in sparse}
    dense = [p for p in model.parameters() if id(p) not in sparse_ids]
    optimizers = [torch.optim.AdamW(dense, lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)]
    if sparse:
        optimizers.append(torch.optim.SparseAdam(sparse, lr=LEARNING_RATE))
    return optimizers, sparse


@torch.no_grad()
def decay_touched_rows(tables):
    """AdamW's decoupled weight decay on the rows a batch looked up, which SparseAdam lacks (the C# optimiser
    shrinks exactly those rows before its Adam update)."""
    for table in tables:
        rows = table.grad._indices()[0].unique()
        table.index_copy_(0, rows, table.index_select(0, rows) * (1 - LEARNING_RATE * WEIGHT_DECAY))


def batches(data, batch, device):
    """Endless batches of rows of data, in a new device-side random order each pass."""
    rows = data[0].shape[0]
    while True:
        order = torch.randperm(rows, device=device)
        for start in range(0, rows - batch + 1, batch):
            index = order[start:start + batch]
            yield [t[index] for t in data]


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def benchmark(name, args, device):
    full_batch, build = PRESETS[name]
    batch = max(2, round(full_batch * args.scale))
    torch.manual_seed(0)
    work = build(args.steps * batch, device, args)
    model = work.model.to(device)
    model.train()
    optimizers, sparse_tables = optimizers_for(model)
    stream = batches(work.data, batch, device)

    def train(steps):
        for _ in range(steps):
            inputs = next(stream)
            for optimizer in optimizers:
                optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=name.endswith("-bf16")):
                loss = work.loss(model, *inputs)
            loss.backward()
            if work.clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), work.clip_norm)
            decay_touched_rows(sparse_tables)
            for optimizer in optimizers:
                optimizer.step()

    train(args.warmup)
    synchronize(device)
    start = time.perf_counter()
    train(args.steps)
    synchronize(device)
    seconds = time.perf_counter() - start
    return {"runtime": "pytorch-eager", "preset": name, "device": device.type, "batch": batch, "steps": args.steps,
            "samples_per_s": round(args.steps * batch / seconds, 1), "seconds": round(seconds, 4)}


def main():
    parser = argparse.ArgumentParser(description="PyTorch eager training throughput of BigModel.MLNet's presets.")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per preset")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps before them")
    parser.add_argument("--only", help="comma-separated presets: " + ", ".join(PRESETS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every batch size (quick CPU smoke tests)")
    parser.add_argument("--text-config", choices=sorted(TEXT_CONFIGS), default="minilm",
                        help="encoder sizes of minilm-128 (default: all-MiniLM-L6-v2's)")
    args = parser.parse_args()

    names = args.only.split(",") if args.only else list(PRESETS)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        parser.error(f"unknown preset(s) {', '.join(unknown)}; choose from {', '.join(PRESETS)}")

    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        device_name = torch.cuda.get_device_name(device)
    else:
        device_name = f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, device {device} ({device_name}), text config {args.text_config}", file=sys.stderr)

    for name in names:
        print(json.dumps(benchmark(name, args, device)), flush=True)


if __name__ == "__main__":
    main()
