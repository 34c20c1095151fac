#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# Distributed training with torchrun:  tools/dist_train.sh CONFIG GPUS [train.py arguments]
# GPUS is the number of processes on this node. Without CUDA the processes train on the CPU with
# Gloo (NCCL is used when GPUs are present), e.g. `tools/dist_train.sh CONFIG 2` on a laptop.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node; PYTHON picks the
# interpreter (default: python).
exec "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
