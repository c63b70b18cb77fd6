# Sourced by bin/counter and bench/: the JVM options the app is run and benchmarked with.
#   -XX:+UseTransparentHugePages  the heap on 2 MiB pages: about 5% more pixels a second in paired
#                                 runs (docs/performance.md). Only where the kernel offers them
#                                 (transparent_hugepage "madvise" or "always"), so no JVM warns.
jvm_options=()
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ] \
    && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  jvm_options+=(-XX:+UseTransparentHugePages)
fi
