package dev.fanout.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's arithmetic and verdicts on a hand-made run (src/test/resources: run.json in JMH's
 * format, go.txt in go test's), whose figures were chosen to meet some targets and miss others.
 */
class BenchReportTest {
  private static Run run;
  private static Page.Sections sections;

  @BeforeAll
  static void read() throws Exception {
    run = new Run(JmhJson.read(fixture("run.json")), GoBench.read(fixture("go.txt")));
    sections = Page.Sections.of(run);
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(BenchReportTest.class.getResource(name).toURI());
  }

  @Test
  void aFigureIsTheMedianOfItsIterationsWithTheirRange() {
    assertEquals(new Figure(2, 1, 3, 3), Figure.of(List.of(3.0, 1.0, 2.0)));
    assertEquals(new Figure(2.5, 1, 4, 4), Figure.of(List.of(4.0, 1.0, 3.0, 2.0)));
  }

  @Test
  void everyForksIterationsCountAndScoresBecomeNanoseconds() {
    Measurement rendezvous = find("ChannelBenchmark", "transfer", "fanout-rendezvous");
    assertEquals(new Figure(81, 78, 90, 4), rendezvous.ns());
    Measurement floor = find("FanOutBenchmark", "jdk_threadPerTask", null);
    assertEquals(10_000, floor.intParam("n", 0));
    assertEquals(2_000_000, floor.ns().median(), 1e-6); // 2,000 us per operation
    assertEquals(400 * 10_000, floor.allocBytes().median(), 1e-6);
  }

  @Test
  void aSampledBenchmarkGivesEachIterationsMedianSample() {
    FailFast.Row ours = FailFast.get(sections.failFast(), FailFast.OURS);
    assertEquals(new Figure(65_500, 65_000, 66_000, 2), ours.p50());
    assertEquals(160_000, ours.p99(), 1e-6);
  }

  @Test
  void goResultsAreReadPerItemForTransfers() {
    assertEquals(new Figure(2.6, 2.5, 2.7, 2), run.go().get("Order_atomic1"));
    assertEquals("go1.19.8 linux/amd64", run.go().config().get("goversion"));
    Channels.Row r = row(new Channels.Shape(1, 0, false, false));
    assertEquals(62, r.go().median(), 1e-9);
  }

  @Test
  void oursIsDividedByTheBestJvmPeerOfTheSameConfiguration() {
    Channels.Row rendezvous = row(new Channels.Shape(1, 0, false, false));
    assertEquals("SynchronousQueue", rendezvous.bestJvmPeer().getKey());
    Channels.Row buffered = row(new Channels.Shape(1, 16, false, false));
    assertEquals("jox", buffered.bestJvmPeer().getKey());
    assertEquals(50.0 / 52, buffered.ours().ratioTo(buffered.bestJvmPeer().getValue()), 1e-9);
    assertEquals(
        List.of("fanout", "SynchronousQueue", "ArrayBlockingQueue", "jox", "Go"),
        Channels.columns(sections.channels()));
    assertTrue(
        Channels.markdown(sections.channels())
            .contains("| 1 → 1, buffered(16) | **50** | – | 100 | 52 | 41 (40–42) | 0.96 (jox) |"));
  }

  @Test
  void fanOutIsPerTaskAndComparedWithTheFloorAndTheBestJdkWay() {
    FanOut.Table big = FanOut.at(sections.fanOut(), 10_000);
    assertEquals(200, big.get(FanOut.FLOOR).perTask().median(), 1e-9);
    assertEquals(FanOut.INVOKE_ALL, big.bestPeer().method());
    assertEquals(520, big.get("fanout_batch").allocPerTask().median(), 1e-9);
  }

  @Test
  void targetsAreMetMissedWithTheGapOrNotMeasured() {
    Targets.Target jvm = target("`Channel` ahead");
    assertEquals(Targets.Verdict.MISSED, jvm.verdict());
    assertTrue(jvm.words().contains("1 → 1, buffered(16) against jox: 0.96, 6% over"), jvm.words());
    assertTrue(!jvm.words().contains("1 → 1, rendezvous against"), jvm.words());
    assertEquals(Targets.Verdict.MET, target("`Channel` within 1.5x of Go").verdict());
    Targets.Target carrier = target("`Channel` on one carrier");
    assertEquals(Targets.Verdict.MISSED, carrier.verdict());
    assertTrue(carrier.words().contains("1 → 1, buffered(16): 2.40, 20% over"), carrier.words());
    assertEquals(Targets.Verdict.MISSED, target("Fan-out at n = 10,000: `Batch`").verdict());
    Targets.Target invokeAll = target("Fan-out at n = 10,000: the same");
    assertEquals(Targets.Verdict.MISSED, invokeAll.verdict());
    assertTrue(invokeAll.words().contains("`fanout_batch`: 1.17"), invokeAll.words());
    assertTrue(!invokeAll.words().contains("`fanout_taskGroup`:"), invokeAll.words());
    assertEquals(Targets.Verdict.MET, target("Fan-out at n = 10:").verdict());
    assertEquals(Targets.Verdict.MET, target("Fail-fast").verdict());
    assertEquals(Targets.Verdict.MET, target("`RateLimiter").verdict());
  }

  @Test
  void aRunWithoutTheBenchmarksMeasuresNoTarget() {
    Page.Sections none = Page.Sections.of(new Run(List.of(), GoBench.NONE));
    for (Targets.Target t : none.targets()) {
      assertEquals(Targets.Verdict.NOT_MEASURED, t.verdict(), t.goal());
      assertEquals("not measured in this run", t.words());
    }
  }

  @Test
  void aTargetMeasuredInPartSaysWhatWasNot() {
    Targets.Target t =
        new Targets.Target(
            "x",
            List.of(
                new Targets.Check("a", 0.5, 1, false, false),
                new Targets.Check("b", null, 1, false, false)));
    assertEquals(Targets.Verdict.PARTLY_MEASURED, t.verdict());
    assertEquals("**not known**: met where measured (not measured in this run: b)", t.words());
  }

  @Test
  void theCostOrderingSaysWhichPairBreaksIt() {
    String java = CostOrdering.verdict("Java", CostOrdering.java(sections.costs()));
    assertEquals(
        "Java: **the ordering does not hold**: mutex (`lock1`, 20 ns) is not cheaper than"
            + " uncontended channel send (`channel1to1`, 15 ns).",
        java);
    String go = CostOrdering.verdict("Go", CostOrdering.go(sections.costs()));
    assertEquals(
        "Go: the ordering holds: atomic 2.6 ns < mutex 9.0 ns < uncontended channel send 60 ns"
            + " < contended channel send 110 ns.",
        go);
    assertEquals(
        "Go: not measured in this run (missing: `atomic1`, `lock1`, `channel1to1`,"
            + " `channel4to1`).",
        CostOrdering.verdict("Go", Map.of()));
    assertEquals(CostOrdering.NAMES.size(), sections.costs().size());
  }

  @Test
  void theHostIsRecordedBesideTheRunAndReadBackWhenThePageIsWrittenAgain(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("run.host");
    Header.Host first = Header.Host.recordedOrCurrent(file);
    assertEquals(first, Header.Host.current(), "no record yet: this host, now recorded");
    assertTrue(Files.exists(file));
    Files.write(file, List.of("machine=64 CPUs (elsewhere)", "os=Other OS", "peers=jox 0.1"));
    Header.Host recorded = Header.Host.recordedOrCurrent(file);
    assertEquals(new Header.Host("64 CPUs (elsewhere)", "Other OS", "jox 0.1"), recorded);
    String header =
        Header.markdown(
            run,
            new Header.Info("bench/run.sh", "abc1234", null, List.of(), null, recorded),
            ZonedDateTime.now());
    assertTrue(header.contains("| machine | 64 CPUs (elsewhere) |"), header);
    assertTrue(header.contains("| peers | jox 0.1 |"), header);
  }

  @Test
  void theCpuTableDividesCpuByWallForTheProfiledBenchmarksOnly() {
    // The fixture profiles one benchmark: a rendezvous transfer with wall 78, 80, 82, 90 ns and
    // CPU 156, 160, 164, 180 ns per item, so the medians are 81 and 162: CPU ÷ wall 2.00.
    String table = Others.cpu(run);
    List<String> rows = table.lines().filter(l -> l.startsWith("| `")).toList();
    assertEquals(1, rows.size(), table);
    assertTrue(rows.get(0).contains("pipe=fanout-rendezvous"), rows.get(0));
    assertTrue(rows.get(0).endsWith("| 2.00 | item |"), rows.get(0));
    assertEquals(null, Others.cpu(new Run(List.of(), GoBench.NONE)), "no profile, no table");
  }

  @Test
  void thePageHasEverySectionAndLinksOnlyTheChartsWritten() throws Exception {
    Header.Info info = new Header.Info("bench/run.sh", "abc1234", null, List.of("run.json"), null);
    String page =
        Page.markdown(run, sections, info, ZonedDateTime.now(), Set.of(Charts.CHANNELS), "bench/");
    for (String heading :
        List.of(
            "## Targets",
            "## Channels",
            "### n = 10,000",
            "## Fail-fast latency",
            "## Rate limiters",
            "## Cost ordering",
            "## Allocation",
            "## Other benchmarks in this run",
            "[benchmarks-systems.md](benchmarks-systems.md)")) {
      assertTrue(page.contains(heading), heading);
    }
    // Every section appears whatever the run measured; the fixture measures each of these, so each
    // must hold a table of figures and no "not measured" in place of one.
    for (String section :
        List.of(
            "## Targets",
            "## Channels",
            "## Fail-fast latency",
            "## Rate limiters",
            "## Cost ordering",
            "## Allocation")) {
      int start = page.indexOf(section);
      int end = page.indexOf("\n## ", start + section.length());
      String body = page.substring(start, end < 0 ? page.length() : end);
      assertTrue(body.contains("\n| "), section + " has no table: " + body);
      assertFalse(body.contains("Not measured"), section + ": " + body);
    }
    assertTrue(page.contains("](bench/channels.png)"));
    assertTrue(!page.contains("](bench/fan-out-10000.png)"));
    assertTrue(page.contains("| `FormatBenchmark.markdown` | paragraphs=1 | 6.9 (6.7–7.0) µs |"));
  }

  private static Measurement find(String cls, String method, String pipe) {
    return run.jmh().stream()
        .filter(m -> m.className().equals(cls) && m.method().equals(method))
        .filter(m -> pipe == null || pipe.equals(m.param("pipe")))
        .findFirst()
        .orElseThrow();
  }

  private static Channels.Row row(Channels.Shape shape) {
    Channels.Row r =
        sections.channels().stream().filter(x -> x.shape().equals(shape)).findFirst().orElse(null);
    assertNotNull(r, shape.toString());
    return r;
  }

  /** The one target whose goal starts with {@code prefix}. */
  private static Targets.Target target(String prefix) {
    List<Targets.Target> found =
        sections.targets().stream().filter(t -> t.goal().startsWith(prefix)).toList();
    assertEquals(1, found.size(), "targets starting with " + prefix);
    return found.get(0);
  }
}
