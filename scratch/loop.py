import numpy as np, sys
import fastcpp._core as fc
fc.set_num_threads(1)
rng=np.random.default_rng(0)
dt, k = sys.argv[1], int(sys.argv[2])
a=(rng.integers(0,256,(512,512)).astype(dt))
for _ in range(int(sys.argv[3])): fc.median_filter(a,k,mode="nearest")
