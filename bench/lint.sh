#!/usr/bin/env bash
# `fanout lint` on real code: fetches the sources of open-source Java projects from Maven Central
# (their -sources jars), lints each, and prints files per second and findings per rule.
#
#   bench/lint.sh [ROUNDS]        (default: 3 rounds per project)
#
# Eight sets of projects, named below with their versions, in the order the rules met them
# (docs/lint.md tells the story):
#   tuning     the rules were first written and refined against these;
#   review1    held out, then reviewed by hand; the review led to a refinement;
#   review2    held out from that refinement, reviewed, and led to another;
#   review3    held out from that one, reviewed, and led to two fixes;
#   review4    held out from those, reviewed, and led to a correction and a refinement;
#   review5    held out from those, reviewed, and led to two more refinements;
#   review6    held out from those, reviewed, and led to three more refinements;
#   heldout    run only with the rules as shipped: their precision is the honest one.
# Each round is a fresh `fanout lint` process. "files/s" is the files found divided by the time the
# lint itself reports (walk, read, pre-filter, parse and analyse; JVM start not included); "wall"
# is the whole process, JVM start included. The median round is printed. Findings go to
# bench/target/lint/<project>.txt for review; the hand review is recorded in docs/lint.md. The
# table also goes to bench/target/lint/summary.md, which bench/run.sh's report puts in
# docs/benchmarks.md (BenchReport --lint).
#
# The machine is shared: compare only figures from one run.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
rounds="${1:-3}"
out="$bench/target/lint"
mkdir -p "$out/sources"

tuning=(
  org.apache.flink:flink-runtime:2.3.0
  org.apache.solr:solr-core:9.10.1
  io.lettuce:lettuce-core:7.7.0.RELEASE
  org.apache.zookeeper:zookeeper:3.9.5
  org.apache.hadoop:hadoop-aws:3.4.1
  org.apache.iceberg:iceberg-core:1.9.2
  org.apache.kafka:connect-runtime:4.1.1
  org.apache.activemq:activemq-broker:6.1.6
  org.apache.maven:maven-core:3.9.9
)
review1=(
  org.apache.cassandra:cassandra-all:5.0.4
  org.apache.hadoop:hadoop-common:3.4.1
  org.apache.hbase:hbase-server:2.6.2
  org.apache.iceberg:iceberg-aws:1.9.2
  org.apache.kafka:kafka-streams:4.1.1
  org.apache.pulsar:pulsar-broker:4.0.5
  org.springframework:spring-context:6.2.19
  io.vertx:vertx-core:5.0.7
)
review2=(
  org.apache.bookkeeper:bookkeeper-server:4.17.1
  org.apache.druid:druid-server:31.0.2
  org.elasticsearch:elasticsearch:8.18.0
  org.apache.hadoop:hadoop-hdfs:3.4.1
  org.apache.hive:hive-exec:4.0.1
  org.apache.ignite:ignite-core:2.17.0
  org.apache.pinot:pinot-core:1.3.0
  org.apache.ratis:ratis-server:3.1.3
  io.trino:trino-main:476
)
review3=(
  org.apache.accumulo:accumulo-core:2.1.3
  org.apache.curator:curator-framework:5.7.1
  org.apache.geode:geode-core:1.15.1
  org.apache.hadoop:hadoop-mapreduce-client-core:3.4.1
  org.apache.hadoop:hadoop-yarn-server-nodemanager:3.4.1
  org.apache.hbase:hbase-client:2.6.2
  org.apache.helix:helix-core:1.4.3
  com.datastax.oss:java-driver-core:4.17.0
  org.eclipse.jetty:jetty-util:12.0.22
  org.apache.kafka:kafka-server-common:4.1.1
  org.apache.lucene:lucene-core:10.2.2
  org.apache.pulsar:pulsar-client-original:4.0.5
  org.apache.storm:storm-client:2.7.1
  org.apache.tomcat.embed:tomcat-embed-core:10.1.41
)
review4=(
  com.zaxxer:HikariCP:6.3.0
  org.apache.activemq:artemis-server:2.41.0
  org.apache.camel:camel-base-engine:4.12.0
  org.apache.dubbo:dubbo:3.3.4
  io.grpc:grpc-core:1.72.0
  org.apache.hadoop:hadoop-yarn-server-resourcemanager:3.4.1
  org.apache.httpcomponents.client5:httpclient5:5.5
  org.quartz-scheduler:quartz:2.5.0
  org.redisson:redisson:3.45.1
  org.apache.rocketmq:rocketmq-broker:5.3.2
  org.apache.spark:spark-network-common_2.13:4.0.0
  org.apache.sshd:sshd-core:2.15.0
  org.apache.zookeeper:zookeeper-jute:3.9.3
)
review5=(
  org.apache.activemq:activemq-client:6.1.6
  org.apache.bookkeeper:bookkeeper-common:4.17.1
  org.apache.kafka:connect-mirror:4.1.1
  org.apache.curator:curator-recipes:5.7.1
  org.apache.flink:flink-clients:2.0.0
  org.apache.hadoop:hadoop-hdfs-client:3.4.1
  org.apache.hadoop:hadoop-yarn-common:3.4.1
  com.hazelcast:hazelcast:5.5.0
  org.apache.hbase:hbase-common:2.6.2
  org.apache.hive:hive-service:4.0.1
  org.infinispan:infinispan-core:15.2.1.Final
  org.apache.kafka:kafka-tools:4.1.1
  org.apache.storm:storm-server:2.7.1
)
review6=(
  org.apache.atlas:atlas-intg:2.4.0
  org.apache.curator:curator-client:5.7.1
  org.apache.drill.exec:drill-java-exec:1.21.2
  org.apache.hadoop:hadoop-mapreduce-client-app:3.4.1
  org.apache.hadoop:hadoop-yarn-server-common:3.4.1
  org.apache.hbase:hbase-procedure:2.6.2
  org.apache.hive:hive-llap-server:4.0.1
  org.apache.kafka:kafka-group-coordinator:4.1.1
  org.apache.kafka:kafka-storage:4.1.1
  org.apache.oozie:oozie-core:5.2.1
  org.apache.phoenix:phoenix-core:5.2.1
  org.apache.ranger:ranger-plugins-common:2.6.0
  org.apache.tez:tez-dag:0.10.4
)
heldout=(
  org.apache.hudi:hudi-common:0.15.0
  org.apache.paimon:paimon-core:1.0.1
  com.linecorp.armeria:armeria:1.31.3
  org.apache.camel:camel-core-processor:4.12.0
  org.apache.kafka:kafka-clients:4.1.1
  org.apache.kafka:kafka-raft:4.1.1
  org.apache.flink:flink-streaming-java:2.0.0
  io.debezium:debezium-embedded:3.0.8.Final
  org.opensearch:opensearch:2.19.1
  org.apache.druid:druid-processing:31.0.2
  org.apache.solr:solr-solrj:9.10.1
  org.apache.hadoop:hadoop-distcp:3.4.1
  org.apache.iceberg:iceberg-data:1.9.2
  org.apache.shardingsphere:shardingsphere-infra-executor:5.5.2
  org.apache.hadoop:hadoop-azure:3.4.1
)

fetch() { # g:a:v -> unpacked directory
  local gav="$1" a v dir
  a=$(cut -d: -f2 <<<"$gav")
  v=$(cut -d: -f3 <<<"$gav")
  dir="$out/sources/$a-$v"
  if [ ! -d "$dir" ]; then
    "$root/mvnw" -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      "-Dartifact=$gav:jar:sources" "-DoutputDirectory=$out/sources" 2>&1 | grep -v "^WARNING" >&2 || true
    mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && unzip -q "../$a-$v-sources.jar")
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

"$root/fanout" lint --version >/dev/null # builds the CLI first if needed
# Then a copy of that jar for every round, so that a rebuild meanwhile cannot change or break it;
# run as ./fanout runs it (C1 only).
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
jdk=$(find_jdk)
cp "$root/cli/target/fanout.jar" "$out/fanout.jar"
lint() { "$jdk/bin/java" -XX:TieredStopAtLevel=1 -jar "$out/fanout.jar" lint "$@"; }
table="$out/summary.md" # read by bench/run.sh's report (BenchReport --lint) for docs/benchmarks.md
{
  echo "From \`bench/lint.sh $rounds\` at \`$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)\`," \
    "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg) at the start;" \
    "the median of $rounds rounds, each a fresh \`fanout lint\` process. files/s: files found ÷ the" \
    "time the lint reports (walk, read, pre-filter, parse, analyse); wall: the whole process, JVM" \
    "start included. Precision, by hand review: [lint.md](lint.md#on-real-code)."
  echo
  echo "| set | project | files | parsed | files/s | wall | findings | per rule |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$table"
printf '%-9s %-34s %7s %7s %9s %8s %9s  %s\n' set project files parsed files/s wall findings "per rule"
total_files=0
total_ms=0
for set in tuning review1 review2 review3 review4 review5 review6 heldout; do
  declare -n list="$set"
  for gav in "${list[@]}"; do
    dir=$(fetch "$gav")
    name=$(basename "$dir")
    times=()
    walls=()
    for ((r = 1; r <= rounds; r++)); do
      start=$(date +%s%N)
      (cd "$dir" && lint . >"$out/$name.txt" 2>"$out/$name.err") || true
      walls+=($((($(date +%s%N) - start) / 1000000)))
      # fanout lint: N findings in F files (P parsed, S skipped) in T ms
      last=$(tail -1 "$out/$name.err")
      times+=("$(sed -E 's/.* in ([0-9]+) ms$/\1/' <<<"$last")")
    done
    files=$(sed -E 's/.* in ([0-9]+) files.*/\1/' <<<"$last")
    parsed=$(sed -E 's/.*\(([0-9]+) parsed.*/\1/' <<<"$last")
    findings=$(wc -l <"$out/$name.txt")
    ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((rounds + 1) / 2))p")
    rules=$(awk '{print $2}' "$out/$name.txt" | sort | uniq -c | awk '{printf "%s %s ", $2, $1}')
    printf '%-9s %-34s %7s %7s %9s %7ss %9s  %s\n' "$set" "$name" "$files" "$parsed" \
      "$((files * 1000 / (ms > 0 ? ms : 1)))" "$(awk "BEGIN{printf \"%.1f\", $wall/1000}")" \
      "$findings" "${rules:--}"
    echo "| $set | $name | $files | $parsed | $((files * 1000 / (ms > 0 ? ms : 1))) |" \
      "$(awk "BEGIN{printf \"%.1f\", $wall/1000}") s | $findings | ${rules:--} |" >>"$table"
    total_files=$((total_files + files))
    total_ms=$((total_ms + ms))
  done
done
all="all: $total_files files in $total_ms ms of linting: $((total_files * 1000 / total_ms)) files/s"
echo "$all ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
{
  echo
  echo "${all#all: }, all projects together (load $(cut -d' ' -f1 /proc/loadavg) at the end)."
} >>"$table"
