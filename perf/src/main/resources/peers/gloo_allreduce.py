"""One rank of Fusewire's Gloo peer: an nccl-tests style AllReduce sweep with torch.distributed (gloo).

Prints, per size, a line the Fusewire harness reads:  RESULT <bytes> <count> <mean us> <wrong>
Run by `fusewire perf compare`; needs Debian's python3-torch (/usr/bin/python3).
"""
import argparse
import sys
import time

import torch
import torch.distributed as dist


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--world", type=int, required=True)
    parser.add_argument("--master", required=True, help="host:port of rank 0's rendezvous")
    parser.add_argument("-b", type=int, required=True)
    parser.add_argument("-e", type=int, required=True)
    parser.add_argument("-f", type=int, default=2)
    parser.add_argument("--iters", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    dist.init_process_group("gloo", init_method="tcp://" + args.master, rank=args.rank, world_size=args.world)
    size = args.b
    while size <= args.e:
        count = size // 4
        iters = args.iters if args.iters > 0 else max(5, min(200, (64 << 20) // size))
        data = torch.zeros(count, dtype=torch.float32)
        for _ in range(args.warmup):
            dist.all_reduce(data)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(iters):
            dist.all_reduce(data)
        mean_us = (time.perf_counter() - start) / iters * 1e6
        wrong = -1
        if args.check:
            index = torch.arange(count, dtype=torch.int64)
            data = ((index % 97) + args.rank).to(torch.float32)
            dist.all_reduce(data)
            expected = (args.world * (index % 97) + args.world * (args.world - 1) // 2).to(torch.float32)
            wrong = int((data != expected).sum().item())
        print("RESULT %d %d %.3f %d" % (size, count, mean_us, wrong), flush=True)
        size *= args.f
    dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except Exception as ex:  # reported to the harness, which names the peer
        print("FAILED rank %s: %s" % (sys.argv, ex), flush=True)
        sys.exit(1)
