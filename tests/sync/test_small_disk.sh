
# ---- Nothing queued on a nearly full disk: nothing to do is not a failure. ----
fallocate -l $((($(df -k --output=avail "$TINY" | tail -1) - 100) * 1024)) "$TINY/fill"
sync_to "http://127.0.0.1:$PORT" --once > /dev/null 2> "$SCRATCH/none.err"
check "100 KiB free, nothing queued: sync exits 0" test $? -eq 0
