# Sourced by ./optin and ./optin-spark: sets heap_opts, the JVM heap options used where OPTIN_JAVA_OPTS is not set.
# 8 GB, or three quarters of the memory this machine (or its container) has where that is less, so that a run too
# large for the machine meets optin's own memory checks (a clear refusal, or the embedding recipe's smaller row count)
# instead of swapping or the kernel's out-of-memory killer. A bounded young generation keeps the touched heap small
# (the scoring passes allocate each batch's activations anew; each fresh page costs the kernel a fault and a clear).
optin_memory_kb() {
  local kb limit
  kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || true)
  limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || true)
  if [[ "$limit" =~ ^[0-9]+$ ]] && [[ -n "$kb" ]] && (( limit / 1024 < kb )); then kb=$(( limit / 1024 )); fi
  echo "${kb:-}"
}
heap_opts="-Xmx8g -XX:MaxNewSize=768m"
optin_kb=$(optin_memory_kb)
if [[ "$optin_kb" =~ ^[0-9]+$ ]] && (( optin_kb * 3 / 4 < 8 * 1024 * 1024 )); then
  optin_mb=$(( optin_kb * 3 / 4 / 1024 ))
  heap_opts="-Xmx${optin_mb}m"
  (( optin_mb >= 3072 )) && heap_opts="$heap_opts -XX:MaxNewSize=768m"
fi
