# Sourced by bin/counter and bench/: the JVM options the app is run and benchmarked with. Each was
# kept because paired runs measured it better (docs/performance.md, "The defaults, as tuned").
#   -XX:+UseParallelGC            the pixel path's garbage dies young and little stays live, so the
#                                 throughput collector pauses less often and no longer than G1
#                                 here: lower p99 in 12 of 14 paired rounds. A collector chosen in
#                                 JAVA_OPTS wins.
#   -XX:+UseTransparentHugePages  the heap on 2 MiB pages: about 5% more pixels a second. Only
#                                 where the kernel offers them ("madvise" or "always"), so no JVM
#                                 warns where it does not.
jvm_options=()
case " ${JAVA_OPTS:-} " in
  *" -XX:+Use"*"GC "*) ;;
  *) jvm_options+=(-XX:+UseParallelGC) ;;
esac
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ] \
    && ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
  jvm_options+=(-XX:+UseTransparentHugePages)
fi
