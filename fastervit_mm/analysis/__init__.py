# Copyright (c) fastervit_mm contributors. Licensed under the Apache License 2.0.
"""Building blocks of the analysis tools in ``tools/analysis/`` (the scripts only parse arguments
and print), importable without the OpenMMLab stack (torch alone; mmengine only where a config is
built).

* :mod:`.timing`: the one timing loop (warm-up, timed steps, device synchronisation) and the
  matrix-product peak it measures;
* :mod:`.pairs`: the one alternating-pairs driver (run two benchmark commands A,B / B,A ... and
  compare them pair by pair);
* :mod:`.sizes`: the one size parser (``224``, ``800x1344``, ``--shape H W``) and the published
  resolution of a model name;
* :mod:`.classifier`: the one classifier wrapper (global pool + linear on a backbone's last map,
  the published classification model);
* :mod:`.model_factory`: "a config or an arch" built as a module that takes one image tensor;
* :mod:`.flops`: operation counts with fvcore (``get_flops.py``, achieved GFLOP/s).
"""
