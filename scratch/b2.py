import time, numpy as np, cv2
import fastcpp._core as fc
def t(f, rep=20):
    f(); best=1e9
    for _ in range(rep):
        s=time.perf_counter(); f(); best=min(best,time.perf_counter()-s)
    return best
rng=np.random.default_rng(0)
u8=rng.integers(0,256,(512,512),dtype=np.uint8)
f32=rng.random((512,512),dtype=np.float32)
small=u8[:4,:4].copy()
print("tiny call", t(lambda: fc.median_filter(small,3))*1e6, "us")
print("np.empty_like", t(lambda: np.empty_like(u8))*1e6, "us")
for th in [1,2]:
    fc.set_num_threads(th)
    for a,k in [(u8,3),(u8,5),(f32,3),(f32,5),(u8,9)]:
        print(th, a.dtype, k, "%.3f ms"%(t(lambda: fc.median_filter(a,k,mode="nearest"))*1e3), "cv2 %.3f"%(t(lambda: cv2.medianBlur(a,k))*1e3))
