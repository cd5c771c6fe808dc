# Sourced by ./fanout and .ci/run. Defines find_jdk: prints the home of the first JDK >= 21
# (with javac) among $JAVA_HOME, `java` on PATH, and /usr/lib/jvm/*; returns 1 if there is none.

fanout_jdk_major() { # $1 = a JDK home; prints its feature version (17, 21, 25...)
  local v
  v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  case "$v" in
    1.*) v=${v#1.}; echo "${v%%.*}" ;;
    *) v=${v%%[.+-]*}; echo "${v%%[!0-9]*}" ;;
  esac
}

find_jdk() {
  local cand java_bin major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if java_bin=$(command -v java 2>/dev/null); then
    java_bin=$(readlink -f "$java_bin")
    candidates+=("$(dirname "$(dirname "$java_bin")")")
  fi
  for cand in /usr/lib/jvm/*; do
    [ -d "$cand" ] && candidates+=("$cand")
  done
  for cand in "${candidates[@]}"; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(fanout_jdk_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      echo "$cand"
      return 0
    fi
  done
  return 1
}
