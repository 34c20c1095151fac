#!/usr/bin/env bash
# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
#
# Distributed training with torchrun:  tools/dist_train.sh CONFIG GPUS [train.py arguments]
# GPUS is the number of processes on this node. Without CUDA the processes train on the CPU with
# Gloo (NCCL is used when GPUs are present), e.g. `tools/dist_train.sh CONFIG 2` on a laptop.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
# PYTHON selects the interpreter (default: python).
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
