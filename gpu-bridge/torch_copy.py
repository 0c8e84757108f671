"""The reference for `perf gpu`'s copy bandwidth: PyTorch copying 256 MiB of fp32 between a GPU and
pinned host memory, non-blocking then synchronised, median [min-max] GB/s of 5 after one untimed."""
import statistics
import time

import torch

BYTES = 256 << 20
REPS = 5


def gbps(copy):
    copy()
    torch.cuda.synchronize()
    rates = []
    for _ in range(REPS):
        start = time.perf_counter()
        copy()
        torch.cuda.synchronize()
        rates.append(BYTES / (time.perf_counter() - start) / 1e9)
    return f"{statistics.median(rates):.2f} [{min(rates):.2f}-{max(rates):.2f}]"


device = torch.empty(BYTES // 4, dtype=torch.float32, device="cuda")
pinned = torch.empty(BYTES // 4, dtype=torch.float32, pin_memory=True)
print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}: copy 256 MiB, GB/s, median [min-max] of {REPS}:")
print("  to pinned host, copy_(non_blocking=True):", gbps(lambda: pinned.copy_(device, non_blocking=True)))
print("  .to('cpu', non_blocking=True):          ", gbps(lambda: device.to("cpu", non_blocking=True)))
print("  to device, .to('cuda', non_blocking=True):", gbps(lambda: pinned.to("cuda", non_blocking=True)))
