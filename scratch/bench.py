import time, numpy as np, scipy.ndimage as ndi, cv2, sys
import fastcpp._core as fc
def t(f, rep=5):
    f(); best=1e9
    for _ in range(rep):
        s=time.perf_counter(); f(); best=min(best,time.perf_counter()-s)
    return best
rng=np.random.default_rng(0)
u8=rng.integers(0,256,(512,512),dtype=np.uint8)
f32=rng.random((512,512),dtype=np.float32)
print("threads", fc.get_num_threads())
for name,a,k,doscipy in [("f32",f32,5,True),("u8",u8,9,True),("u8",u8,3,False),("u8",u8,5,False),("f32",f32,3,False)]:
    tf=t(lambda: fc.median_filter(a,k,mode="nearest"))
    tc=t(lambda: cv2.medianBlur(a,k))
    assert np.array_equal(fc.median_filter(a,k,mode="nearest"), cv2.medianBlur(a,k)) or name=="f32" and k>5
    line=f"{name} size {k}: fastcpp {tf*1e3:.3f} ms  cv2 {tc*1e3:.3f} ms  ratio/cv2 {tf/tc:.2f}"
    if doscipy:
        ts=t(lambda: ndi.median_filter(a,k,mode="nearest"),1)
        line+=f"  scipy {ts*1e3:.1f} ms ratio/scipy {tf/ts:.4f}"
    print(line)
