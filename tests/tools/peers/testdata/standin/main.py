"""A stand-in for hlb-CIFAR10's main.py, written from scratch for tests/tools/peers_test.py
(CI has no copy of the original). It trains nothing and needs no torch: it holds the lines
that tools/peers/peers.py's hlb_record patches change (so the CPU mode applies to it as to the
original) and prints its results in the original's format: one table, a row per epoch, a bar
after each run's last row, then the mean and variance of the runs' final ema_val_acc.
STANDIN_DIVERGE_RUN=k prints NaN losses in run k; STANDIN_DIE_RUN=k exits after run k's
first row (a truncated log)."""
import math
import os
import sys
import time


class _Stub:
    """Stands for torch and the network: attribute access and calls do nothing."""
    def __getattr__(self, name):
        return _Stub()

    def __call__(self, *args, **kwargs):
        return _Stub()


torch = _Stub()
hyp = {
    'net': {
        'base_depth': 64 ## lines the tool patches, as in the original
    },
    'misc': {
        'train_epochs': 12.1,
        'device': 'cuda',
    }
}


def unused_lines_the_tool_patches(inputs, num_epoch_examples, net):
    net.half() # Convert network to half (the original's comment)
    torch.randperm(inputs.shape[0], device='cuda')
    torch.randperm(num_epoch_examples, device='cuda')


def row(values, widths):
    return "".join("|  %s  " % v.rjust(w) for v, w in zip(values, widths)) + "|"


columns = ['epoch', 'train_loss', 'val_loss', 'train_acc', 'val_acc', 'ema_val_acc', 'total_time_seconds']
head = row(columns, [len(c) for c in columns])
print('-' * len(head))
print(head)
print('-' * len(head))


def main(run_num):
    starter, ender = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    total_time_seconds = 0.
    depth = hyp['net']['base_depth']
    epochs = math.ceil(hyp['misc']['train_epochs'])
    acc = 0.0
    for epoch in range(epochs):
        torch.cuda.synchronize()
        starter.record()
        time.sleep(0.01)
        ender.record()
        torch.cuda.synchronize()
        total_time_seconds += 1e-3 * starter.elapsed_time(ender)
        # A made-up learning curve: wider and longer is better, never 94%.
        acc = 0.10 + 0.8 * (1 - math.exp(-(epoch + 1) * depth / 64.0)) - 0.001 * run_num
        loss = float('nan') if os.environ.get('STANDIN_DIVERGE_RUN') == str(run_num) else 2.3 * (1 - acc)
        cells = [str(epoch)] + ["{:0.4f}".format(v) for v in (loss, loss * 1.1, acc - 0.02, acc - 0.01, acc, total_time_seconds)]
        print(row(cells, [len(c) for c in columns]))
        sys.stdout.flush()
        if os.environ.get('STANDIN_DIE_RUN') == str(run_num):
            sys.exit(3)
    print('-' * len(head))
    return acc


if __name__ == "__main__":
    acc_list = []
    for run_num in range(25):
        acc_list.append(main(run_num))
    mean = sum(acc_list) / len(acc_list)
    var = sum((a - mean) ** 2 for a in acc_list) / max(1, len(acc_list) - 1)
    print("Mean and variance:", (mean, var))
